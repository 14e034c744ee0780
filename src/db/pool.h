#ifndef DMR_DB_POOL_H
#define DMR_DB_POOL_H

/*
 * A fixed-size pool of libpq connections shared by the HTTP worker threads.
 *
 * Connections are opened lazily and every statement of the table given at creation is
 * prepared on each new connection, so callers only ever execute prepared statements with
 * bound parameters. A connection found broken is dropped at release and reopened by the next
 * acquire: when PostgreSQL restarts, the service recovers by itself. While the database is
 * unreachable, acquire and run fail with HTTP 503 `database_unavailable`.
 *
 * Errors raised by SQL functions with SQLSTATE 'DM' followed by an HTTP status (e.g. DM422)
 * become API errors: HINT is the error code, the primary message the message, COLUMN the field,
 * and a DETAIL holding a JSON object the error's details.
 */

#include <libpq-fe.h>
#include <stdbool.h>

#include "base/error.h"

struct db_statement {
	const char *sql;
	int nparams;
};

struct db_pool;

/* The table must outlive the pool. Returns NULL only when out of memory. */
struct db_pool *db_pool_create(const char *conninfo, int size, const struct db_statement *table,
			       int count);
void db_pool_destroy(struct db_pool *pool);

/* A connection for the caller's exclusive use until db_release, or NULL with err (503). */
PGconn *db_acquire(struct db_pool *pool, struct dmr_error *err);
void db_release(struct db_pool *pool, PGconn *conn);

/*
 * Executes prepared statement `index` of the table with text parameters (NULL = SQL NULL).
 * Returns the result (caller PQclear()s it) or NULL with err filled.
 */
PGresult *db_run(struct db_pool *pool, PGconn *conn, int index, const char *const *params,
		 struct dmr_error *err);

/* db_run on a connection of its own, acquired and released around the statement. */
PGresult *db_query(struct db_pool *pool, int index, const char *const *params,
		   struct dmr_error *err);

/* The text of a result cell, or NULL for SQL NULL. */
const char *db_value(const PGresult *res, int row, int col);

/*
 * The rows of a statement, which the core's typed views read (category_view_read, ...):
 * callers never index a result by column number. Free with db_rows_free.
 */
struct db_rows {
	PGresult *res;
	int count;
};

/* db_query into rows; false with err. */
bool db_rows_query(struct db_pool *pool, int index, const char *const *params,
		   struct db_rows *out, struct dmr_error *err);
void db_rows_free(struct db_rows *rows);

/* Parameters with lengths and formats (1 = binary), for bytea; NULL arrays mean text. */
struct db_params {
	const char *const *values;
	const int *lengths;
	const int *formats;
};

/* db_run with binary parameters, and a binary result when binary_result is set. */
PGresult *db_run_binary(struct db_pool *pool, PGconn *conn, int index,
			const struct db_params *p, bool binary_result, struct dmr_error *err);

/* A command without parameters and without rows: BEGIN, COMMIT, ROLLBACK. */
bool db_command(PGconn *conn, const char *sql, struct dmr_error *err);

/*
 * Ends the transaction opened on conn: COMMIT when ok (its failure fills err), else ROLLBACK
 * (err keeps the failure that caused it). Returns whether the transaction was committed.
 */
bool db_end(PGconn *conn, bool ok, struct dmr_error *err);

/*
 * Waits on a connection that LISTENs, at most timeout_ms, for a notification or for stop_fd
 * to become readable. A notification libpq already read (while a query ran on the
 * connection) counts at once: it would not wake a poll. Returns 1 when notified, 0 when not,
 * -1 when the connection broke.
 */
int db_wait_notification(PGconn *conn, int stop_fd, int timeout_ms);

/* Opens a connection (for dmrctl and tests); on failure fills err and returns NULL. */
PGconn *db_connect(const char *conninfo, struct dmr_error *err);

/* Maps a failed result to an API error (see above); returns false. */
bool db_error_from_result(PGconn *conn, const PGresult *res, struct dmr_error *err);

#endif
