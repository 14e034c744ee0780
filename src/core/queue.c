#include "core/queue.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "db/statements.h"

/* The cursor's three parts, as the statement's text parameters. */
struct queue_cursor {
	char priority[4];
	char expected[40];
	char id[24];
};

static bool bad_cursor(struct dmr_error *err)
{
	return dmr_fail(err, "invalid_parameter", "cursor",
			"cursor: not a cursor of this queue");
}

/* "<priority>,<expected_at>,<id>" as written by dmr_queue. */
static bool parse_cursor(const char *text, struct queue_cursor *c, struct dmr_error *err)
{
	const char *expected = text + 2;
	const char *comma = strchr(expected, ',');
	char *end;
	long long id;
	size_t len;

	if (text[0] < '1' || text[0] > '3' || text[1] != ',' || !comma)
		return bad_cursor(err);
	len = (size_t)(comma - expected);
	if (len >= sizeof c->expected)
		return bad_cursor(err);
	memcpy(c->expected, expected, len);
	c->expected[len] = '\0';
	errno = 0;
	id = strtoll(comma + 1, &end, 10);
	if (!text_datetime_valid(c->expected) || errno || end == comma + 1 || *end || id <= 0)
		return bad_cursor(err);
	snprintf(c->priority, sizeof c->priority, "%c", text[0]);
	snprintf(c->id, sizeof c->id, "%lld", id);
	return true;
}

bool queue_list(struct db_pool *pool, const struct queue_query *q, struct report_rows *out,
		struct dmr_error *err)
{
	char statuses[256], limit[16];
	struct queue_cursor c;
	bool with_cursor = q->cursor != NULL;
	int cursor_col;

	memset(out, 0, sizeof *out);
	if (q->limit < 1 || q->limit > QUEUE_LIMIT_MAX)
		return dmr_fail(err, "invalid_parameter", "limit",
				"limit: must be between 1 and %d", QUEUE_LIMIT_MAX);
	if (q->statuses && !report_statuses_array(q->statuses, statuses, sizeof statuses, err))
		return false;
	if (with_cursor && !parse_cursor(q->cursor, &c, err))
		return false;
	snprintf(limit, sizeof limit, "%d", q->limit + 1);
	const char *params[9] = {q->token, q->service, q->sector, q->statuses ? statuses : NULL,
				 q->overdue_only ? "true" : "false", limit,
				 with_cursor ? c.priority : NULL, with_cursor ? c.expected : NULL,
				 with_cursor ? c.id : NULL};
	if (!report_rows_query(pool, STMT_QUEUE, params, out, err))
		return false;
	/* One row more than the page says another page exists; its cursor is the last shown. */
	if (out->count > q->limit) {
		out->count = q->limit;
		cursor_col = PQnfields(out->res) - 1;
		snprintf(out->next_cursor, sizeof out->next_cursor, "%s",
			 PQgetvalue(out->res, q->limit - 1, cursor_col));
	}
	return true;
}

bool queue_counts(struct db_pool *pool, const struct queue_query *q, struct db_rows *out,
		  struct dmr_error *err)
{
	const char *params[3] = {q->token, q->service, q->sector};

	return db_rows_query(pool, STMT_QUEUE_COUNTS, params, out, err);
}

void queue_count_read(const struct db_rows *rows, int i, struct queue_count *c)
{
	c->status = PQgetvalue(rows->res, i, 0);
	c->total = strtoll(PQgetvalue(rows->res, i, 1), NULL, 10);
	c->overdue = strtoll(PQgetvalue(rows->res, i, 2), NULL, 10);
}
