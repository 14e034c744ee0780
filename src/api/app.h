#ifndef DMR_API_APP_H
#define DMR_API_APP_H

/*
 * What every front door of dmrd works with: the configuration, the database pool, the photo
 * workers, the hub of the live stream and the static files of the pages. dmrd makes one and
 * hands it to the HTTP server, which passes it to every handler as `app`.
 */

#include "base/config.h"
#include "base/workpool.h"
#include "db/pool.h"
#include "notify/stream.h"

struct static_files;
struct tile_cache;

struct dmr_app {
	const struct dmr_config *cfg;
	struct db_pool *pool;
	struct workpool *photo_workers;
	struct stream_hub *stream_hub;
	struct static_files *static_files; /* the files of /static (web/static.h) */
	struct tile_cache *tile_cache;     /* the map's tiles made lately (core/tiles.h) */
};

#endif
