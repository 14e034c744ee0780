#ifndef DMR_CORE_CATALOG_H
#define DMR_CORE_CATALOG_H

/*
 * Reference data read by every front door: the category tree, the services, the areas, the
 * rejection reasons and the routing preview. Lists come as struct db_rows (db/pool.h), read
 * row by row into typed views that point into them.
 */

#include <libpq-fe.h>
#include <stdbool.h>

#include "base/error.h"
#include "db/pool.h"

struct category_view {
	int id;
	int parent_id;            /* 0 for a top category */
	const char *label;
	const char *service_code; /* NULL for a top category */
	bool agent_only;
	int sla_hours;            /* its own, else its top category's, else 168 */
	double duplicate_radius_m; /* its own, else its top category's, else 50 */
};

/* Active categories, each top category followed by its children. */
bool catalog_categories(struct db_pool *pool, struct db_rows *out, struct dmr_error *err);
void category_view_read(const struct db_rows *rows, int i, struct category_view *v);

struct service_view {
	const char *code, *name, *kind; /* kind: direction, contractor or external */
};

/* The active services, by code. */
bool catalog_services(struct db_pool *pool, struct db_rows *out, struct dmr_error *err);
void service_view_read(const struct db_rows *rows, int i, struct service_view *v);

/* The zooms a map asks areas for (catalog_areas_geojson). */
#define CATALOG_ZOOM_MAX 24

/*
 * One row, one column: the GeoJSON FeatureCollection of the areas of that kind; 400 for an
 * unknown kind. With a zoom (0 to CATALOG_ZOOM_MAX, else 422), each polygon is simplified
 * to about a pixel of a 256-pixel tile at that zoom, its topology kept; NULL for none.
 */
PGresult *catalog_areas_geojson(struct db_pool *pool, const char *kind, const long long *zoom,
				struct dmr_error *err);

/* True for the area kinds the catalogue serves. */
bool catalog_area_kind_known(const char *kind);

struct route_view {
	const char *service_code, *service_name;
	const char *sector_code, *sector_name; /* NULL without sector */
	int arrondissement;
	const char *rule;
	bool has_distance; /* nearest_sector: the distance to the sector */
	double distance_m;
};

/*
 * What routing would decide for that category and position, stored nowhere; agent-only
 * categories are allowed. One row.
 */
bool catalog_route_preview(struct db_pool *pool, long long category_id, double lat,
			   double lon, struct db_rows *out, struct dmr_error *err);
void route_view_read(const struct db_rows *rows, struct route_view *v);

struct reject_reason_view {
	const char *code, *label;
};

/* The active rejection reasons, by code. */
bool catalog_reject_reasons(struct db_pool *pool, struct db_rows *out, struct dmr_error *err);
void reject_reason_view_read(const struct db_rows *rows, int i, struct reject_reason_view *v);

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

struct area_override_view {
	const char *area_kind; /* park */
	int category_id;
	const char *category_label;
	const char *service_code; /* NULL: none, the category keeps its own service there */
	const char *source;       /* reference (geo/category_area_overrides.csv) or admin */
};

/* Where categories go inside areas of a kind, rather than to their service (routing rule 3). */
bool catalog_area_overrides(struct db_pool *pool, struct db_rows *out, struct dmr_error *err);
void area_override_view_read(const struct db_rows *rows, int i, struct area_override_view *v);

/*
 * Sets, for an admin token (401/403), where the category's reports go inside areas of that
 * kind: to the service of that code, or with NULL to the category's own service. No load of
 * the reference data changes it afterwards; *created says whether it is new. 404 unknown
 * kind or sub-category, 422 unknown service.
 */
bool catalog_put_area_override(struct db_pool *pool, const char *token, const char *area_kind,
			       long long category_id, const char *service_code, bool *created,
			       struct dmr_error *err);

/* Whether the database answers. */
bool catalog_ping(struct db_pool *pool, struct dmr_error *err);

#endif
