#include "core/lifecycle.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "db/statements.h"

static bool check_transition(const struct transition_input *in, struct dmr_error *err)
{
	if (!in->token)
		return dmr_fail(err, "unauthorized", NULL,
				"this needs the token of an agent or contractor of the "
				"report's service, or the report's edit_token");
	if (!in->to)
		return dmr_fail(err, "missing_field", "to", "to (the new status) is required");
	if (!report_status_known(in->to, strlen(in->to)))
		return dmr_fail(err, "invalid_field", "to", "%s is not a status", in->to);
	if (in->scheduled_for && !text_date_valid(in->scheduled_for))
		return dmr_fail(err, "invalid_field", "scheduled_for",
				"scheduled_for must be a date, YYYY-MM-DD");
	if (in->has_duplicate_of && in->duplicate_of <= 0)
		return dmr_fail(err, "invalid_field", "duplicate_of",
				"duplicate_of must be the id of a report");
	if (in->has_version && (in->version <= 0 || in->version > INT32_MAX))
		return dmr_fail(err, "invalid_field", "version",
				"version must be a positive integer");
	return report_text_check(in->note, "note", LIFECYCLE_NOTE_MAX, err) &&
	       report_text_check(in->message, "message", LIFECYCLE_NOTE_MAX, err) &&
	       report_text_check(in->reason, "reason", LIFECYCLE_REASON_MAX, err) &&
	       report_text_check(in->service, "service", 64, err);
}

bool lifecycle_transition(struct db_pool *pool, const struct transition_input *in,
			  struct report_rows *out, struct dmr_error *err)
{
	char id[24], duplicate[24], version[24];
	const char *params[10] = {id, in->token, in->to, in->note, in->message,
				  in->scheduled_for, in->reason,
				  in->has_duplicate_of ? duplicate : NULL, in->service,
				  in->has_version ? version : NULL};
	PGresult *res;

	memset(out, 0, sizeof *out);
	if (!check_transition(in, err))
		return false;
	snprintf(id, sizeof id, "%lld", in->report_id);
	snprintf(duplicate, sizeof duplicate, "%lld", in->duplicate_of);
	snprintf(version, sizeof version, "%lld", in->version);
	res = db_query(pool, STMT_TRANSITION, params, err);
	if (!res)
		return false;
	PQclear(res);
	return report_get(pool, in->report_id, out, err);
}

enum event_column {
	EV_VIEWER,
	EV_ID,
	EV_AT,
	EV_FROM,
	EV_TO,
	EV_MESSAGE,
	EV_SCHEDULED_FOR,
	EV_REASON_CODE,
	EV_REASON_LABEL,
	EV_DUPLICATE_OF,
	EV_DUPLICATE_OF_NUMBER,
	EV_FROM_SERVICE,
	EV_TO_SERVICE,
	EV_ACTOR_ROLE,
	EV_NOTE,
	EV_ACTOR_NAME
};

bool lifecycle_events(struct db_pool *pool, long long report_id, const char *token,
		      struct event_rows *out, struct dmr_error *err)
{
	char id[24];
	const char *params[2] = {id, token};

	memset(out, 0, sizeof *out);
	snprintf(id, sizeof id, "%lld", report_id);
	out->res = db_query(pool, STMT_EVENTS, params, err);
	if (!out->res)
		return false;
	out->count = PQntuples(out->res);
	/* Every report has its creation event, so the viewer is always on the first row. */
	out->viewer = out->count ? PQgetvalue(out->res, 0, EV_VIEWER) : "public";
	return true;
}

void event_view_read(const struct event_rows *rows, int i, struct event_view *v)
{
	const PGresult *r = rows->res;

	v->id = strtoll(PQgetvalue(r, i, EV_ID), NULL, 10);
	v->at = PQgetvalue(r, i, EV_AT);
	v->from_status = db_value(r, i, EV_FROM);
	v->to_status = PQgetvalue(r, i, EV_TO);
	v->message = db_value(r, i, EV_MESSAGE);
	v->scheduled_for = db_value(r, i, EV_SCHEDULED_FOR);
	v->reason_code = db_value(r, i, EV_REASON_CODE);
	v->reason_label = db_value(r, i, EV_REASON_LABEL);
	v->duplicate_of = strtoll(PQgetvalue(r, i, EV_DUPLICATE_OF), NULL, 10);
	v->duplicate_of_number = db_value(r, i, EV_DUPLICATE_OF_NUMBER);
	v->from_service = db_value(r, i, EV_FROM_SERVICE);
	v->to_service = db_value(r, i, EV_TO_SERVICE);
	v->actor_role = PQgetvalue(r, i, EV_ACTOR_ROLE);
	v->note = db_value(r, i, EV_NOTE);
	v->actor_name = db_value(r, i, EV_ACTOR_NAME);
}

void event_rows_free(struct event_rows *rows)
{
	PQclear(rows->res);
	memset(rows, 0, sizeof *rows);
}
