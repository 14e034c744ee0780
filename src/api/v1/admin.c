#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/v1/json_body.h"
#include "api/v1/v1.h"
#include "core/catalog.h"
#include "http/query.h"
#include "notify/outbox.h"

#define OUTBOX_LIMIT_MAX 500

bool api_v1_outbox(void *app, const struct http_request *req, struct http_response *res,
		   struct dmr_error *err)
{
	struct dmr_app *a = app;
	const char *state;
	long long before = 0, limit = 50;
	bool present;
	json_t *messages;

	if (!query_text(req, "state", &state, err) ||
	    !query_int(req, "before", false, &before, &present, err) ||
	    !query_int(req, "limit", false, &limit, &present, err))
		return false;
	if (limit < 1 || limit > OUTBOX_LIMIT_MAX || before < 0)
		return dmr_fail(err, "invalid_parameter", before < 0 ? "before" : "limit",
				"limit: 1 to %d; before: a message id", OUTBOX_LIMIT_MAX);
	messages = outbox_list(a->pool, http_bearer_token(req), state, before, (int)limit, err);
	if (!messages)
		return false;
	http_add_header(res, "Cache-Control", "private, no-store");
	http_respond_json(res, 200, json_pack("{s:o}", "messages", messages));
	return true;
}

bool api_v1_outbox_retry(void *app, const struct http_request *req, struct http_response *res,
			 struct dmr_error *err)
{
	struct dmr_app *a = app;
	long long id;

	if (!parse_int_strict(req->params[0], &id) || id <= 0) {
		dmr_fail(err, "not_found", NULL, "no message has id %.40s", req->params[0]);
		return false;
	}
	if (!outbox_retry(a->pool, http_bearer_token(req), id, err))
		return false;
	http_respond_json(res, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id, "state",
					      "pending"));
	return true;
}

static json_t *area_override_json(const char *area_kind, int category_id, const char *service,
				  const char *source)
{
	return json_pack("{s:s, s:i, s:o, s:s}", "area_kind", area_kind, "category_id",
			 category_id, "service", service ? json_string(service) : json_null(),
			 "source", source);
}

bool api_v1_area_overrides(void *app, const struct http_request *req, struct http_response *res,
			   struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct db_rows rows;
	struct area_override_view v;
	json_t *list, *item;

	(void)req;
	if (!catalog_area_overrides(a->pool, &rows, err))
		return false;
	list = json_array();
	for (int i = 0; i < rows.count; i++) {
		area_override_view_read(&rows, i, &v);
		item = area_override_json(v.area_kind, v.category_id, v.service_code, v.source);
		json_object_set_new(item, "category_label", json_string(v.category_label));
		json_array_append_new(list, item);
	}
	db_rows_free(&rows);
	http_respond_json(res, 200, json_pack("{s:o}", "overrides", list));
	return true;
}

/* The member service: a code, or null for "no override"; it must be there. */
static bool read_service(json_t *body, const char **service, struct dmr_error *err)
{
	json_t *v = json_object_get(body, "service");

	*service = json_string_value(v);
	if (!v)
		return dmr_fail(err, "missing_field", "service",
				"service is required: a service code, or null for none");
	if (!json_is_null(v) && !json_is_string(v))
		return dmr_fail(err, "invalid_field", "service",
				"service must be a service code or null");
	return true;
}

bool api_v1_put_area_override(void *app, const struct http_request *req,
			      struct http_response *res, struct dmr_error *err)
{
	static const char *const known[] = {"service", NULL};
	struct dmr_app *a = app;
	const char *service = NULL;
	long long id;
	bool created = false;
	json_t *body;
	bool ok;

	if (!parse_int_strict(req->params[1], &id))
		return dmr_fail(err, "not_found", NULL, "no sub-category has id %.40s",
				req->params[1]);
	body = json_request_object(req, err);
	ok = body && json_fields_known(body, known, err) && read_service(body, &service, err) &&
	     catalog_put_area_override(a->pool, http_bearer_token(req), req->params[0], id,
				       service, &created, err);
	if (ok)
		http_respond_json(res, created ? 201 : 200,
				  area_override_json(req->params[0], (int)id, service, "admin"));
	json_decref(body);
	return ok;
}
