#include <stdio.h>
#include <string.h>

#include "api/v1/json_body.h"
#include "core/report_json.h"
#include "api/v1/v1.h"
#include "core/follow.h"
#include "base/log.h"
#include "http/query.h"

typedef bool (*follow_fn)(struct db_pool *pool, long long report_id,
			  const struct follower_input *who, struct follow_result *out,
			  struct dmr_error *err);

/* POST and DELETE share the body, {"email": ..} and/or {"device_id": ..}, and the answer. */
static bool follow_request(struct dmr_app *a, const struct http_request *req,
			   struct http_response *res, follow_fn fn, struct dmr_error *err)
{
	static const char *const known[] = {"email", "device_id", NULL};
	struct follower_input who = {0};
	struct follow_result out;
	long long id;
	json_t *body = NULL, *answer;
	bool ok;

	ok = api_report_id(req, &id, err) && (body = json_request_object(req, err)) &&
	     json_fields_known(body, known, err) &&
	     json_field_string(body, "email", &who.email, err) &&
	     json_field_string(body, "device_id", &who.device_id, err) &&
	     fn(a->pool, id, &who, &out, err);
	json_decref(body);
	if (!ok)
		return false;
	answer = json_pack("{s:I, s:i}", "report_id", (json_int_t)out.report_id, "followers",
			   out.followers);
	/* Accepted, not done: the follow counts once its owner confirms it by e-mail. */
	if (out.awaiting_email)
		json_object_set_new(answer, "pending", json_string("email_confirmation"));
	http_add_header(res, "Cache-Control", "no-store");
	http_respond_json(res, out.awaiting_email ? 202 : 200, answer);
	return true;
}

bool api_v1_follow(void *app, const struct http_request *req, struct http_response *res,
		   struct dmr_error *err)
{
	return follow_request(app, req, res, follow_add, err);
}

bool api_v1_unfollow(void *app, const struct http_request *req, struct http_response *res,
		     struct dmr_error *err)
{
	return follow_request(app, req, res, follow_remove, err);
}

static json_t *rows_json(const struct report_rows *rows)
{
	struct report_view view;
	json_t *list = json_array();

	for (int i = 0; i < rows->count; i++) {
		report_view_read(rows, i, &view);
		json_array_append_new(list, report_json(&view));
	}
	return list;
}

bool api_v1_suggestions(void *app, const struct http_request *req, struct http_response *res,
			struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct report_rows rows;
	double lat, lon;
	long long category;
	bool present;

	if (!query_double(req, "lat", true, &lat, &present, err) ||
	    !query_double(req, "lon", true, &lon, &present, err) ||
	    !query_int(req, "category_id", true, &category, &present, err) ||
	    !follow_suggestions(a->pool, lat, lon, category, 0, &rows, err))
		return false;
	http_add_header(res, "Cache-Control", "no-cache");
	http_respond_json(res, 200, json_pack("{s:o}", "suggestions", rows_json(&rows)));
	report_rows_free(&rows);
	return true;
}

json_t *api_suggestions_json(struct dmr_app *a, double lat, double lon, long long category_id,
			     long long exclude_id)
{
	struct dmr_error err;
	struct report_rows rows;
	json_t *list;

	/* The report is stored: a failure here must not turn its creation into an error. */
	if (!follow_suggestions(a->pool, lat, lon, category_id, exclude_id, &rows, &err)) {
		log_warn("suggestions after creating report %lld: %s", exclude_id, err.message);
		return json_array();
	}
	list = rows_json(&rows);
	report_rows_free(&rows);
	return list;
}
