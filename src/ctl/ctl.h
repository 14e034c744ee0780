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
int ctl_load_addresses(PGconn *conn, const char *path);

/* The Base Adresse Nationale's Paris addresses, in $DMR_SHARE_DIR/geo (geo/SOURCES.md). */
#define CTL_PARIS_ADDRESSES "paris_adresses_ban_2024-06.csv.gz"
int ctl_token(PGconn *conn, int argc, char **argv);
int ctl_service(PGconn *conn, int argc, char **argv);
int ctl_housekeeping(PGconn *conn);

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
