#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/v1/json_body.h"
#include "core/report_json.h"
#include "api/v1/v1.h"
#include "base/text.h"
#include "http/form.h"
#include "http/query.h"

/* lat and lon come together or not at all (a geotagged photo may place the report). */
static bool read_position(json_t *body, struct report_input *in, struct dmr_error *err)
{
	bool has_lat = !json_field_missing(json_object_get(body, "lat"));
	bool has_lon = !json_field_missing(json_object_get(body, "lon"));

	in->has_position = has_lat || has_lon;
	if (!in->has_position)
		return true;
	return json_field_number(body, "lat", &in->lat, err) && json_field_number(body, "lon", &in->lon, err);
}

static bool read_channel(json_t *body, char *channel, struct dmr_error *err)
{
	const char *name;

	if (!json_field_string(body, "channel", &name, err))
		return false;
	if (!name || strcmp(name, "web") == 0)
		*channel = CHANNEL_WEB;
	else if (strcmp(name, "android") == 0)
		*channel = CHANNEL_ANDROID;
	else if (strcmp(name, "ios") == 0)
		*channel = CHANNEL_IOS;
	else
		return dmr_fail(err, "invalid_field", "channel",
				"channel must be web, android or ios");
	return true;
}

/* The body's fields into a core request; strings point into body. */
static bool parse_report_input(json_t *body, struct report_input *in, struct dmr_error *err)
{
	long long priority = 3;

	if (!json_is_object(body))
		return dmr_fail(err, "malformed_json", NULL, "the body must be a JSON object");
	if (!json_field_integer(body, "category_id", true, &in->category_id, err) ||
	    !read_position(body, in, err) ||
	    !json_field_integer(body, "priority", false, &priority, err) ||
	    !json_field_string(body, "description", &in->description, err) ||
	    !json_field_string(body, "address", &in->address, err) ||
	    !json_field_string(body, "email", &in->email, err) ||
	    !json_field_string(body, "device_id", &in->device_id, err) ||
	    !read_channel(body, &in->channel, err))
		return false;
	in->priority = priority < 1 || priority > 3 ? 0 : (int)priority;
	return true;
}

/*
 * Two requests with one key must carry the same report: the digest is taken of the body
 * re-serialised with sorted keys, so spacing and key order do not matter, and it is a
 * SHA-256, so that no other report can be made to pass for the first.
 */
static bool body_digest(json_t *body, char out[TEXT_SHA256_HEX_SIZE], struct dmr_error *err)
{
	char *canonical = json_dumps(body, JSON_COMPACT | JSON_SORT_KEYS);

	if (!canonical)
		return dmr_fail(err, "internal_error", NULL, "out of memory");
	text_sha256_hex(canonical, strlen(canonical), out);
	free(canonical);
	return true;
}

/* A creation request as it arrived: the report's JSON and its photos. */
struct create_request {
	struct form form;
	const char *json;
	size_t json_len;
	struct report_photo_in photos[2];
	int nphotos;
};

/* A form part other than `report` must be a photo_close or photo_far: a misspelt one would
 * otherwise give a report without its photo and nobody would know. */
static bool take_form_photo(struct create_request *c, const struct form_part *part,
			    struct dmr_error *err)
{
	static const char *const views[] = {"close", "far"};

	if (strcmp(part->name, "report") == 0)
		return true;
	for (size_t i = 0; i < sizeof views / sizeof views[0]; i++) {
		if (strncmp(part->name, "photo_", 6) == 0 && strcmp(part->name + 6, views[i]) == 0) {
			c->photos[c->nphotos++] = (struct report_photo_in){
				views[i], (const unsigned char *)part->content.s, part->content.len};
			return true;
		}
	}
	return dmr_fail(err, "invalid_field", part->name,
			"unknown form part %s: send report, photo_close and photo_far", part->name);
}

/* JSON alone, or multipart/form-data with a `report` part and photo_close / photo_far. */
static bool read_create_request(const struct http_request *req, struct create_request *c,
				struct dmr_error *err)
{
	const struct form_part *report;

	memset(c, 0, sizeof *c);
	if (!form_is_multipart(req)) {
		if (!json_content_type(http_header(req, "Content-Type")))
			return dmr_fail(err, "unsupported_media_type", NULL,
					"send the report as application/json or "
					"multipart/form-data");
		c->json = req->body;
		c->json_len = req->body_len;
		return true;
	}
	if (!form_parse(req, &c->form, err))
		return false;
	report = form_get(&c->form, "report");
	if (!report)
		return dmr_fail(err, "missing_field", "report",
				"the form needs a report part holding the report's JSON");
	c->json = report->content.s;
	c->json_len = report->content.len;
	for (int i = 0; i < c->form.count; i++)
		if (!take_form_photo(c, &c->form.parts[i], err))
			return false;
	return true;
}

static void respond_created(struct dmr_app *a, struct http_response *res,
			    const struct report_rows *rows, bool replayed, const char *edit_token)
{
	struct report_view view;
	char location[64];
	json_t *answer;

	report_view_read(rows, 0, &view);
	snprintf(location, sizeof location, "/api/v1/reports/%lld", view.id);
	http_add_header(res, "Location", location);
	http_add_header(res, "Cache-Control", "no-store");
	if (replayed)
		http_add_header(res, "Idempotent-Replayed", "true");
	answer = report_json(&view);
	json_object_set_new(answer, "edit_token", json_string(edit_token));
	json_object_set_new(answer, "suggestions",
			    api_suggestions_json(a, view.lat, view.lon, view.category_id, view.id));
	http_respond_json(res, 201, answer);
}

bool api_v1_create_report(void *app, const struct http_request *req, struct http_response *res,
			  struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct create_request c;
	struct report_input in = {0};
	struct report_rows rows;
	json_error_t jerr;
	json_t *body = NULL;
	char hash[TEXT_SHA256_HEX_SIZE], edit_token[REPORT_EDIT_TOKEN_SIZE];
	bool replayed = false;
	bool ok;

	in.idempotency_key = http_header(req, "Idempotency-Key");
	ok = read_create_request(req, &c, err) &&
	     report_idempotency_key_check(in.idempotency_key, err);
	if (ok && !(body = json_loadb(c.json, c.json_len, JSON_REJECT_DUPLICATES, &jerr)))
		ok = json_parse_error(c.json, c.json_len, &jerr, err);
	ok = ok && parse_report_input(body, &in, err) &&
	     body_digest(body, hash, err);
	in.request_hash = hash;
	ok = ok && report_create(a->pool, a->photo_workers, &in, c.photos, c.nphotos, &rows,
				 &replayed, edit_token, err);
	json_decref(body);
	form_free(&c.form);
	if (!ok)
		return false;
	respond_created(a, res, &rows, replayed, edit_token);
	report_rows_free(&rows);
	return true;
}

bool api_report_id(const struct http_request *req, long long *id, struct dmr_error *err)
{
	if (!parse_int_strict(req->params[0], id) || *id <= 0)
		return dmr_fail(err, "not_found", NULL, "no report has id %.40s",
				req->params[0]);
	return true;
}

bool api_v1_get_report(void *app, const struct http_request *req, struct http_response *res,
		       struct dmr_error *err)
{
	struct dmr_app *a = app;
	const char *token = http_bearer_token(req);
	struct report_private private;
	struct report_rows rows;
	struct report_view view;
	long long id;
	json_t *body;

	if (!api_report_id(req, &id, err) || !report_get(a->pool, id, &rows, err))
		return false;
	report_view_read(&rows, 0, &view);
	body = report_json(&view);
	report_rows_free(&rows);
	if (token) {
		if (!report_private_read(a->pool, id, token, &private, err)) {
			json_decref(body);
			return false;
		}
		if (private.staff)
			json_object_set_new(body, "address_given",
					    json_string(private.address_given ? private.address_given : ""));
		report_private_free(&private);
		http_add_header(res, "Cache-Control", "private, no-store");
	}
	http_respond_json(res, 200, body);
	return true;
}

static bool parse_search_mode(const struct http_request *req, struct report_query *q,
			      struct dmr_error *err)
{
	double near[2];
	bool has_near, has_bbox, has_radius;

	if (!query_doubles(req, "near", near, 2, &has_near, err) ||
	    !query_doubles(req, "bbox", q->bbox, 4, &has_bbox, err) ||
	    !query_double(req, "radius", false, &q->radius_m, &has_radius, err))
		return false;
	if (has_near && has_bbox)
		return dmr_fail(err, "invalid_parameter", "bbox",
				"near and bbox cannot be used together");
	if (has_radius && !has_near)
		return dmr_fail(err, "invalid_parameter", "radius", "radius goes with near");
	q->mode = has_near ? SEARCH_NEAR : has_bbox ? SEARCH_BBOX : SEARCH_ALL;
	q->lat = near[0];
	q->lon = near[1];
	if (!has_radius)
		q->radius_m = REPORT_RADIUS_DEFAULT;
	return true;
}

static bool parse_search(const struct http_request *req, struct report_query *q,
			 struct dmr_error *err)
{
	long long limit = REPORT_SEARCH_LIMIT_DEFAULT;
	bool present;

	memset(q, 0, sizeof *q);
	if (!parse_search_mode(req, q, err) ||
	    !query_int(req, "category_id", false, &q->category_id, &present, err) ||
	    !query_int(req, "limit", false, &limit, &present, err) ||
	    !query_text(req, "status", &q->statuses, err) ||
	    !query_text(req, "service", &q->service, err) ||
	    !query_text(req, "since", &q->since, err) ||
	    !query_text(req, "cursor", &q->cursor, err))
		return false;
	if (present && (limit < 1 || limit > REPORT_SEARCH_LIMIT_MAX))
		return dmr_fail(err, "invalid_parameter", "limit",
				"limit must be between 1 and 1000");
	q->limit = (int)limit;
	if (q->category_id < 0 || q->category_id > INT32_MAX)
		return dmr_fail(err, "invalid_parameter", "category_id",
				"category_id is not a category id");
	return true;
}

static bool wants_geojson(const struct http_request *req)
{
	const char *accept = http_header(req, "Accept");

	return accept && strstr(accept, "application/geo+json");
}

bool api_v1_search_reports(void *app, const struct http_request *req, struct http_response *res,
			   struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct report_query q;
	struct report_rows rows;
	struct report_view view;
	bool geojson = wants_geojson(req);
	json_t *list = json_array();
	json_t *cursor;

	if (!parse_search(req, &q, err) || !report_search(a->pool, &q, &rows, err)) {
		json_decref(list);
		return false;
	}
	for (int i = 0; i < rows.count; i++) {
		report_view_read(&rows, i, &view);
		json_array_append_new(list, geojson ? report_feature(&view) : report_json(&view));
	}
	cursor = rows.next_cursor[0] ? json_string(rows.next_cursor) : json_null();
	report_rows_free(&rows);
	if (geojson) {
		http_respond_json(res, 200, json_pack("{s:s, s:o, s:o}", "type", "FeatureCollection",
						      "features", list, "next_cursor", cursor));
		res->content_type = "application/geo+json";
		return true;
	}
	http_respond_json(res, 200, json_pack("{s:o, s:o}", "reports", list, "next_cursor", cursor));
	return true;
}
