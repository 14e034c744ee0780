#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/open311/open311.h"
#include "base/buf.h"
#include "base/text.h"
#include "core/report.h"
#include "http/form.h"
#include "http/query.h"

/* The file fields of a photo: GeoReport v2.1's media, and media[] as PHP clients send it. */
static bool is_media(const char *name)
{
	return strcmp(name, "media") == 0 || strcmp(name, "media[]") == 0;
}

/* A form field's text, NULL when absent or empty (clients send empty fields they lack). */
static const char *field(const struct form *f, const char *name)
{
	const struct form_part *p = form_get(f, name);

	return p && p->content.len ? p->content.s : NULL;
}

/*
 * Two requests with one Idempotency-Key must be the same request: the SHA-256 of every
 * field but the photo, in name order (a form holds few fields).
 */
static bool form_digest(const struct form *f, char out[TEXT_SHA256_HEX_SIZE],
			struct dmr_error *err)
{
	const struct form_part *order[FORM_MAX_PARTS];
	struct buf text = {0};
	int n = 0;

	for (int i = 0; i < f->count; i++) {
		const struct form_part *p = &f->parts[i];
		int at = n;

		if (is_media(p->name))
			continue;
		while (at > 0 && strcmp(order[at - 1]->name, p->name) > 0) {
			order[at] = order[at - 1];
			at--;
		}
		order[at] = p;
		n++;
	}
	for (int i = 0; i < n; i++) {
		buf_puts(&text, order[i]->name);
		buf_append(&text, "=", 1);
		buf_append(&text, order[i]->content.s, order[i]->content.len);
		buf_append(&text, "\n", 1);
	}
	if (text.failed) {
		buf_free(&text);
		return dmr_fail(err, "internal_error", NULL, "out of memory");
	}
	text_sha256_hex(text.s ? text.s : "", text.len, out);
	buf_free(&text);
	return true;
}

/* lat and long, both; without them a photo's GPS position may place the request. */
static bool read_position(const struct form *f, bool has_photo, struct report_input *in,
			  struct dmr_error *err)
{
	const char *lat = field(f, "lat"), *lon = field(f, "long");

	in->has_position = lat || lon;
	if (!in->has_position) {
		if (has_photo)
			return true;
		return dmr_fail(err, "missing_field", "lat",
				field(f, "address_string") || field(f, "address_id")
					? "a position is required: send lat and long "
					  "(an address alone cannot be placed here)"
					: "a position is required: send lat and long");
	}
	if (!lat || !parse_double_strict(lat, &in->lat))
		return dmr_fail(err, "invalid_field", "lat", "lat must be a number");
	if (!lon || !parse_double_strict(lon, &in->lon))
		return dmr_fail(err, "invalid_field", "long", "long must be a number");
	return true;
}

static bool read_priority(const struct form *f, int *priority, struct dmr_error *err)
{
	const char *v = field(f, "attribute[priority]");

	*priority = 3;
	if (!v)
		return true;
	if (strlen(v) != 1 || v[0] < '1' || v[0] > '3')
		return dmr_fail(err, "invalid_field", "attribute[priority]",
				"attribute[priority] must be 1 (dangereux), 2 (très gênant) or 3 "
				"(gênant)");
	*priority = v[0] - '0';
	return true;
}

static bool read_service(const struct form *f, long long *category, struct dmr_error *err)
{
	const char *code = field(f, "service_code");

	if (!code)
		return dmr_fail(err, "missing_field", "service_code", "service_code is required");
	if (!parse_int_strict(code, category) || *category <= 0)
		return dmr_fail(err, "not_found", "service_code", "no service has the code %.40s",
				code);
	return true;
}

/* The key of the client application: in the form, or in the query string as some send it. */
static bool read_api_key(const struct http_request *req, const struct form *f,
			 const char **key, struct dmr_error *err)
{
	*key = field(f, "api_key");
	if (!*key)
		*key = http_query(req, "api_key");
	if (!*key || !**key)
		return dmr_fail(err, "forbidden", "api_key",
				"an api_key is required to create a request");
	return true;
}

/* The form's fields into a core request; strings point into the form. */
static bool read_input(const struct http_request *req, const struct form *f,
		       struct report_photo_in *photo, struct report_input *in,
		       struct dmr_error *err)
{
	long long category = 0;

	for (int i = 0; i < f->count; i++)
		if (is_media(f->parts[i].name) && f->parts[i].content.len)
			*photo = (struct report_photo_in){
				"close", (const unsigned char *)f->parts[i].content.s,
				f->parts[i].content.len};
	if (!o311_jurisdiction_check(field(f, "jurisdiction_id"), err) ||
	    !read_api_key(req, f, &in->client_key, err) || !read_service(f, &category, err) ||
	    !read_position(f, photo->bytes != NULL, in, err) ||
	    !read_priority(f, &in->priority, err))
		return false;
	in->category_id = category;
	in->description = field(f, "description");
	in->address = field(f, "address_string");
	in->email = field(f, "email");
	in->device_id = field(f, "device_id");
	in->first_name = field(f, "first_name");
	in->last_name = field(f, "last_name");
	in->phone = field(f, "phone");
	in->channel = CHANNEL_OPEN311;
	in->idempotency_key = http_header(req, "Idempotency-Key");
	return true;
}

/* A category the core does not take is, in Open311's words, a service that is not here. */
static bool service_error(const struct report_input *in, struct dmr_error *err)
{
	if (strcmp(err->code, "unknown_category") == 0 ||
	    strcmp(err->code, "inactive_category") == 0 ||
	    strcmp(err->code, "agent_only_category") == 0)
		return dmr_fail(err, "not_found", "service_code", "no service has the code %lld",
				in->category_id);
	return false;
}

static void respond_created(const struct form *f, enum o311_format fmt,
			    const struct report_rows *rows, bool replayed,
			    struct http_response *res)
{
	struct report_view v;
	char id[24], location[64], notice[512];

	report_view_read(rows, 0, &v);
	snprintf(id, sizeof id, "%lld", v.id);
	snprintf(location, sizeof location, "/open311/v2/requests/%lld.%s", v.id,
		 fmt == O311_XML ? "xml" : "json");
	snprintf(notice, sizeof notice, "Signalement %s transmis à %s.%s", v.number,
		 v.service_name,
		 field(f, "media_url") ? " media_url n'est jamais téléchargé par ce serveur : "
					 "envoyez la photo dans le champ media."
				       : "");
	http_add_header(res, "Location", location);
	http_add_header(res, "Cache-Control", "no-store");
	if (replayed)
		http_add_header(res, "Idempotent-Replayed", "true");
	o311_respond(res, 201, fmt, "service_requests",
		     json_pack("[{s:s, s:s}]", "service_request_id", id, "service_notice",
			       notice));
}

bool o311_create_request(void *app, const struct http_request *req, struct http_response *res,
			 struct dmr_error *err)
{
	struct dmr_app *a = app;
	enum o311_format fmt;
	struct form f = {0};
	struct report_input in = {0};
	struct report_photo_in photo = {0};
	struct report_rows rows;
	char hash[TEXT_SHA256_HEX_SIZE], edit_token[REPORT_EDIT_TOKEN_SIZE];
	bool replayed = false, ok;

	if (!o311_format_parse(req->params[0], &fmt, err))
		return false;
	if (!form_is_urlencoded(req) && !form_is_multipart(req))
		return dmr_fail(err, "unsupported_media_type", NULL,
				"send the request as application/x-www-form-urlencoded, or as "
				"multipart/form-data with a photo in media");
	ok = form_parse(req, &f, err) && read_input(req, &f, &photo, &in, err) &&
	     report_idempotency_key_check(in.idempotency_key, err) && form_digest(&f, hash, err);
	in.request_hash = hash;
	ok = ok && (report_create(a->pool, a->photo_workers, &in, &photo, photo.bytes ? 1 : 0,
				  &rows, &replayed, edit_token, err) ||
		    service_error(&in, err));
	if (ok) {
		respond_created(&f, fmt, &rows, replayed, res);
		report_rows_free(&rows);
	}
	form_free(&f);
	return ok;
}
