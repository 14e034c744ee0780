#include "api/v1/v1.h"

#include <string.h>

#include "core/tiles.h"
#include "http/query.h"

#define MVT_TYPE "application/vnd.mapbox-vector-tile"

/* z, x and y of the path ({z}/{x}/{y}.mvt); a part that is not an integer is 400. */
static bool read_address(const struct http_request *req, struct tile_address *t,
			 struct dmr_error *err)
{
	static const char *const names[3] = {"z", "x", "y"};
	long long *numbers[3] = {&t->z, &t->x, &t->y};

	for (int i = 0; i < 3; i++)
		if (!parse_int_strict(req->params[i], numbers[i]))
			return dmr_fail(err, "invalid_parameter", names[i], "%s must be an integer",
					names[i]);
	return true;
}

/* The tile, or 304 when the client holds it already (If-None-Match). */
static void respond_tile(const struct http_request *req, struct http_response *res,
			 const struct tile *t, const char *cache_control)
{
	const char *if_none_match = http_header(req, "If-None-Match");

	http_add_header(res, "ETag", t->etag);
	http_add_header(res, "Cache-Control", cache_control);
	if (if_none_match && strstr(if_none_match, t->etag))
		http_respond_text(res, 304, NULL, "", 0);
	else
		http_respond_text(res, 200, MVT_TYPE, t->data ? t->data : "", t->size);
}

bool api_v1_report_tile(void *app, const struct http_request *req, struct http_response *res,
			struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct report_filter f;
	struct tile_address address;
	struct tile t;

	if (!read_address(req, &address, err) || !api_v1_report_filter(req, &f, err) ||
	    !tiles_reports(a->pool, a->tile_cache, &f, &address, &t, err))
		return false;
	http_add_header(res, "Vary", "Authorization, Cookie");
	respond_tile(req, res, &t, t.personal ? "private, max-age=30" : "public, max-age=30");
	tile_free(&t);
	return true;
}

bool api_v1_area_tile(void *app, const struct http_request *req, struct http_response *res,
		      struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct tile_address address;
	struct tile t;

	if (!read_address(req, &address, err) ||
	    !tiles_areas(a->pool, a->tile_cache, http_query(req, "service"), &address, &t, err))
		return false;
	respond_tile(req, res, &t, "public, max-age=86400");
	tile_free(&t);
	return true;
}
