#include "api/v1/v1.h"

#include "core/report_json.h"
#include "core/session.h"

/*
 * A dead session's cookie is cleared with the 401 that refuses it: the browser's next requests
 * are the public's, not refused one by one.
 */
static bool refuse_dead_cookie(struct dmr_app *a, struct http_response *res,
			       const struct dmr_error *err)
{
	http_respond_error(res, err);
	return http_set_session_cookie(res, "", 0, a->cfg->secure_cookies);
}

bool api_v1_session(void *app, const struct http_request *req, struct http_response *res,
		    struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct db_rows rows;
	struct whoami_view v;
	json_t *services;

	if (!session_whoami(a->pool, http_bearer_token(req), &rows, err))
		return err->http_status == 401 && http_credential_from_cookie(req)
			       ? refuse_dead_cookie(a, res, err)
			       : false;
	whoami_view_read(&rows, &v);
	services = json_loads(v.services_json, 0, NULL);
	http_add_header(res, "Cache-Control", "private, no-store");
	http_respond_json(res, 200,
			  json_pack("{s:s, s:s, s:o, s:o}", "role", v.role, "name", v.name,
				    "services", services ? services : json_array(),
				    "session_expires_at", json_text_or_null(v.session_expires_at)));
	db_rows_free(&rows);
	return true;
}
