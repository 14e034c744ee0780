#include "api/media.h"

#include <stdio.h>
#include <string.h>

#include "api/app.h"
#include "core/report.h"

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

bool api_photo_get(void *app, const struct http_request *req, struct http_response *res,
		   struct dmr_error *err)
{
	struct dmr_app *a = app;
	char sha[65], etag[80];
	bool thumbnail;
	const char *if_none_match;
	PGresult *bytes;

	if (!parse_photo_name(req->params[0], sha, &thumbnail)) {
		dmr_fail(err, "not_found", NULL, "no such photo");
		return false;
	}
	snprintf(etag, sizeof etag, "\"%s%s\"", sha, thumbnail ? "-thumb" : "");
	if_none_match = http_header(req, "If-None-Match");
	if (if_none_match && strstr(if_none_match, etag)) {
		http_add_header(res, "ETag", etag);
		http_add_header(res, "Cache-Control", PHOTO_CACHE);
		http_respond_text(res, 304, NULL, "", 0);
		return true;
	}
	bytes = report_photo_bytes(a->pool, sha, thumbnail, err);
	if (!bytes)
		return false;
	http_add_header(res, "ETag", etag);
	http_add_header(res, "Cache-Control", PHOTO_CACHE);
	http_respond_text(res, 200, "image/jpeg", PQgetvalue(bytes, 0, 0),
			  (size_t)PQgetlength(bytes, 0, 0));
	PQclear(bytes);
	return true;
}


static const struct http_route routes[] = {
	{"GET", "/photos/{}", api_photo_get, false},
};

/* Photos may be shown by pages of other origins. */
static const struct http_cors cors = {"If-None-Match"};

const struct http_mount api_media_mount = {
	"media", "/photos", routes, sizeof routes / sizeof routes[0], http_render_json_error, &cors, 4096,
};
