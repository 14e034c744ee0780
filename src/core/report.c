#include "core/report.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/text.h"
#include "db/statements.h"

enum report_column {
	COL_ID,
	COL_NUMBER,
	COL_STATUS,
	COL_CATEGORY_ID,
	COL_CATEGORY_LABEL,
	COL_PARENT_ID,
	COL_PARENT_LABEL,
	COL_SERVICE_CODE,
	COL_SERVICE_NAME,
	COL_SECTOR_CODE,
	COL_SECTOR_NAME,
	COL_ARRONDISSEMENT,
	COL_PRIORITY,
	COL_DESCRIPTION,
	COL_ADDRESS,
	COL_LAT,
	COL_LON,
	COL_CHANNEL,
	COL_CREATED_AT,
	COL_ROUTING_RULE,
	COL_ROUTING_DISTANCE,
	COL_DISTANCE
};

static const char *const statuses[] = {
	"new", "acknowledged", "scheduled", "transferred", "on_hold", "resolved", "rejected",
	"archived",
};

bool report_status_known(const char *s, size_t len)
{
	for (size_t i = 0; i < sizeof statuses / sizeof statuses[0]; i++)
		if (strlen(statuses[i]) == len && memcmp(statuses[i], s, len) == 0)
			return true;
	return false;
}

bool report_check_coordinates(double lat, double lon, struct dmr_error *err)
{
	if (!isfinite(lat) || lat < -90 || lat > 90)
		return dmr_fail(err, 422, "invalid_field", "lat", "lat must be between -90 and 90");
	if (!isfinite(lon) || lon < -180 || lon > 180)
		return dmr_fail(err, 422, "invalid_field", "lon", "lon must be between -180 and 180");
	return true;
}

static bool check_text(const char *value, const char *field, size_t max, struct dmr_error *err)
{
	size_t chars;

	if (!value)
		return true;
	if (!text_utf8_valid(value, strlen(value), &chars))
		return dmr_fail(err, 422, "invalid_utf8", field, "%s is not valid UTF-8", field);
	if (chars > max)
		return dmr_fail(err, 422, "invalid_field", field, "%s is longer than %zu characters",
				field, max);
	return true;
}

bool report_input_check(const struct report_input *in, struct dmr_error *err)
{
	if (in->category_id <= 0 || in->category_id > INT32_MAX)
		return dmr_fail(err, 422, "unknown_category", "category_id",
				"no sub-category has id %lld", in->category_id);
	if (!report_check_coordinates(in->lat, in->lon, err))
		return false;
	if (in->priority < 1 || in->priority > 3)
		return dmr_fail(err, 422, "invalid_field", "priority",
				"priority must be 1 (dangerous), 2 (very annoying) or 3 (annoying)");
	if (!check_text(in->description, "description", REPORT_DESCRIPTION_MAX, err) ||
	    !check_text(in->address, "address", REPORT_ADDRESS_MAX, err) ||
	    !check_text(in->email, "email", REPORT_EMAIL_MAX, err))
		return false;
	if (in->email && !text_email_plausible(in->email))
		return dmr_fail(err, 422, "invalid_field", "email", "email is not an e-mail address");
	return true;
}

static bool run_into(struct db_pool *pool, int stmt, const char *const *params,
		     struct report_rows *out, struct dmr_error *err)
{
	PGconn *conn = db_acquire(pool, err);

	memset(out, 0, sizeof *out);
	if (!conn)
		return false;
	out->res = db_run(pool, conn, stmt, params, err);
	db_release(pool, conn);
	if (!out->res)
		return false;
	out->count = PQntuples(out->res);
	return true;
}

bool report_get(struct db_pool *pool, long long id, struct report_rows *out,
		struct dmr_error *err)
{
	char id_text[24];
	const char *params[1] = {id_text};

	snprintf(id_text, sizeof id_text, "%lld", id);
	if (!run_into(pool, STMT_REPORT_GET, params, out, err))
		return false;
	if (out->count == 0) {
		report_rows_free(out);
		return dmr_fail(err, 404, "not_found", NULL, "no report has id %lld", id);
	}
	return true;
}

bool report_create(struct db_pool *pool, const struct report_input *in, struct report_rows *out,
		   bool *replayed, struct dmr_error *err)
{
	char category[24], lat[32], lon[32], priority[8], channel[2] = {in->channel, '\0'};
	const char *params[11] = {category, lon, lat, in->description, in->address, priority,
				  channel, in->email, in->device_id, in->idempotency_key,
				  in->request_hash};
	PGconn *conn;
	PGresult *res;
	long long id;

	if (!report_input_check(in, err))
		return false;
	snprintf(category, sizeof category, "%lld", in->category_id);
	snprintf(lat, sizeof lat, "%.17g", in->lat);
	snprintf(lon, sizeof lon, "%.17g", in->lon);
	snprintf(priority, sizeof priority, "%d", in->priority);
	conn = db_acquire(pool, err);
	if (!conn)
		return false;
	res = db_run(pool, conn, STMT_REPORT_CREATE, params, err);
	db_release(pool, conn);
	if (!res)
		return false;
	*replayed = PQgetvalue(res, 0, 0)[0] == 't';
	id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	PQclear(res);
	return report_get(pool, id, out, err);
}

static bool invalid_parameter(struct dmr_error *err, const char *field, const char *why)
{
	return dmr_fail(err, 400, "invalid_parameter", field, "%s: %s", field, why);
}

/* The statuses filter as a PostgreSQL array literal, each entry checked against the list. */
static bool statuses_array(const char *list, char *out, size_t size, struct dmr_error *err)
{
	size_t used = 0;
	const char *p = list;

	out[used++] = '{';
	while (*p) {
		size_t len = strcspn(p, ",");

		if (!report_status_known(p, len) || used + len + 2 >= size)
			return invalid_parameter(err, "status", "unknown status");
		if (used > 1)
			out[used++] = ',';
		memcpy(out + used, p, len);
		used += len;
		p += len;
		if (*p == ',')
			p++;
	}
	if (used == 1)
		return invalid_parameter(err, "status", "empty status list");
	out[used++] = '}';
	out[used] = '\0';
	return true;
}

static bool digits(const char *s, int n, int *out)
{
	*out = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*out = *out * 10 + (s[i] - '0');
	}
	return true;
}

static bool leap_year(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* YYYY-MM-DD, a real day of the calendar. */
static bool date_valid(const char *s)
{
	static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &m) || s[7] != '-' ||
	    !digits(s + 8, 2, &d) || m < 1 || m > 12 || d < 1 || d > days[m - 1])
		return false;
	return m != 2 || d < 29 || leap_year(y);
}

/* THH:MM[:SS[.fraction]] then nothing, Z, or ±HH:MM. */
static bool time_valid(const char *s)
{
	int h, min, sec = 0;

	if ((*s != 'T' && *s != ' ') || !digits(s + 1, 2, &h) || s[3] != ':' ||
	    !digits(s + 4, 2, &min) || h > 23 || min > 59)
		return false;
	s += 6;
	if (*s == ':') {
		if (!digits(s + 1, 2, &sec) || sec > 60)
			return false;
		s += 3;
		if (*s == '.') {
			do
				s++;
			while (*s >= '0' && *s <= '9');
		}
	}
	if (*s == 'Z')
		s++;
	else if (*s == '+' || *s == '-') {
		if (!digits(s + 1, 2, &h) || s[3] != ':' || !digits(s + 4, 2, &min) || h > 14 ||
		    min > 59)
			return false;
		s += 6;
	}
	return *s == '\0';
}

/* since: an ISO 8601 date or date-time, checked here so that PostgreSQL never sees a bad one. */
static bool since_valid(const char *s)
{
	size_t len = strlen(s);

	return len >= 10 && len <= 40 && date_valid(s) && (len == 10 || time_valid(s + 10));
}

static bool check_query(const struct report_query *q, struct dmr_error *err)
{
	if (q->limit < 1 || q->limit > REPORT_SEARCH_LIMIT_MAX)
		return invalid_parameter(err, "limit", "must be between 1 and 1000");
	if (q->since && !since_valid(q->since))
		return invalid_parameter(err, "since", "must be an ISO 8601 date or date-time");
	if (q->mode == SEARCH_NEAR) {
		if (!report_check_coordinates(q->lat, q->lon, err))
			return false;
		if (!isfinite(q->radius_m) || q->radius_m <= 0 || q->radius_m > REPORT_RADIUS_MAX)
			return dmr_fail(err, 422, "invalid_field", "radius",
					"radius must be between 0 and 5000 metres");
	}
	if (q->mode == SEARCH_BBOX) {
		if (!report_check_coordinates(q->bbox[1], q->bbox[0], err) ||
		    !report_check_coordinates(q->bbox[3], q->bbox[2], err))
			return false;
		if (q->bbox[0] > q->bbox[2] || q->bbox[1] > q->bbox[3])
			return invalid_parameter(err, "bbox", "min must not exceed max");
	}
	return true;
}

/* Cursors: "<id>" for lists, "<distance>,<id>" for near searches. */
static bool parse_cursor(const struct report_query *q, char *dist, size_t dist_size, char *id,
			 size_t id_size, struct dmr_error *err)
{
	char *end;
	double d = 0;
	long long n;
	const char *p = q->cursor;

	if (q->mode == SEARCH_NEAR) {
		errno = 0;
		d = strtod(p, &end);
		if (errno || end == p || *end != ',' || !isfinite(d) || d < 0)
			return invalid_parameter(err, "cursor", "not a cursor of this search");
		p = end + 1;
	}
	errno = 0;
	n = strtoll(p, &end, 10);
	if (errno || end == p || *end || n <= 0)
		return invalid_parameter(err, "cursor", "not a cursor of this search");
	snprintf(dist, dist_size, "%.17g", d);
	snprintf(id, id_size, "%lld", n);
	return true;
}

/* The query asks for one row more than the page: its presence says another page exists. */
static void set_next_cursor(const struct report_query *q, struct report_rows *rows)
{
	struct report_view last;

	rows->next_cursor[0] = '\0';
	if (rows->count <= q->limit)
		return;
	rows->count = q->limit;
	report_view_read(rows, rows->count - 1, &last);
	if (q->mode == SEARCH_NEAR)
		snprintf(rows->next_cursor, sizeof rows->next_cursor, "%.17g,%lld", last.distance_m,
			 last.id);
	else
		snprintf(rows->next_cursor, sizeof rows->next_cursor, "%lld", last.id);
}

bool report_search(struct db_pool *pool, const struct report_query *q, struct report_rows *out,
		   struct dmr_error *err)
{
	char num[4][32], category[24], limit[16], statuses[256], cur_dist[32], cur_id[24];
	const char *status_param = NULL, *category_param = NULL;
	bool with_cursor = q->cursor && *q->cursor;
	bool ok;

	memset(out, 0, sizeof *out);
	if (!check_query(q, err))
		return false;
	if (q->statuses && !statuses_array(q->statuses, statuses, sizeof statuses, err))
		return false;
	if (with_cursor &&
	    !parse_cursor(q, cur_dist, sizeof cur_dist, cur_id, sizeof cur_id, err))
		return false;
	if (q->statuses)
		status_param = statuses;
	if (q->category_id) {
		snprintf(category, sizeof category, "%lld", q->category_id);
		category_param = category;
	}
	snprintf(limit, sizeof limit, "%d", q->limit + 1);
	if (q->mode == SEARCH_NEAR) {
		snprintf(num[0], sizeof num[0], "%.17g", q->lat);
		snprintf(num[1], sizeof num[1], "%.17g", q->lon);
		snprintf(num[2], sizeof num[2], "%.17g", q->radius_m);
		const char *params[10] = {num[0], num[1], num[2], category_param, status_param,
					  q->service, q->since, limit,
					  with_cursor ? cur_dist : NULL,
					  with_cursor ? cur_id : NULL};
		ok = run_into(pool, STMT_REPORT_SEARCH_NEAR, params, out, err);
	} else {
		bool box = q->mode == SEARCH_BBOX;

		for (int i = 0; i < 4; i++)
			snprintf(num[i], sizeof num[i], "%.17g", q->bbox[i]);
		const char *params[10] = {box ? num[0] : NULL, box ? num[1] : NULL,
					  box ? num[2] : NULL, box ? num[3] : NULL,
					  with_cursor ? cur_id : NULL, category_param,
					  status_param, q->service, q->since, limit};
		ok = run_into(pool, STMT_REPORT_SEARCH_LIST, params, out, err);
	}
	if (ok)
		set_next_cursor(q, out);
	return ok;
}

static const char *text_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

static bool read_double(const PGresult *res, int row, int col, double *out)
{
	if (PQgetisnull(res, row, col))
		return false;
	*out = strtod(PQgetvalue(res, row, col), NULL);
	return true;
}

void report_view_read(const struct report_rows *rows, int i, struct report_view *v)
{
	const PGresult *r = rows->res;

	v->id = strtoll(PQgetvalue(r, i, COL_ID), NULL, 10);
	v->number = PQgetvalue(r, i, COL_NUMBER);
	v->status = PQgetvalue(r, i, COL_STATUS);
	v->category_id = atoi(PQgetvalue(r, i, COL_CATEGORY_ID));
	v->category_label = PQgetvalue(r, i, COL_CATEGORY_LABEL);
	v->parent_id = atoi(PQgetvalue(r, i, COL_PARENT_ID));
	v->parent_label = PQgetvalue(r, i, COL_PARENT_LABEL);
	v->service_code = PQgetvalue(r, i, COL_SERVICE_CODE);
	v->service_name = PQgetvalue(r, i, COL_SERVICE_NAME);
	v->sector_code = text_or_null(r, i, COL_SECTOR_CODE);
	v->sector_name = text_or_null(r, i, COL_SECTOR_NAME);
	v->arrondissement = atoi(PQgetvalue(r, i, COL_ARRONDISSEMENT));
	v->priority = atoi(PQgetvalue(r, i, COL_PRIORITY));
	v->description = PQgetvalue(r, i, COL_DESCRIPTION);
	v->address = PQgetvalue(r, i, COL_ADDRESS);
	v->lat = strtod(PQgetvalue(r, i, COL_LAT), NULL);
	v->lon = strtod(PQgetvalue(r, i, COL_LON), NULL);
	v->channel = PQgetvalue(r, i, COL_CHANNEL)[0];
	v->created_at = PQgetvalue(r, i, COL_CREATED_AT);
	v->routing_rule = PQgetvalue(r, i, COL_ROUTING_RULE);
	v->has_routing_distance = read_double(r, i, COL_ROUTING_DISTANCE, &v->routing_distance_m);
	v->has_distance = read_double(r, i, COL_DISTANCE, &v->distance_m);
}

void report_rows_free(struct report_rows *rows)
{
	PQclear(rows->res);
	rows->res = NULL;
	rows->count = 0;
}
