#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/v1.h"
#include "core/report.h"
#include "http/form.h"
#include "http/query.h"

/* Photos are named by the SHA-256 of their bytes: they never change, so caches keep them. */
#define PHOTO_CACHE "public, max-age=31536000, immutable"

static bool sha256_hex(const char *s, size_t len)
{
	if (len != 64)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

/* "<sha256>.jpg" or "<sha256>_thumb.jpg". */
static bool parse_photo_name(const char *name, char sha[65], bool *thumbnail)
{
	size_t len = strlen(name);

	*thumbnail = len == 64 + strlen("_thumb.jpg") && strcmp(name + 64, "_thumb.jpg") == 0;
	if (!*thumbnail && !(len == 64 + strlen(".jpg") && strcmp(name + 64, ".jpg") == 0))
		return false;
	if (!sha256_hex(name, 64))
		return false;
	memcpy(sha, name, 64);
	sha[64] = '\0';
	return true;
}

void api_photo_get(void *app, const struct http_request *req, struct http_response *res)
{
	struct dmr_app *a = app;
	struct dmr_error err;
	char sha[65], etag[80];
	bool thumbnail;
	const char *if_none_match;
	PGresult *bytes;

	if (!parse_photo_name(req->params[0], sha, &thumbnail)) {
		dmr_fail(&err, 404, "not_found", NULL, "no such photo");
		http_respond_error(res, &err);
		return;
	}
	snprintf(etag, sizeof etag, "\"%s%s\"", sha, thumbnail ? "-thumb" : "");
	if_none_match = http_header(req, "If-None-Match");
	if (if_none_match && strstr(if_none_match, etag)) {
		http_add_header(res, "ETag", etag);
		http_add_header(res, "Cache-Control", PHOTO_CACHE);
		http_respond_text(res, 304, NULL, "", 0);
		return;
	}
	bytes = report_photo_bytes(a->pool, sha, thumbnail, &err);
	if (!bytes) {
		http_respond_error(res, &err);
		return;
	}
	http_add_header(res, "ETag", etag);
	http_add_header(res, "Cache-Control", PHOTO_CACHE);
	http_respond_text(res, 200, "image/jpeg", PQgetvalue(bytes, 0, 0),
			  (size_t)PQgetlength(bytes, 0, 0));
	PQclear(bytes);
}

/* The photo bytes: a raw image body, or the `photo` part of a form (or its only part). */
static bool read_photo_body(const struct http_request *req, struct form *form,
			    struct report_photo_in *photo, struct dmr_error *err)
{
	const struct form_part *part;

	memset(form, 0, sizeof *form);
	if (!form_is_multipart(req)) {
		photo->bytes = (const unsigned char *)req->body;
		photo->len = req->body_len;
		return true;
	}
	if (!form_parse(req, form, err))
		return false;
	part = form_get(form, "photo");
	if (!part && form->count == 1)
		part = &form->parts[0];
	if (!part)
		return dmr_fail(err, 422, "missing_field", "photo",
				"send the photo as the form's photo part");
	photo->bytes = (const unsigned char *)part->content.s;
	photo->len = part->content.len;
	return true;
}

/* The report id and a known view, from the path; fills err otherwise. */
static bool photo_target(const struct http_request *req, long long *id, struct dmr_error *err)
{
	const char *view = req->params[1];

	if (!parse_int_strict(req->params[0], id) || *id <= 0 ||
	    (strcmp(view, "close") && strcmp(view, "far") && strcmp(view, "done")))
		return dmr_fail(err, 404, "not_found", NULL, "photos are close, far or done");
	return true;
}

void api_v1_put_photo(void *app, const struct http_request *req, struct http_response *res)
{
	struct dmr_app *a = app;
	struct dmr_error err;
	struct form form = {0};
	struct report_photo_in photo = {.view = req->params[1]};
	long long id;
	bool ok;

	ok = photo_target(req, &id, &err) && read_photo_body(req, &form, &photo, &err) &&
	     report_put_photo(a->pool, a->photo_workers, id, http_bearer_token(req), &photo, &err);
	form_free(&form);
	if (!ok) {
		http_respond_error(res, &err);
		return;
	}
	api_v1_get_report(app, req, res);
}

void api_v1_delete_photo(void *app, const struct http_request *req, struct http_response *res)
{
	struct dmr_app *a = app;
	struct dmr_error err;
	long long id;

	if (!photo_target(req, &id, &err) ||
	    !report_delete_photo(a->pool, id, http_bearer_token(req), req->params[1], &err)) {
		http_respond_error(res, &err);
		return;
	}
	api_v1_get_report(app, req, res);
}
