#include "core/catalog.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/report.h"
#include "db/statements.h"

static PGresult *run(struct db_pool *pool, int stmt, const char *const *params,
		     struct dmr_error *err)
{
	PGconn *conn = db_acquire(pool, err);
	PGresult *res;

	if (!conn)
		return NULL;
	res = db_run(pool, conn, stmt, params, err);
	db_release(pool, conn);
	return res;
}

PGresult *catalog_categories(struct db_pool *pool, struct dmr_error *err)
{
	return run(pool, STMT_CATEGORIES, NULL, err);
}

PGresult *catalog_services(struct db_pool *pool, struct dmr_error *err)
{
	return run(pool, STMT_SERVICES, NULL, err);
}

bool catalog_area_kind_known(const char *kind)
{
	return strcmp(kind, "arrondissement") == 0 || strcmp(kind, "quartier") == 0 ||
	       strcmp(kind, "conseil_quartier") == 0;
}

PGresult *catalog_areas_geojson(struct db_pool *pool, const char *kind, struct dmr_error *err)
{
	const char *params[1] = {kind};

	if (!catalog_area_kind_known(kind)) {
		dmr_fail(err, 400, "invalid_parameter", "kind",
			 "kind must be arrondissement, quartier or conseil_quartier");
		return NULL;
	}
	return run(pool, STMT_AREAS_GEOJSON, params, err);
}

PGresult *catalog_route_preview(struct db_pool *pool, long long category_id, double lat,
				double lon, struct dmr_error *err)
{
	char category[24], lat_text[32], lon_text[32];
	const char *params[3] = {category, lon_text, lat_text};

	if (category_id <= 0 || category_id > INT32_MAX) {
		dmr_fail(err, 422, "unknown_category", "category_id", "no sub-category has id %lld",
			 category_id);
		return NULL;
	}
	if (!report_check_coordinates(lat, lon, err))
		return NULL;
	snprintf(category, sizeof category, "%lld", category_id);
	snprintf(lat_text, sizeof lat_text, "%.17g", lat);
	snprintf(lon_text, sizeof lon_text, "%.17g", lon);
	return run(pool, STMT_ROUTE_PREVIEW, params, err);
}

bool catalog_ping(struct db_pool *pool, struct dmr_error *err)
{
	PGresult *res = run(pool, STMT_PING, NULL, err);

	PQclear(res);
	return res != NULL;
}
