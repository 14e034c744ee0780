#ifndef DMR_CTL_CTL_H
#define DMR_CTL_CTL_H

/*
 * dmrctl's commands. Each takes an open connection and its arguments, prints what it did on
 * standard output, reports failures on standard error, and returns a process exit code
 * (0 success, 1 failure, 2 usage). Every command is idempotent: running it twice changes
 * nothing the second time.
 */

#include <libpq-fe.h>
#include <stdbool.h>

int ctl_migrate(PGconn *conn, const char *share_dir);
int ctl_load_geo(PGconn *conn, int argc, char **argv);
int ctl_load_reference(PGconn *conn, const char *geo_dir);
int ctl_load_paris(PGconn *conn, const char *share_dir);
int ctl_load_parks(PGconn *conn, int argc, char **argv);

/*
 * Loads the green spaces of a zipped shapefile as parks, and the sectors of SERVICE's
 * workshops (load_parks.c). It finalises GDAL when done: once per process.
 */
int ctl_load_parks_file(PGconn *conn, const char *path, const char *service);

int ctl_load_addresses(PGconn *conn, const char *path);

/* The Base Adresse Nationale's Paris addresses, in $DMR_SHARE_DIR/geo (geo/SOURCES.md). */
#define CTL_PARIS_ADDRESSES "paris_adresses_ban_2024-06.csv.gz"
int ctl_token(PGconn *conn, int argc, char **argv);
int ctl_service(PGconn *conn, int argc, char **argv);
int ctl_housekeeping(PGconn *conn);
int ctl_fill_places(PGconn *conn, int argc, char **argv);

/*
 * The end of an INSERT INTO sector (service_id, code, name, priority, overrides_category,
 * geom, area_m2) ... SELECT: a sector of the same code is updated only when something
 * differs, and one row comes back per sector inserted (t) or updated (f).
 */
#define CTL_SECTOR_UPSERT                                                                \
	" ON CONFLICT (code) DO UPDATE SET service_id = excluded.service_id,"              \
	"  name = excluded.name, priority = excluded.priority,"                            \
	"  overrides_category = excluded.overrides_category, geom = excluded.geom,"        \
	"  area_m2 = excluded.area_m2"                                                     \
	" WHERE (sector.service_id, sector.name, sector.priority, sector.overrides_category)" \
	"  IS DISTINCT FROM (excluded.service_id, excluded.name, excluded.priority,"       \
	"  excluded.overrides_category) OR NOT ST_Equals(sector.geom, excluded.geom)"      \
	" RETURNING xmax = 0"

/* Runs SQL without parameters (several statements allowed); prints the error on failure. */
bool ctl_exec(PGconn *conn, const char *sql);

/* Runs one statement with text parameters; returns the result or NULL (error printed). */
PGresult *ctl_query(PGconn *conn, const char *sql, int nparams, const char *const *params);

/*
 * Ends a load's transaction: COMMIT when ok, else (or when COMMIT fails) ROLLBACK and
 * "WHAT not loaded; nothing changed" on standard error. Returns whether it committed.
 */
bool ctl_commit_load(PGconn *conn, bool ok, const char *what);

/* Reads a whole file into a NUL-terminated buffer (caller frees), or NULL (error printed). */
char *ctl_read_file(const char *path, size_t *len);

#endif
