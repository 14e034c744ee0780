#ifndef DMR_CORE_CONFIG_H
#define DMR_CORE_CONFIG_H

/*
 * Process configuration, read once from the environment at start-up and read-only afterwards.
 *
 *   DMR_LISTEN      host:port to listen on            (127.0.0.1:8080; [::1]:8080 for IPv6)
 *   DMR_DATABASE    libpq conninfo or URI             ("dbname=dansmarue")
 *   DMR_THREADS     HTTP worker threads               (8)
 *   DMR_DB_POOL     PostgreSQL connections            (same as DMR_THREADS)
 *   DMR_MAX_BODY    largest request body, in bytes    (1048576)
 *   DMR_MAX_UPLOAD  largest body carrying photos      (50331648: three 15 MB photos and more)
 *   DMR_PHOTO_THREADS  photo workers, lower priority  (the number of online CPUs)
 *   DMR_SHARE_DIR   folder holding sql/ and geo/      (the install's datadir/dansmarue)
 */

#include <stdbool.h>
#include <stddef.h>

#include "core/error.h"

struct dmr_config {
	char listen_host[64];
	unsigned short listen_port;
	const char *database;
	int threads;
	int db_pool;
	size_t max_body;
	size_t max_upload;
	int photo_threads;
	const char *share_dir;
};

/* Fills cfg from the environment; on a malformed value, fills err (field = variable name). */
bool config_from_env(struct dmr_config *cfg, struct dmr_error *err);

/* Splits "host:port" or "[v6]:port". */
bool config_parse_listen(const char *s, char *host, size_t host_size, unsigned short *port);

#endif
