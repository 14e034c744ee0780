#ifndef DMR_CORE_CATALOG_H
#define DMR_CORE_CATALOG_H

/*
 * Reference data read by every front door: the category tree, the services, the areas, and
 * the routing preview. Results are PGresults owned by the caller (PQclear), whose columns are
 * documented on each function.
 */

#include <libpq-fe.h>
#include <stdbool.h>

#include "core/error.h"
#include "db/pool.h"

/*
 * Active categories, each top category followed by its children.
 * Columns: id, parent_id (NULL for a top category), label, service code, agent_only (t/f).
 */
PGresult *catalog_categories(struct db_pool *pool, struct dmr_error *err);

/* Columns: code, name, kind. */
PGresult *catalog_services(struct db_pool *pool, struct dmr_error *err);

/* One row, one column: the GeoJSON FeatureCollection of the areas of that kind. */
PGresult *catalog_areas_geojson(struct db_pool *pool, const char *kind, struct dmr_error *err);

/* True for the area kinds the catalogue serves. */
bool catalog_area_kind_known(const char *kind);

/*
 * What routing would decide for that category and position, stored nowhere; agent-only
 * categories are allowed. Columns: service code, service name, sector code, sector name
 * (NULL without sector), arrondissement, rule, distance_m (NULL unless nearest_sector).
 */
PGresult *catalog_route_preview(struct db_pool *pool, long long category_id, double lat,
				double lon, struct dmr_error *err);

/* Whether the database answers. */
bool catalog_ping(struct db_pool *pool, struct dmr_error *err);

#endif
