#ifndef DMR_CORE_TILES_H
#define DMR_CORE_TILES_H

/*
 * The map's vector tiles (Mapbox Vector Tiles, made by PostGIS with ST_AsMVT in
 * sql/functions/44_tiles.sql; docs/api.md, "Vector tiles").
 *
 * A report tile shows the reports a filter keeps (core/report_filter.h): from zoom
 * TILE_POINTS_ZOOM one point per report (layer "reports"), below it one point per cluster
 * cell (layer "clusters"). An area tile shows the reference areas and the sectors.
 *
 * The cluster tiles and the area tiles are kept in a cache of the process, keyed by what
 * makes them (address, filters, whether the caller is staff), each with the version of the
 * data it was made from: a counter that every statement writing the reports, or the
 * reference data, moves on. A cached tile serves while the version holds, and at most
 * TILE_CACHE_SECONDS, since being overdue and having closed in the last 30 days change with
 * time alone. Asking for the version is one cheap statement, so several dmrd share a
 * database safely.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "core/report_filter.h"
#include "db/pool.h"

enum { TILE_ZOOM_MAX = 22, TILE_POINTS_ZOOM = 15, TILE_CACHE_SECONDS = 30 };

/* z/x/y of the tile scheme of web maps (XYZ, y from the north). */
struct tile_address {
	long long z, x, y;
};

/* An encoded tile, owned by its holder: tile_free. */
struct tile {
	char *data;    /* the MVT bytes; NULL when size is 0 (a tile with nothing in it) */
	size_t size;
	char etag[24]; /* quoted, for ETag and If-None-Match */
	bool personal; /* asked with a token: the caller's own, never for a shared cache */
};

void tile_free(struct tile *t);

struct tile_cache;

/* NULL when out of memory. */
struct tile_cache *tile_cache_create(void);
void tile_cache_destroy(struct tile_cache *cache);

/* z within 0..TILE_ZOOM_MAX, x and y within 0..2^z-1: else 400 invalid_parameter. */
bool tile_address_check(const struct tile_address *t, struct dmr_error *err);

/*
 * The report tile t for the filter f (checked here, resolved by the database: 400
 * invalid_parameter, 401 for an unknown token). ETag: a fingerprint of the bytes.
 */
bool tiles_reports(struct db_pool *pool, struct tile_cache *cache, const struct report_filter *f,
		   const struct tile_address *t, struct tile *out, struct dmr_error *err);

/*
 * The area tile t: sectors of the service of code `service` only, when not NULL (unknown:
 * 400 invalid_parameter). ETag: the version of the reference data and what was asked.
 */
bool tiles_areas(struct db_pool *pool, struct tile_cache *cache, const char *service,
		 const struct tile_address *t, struct tile *out, struct dmr_error *err);

#endif
