#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/v1/json_body.h"
#include "core/report_json.h"
#include "api/v1/v1.h"
#include "core/catalog.h"
#include "core/lifecycle.h"
#include "core/queue.h"
#include "http/query.h"

static void respond_report(struct http_response *res, struct report_rows *rows)
{
	struct report_view view;

	report_view_read(rows, 0, &view);
	http_add_header(res, "Cache-Control", "no-store");
	http_respond_json(res, 200, report_json(&view));
	report_rows_free(rows);
}

static bool parse_transition(json_t *body, struct transition_input *in, struct dmr_error *err)
{
	static const char *const known[] = {"to", "note", "message", "scheduled_for", "reason",
					    "duplicate_of", "service", "version", NULL};

	in->has_duplicate_of = !json_field_missing(json_object_get(body, "duplicate_of"));
	in->has_version = !json_field_missing(json_object_get(body, "version"));
	return json_fields_known(body, known, err) &&
	       json_field_string(body, "to", &in->to, err) &&
	       json_field_string(body, "note", &in->note, err) &&
	       json_field_string(body, "message", &in->message, err) &&
	       json_field_string(body, "scheduled_for", &in->scheduled_for, err) &&
	       json_field_string(body, "reason", &in->reason, err) &&
	       json_field_integer(body, "duplicate_of", false, &in->duplicate_of, err) &&
	       json_field_string(body, "service", &in->service, err) &&
	       json_field_integer(body, "version", false, &in->version, err);
}

bool api_v1_transition(void *app, const struct http_request *req, struct http_response *res,
		       struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct transition_input in = {.token = http_bearer_token(req)};
	struct report_rows rows;
	json_t *body = NULL;
	bool ok;

	ok = api_report_id(req, &in.report_id, err) &&
	     (body = json_request_object(req, err)) && parse_transition(body, &in, err) &&
	     lifecycle_transition(a->pool, &in, &rows, err);
	json_decref(body);
	if (!ok)
		return false;
	respond_report(res, &rows);
	return true;
}

static json_t *event_json(const struct event_view *e, bool public_view, bool staff)
{
	json_t *o = json_pack("{s:I, s:s, s:o, s:s, s:s, s:o, s:o}", "id", (json_int_t)e->id,
			      "at", e->at, "from", json_text_or_null(e->from_status), "to",
			      e->to_status, "actor_role", e->actor_role, "message",
			      json_text_or_null(e->message), "scheduled_for",
			      json_text_or_null(e->scheduled_for));

	json_object_set_new(o, "reason", reason_json(e->reason_code, e->reason_label));
	json_object_set_new(o, "duplicate_of",
			    report_ref_json(e->duplicate_of, e->duplicate_of_number));
	json_object_set_new(o, "service", json_text_or_null(e->to_service));
	json_object_set_new(o, "from_service", json_text_or_null(e->from_service));
	if (!public_view)
		json_object_set_new(o, "note", json_text_or_null(e->note));
	if (staff)
		json_object_set_new(o, "actor_name", json_text_or_null(e->actor_name));
	return o;
}

bool api_v1_events(void *app, const struct http_request *req, struct http_response *res,
		   struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct event_rows rows;
	struct event_view e;
	long long id;
	json_t *list;
	bool public_view, staff;

	if (!api_report_id(req, &id, err) ||
	    !lifecycle_events(a->pool, id, http_bearer_token(req), &rows, err))
		return false;
	public_view = strcmp(rows.viewer, "public") == 0;
	staff = strcmp(rows.viewer, "staff") == 0;
	list = json_array();
	for (int i = 0; i < rows.count; i++) {
		event_view_read(&rows, i, &e);
		json_array_append_new(list, event_json(&e, public_view, staff));
	}
	http_add_header(res, "Cache-Control", public_view ? "no-cache" : "private, no-store");
	http_respond_json(res, 200, json_pack("{s:I, s:s, s:o}", "report_id", (json_int_t)id,
					      "view", rows.viewer, "events", list));
	event_rows_free(&rows);
	return true;
}

static bool parse_queue(const struct http_request *req, struct queue_query *q,
			struct dmr_error *err)
{
	long long limit = QUEUE_LIMIT_DEFAULT;
	const char *overdue = NULL;
	bool present;

	memset(q, 0, sizeof *q);
	q->token = http_bearer_token(req);
	if (!q->token)
		return dmr_fail(err, "unauthorized", NULL,
				"queues need an agent's, contractor's or supervisor's token");
	if (!query_text(req, "service", &q->service, err) ||
	    !query_text(req, "sector", &q->sector, err) ||
	    !query_text(req, "status", &q->statuses, err) ||
	    !query_text(req, "overdue", &overdue, err) ||
	    !query_text(req, "cursor", &q->cursor, err) ||
	    !query_int(req, "limit", false, &limit, &present, err))
		return false;
	if (overdue && strcmp(overdue, "true") && strcmp(overdue, "false"))
		return dmr_fail(err, "invalid_parameter", "overdue",
				"overdue: true or false");
	q->overdue_only = overdue && strcmp(overdue, "true") == 0;
	if (limit < 1 || limit > QUEUE_LIMIT_MAX)
		return dmr_fail(err, "invalid_parameter", "limit",
				"limit: must be between 1 and %d", QUEUE_LIMIT_MAX);
	q->limit = (int)limit;
	return true;
}

static json_t *counts_json(const struct db_rows *counts)
{
	json_t *o = json_object();
	struct queue_count c;

	for (int i = 0; i < counts->count; i++) {
		queue_count_read(counts, i, &c);
		json_object_set_new(o, c.status,
				    json_pack("{s:I, s:I}", "total", (json_int_t)c.total, "overdue",
					      (json_int_t)c.overdue));
	}
	return o;
}

bool api_v1_queue(void *app, const struct http_request *req, struct http_response *res,
		  struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct queue_query q;
	struct report_rows rows;
	struct report_view view;
	struct db_rows counts;
	json_t *list;

	if (!parse_queue(req, &q, err) || !queue_list(a->pool, &q, &rows, err))
		return false;
	if (!queue_counts(a->pool, &q, &counts, err)) {
		report_rows_free(&rows);
		return false;
	}
	list = json_array();
	for (int i = 0; i < rows.count; i++) {
		report_view_read(&rows, i, &view);
		json_array_append_new(list, report_json(&view));
	}
	http_add_header(res, "Cache-Control", "private, no-store");
	http_respond_json(res, 200,
			  json_pack("{s:o, s:o, s:o}", "reports", list, "counts",
				    counts_json(&counts), "next_cursor",
				    rows.next_cursor[0] ? json_string(rows.next_cursor)
							: json_null()));
	db_rows_free(&counts);
	report_rows_free(&rows);
	return true;
}

bool api_v1_reject_reasons(void *app, const struct http_request *req, struct http_response *res,
			   struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct db_rows rows;
	struct reject_reason_view v;
	json_t *list;

	(void)req;
	if (!catalog_reject_reasons(a->pool, &rows, err))
		return false;
	list = json_array();
	for (int i = 0; i < rows.count; i++) {
		reject_reason_view_read(&rows, i, &v);
		json_array_append_new(list, json_pack("{s:s, s:s}", "code", v.code, "label",
						      v.label));
	}
	db_rows_free(&rows);
	http_respond_json(res, 200, json_pack("{s:o}", "reasons", list));
	return true;
}

static bool read_active(json_t *body, bool *active, struct dmr_error *err)
{
	json_t *v = json_object_get(body, "active");

	*active = true;
	if (json_field_missing(v))
		return true;
	if (!json_is_boolean(v))
		return dmr_fail(err, "invalid_field", "active", "active must be true or false");
	*active = json_is_true(v);
	return true;
}

bool api_v1_put_reject_reason(void *app, const struct http_request *req, struct http_response *res,
			      struct dmr_error *err)
{
	static const char *const known[] = {"label", "active", NULL};
	struct dmr_app *a = app;
	const char *label = NULL;
	bool active, created = false;
	json_t *body;
	bool ok;

	body = json_request_object(req, err);
	ok = body && json_fields_known(body, known, err) &&
	     json_field_string(body, "label", &label, err) && read_active(body, &active, err) &&
	     catalog_put_reject_reason(a->pool, http_bearer_token(req), req->params[0], label,
				       active, &created, err);
	if (!ok) {
		json_decref(body);
		return false;
	}
	http_respond_json(res, created ? 201 : 200,
			  json_pack("{s:s, s:s, s:b}", "code", req->params[0], "label", label,
				    "active", active));
	json_decref(body);
	return true;
}

/* A member that must be a positive number or null; *given is false for null or absent. */
static bool read_optional_number(json_t *body, const char *name, double *out, bool *given,
				 struct dmr_error *err)
{
	json_t *v = json_object_get(body, name);

	*given = !json_field_missing(v);
	if (*given && !json_is_number(v))
		return dmr_fail(err, "invalid_field", name, "%s must be a number or null",
				name);
	*out = *given ? json_number_value(v) : 0;
	return true;
}

bool api_v1_category_delays(void *app, const struct http_request *req, struct http_response *res,
			    struct dmr_error *err)
{
	static const char *const known[] = {"sla_hours", "duplicate_radius_m", NULL};
	struct dmr_app *a = app;
	long long id, sla = 0;
	double radius = 0;
	bool sla_given, radius_given;
	json_t *body;
	bool ok;

	if (!parse_int_strict(req->params[0], &id)) {
		dmr_fail(err, "not_found", NULL, "no category has id %.40s", req->params[0]);
		return false;
	}
	body = json_request_object(req, err);
	ok = body && json_fields_known(body, known, err) &&
	     json_field_integer(body, "sla_hours", false, &sla, err) &&
	     read_optional_number(body, "duplicate_radius_m", &radius, &radius_given, err);
	sla_given = ok && !json_field_missing(json_object_get(body, "sla_hours"));
	json_decref(body);
	ok = ok && catalog_set_category_delays(a->pool, http_bearer_token(req), id,
					       sla_given ? &sla : NULL,
					       radius_given ? &radius : NULL, err);
	if (!ok)
		return false;
	http_respond_json(res, 200, json_pack("{s:I, s:o, s:o}", "id", (json_int_t)id,
					      "sla_hours", sla_given ? json_integer(sla) : json_null(),
					      "duplicate_radius_m",
					      radius_given ? json_real(radius) : json_null()));
	return true;
}
