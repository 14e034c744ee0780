#include "core/feed.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "base/text.h"
#include "db/statements.h"

#define FEED_LIST_MAX 500 /* entries of an ids or categories list */

/*
 * "12,15" as the PostgreSQL array literal "{12,15}": positive integers only, at most
 * FEED_LIST_MAX of them. NULL in, NULL out.
 */
static bool id_list(const char *list, const char *field, struct buf *out,
		    struct dmr_error *err)
{
	int n = 0;

	if (!list)
		return true;
	buf_puts(out, "{");
	for (const char *p = list;; p++) {
		size_t len = strspn(p, "0123456789");

		if (len == 0 || len > 18 || (p[len] != ',' && p[len] != '\0') ||
		    strtoll(p, NULL, 10) <= 0 || ++n > FEED_LIST_MAX)
			return dmr_fail(err, "invalid_parameter", field,
					"%s must be a comma-separated list of up to %d numbers",
					field, FEED_LIST_MAX);
		buf_append(out, p, len);
		p += len;
		if (!*p)
			break;
		buf_puts(out, ",");
	}
	buf_puts(out, "}");
	return !out->failed || dmr_fail(err, "internal_error", NULL, "out of memory");
}

static bool date_check(const char *value, const char *field, struct dmr_error *err)
{
	if (!value || text_datetime_valid(value))
		return true;
	return dmr_fail(err, "invalid_parameter", field,
			"%s must be a date (2026-12-01) or a date-time with an offset "
			"(2026-12-01T08:00:00+01:00)", field);
}

static bool query_check(const struct feed_query *q, struct dmr_error *err)
{
	if (q->limit < 1 || q->limit > FEED_PAGE_MAX || q->offset < 0)
		return dmr_fail(err, "invalid_parameter", "page_size", "page out of range");
	return date_check(q->start, "start_date", err) && date_check(q->end, "end_date", err) &&
	       date_check(q->updated_after, "updated_after", err) &&
	       date_check(q->updated_before, "updated_before", err);
}

bool feed_reports(struct db_pool *pool, const struct feed_query *q, struct report_rows *out,
		  struct dmr_error *err)
{
	struct buf ids = {0}, categories = {0};
	char box[4][32], limit[16], offset[24];
	const char *open = q->open < 0 ? NULL : q->open ? "true" : "false";
	bool ok;

	ok = query_check(q, err) && id_list(q->ids, "service_request_id", &ids, err) &&
	     id_list(q->categories, "service_code", &categories, err);
	if (ok) {
		for (int i = 0; i < 4; i++)
			snprintf(box[i], sizeof box[i], "%.17g", q->bbox[i]);
		snprintf(limit, sizeof limit, "%d", q->limit);
		snprintf(offset, sizeof offset, "%lld", q->offset);
		const char *params[13] = {ids.s, categories.s, q->start, q->end, open,
					  q->updated_after, q->updated_before,
					  q->has_bbox ? box[0] : NULL, q->has_bbox ? box[1] : NULL,
					  q->has_bbox ? box[2] : NULL, q->has_bbox ? box[3] : NULL,
					  limit, offset};
		ok = report_rows_query(pool, STMT_FEED_REPORTS, params, out, err);
	}
	buf_free(&ids);
	buf_free(&categories);
	return ok;
}

void feed_dates_read(const struct report_rows *rows, int i, struct feed_dates *d)
{
	d->status = db_value(rows->res, i, REPORT_ROW_WIDTH);
	d->requested_at = db_value(rows->res, i, REPORT_ROW_WIDTH + 1);
	d->updated_at = db_value(rows->res, i, REPORT_ROW_WIDTH + 2);
	d->expected_at = db_value(rows->res, i, REPORT_ROW_WIDTH + 3);
	d->status_notes = db_value(rows->res, i, REPORT_ROW_WIDTH + 4);
}

bool feed_notes(struct db_pool *pool, const struct report_rows *reports, struct db_rows *out,
		struct dmr_error *err)
{
	struct buf ids = {0};
	struct report_view v;
	char id[24];
	bool ok;

	buf_puts(&ids, "{");
	for (int i = 0; i < reports->count; i++) {
		report_view_read(reports, i, &v);
		snprintf(id, sizeof id, "%s%lld", i ? "," : "", v.id);
		buf_puts(&ids, id);
	}
	buf_puts(&ids, "}");
	if (ids.failed)
		ok = dmr_fail(err, "internal_error", NULL, "out of memory");
	else
		ok = db_rows_query(pool, STMT_FEED_NOTES, (const char *const[]){ids.s}, out, err);
	buf_free(&ids);
	return ok;
}

void feed_note_read(const struct db_rows *rows, int i, struct feed_note *n)
{
	n->report_id = strtoll(PQgetvalue(rows->res, i, 0), NULL, 10);
	n->at = PQgetvalue(rows->res, i, 1);
	n->description = PQgetvalue(rows->res, i, 2);
	n->type = PQgetvalue(rows->res, i, 3);
}

bool feed_updates(struct db_pool *pool, const char *start, const char *end, int limit,
		  long long offset, struct db_rows *out, struct dmr_error *err)
{
	char limit_text[16], offset_text[24];
	const char *params[4] = {start, end, limit_text, offset_text};

	if (limit < 1 || limit > FEED_PAGE_MAX || offset < 0)
		return dmr_fail(err, "invalid_parameter", "page_size", "page out of range");
	if (!date_check(start, "start_date", err) || !date_check(end, "end_date", err))
		return false;
	snprintf(limit_text, sizeof limit_text, "%d", limit);
	snprintf(offset_text, sizeof offset_text, "%lld", offset);
	return db_rows_query(pool, STMT_FEED_UPDATES, params, out, err);
}

void feed_update_read(const struct db_rows *rows, int i, struct feed_update *u)
{
	u->id = strtoll(PQgetvalue(rows->res, i, 0), NULL, 10);
	u->report_id = strtoll(PQgetvalue(rows->res, i, 1), NULL, 10);
	u->status = PQgetvalue(rows->res, i, 2);
	u->report_status = PQgetvalue(rows->res, i, 3);
	u->updated_at = PQgetvalue(rows->res, i, 4);
	u->description = PQgetvalue(rows->res, i, 5);
	u->done_photo = db_value(rows->res, i, 6);
}
