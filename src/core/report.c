#include "core/report.h"

#include <errno.h>
#include <inttypes.h>
#include <sys/random.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "db/statements.h"
#include "base/workpool.h"
#include "photo/photo.h"

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
	COL_PHOTOS,
	COL_VERSION,
	COL_EXPECTED_AT,
	COL_OVERDUE,
	COL_ACKNOWLEDGED_AT,
	COL_SCHEDULED_FOR,
	COL_RESOLVED_AT,
	COL_FOLLOWERS,
	COL_DUPLICATE_OF,
	COL_DUPLICATE_OF_NUMBER,
	COL_REJECT_REASON,
	COL_REJECT_LABEL,
	COL_ADDRESS_DISTANCE,
	COL_QUARTIER_CODE,
	COL_QUARTIER_NAME,
	COL_PARK,
	COL_DISTANCE
};
_Static_assert(COL_DISTANCE + 1 == REPORT_ROW_WIDTH, "REPORT_ROW_WIDTH counts the columns");

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
		return dmr_fail(err, "invalid_field", "lat", "lat must be between -90 and 90");
	if (!isfinite(lon) || lon < -180 || lon > 180)
		return dmr_fail(err, "invalid_field", "lon", "lon must be between -180 and 180");
	return true;
}

bool report_text_check(const char *value, const char *field, size_t max,
		       struct dmr_error *err)
{
	size_t chars;

	if (!value)
		return true;
	if (!text_utf8_valid(value, strlen(value), &chars))
		return dmr_fail(err, "invalid_utf8", field, "%s is not valid UTF-8", field);
	if (chars > max)
		return dmr_fail(err, "invalid_field", field, "%s is longer than %zu characters",
				field, max);
	return true;
}

bool report_input_check(const struct report_input *in, struct dmr_error *err)
{
	if (in->category_id <= 0 || in->category_id > INT32_MAX)
		return dmr_fail(err, "unknown_category", "category_id",
				"no sub-category has id %lld", in->category_id);
	if (in->has_position && !report_check_coordinates(in->lat, in->lon, err))
		return false;
	if (in->priority < 1 || in->priority > 3)
		return dmr_fail(err, "invalid_field", "priority",
				"priority must be 1 (dangerous), 2 (very annoying) or 3 (annoying)");
	if (!report_text_check(in->description, "description", REPORT_DESCRIPTION_MAX, err) ||
	    !report_text_check(in->address, "address", REPORT_ADDRESS_MAX, err) ||
	    !report_text_check(in->email, "email", REPORT_EMAIL_MAX, err) ||
	    !report_text_check(in->first_name, "first_name", REPORT_NAME_MAX, err) ||
	    !report_text_check(in->last_name, "last_name", REPORT_NAME_MAX, err) ||
	    !report_text_check(in->phone, "phone", REPORT_PHONE_MAX, err))
		return false;
	if (in->email && !text_email_plausible(in->email))
		return dmr_fail(err, "invalid_field", "email", "email is not an e-mail address");
	if (in->device_id && !text_token_valid(in->device_id, REPORT_DEVICE_ID_MAX))
		return dmr_fail(err, "invalid_field", "device_id",
				"device_id must be 1 to 200 printable ASCII characters");
	return report_idempotency_key_check(in->idempotency_key, err);
}

bool report_idempotency_key_check(const char *key, struct dmr_error *err)
{
	if (key && (strlen(key) < REPORT_IDEMPOTENCY_KEY_MIN ||
		    !text_token_valid(key, REPORT_IDEMPOTENCY_KEY_MAX)))
		return dmr_fail(err, "invalid_parameter", "Idempotency-Key",
				"Idempotency-Key must be %d to %d printable ASCII characters: a "
				"key stands for the report's edit token, so it must be as hard "
				"to guess (a UUID will do)",
				REPORT_IDEMPOTENCY_KEY_MIN, REPORT_IDEMPOTENCY_KEY_MAX);
	return true;
}

bool report_rows_query(struct db_pool *pool, int stmt, const char *const *params,
		       struct report_rows *out, struct dmr_error *err)
{
	memset(out, 0, sizeof *out);
	out->res = db_query(pool, stmt, params, err);
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
	if (!report_rows_query(pool, STMT_REPORT_GET, params, out, err))
		return false;
	if (out->count == 0) {
		report_rows_free(out);
		return dmr_fail(err, "not_found", NULL, "no report has id %lld", id);
	}
	return true;
}

bool report_private_read(struct db_pool *pool, long long id, const char *token,
			 struct report_private *out, struct dmr_error *err)
{
	char id_text[24];
	const char *params[2] = {id_text, token};
	const char *given;
	PGresult *res;

	memset(out, 0, sizeof *out);
	snprintf(id_text, sizeof id_text, "%lld", id);
	res = db_query(pool, STMT_REPORT_PRIVATE, params, err);
	if (!res)
		return false;
	out->staff = strcmp(PQgetvalue(res, 0, 0), "staff") == 0;
	given = db_value(res, 0, 1);
	out->address_given = given ? strdup(given) : NULL;
	PQclear(res);
	if (given && !out->address_given)
		return dmr_fail(err, "internal_error", NULL, "out of memory");
	return true;
}

void report_private_free(struct report_private *p)
{
	free(p->address_given);
	p->address_given = NULL;
}

/* A processed photo on its way to the database, with the view it files under. */
struct processed_photo {
	const char *view;
	struct photo_output out;
};

static void processed_free(struct processed_photo *p, int n)
{
	for (int i = 0; i < n; i++)
		photo_output_free(&p[i].out);
}

struct photo_job {
	const struct report_photo_in *in;
	struct processed_photo *p;
	struct dmr_error *err;
	bool ok;
};

static void run_photo_job(void *arg)
{
	struct photo_job *job = arg;
	struct photo_limits limits;

	photo_limits_default(&limits);
	job->ok = photo_process(job->in->bytes, job->in->len, &limits, &job->p->out, job->err);
}

/*
 * Runs the pipeline on a photo worker (base/workpool.h); errors name the form field of the
 * photo (photo_close, ...).
 */
static bool process_photo(struct workpool *workers, const struct report_photo_in *in,
			  struct processed_photo *p, struct dmr_error *err)
{
	struct photo_job job = {in, p, err, false};

	p->view = in->view;
	workpool_run(workers, run_photo_job, &job);
	if (!job.ok)
		snprintf(err->field, sizeof err->field, "photo_%s", in->view);
	return job.ok;
}

static bool random_token(char out[REPORT_EDIT_TOKEN_SIZE], struct dmr_error *err)
{
	unsigned char raw[32];

	if (getrandom(raw, sizeof raw, 0) != (ssize_t)sizeof raw)
		return dmr_fail(err, "internal_error", NULL, "no randomness available");
	for (size_t i = 0; i < sizeof raw; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return true;
}

static bool attach(struct db_pool *pool, PGconn *conn, long long id,
		   const struct processed_photo *p, struct dmr_error *err)
{
	char id_text[24], w[12], h[12], tw[12], th[12];
	const char *values[8] = {id_text, p->view, (const char *)p->out.jpeg, w, h,
				 (const char *)p->out.thumb, tw, th};
	const int lengths[8] = {0, 0, (int)p->out.jpeg_len, 0, 0, (int)p->out.thumb_len, 0, 0};
	const int formats[8] = {0, 0, 1, 0, 0, 1, 0, 0};
	struct db_params params = {values, lengths, formats};
	PGresult *res;

	snprintf(id_text, sizeof id_text, "%lld", id);
	snprintf(w, sizeof w, "%d", p->out.width);
	snprintf(h, sizeof h, "%d", p->out.height);
	snprintf(tw, sizeof tw, "%d", p->out.thumb_width);
	snprintf(th, sizeof th, "%d", p->out.thumb_height);
	res = db_run_binary(pool, conn, STMT_PHOTO_ATTACH, &params, false, err);
	PQclear(res);
	return res != NULL;
}

/*
 * The statement sequence of a creation, inside BEGIN ... COMMIT on conn. token holds the
 * drawn edit token (or is empty with an idempotency key) and receives the one the report has.
 */
static bool store_report(struct db_pool *pool, PGconn *conn, const struct report_input *in,
			 const struct processed_photo *photos, int nphotos,
			 char token[REPORT_EDIT_TOKEN_SIZE], long long *id, bool *replayed,
			 struct dmr_error *err)
{
	char category[24], lat[32], lon[32], priority[8], channel[2] = {in->channel, '\0'};
	const char *params[16] = {category, lon, lat, in->description, in->address, priority,
				  channel, in->email, in->device_id, in->idempotency_key,
				  in->request_hash, token[0] ? token : NULL, in->client_key,
				  in->first_name, in->last_name, in->phone};
	PGresult *res;

	snprintf(category, sizeof category, "%lld", in->category_id);
	snprintf(lat, sizeof lat, "%.17g", in->lat);
	snprintf(lon, sizeof lon, "%.17g", in->lon);
	snprintf(priority, sizeof priority, "%d", in->priority);
	res = db_run(pool, conn, STMT_REPORT_CREATE, params, err);
	if (!res)
		return false;
	*replayed = PQgetvalue(res, 0, 0)[0] == 't';
	*id = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	snprintf(token, REPORT_EDIT_TOKEN_SIZE, "%s", PQgetvalue(res, 0, 2));
	PQclear(res);
	for (int i = 0; i < nphotos && !*replayed; i++)
		if (!attach(pool, conn, *id, &photos[i], err))
			return false;
	return true;
}

static bool in_transaction(struct db_pool *pool, const struct report_input *in,
			   const struct processed_photo *photos, int nphotos,
			   char token[REPORT_EDIT_TOKEN_SIZE], long long *id, bool *replayed,
			   struct dmr_error *err)
{
	PGconn *conn = db_acquire(pool, err);
	bool ok;

	if (!conn)
		return false;
	/* Without photos the one statement is its own transaction: no BEGIN/COMMIT round trips. */
	if (nphotos == 0)
		ok = store_report(pool, conn, in, photos, 0, token, id, replayed, err);
	else
		ok = db_end(conn, db_command(conn, "BEGIN", err) &&
				  store_report(pool, conn, in, photos, nphotos, token, id,
					       replayed, err),
			    err);
	db_release(pool, conn);
	return ok;
}

/* A report sent without a position takes the first geotagged photo's. */
static bool position_from_photos(struct report_input *in, const struct processed_photo *p,
				 int n, struct dmr_error *err)
{
	for (int i = 0; i < n && !in->has_position; i++) {
		if (p[i].out.has_gps) {
			in->lat = p[i].out.gps_lat;
			in->lon = p[i].out.gps_lon;
			in->has_position = true;
		}
	}
	if (!in->has_position)
		return dmr_fail(err, "missing_field", "lat",
				"lat and lon are required unless a photo carries its GPS position");
	return report_check_coordinates(in->lat, in->lon, err);
}

bool report_create(struct db_pool *pool, struct workpool *workers,
		   const struct report_input *request, const struct report_photo_in *photos,
		   int nphotos, struct report_rows *out,
		   bool *replayed, char edit_token[REPORT_EDIT_TOKEN_SIZE], struct dmr_error *err)
{
	struct processed_photo processed[3] = {0};
	struct report_input in = *request;
	long long id = 0;
	int done = 0;
	bool ok;

	if (nphotos > 3)
		return dmr_fail(err, "invalid_field", "photo", "at most 3 photos per report");
	ok = report_input_check(&in, err);
	for (; ok && done < nphotos; done++)
		ok = process_photo(workers, &photos[done], &processed[done], err);
	/* With an idempotency key, the database derives the token from the key. */
	edit_token[0] = '\0';
	ok = ok && position_from_photos(&in, processed, nphotos, err) &&
	     (in.idempotency_key || random_token(edit_token, err)) &&
	     in_transaction(pool, &in, processed, nphotos, edit_token, &id, replayed, err);
	processed_free(processed, done);
	return ok && report_get(pool, id, out, err);
}

/*
 * Whether the token may change that view's photo (dmr_check_photo_right): 401 without a
 * token or with an unknown one, 404 for an unknown report, 403 for a token without the right.
 */
static bool check_photo_right(struct db_pool *pool, PGconn *conn, long long id,
			      const char *view, const char *token, struct dmr_error *err)
{
	char id_text[24];
	const char *params[3] = {id_text, view, token};
	PGresult *res;

	if (!token)
		return dmr_fail(err, "unauthorized", NULL,
				"this needs the report's edit_token, or the token of an agent "
				"of its service for the done photo");
	snprintf(id_text, sizeof id_text, "%lld", id);
	res = db_run(pool, conn, STMT_PHOTO_RIGHT_CHECK, params, err);
	PQclear(res);
	return res != NULL;
}

/* Runs check_photo_right on a connection of its own. */
static bool photo_right(struct db_pool *pool, long long id, const char *view, const char *token,
			struct dmr_error *err)
{
	PGconn *conn = db_acquire(pool, err);
	bool ok = conn && check_photo_right(pool, conn, id, view, token, err);

	db_release(pool, conn);
	return ok;
}

bool report_put_photo(struct db_pool *pool, struct workpool *workers, long long id,
		      const char *token, const struct report_photo_in *photo,
		      struct dmr_error *err)
{
	struct processed_photo processed = {0};
	PGconn *conn;
	bool ok;

	/*
	 * The token is checked before decoding, and again in the transaction of the write, which
	 * it guards (the check locks the report: it cannot close in between).
	 */
	if (!photo_right(pool, id, photo->view, token, err) ||
	    !process_photo(workers, photo, &processed, err))
		return false;
	conn = db_acquire(pool, err);
	ok = conn && db_end(conn, db_command(conn, "BEGIN", err) &&
				  check_photo_right(pool, conn, id, photo->view, token, err) &&
				  attach(pool, conn, id, &processed, err),
			    err);
	db_release(pool, conn);
	processed_free(&processed, 1);
	return ok;
}

bool report_delete_photo(struct db_pool *pool, long long id, const char *token,
			 const char *view, struct dmr_error *err)
{
	char id_text[24];
	const char *params[2] = {id_text, view};
	PGconn *conn = db_acquire(pool, err);
	PGresult *res = NULL;
	bool ok;

	snprintf(id_text, sizeof id_text, "%lld", id);
	ok = conn && db_end(conn, db_command(conn, "BEGIN", err) &&
				  check_photo_right(pool, conn, id, view, token, err) &&
				  (res = db_run(pool, conn, STMT_PHOTO_DETACH, params, err)),
			    err);
	db_release(pool, conn);
	if (ok && PQgetvalue(res, 0, 0)[0] != 't')
		ok = dmr_fail(err, "not_found", NULL, "this report has no %s photo", view);
	PQclear(res);
	return ok;
}

PGresult *report_photo_bytes(struct db_pool *pool, const char *sha256, bool thumbnail,
			     struct dmr_error *err)
{
	const char *values[2] = {sha256, thumbnail ? "true" : "false"};
	struct db_params params = {.values = values};
	PGconn *conn = db_acquire(pool, err);
	PGresult *res;

	if (!conn)
		return NULL;
	res = db_run_binary(pool, conn, STMT_PHOTO_BYTES, &params, true, err);
	db_release(pool, conn);
	if (res && PQntuples(res) == 0) {
		PQclear(res);
		dmr_fail(err, "not_found", NULL, "no such photo");
		return NULL;
	}
	return res;
}

static bool invalid_parameter(struct dmr_error *err, const char *field, const char *why)
{
	return dmr_fail(err, "invalid_parameter", field, "%s: %s", field, why);
}

bool report_statuses_array(const char *list, char *out, size_t size, struct dmr_error *err)
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

static bool check_query(const struct report_query *q, struct dmr_error *err)
{
	if (q->limit < 1 || q->limit > REPORT_SEARCH_LIMIT_MAX)
		return invalid_parameter(err, "limit", "must be between 1 and 1000");
	if (q->since && !text_datetime_valid(q->since))
		return invalid_parameter(err, "since", "must be an ISO 8601 date or date-time");
	if (q->mode == SEARCH_NEAR) {
		if (!report_check_coordinates(q->lat, q->lon, err))
			return false;
		if (!isfinite(q->radius_m) || q->radius_m <= 0 || q->radius_m > REPORT_RADIUS_MAX)
			return dmr_fail(err, "invalid_field", "radius",
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
	if (q->statuses && !report_statuses_array(q->statuses, statuses, sizeof statuses, err))
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
		ok = report_rows_query(pool, STMT_REPORT_SEARCH_NEAR, params, out, err);
	} else {
		bool box = q->mode == SEARCH_BBOX;

		for (int i = 0; i < 4; i++)
			snprintf(num[i], sizeof num[i], "%.17g", q->bbox[i]);
		const char *params[10] = {box ? num[0] : NULL, box ? num[1] : NULL,
					  box ? num[2] : NULL, box ? num[3] : NULL,
					  with_cursor ? cur_id : NULL, category_param,
					  status_param, q->service, q->since, limit};
		ok = report_rows_query(pool, STMT_REPORT_SEARCH_LIST, params, out, err);
	}
	if (ok)
		set_next_cursor(q, out);
	return ok;
}

static bool read_double(const PGresult *res, int row, int col, double *out)
{
	if (PQgetisnull(res, row, col))
		return false;
	*out = strtod(PQgetvalue(res, row, col), NULL);
	return true;
}

bool report_view_photo(const struct report_view *v, const char *view, char sha[65])
{
	size_t len = strlen(view);
	const char *p = v->photos;

	while (p && *p) {
		size_t pair = strcspn(p, ",");

		if (pair == len + 1 + 64 && strncmp(p, view, len) == 0 && p[len] == ':') {
			memcpy(sha, p + len + 1, 64);
			sha[64] = '\0';
			return true;
		}
		p += pair;
		if (*p == ',')
			p++;
	}
	return false;
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
	v->sector_code = db_value(r, i, COL_SECTOR_CODE);
	v->sector_name = db_value(r, i, COL_SECTOR_NAME);
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
	v->photos = db_value(r, i, COL_PHOTOS);
	v->version = atoi(PQgetvalue(r, i, COL_VERSION));
	v->expected_at = PQgetvalue(r, i, COL_EXPECTED_AT);
	v->overdue = PQgetvalue(r, i, COL_OVERDUE)[0] == 't';
	v->acknowledged_at = db_value(r, i, COL_ACKNOWLEDGED_AT);
	v->scheduled_for = db_value(r, i, COL_SCHEDULED_FOR);
	v->resolved_at = db_value(r, i, COL_RESOLVED_AT);
	v->followers = atoi(PQgetvalue(r, i, COL_FOLLOWERS));
	v->duplicate_of = strtoll(PQgetvalue(r, i, COL_DUPLICATE_OF), NULL, 10);
	v->duplicate_of_number = db_value(r, i, COL_DUPLICATE_OF_NUMBER);
	v->reject_reason = db_value(r, i, COL_REJECT_REASON);
	v->reject_label = db_value(r, i, COL_REJECT_LABEL);
	v->has_address_distance = read_double(r, i, COL_ADDRESS_DISTANCE, &v->address_distance_m);
	v->quartier_code = db_value(r, i, COL_QUARTIER_CODE);
	v->quartier_name = db_value(r, i, COL_QUARTIER_NAME);
	v->park = db_value(r, i, COL_PARK);
	v->has_distance = read_double(r, i, COL_DISTANCE, &v->distance_m);
}

void report_rows_free(struct report_rows *rows)
{
	PQclear(rows->res);
	rows->res = NULL;
	rows->count = 0;
}
