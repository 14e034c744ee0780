#include "core/catalog.h"

#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "core/lifecycle.h"
#include "core/report.h"
#include "db/statements.h"

bool catalog_categories(struct db_pool *pool, struct db_rows *out, struct dmr_error *err)
{
	return db_rows_query(pool, STMT_CATEGORIES, NULL, out, err);
}

void category_view_read(const struct db_rows *rows, int i, struct category_view *v)
{
	const PGresult *r = rows->res;

	v->id = atoi(PQgetvalue(r, i, 0));
	v->parent_id = PQgetisnull(r, i, 1) ? 0 : atoi(PQgetvalue(r, i, 1));
	v->label = PQgetvalue(r, i, 2);
	v->service_code = db_value(r, i, 3);
	v->agent_only = PQgetvalue(r, i, 4)[0] == 't';
	v->sla_hours = atoi(PQgetvalue(r, i, 5));
	v->duplicate_radius_m = strtod(PQgetvalue(r, i, 6), NULL);
}

bool catalog_services(struct db_pool *pool, struct db_rows *out, struct dmr_error *err)
{
	return db_rows_query(pool, STMT_SERVICES, NULL, out, err);
}

void service_view_read(const struct db_rows *rows, int i, struct service_view *v)
{
	v->code = PQgetvalue(rows->res, i, 0);
	v->name = PQgetvalue(rows->res, i, 1);
	v->kind = PQgetvalue(rows->res, i, 2);
}

bool catalog_area_kind_known(const char *kind)
{
	return strcmp(kind, "arrondissement") == 0 || strcmp(kind, "quartier") == 0 ||
	       strcmp(kind, "conseil_quartier") == 0 || strcmp(kind, "park") == 0;
}

PGresult *catalog_areas_geojson(struct db_pool *pool, const char *kind, const long long *zoom,
				struct dmr_error *err)
{
	char zoom_text[24];
	const char *params[2] = {kind, zoom ? zoom_text : NULL};

	if (!catalog_area_kind_known(kind)) {
		dmr_fail(err, "invalid_parameter", "kind",
			 "kind must be arrondissement, quartier, conseil_quartier or park");
		return NULL;
	}
	if (zoom && (*zoom < 0 || *zoom > CATALOG_ZOOM_MAX)) {
		dmr_fail(err, "invalid_field", "zoom", "zoom must be between 0 and %d",
			 CATALOG_ZOOM_MAX);
		return NULL;
	}
	snprintf(zoom_text, sizeof zoom_text, "%lld", zoom ? *zoom : 0);
	return db_query(pool, STMT_AREAS_GEOJSON, params, err);
}

bool catalog_route_preview(struct db_pool *pool, long long category_id, double lat,
			   double lon, struct db_rows *out, struct dmr_error *err)
{
	char category[24], lat_text[32], lon_text[32];
	const char *params[3] = {category, lon_text, lat_text};

	if (category_id <= 0 || category_id > INT32_MAX)
		return dmr_fail(err, "unknown_category", "category_id",
				"no sub-category has id %lld", category_id);
	if (!report_check_coordinates(lat, lon, err))
		return false;
	snprintf(category, sizeof category, "%lld", category_id);
	snprintf(lat_text, sizeof lat_text, "%.17g", lat);
	snprintf(lon_text, sizeof lon_text, "%.17g", lon);
	return db_rows_query(pool, STMT_ROUTE_PREVIEW, params, out, err);
}

void route_view_read(const struct db_rows *rows, struct route_view *v)
{
	const PGresult *r = rows->res;

	v->service_code = PQgetvalue(r, 0, 0);
	v->service_name = PQgetvalue(r, 0, 1);
	v->sector_code = db_value(r, 0, 2);
	v->sector_name = db_value(r, 0, 3);
	v->arrondissement = atoi(PQgetvalue(r, 0, 4));
	v->rule = PQgetvalue(r, 0, 5);
	v->has_distance = !PQgetisnull(r, 0, 6);
	v->distance_m = v->has_distance ? strtod(PQgetvalue(r, 0, 6), NULL) : 0;
}

bool catalog_ping(struct db_pool *pool, struct dmr_error *err)
{
	PGresult *res = db_query(pool, STMT_PING, NULL, err);

	PQclear(res);
	return res != NULL;
}

bool catalog_reject_reasons(struct db_pool *pool, struct db_rows *out, struct dmr_error *err)
{
	return db_rows_query(pool, STMT_REJECT_REASONS, NULL, out, err);
}

void reject_reason_view_read(const struct db_rows *rows, int i, struct reject_reason_view *v)
{
	v->code = PQgetvalue(rows->res, i, 0);
	v->label = PQgetvalue(rows->res, i, 1);
}

static bool require_token(const char *token, struct dmr_error *err)
{
	return token || dmr_fail(err, "unauthorized", NULL,
				 "this needs an admin token");
}

bool catalog_put_reject_reason(struct db_pool *pool, const char *token, const char *code,
			       const char *label, bool active, bool *created,
			       struct dmr_error *err)
{
	const char *params[4] = {token, code, label, active ? "true" : "false"};
	PGresult *res;

	if (!require_token(token, err) ||
	    !report_text_check(label, "label", LIFECYCLE_REASON_MAX, err))
		return false;
	res = db_query(pool, STMT_PUT_REJECT_REASON, params, err);
	if (!res)
		return false;
	*created = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return true;
}

bool catalog_set_category_delays(struct db_pool *pool, const char *token, long long category_id,
				 const long long *sla_hours, const double *radius_m,
				 struct dmr_error *err)
{
	char id[24], sla[24], radius[32];
	const char *params[4] = {token, id, sla_hours ? sla : NULL, radius_m ? radius : NULL};
	PGresult *res;

	if (!require_token(token, err))
		return false;
	if (category_id <= 0 || category_id > INT32_MAX)
		return dmr_fail(err, "not_found", NULL, "no category has id %lld", category_id);
	if (sla_hours && (*sla_hours < 1 || *sla_hours > 8760))
		return dmr_fail(err, "invalid_field", "sla_hours",
				"sla_hours must be between 1 and 8760");
	snprintf(id, sizeof id, "%lld", category_id);
	snprintf(sla, sizeof sla, "%lld", sla_hours ? *sla_hours : 0);
	snprintf(radius, sizeof radius, "%.17g", radius_m ? *radius_m : 0);
	res = db_query(pool, STMT_CATEGORY_DELAYS, params, err);
	PQclear(res);
	return res != NULL;
}

bool catalog_area_overrides(struct db_pool *pool, struct db_rows *out, struct dmr_error *err)
{
	return db_rows_query(pool, STMT_AREA_OVERRIDES, NULL, out, err);
}

void area_override_view_read(const struct db_rows *rows, int i, struct area_override_view *v)
{
	v->area_kind = PQgetvalue(rows->res, i, 0);
	v->category_id = atoi(PQgetvalue(rows->res, i, 1));
	v->category_label = PQgetvalue(rows->res, i, 2);
	v->service_code = db_value(rows->res, i, 3);
	v->source = PQgetvalue(rows->res, i, 4);
}

bool catalog_put_area_override(struct db_pool *pool, const char *token, const char *area_kind,
			       long long category_id, const char *service_code, bool *created,
			       struct dmr_error *err)
{
	char id[24];
	const char *params[4] = {token, area_kind, id, service_code};
	PGresult *res;

	if (!require_token(token, err))
		return false;
	if (category_id <= 0 || category_id > INT32_MAX)
		return dmr_fail(err, "not_found", NULL, "no sub-category has id %lld", category_id);
	snprintf(id, sizeof id, "%lld", category_id);
	res = db_query(pool, STMT_PUT_AREA_OVERRIDE, params, err);
	if (!res)
		return false;
	*created = PQgetvalue(res, 0, 0)[0] == 't';
	PQclear(res);
	return true;
}
