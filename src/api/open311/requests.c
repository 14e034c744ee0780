#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/open311/open311.h"
#include "core/feed.h"
#include "core/report_json.h"
#include "http/query.h"

#define PAGE_SIZE_DEFAULT 50
#define PAGE_SIZE_MAX 500
#define PAGE_MAX 1000000

/* What a list answers without paging: the spec's "at most 1000". */
#define UNPAGED_LIMIT 1000

/* A photo's address, whole: media_url is a URI. */
static json_t *photo_url(const struct dmr_app *a, const struct report_view *v, const char *view)
{
	char sha[65], url[sizeof a->cfg->notify.public_url + 96];

	if (!report_view_photo(v, view, sha))
		return json_null();
	snprintf(url, sizeof url, "%s/photos/%s.jpg", a->cfg->notify.public_url, sha);
	return json_string(url);
}

static json_t *text_or_null(const char *s)
{
	return s && *s ? json_string(s) : json_null();
}

/* The spec's request: the public report in GeoReport v2's words. */
static json_t *request_json(const struct dmr_app *a, const struct report_view *v,
			    const struct feed_dates *d)
{
	char id[24], code[16], zipcode[8];
	json_t *media = photo_url(a, v, "close");

	if (json_is_null(media))
		media = photo_url(a, v, "far");
	snprintf(id, sizeof id, "%lld", v->id);
	snprintf(code, sizeof code, "%d", v->category_id);
	snprintf(zipcode, sizeof zipcode, "750%02d", v->arrondissement);
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:o, s:s, s:n, s:s, s:o, s:o, s:o, s:n, s:s,"
			 " s:f, s:f, s:o}",
			 "service_request_id", id, "status", d->status, "status_notes",
			 text_or_null(d->status_notes), "service_name", v->category_label,
			 "service_code", code, "description", text_or_null(v->description),
			 "agency_responsible", v->service_name, "service_notice",
			 "requested_datetime", d->requested_at, "updated_datetime",
			 text_or_null(d->updated_at), "expected_datetime",
			 text_or_null(d->expected_at), "address", text_or_null(v->address),
			 "address_id", "zipcode", zipcode, "lat", v->lat, "long", v->lon,
			 "media_url", media);
}

/* extensions=true: the report's number, arrondissement, quartier, park, photos, followers. */
static json_t *extended_attributes(const struct dmr_app *a, const struct report_view *v)
{
	return json_pack("{s:s, s:i, s:o, s:o, s:{s:o, s:o, s:o}, s:i}", "number", v->number,
			 "arrondissement", v->arrondissement, "quartier",
			 text_or_null(v->quartier_name), "park", text_or_null(v->park), "photos",
			 "close", photo_url(a, v, "close"), "far", photo_url(a, v, "far"), "done",
			 photo_url(a, v, "done"), "followers", v->followers);
}

/* The notes of one report, from the history of a page (each report's events together). */
static json_t *notes_of(const struct db_rows *notes, long long id)
{
	json_t *list = json_array();
	struct feed_note n;

	for (int i = 0; i < notes->count; i++) {
		feed_note_read(notes, i, &n);
		if (n.report_id == id)
			json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "datetime", n.at,
							      "description", n.description,
							      "type", n.type));
	}
	return list;
}

/* The requests of rows; with notes (extensions=true), the extensions too. */
static json_t *request_list(const struct dmr_app *a, const struct report_rows *rows,
			    const struct db_rows *notes)
{
	json_t *list = json_array();
	struct report_view v;
	struct feed_dates d;

	for (int i = 0; i < rows->count; i++) {
		json_t *r;

		report_view_read(rows, i, &v);
		feed_dates_read(rows, i, &d);
		r = request_json(a, &v, &d);
		if (notes) {
			json_object_set_new(r, "notes", notes_of(notes, v.id));
			json_object_set_new(r, "extended_attributes", extended_attributes(a, &v));
		}
		json_array_append_new(list, r);
	}
	return list;
}

/*
 * A date parameter. In a query string "+" means a space, so "...T10:00:00+01:00" sent
 * unencoded arrives as "...T10:00:00 01:00": the space before the offset is taken back.
 */
static const char *date_param(const struct http_request *req, const char *name, char *buf,
			      size_t size)
{
	const char *v = http_query(req, name);
	size_t len;

	if (!v || !*v)
		return NULL;
	snprintf(buf, size, "%s", v);
	len = strlen(buf);
	if (len > 16 && strchr(buf, 'T') && buf[len - 6] == ' ')
		buf[len - 6] = '+';
	return buf;
}

/*
 * page and page_size, GeoReport's common extension: without either, the spec's one page of
 * up to 1000; with one, pages of page_size (50 unless given, 500 at most), page 1 first.
 */
static bool read_page(const struct http_request *req, int *limit, long long *offset,
		      struct dmr_error *err)
{
	long long page = 1, size = PAGE_SIZE_DEFAULT;
	bool has_page, has_size;

	if (!query_int(req, "page", false, &page, &has_page, err) ||
	    !query_int(req, "page_size", false, &size, &has_size, err))
		return false;
	if (!has_page && !has_size) {
		*limit = UNPAGED_LIMIT;
		*offset = 0;
		return true;
	}
	if (page < 1 || page > PAGE_MAX)
		return dmr_fail(err, "invalid_parameter", "page", "page must be 1 to %d", PAGE_MAX);
	if (size < 1 || size > PAGE_SIZE_MAX)
		return dmr_fail(err, "invalid_parameter", "page_size",
				"page_size must be 1 to %d", PAGE_SIZE_MAX);
	*limit = (int)size;
	*offset = (page - 1) * size;
	return true;
}

/* status: open, closed, or both (the spec's comma list); absent is both. */
static bool read_status(const struct http_request *req, int *open, struct dmr_error *err)
{
	const char *v = http_query(req, "status");

	*open = -1;
	if (!v || !*v || strcmp(v, "open,closed") == 0 || strcmp(v, "closed,open") == 0)
		return true;
	if (strcmp(v, "open") == 0 || strcmp(v, "closed") == 0) {
		*open = strcmp(v, "open") == 0;
		return true;
	}
	return dmr_fail(err, "invalid_parameter", "status", "status must be open or closed");
}

static bool read_bbox(const struct http_request *req, struct feed_query *q,
		      struct dmr_error *err)
{
	double *b = q->bbox;

	if (!query_doubles(req, "bbox", b, 4, &q->has_bbox, err))
		return false;
	if (q->has_bbox && (b[0] < -180 || b[2] > 180 || b[1] < -90 || b[3] > 90 ||
			    b[0] >= b[2] || b[1] >= b[3]))
		return dmr_fail(err, "invalid_parameter", "bbox",
				"bbox is min_long,min_lat,max_long,max_lat, the minimums first");
	return true;
}

static bool read_extensions(const struct http_request *req, bool *on, struct dmr_error *err)
{
	const char *v = http_query(req, "extensions");

	*on = v && strcmp(v, "true") == 0;
	if (v && !*on && strcmp(v, "false") != 0)
		return dmr_fail(err, "invalid_parameter", "extensions",
				"extensions must be true or false");
	return true;
}

/*
 * Runs a list query and answers it, with the notes of its reports for extensions=true. A
 * query for one request (one) finds it or is 404.
 */
static bool answer_list(struct dmr_app *a, const struct feed_query *q, bool extensions,
			bool one, enum o311_format fmt, struct http_response *res,
			struct dmr_error *err)
{
	struct report_rows rows;
	struct db_rows notes = {0};

	if (!feed_reports(a->pool, q, &rows, err))
		return false;
	if (one && rows.count == 0) {
		report_rows_free(&rows);
		return dmr_fail(err, "not_found", NULL, "no request has the id %s", q->ids);
	}
	if (extensions && !feed_notes(a->pool, &rows, &notes, err)) {
		report_rows_free(&rows);
		return false;
	}
	o311_respond(res, 200, fmt, "service_requests",
		     request_list(a, &rows, extensions ? &notes : NULL));
	db_rows_free(&notes);
	report_rows_free(&rows);
	return true;
}

bool o311_requests(void *app, const struct http_request *req, struct http_response *res,
		   struct dmr_error *err)
{
	struct feed_query q = {0};
	enum o311_format fmt;
	char dates[4][48];
	bool extensions;

	if (!o311_read_common(req, 0, &fmt, err) || !read_page(req, &q.limit, &q.offset, err) ||
	    !read_status(req, &q.open, err) || !read_bbox(req, &q, err) ||
	    !read_extensions(req, &extensions, err))
		return false;
	q.ids = http_query(req, "service_request_id");
	q.categories = http_query(req, "service_code");
	q.start = date_param(req, "start_date", dates[0], sizeof dates[0]);
	q.end = date_param(req, "end_date", dates[1], sizeof dates[1]);
	q.updated_after = date_param(req, "updated_after", dates[2], sizeof dates[2]);
	q.updated_before = date_param(req, "updated_before", dates[3], sizeof dates[3]);
	return answer_list(app, &q, extensions, false, fmt, res, err);
}

bool o311_request(void *app, const struct http_request *req, struct http_response *res,
		  struct dmr_error *err)
{
	struct feed_query q = {.ids = req->params[0], .open = -1, .limit = 1};
	enum o311_format fmt;
	long long id;
	bool extensions;

	if (!o311_read_common(req, 1, &fmt, err) || !read_extensions(req, &extensions, err))
		return false;
	if (!parse_int_strict(req->params[0], &id) || id <= 0)
		return dmr_fail(err, "not_found", NULL, "no request has the id %.40s",
				req->params[0]);
	return answer_list(app, &q, extensions, true, fmt, res, err);
}

static json_t *update_json(const struct dmr_app *a, const struct feed_update *u)
{
	char id[24], report[24], url[sizeof a->cfg->notify.public_url + 96];

	snprintf(id, sizeof id, "%lld", u->id);
	snprintf(report, sizeof report, "%lld", u->report_id);
	if (u->done_photo)
		snprintf(url, sizeof url, "%s/photos/%s.jpg", a->cfg->notify.public_url,
			 u->done_photo);
	return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o}", "update_id", id,
			 "service_request_id", report, "status", u->status,
			 "external_status_code", u->report_status, "updated_datetime",
			 u->updated_at, "description", u->description, "media_url",
			 u->done_photo ? json_string(url) : json_null());
}

bool o311_updates(void *app, const struct http_request *req, struct http_response *res,
		  struct dmr_error *err)
{
	struct dmr_app *a = app;
	enum o311_format fmt;
	char dates[2][48];
	struct db_rows rows;
	struct feed_update u;
	long long offset;
	int limit;
	json_t *list;

	if (!o311_read_common(req, 0, &fmt, err) || !read_page(req, &limit, &offset, err) ||
	    !feed_updates(a->pool, date_param(req, "start_date", dates[0], sizeof dates[0]),
			  date_param(req, "end_date", dates[1], sizeof dates[1]), limit, offset,
			  &rows, err))
		return false;
	list = json_array();
	for (int i = 0; i < rows.count; i++) {
		feed_update_read(&rows, i, &u);
		json_array_append_new(list, update_json(a, &u));
	}
	db_rows_free(&rows);
	o311_respond(res, 200, fmt, "service_requests_updates", list);
	return true;
}
