#include "api/v1/v1.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/report_json.h"
#include "core/catalog.h"
#include "base/text.h"
#include "http/query.h"

static json_t *category_tree(const struct db_rows *rows)
{
	json_t *tops = json_array();
	json_t *children = NULL;
	struct category_view c;

	for (int i = 0; i < rows->count; i++) {
		category_view_read(rows, i, &c);
		if (!c.parent_id) {
			children = json_array();
			json_array_append_new(tops, json_pack("{s:i, s:s, s:o}", "id", c.id, "label",
							      c.label, "children", children));
		} else if (children) {
			json_array_append_new(children,
					      json_pack("{s:i, s:s, s:s, s:b, s:i, s:f}", "id", c.id,
							"label", c.label, "service",
							c.service_code, "agent_only", c.agent_only,
							"sla_hours", c.sla_hours,
							"duplicate_radius_m", c.duplicate_radius_m));
		}
	}
	return tops;
}

static bool categories(void *app, const struct http_request *req,
		       struct http_response *res, struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct db_rows rows;
	json_t *tree;
	char *tree_text, version[24], etag[32];
	const char *if_none_match;

	if (!catalog_categories(a->pool, &rows, err))
		return false;
	tree = category_tree(&rows);
	db_rows_free(&rows);
	tree_text = json_dumps(tree, JSON_COMPACT);
	snprintf(version, sizeof version, "%016" PRIx64,
		 tree_text ? text_fingerprint(tree_text, strlen(tree_text)) : 0);
	free(tree_text);
	snprintf(etag, sizeof etag, "\"%s\"", version);
	http_add_header(res, "ETag", etag);
	http_add_header(res, "Cache-Control", "public, max-age=300");
	if_none_match = http_header(req, "If-None-Match");
	if (if_none_match && strstr(if_none_match, etag)) {
		json_decref(tree);
		http_respond_text(res, 304, NULL, "", 0);
		return true;
	}
	http_respond_json(res, 200,
			  json_pack("{s:s, s:o}", "version", version, "categories", tree));
	return true;
}

static bool services(void *app, const struct http_request *req,
		     struct http_response *res, struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct db_rows rows;
	struct service_view v;
	json_t *list;

	(void)req;
	if (!catalog_services(a->pool, &rows, err))
		return false;
	list = json_array();
	for (int i = 0; i < rows.count; i++) {
		service_view_read(&rows, i, &v);
		json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "code", v.code, "name",
						      v.name, "kind", v.kind));
	}
	db_rows_free(&rows);
	http_respond_json(res, 200, json_pack("{s:o}", "services", list));
	return true;
}

static bool areas(void *app, const struct http_request *req,
		  struct http_response *res, struct dmr_error *err)
{
	struct dmr_app *a = app;
	const char *kind = http_query(req, "kind");
	long long zoom;
	bool has_zoom;
	PGresult *rows;

	if (!kind)
		return dmr_fail(err, "invalid_parameter", "kind", "the kind parameter is required:"
				" arrondissement, quartier, conseil_quartier or park");
	if (!query_int(req, "zoom", false, &zoom, &has_zoom, err))
		return false;
	rows = catalog_areas_geojson(a->pool, kind, has_zoom ? &zoom : NULL, err);
	if (!rows)
		return false;
	http_add_header(res, "Cache-Control", "public, max-age=3600");
	http_respond_text(res, 200, "application/geo+json", PQgetvalue(rows, 0, 0),
			  (size_t)PQgetlength(rows, 0, 0));
	PQclear(rows);
	return true;
}

static bool route_preview(void *app, const struct http_request *req,
			  struct http_response *res, struct dmr_error *err)
{
	struct dmr_app *a = app;
	long long category;
	double lat, lon;
	bool present;
	struct db_rows rows;
	struct route_view r;
	json_t *answer;

	if (!query_int(req, "category_id", true, &category, &present, err) ||
	    !query_double(req, "lat", true, &lat, &present, err) ||
	    !query_double(req, "lon", true, &lon, &present, err) ||
	    !catalog_route_preview(a->pool, category, lat, lon, &rows, err))
		return false;
	route_view_read(&rows, &r);
	answer = json_pack("{s:I, s:o, s:o, s:i, s:o}", "category_id", (json_int_t)category,
			   "service", code_name_json(r.service_code, r.service_name),
			   "sector", code_name_json(r.sector_code, r.sector_name),
			   "arrondissement", r.arrondissement,
			   "routing", routing_json(r.rule, r.has_distance, r.distance_m));
	db_rows_free(&rows);
	http_respond_json(res, 200, answer);
	return true;
}

/* Where a person who opens /api/v1 finds the documentation. */
static bool index_page(void *app, const struct http_request *req, struct http_response *res,
		       struct dmr_error *err)
{
	(void)app;
	(void)req;
	(void)err;
	http_respond_json(res, 200,
			  json_pack("{s:s, s:[s, s], s:[s, s, s, s]}", "api",
				    "Dans ma rue, native API v1", "docs", "docs/api.md",
				    "docs/openapi.yaml", "start", "/api/v1/categories",
				    "/api/v1/services", "/api/v1/reports", "/api/v1/reject-reasons"));
	return true;
}

/*
 * The error form of docs/api.md. A 401 says how a token is sent: the core's message names
 * which token, the door how.
 */
static void render_error(void *app, const struct http_request *req, struct http_response *res,
			 const struct dmr_error *err)
{
	struct dmr_error e = *err;
	size_t used = strlen(e.message);

	(void)app;
	(void)req;
	if (err->http_status == 401)
		snprintf(e.message + used, sizeof e.message - used,
			 " (send it as Authorization: Bearer <token>)");
	http_respond_error(res, &e);
}

static const struct http_route routes[] = {
	{"GET", "/api/v1", index_page, false},
	{"GET", "/api/v1/categories", categories, false},
	{"GET", "/api/v1/services", services, false},
	{"GET", "/api/v1/areas", areas, false},
	{"GET", "/api/v1/route", route_preview, false},
	{"GET", "/api/v1/addresses", api_v1_search_addresses, false},
	{"GET", "/api/v1/addresses/reverse", api_v1_reverse_geocode, false},
	{"GET", "/api/v1/reports", api_v1_search_reports, false},
	{"GET", "/api/v1/reports.csv", api_v1_export_reports, false},
	{"POST", "/api/v1/reports", api_v1_create_report, true},
	{"GET", "/api/v1/reports/suggestions", api_v1_suggestions, false},
	{"GET", "/api/v1/reports/{}", api_v1_get_report, false},
	{"POST", "/api/v1/reports/{}/transitions", api_v1_transition, false},
	{"GET", "/api/v1/reports/{}/events", api_v1_events, false},
	{"POST", "/api/v1/reports/{}/followers", api_v1_follow, false},
	{"DELETE", "/api/v1/reports/{}/followers", api_v1_unfollow, false},
	{"PUT", "/api/v1/reports/{}/photos/{}", api_v1_put_photo, true},
	{"DELETE", "/api/v1/reports/{}/photos/{}", api_v1_delete_photo, false},
	{"GET", "/api/v1/queue", api_v1_queue, false},
	{"GET", "/api/v1/session", api_v1_session, false},
	{"GET", "/api/v1/events/stream", api_v1_event_stream, false},
	{"GET", "/api/v1/stats", api_v1_stats, false},
	{"GET", "/api/v1/outbox", api_v1_outbox, false},
	{"POST", "/api/v1/outbox/{}/retry", api_v1_outbox_retry, false},
	{"GET", "/api/v1/reject-reasons", api_v1_reject_reasons, false},
	{"PUT", "/api/v1/reject-reasons/{}", api_v1_put_reject_reason, false},
	{"PUT", "/api/v1/categories/{}/delays", api_v1_category_delays, false},
	{"GET", "/api/v1/area-overrides", api_v1_area_overrides, false},
	{"PUT", "/api/v1/area-overrides/{}/{}", api_v1_put_area_override, false},
	{"GET", "/api/v1/tiles/reports/{}/{}/{}.mvt", api_v1_report_tile, false},
	{"GET", "/api/v1/tiles/areas/{}/{}/{}.mvt", api_v1_area_tile, false},
};

static const struct http_cors cors = {
	"Content-Type, Authorization, Idempotency-Key, If-None-Match, Last-Event-ID"};

const struct http_mount api_v1_mount = {
	"v1", "/api/v1", routes, sizeof routes / sizeof routes[0], render_error, &cors, 0,
};
