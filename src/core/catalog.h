#ifndef DMR_CORE_CATALOG_H
#define DMR_CORE_CATALOG_H

/*
 * Reference data read by every front door: the category tree, the services, the areas, and
 * the routing preview. Results are PGresults owned by the caller (PQclear), whose columns are
 * documented on each function.
 */

#include <libpq-fe.h>
#include <stdbool.h>

#include "base/error.h"
#include "db/pool.h"

/*
 * Active categories, each top category followed by its children.
 * Columns: id, parent_id (NULL for a top category), label, service code, agent_only (t/f),
 * sla_hours and duplicate_radius_m (the category's own, else its top category's, else the
 * defaults: 168 hours, 50 m).
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

/* The active rejection reasons. Columns: code, label. */
PGresult *catalog_reject_reasons(struct db_pool *pool, struct dmr_error *err);

/*
 * Creates or updates a rejection reason, for an admin token (401/403); *created says which.
 * 422 for a malformed code or an empty label.
 */
bool catalog_put_reject_reason(struct db_pool *pool, const char *token, const char *code,
			       const char *label, bool active, bool *created,
			       struct dmr_error *err);

/*
 * Sets a category's deadline (hours, 1 to 8760) and duplicate radius (metres, up to 1000),
 * for an admin token; NULL means "inherit" (the top category's, or the default). 404 unknown
 * category, 422 out of range. The deadline applies to reports created from then on.
 */
bool catalog_set_category_delays(struct db_pool *pool, const char *token, long long category_id,
				 const long long *sla_hours, const double *radius_m,
				 struct dmr_error *err);

/* Whether the database answers. */
bool catalog_ping(struct db_pool *pool, struct dmr_error *err);

#endif
