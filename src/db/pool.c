#include "db/pool.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/log.h"

/* How long a request waits for a free connection before the service answers 503. */
#define ACQUIRE_WAIT_SECONDS 5

struct db_pool {
	char *conninfo;
	const struct db_statement *table;
	int count;
	int size;
	PGconn **conns;
	bool *busy;
	pthread_mutex_t lock;
	pthread_cond_t freed;
};

struct db_pool *db_pool_create(const char *conninfo, int size, const struct db_statement *table,
			       int count)
{
	struct db_pool *pool = calloc(1, sizeof *pool);

	if (!pool)
		return NULL;
	pool->conninfo = strdup(conninfo);
	pool->conns = calloc((size_t)size, sizeof *pool->conns);
	pool->busy = calloc((size_t)size, sizeof *pool->busy);
	if (!pool->conninfo || !pool->conns || !pool->busy) {
		free(pool->conninfo);
		free(pool->conns);
		free(pool->busy);
		free(pool);
		return NULL;
	}
	pool->table = table;
	pool->count = count;
	pool->size = size;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->freed, NULL);
	return pool;
}

void db_pool_destroy(struct db_pool *pool)
{
	if (!pool)
		return;
	for (int i = 0; i < pool->size; i++)
		if (pool->conns[i])
			PQfinish(pool->conns[i]);
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->freed);
	free(pool->conns);
	free(pool->busy);
	free(pool->conninfo);
	free(pool);
}

static bool unavailable(struct dmr_error *err, const char *detail)
{
	log_warn("database unavailable: %s", detail);
	return dmr_fail(err, "database_unavailable", NULL,
			"the database cannot be reached; retry in a moment");
}

static void log_notice(void *arg, const char *message)
{
	(void)arg;
	log_info("database: %s", message);
}

PGconn *db_connect(const char *conninfo, struct dmr_error *err)
{
	PGconn *conn = PQconnectdb(conninfo);
	PGresult *res;

	if (!conn || PQstatus(conn) != CONNECTION_OK) {
		unavailable(err, conn ? PQerrorMessage(conn) : "out of memory");
		PQfinish(conn);
		return NULL;
	}
	PQsetNoticeProcessor(conn, log_notice, NULL);
	/*
	 * A stuck query must not hold a worker thread forever. Statements here are short:
	 * compiling one to machine code (JIT) costs more than it saves, up to 35 ms for the
	 * counts of a queue whose plan the planner overestimates.
	 */
	res = PQexec(conn, "SET statement_timeout = '15s'; SET TIME ZONE 'UTC'; SET jit = off");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		unavailable(err, PQerrorMessage(conn));
		PQclear(res);
		PQfinish(conn);
		return NULL;
	}
	PQclear(res);
	return conn;
}

static bool prepare_all(struct db_pool *pool, PGconn *conn, struct dmr_error *err)
{
	for (int i = 0; i < pool->count; i++) {
		char name[16];
		PGresult *res;

		snprintf(name, sizeof name, "s%d", i);
		res = PQprepare(conn, name, pool->table[i].sql, pool->table[i].nparams, NULL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			log_error("cannot prepare statement %d: %s", i, PQerrorMessage(conn));
			PQclear(res);
			return dmr_fail(err, "database_unavailable", NULL,
					"the database schema is not ready; run dmrctl migrate");
		}
		PQclear(res);
	}
	return true;
}

static int take_slot(struct db_pool *pool)
{
	struct timespec deadline;
	int slot = -1;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += ACQUIRE_WAIT_SECONDS;
	pthread_mutex_lock(&pool->lock);
	while (slot < 0) {
		for (int i = 0; i < pool->size && slot < 0; i++)
			if (!pool->busy[i])
				slot = i;
		if (slot >= 0)
			pool->busy[slot] = true;
		else if (pthread_cond_timedwait(&pool->freed, &pool->lock, &deadline) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&pool->lock);
	return slot;
}

static void give_back_slot(struct db_pool *pool, int slot, PGconn *conn)
{
	pthread_mutex_lock(&pool->lock);
	pool->conns[slot] = conn;
	pool->busy[slot] = false;
	pthread_cond_signal(&pool->freed);
	pthread_mutex_unlock(&pool->lock);
}

/*
 * A pooled connection listens to nothing, so while idle it has nothing to read unless the
 * server is closing it: after a server restart, the termination notice or end-of-file.
 * Checking before use means a database restart costs no request an error.
 */
static bool idle_connection_alive(PGconn *conn)
{
	struct pollfd p = {.fd = PQsocket(conn), .events = POLLIN};

	return PQstatus(conn) == CONNECTION_OK && poll(&p, 1, 0) == 0;
}

PGconn *db_acquire(struct db_pool *pool, struct dmr_error *err)
{
	int slot = take_slot(pool);
	PGconn *conn;

	if (slot < 0) {
		dmr_fail(err, "busy", NULL, "every database connection is in use; retry");
		return NULL;
	}
	conn = pool->conns[slot];
	if (conn && idle_connection_alive(conn))
		return conn;
	if (conn)
		PQfinish(conn);
	conn = db_connect(pool->conninfo, err);
	if (conn && !prepare_all(pool, conn, err)) {
		PQfinish(conn);
		conn = NULL;
	}
	if (!conn) {
		give_back_slot(pool, slot, NULL);
		return NULL;
	}
	pool->conns[slot] = conn;
	return conn;
}

void db_release(struct db_pool *pool, PGconn *conn)
{
	if (!conn)
		return;
	for (int slot = 0; slot < pool->size; slot++) {
		if (pool->conns[slot] != conn)
			continue;
		/* A connection that broke, or was left inside a transaction, is not handed out again. */
		if (PQstatus(conn) != CONNECTION_OK || PQtransactionStatus(conn) != PQTRANS_IDLE) {
			PQfinish(conn);
			conn = NULL;
		}
		give_back_slot(pool, slot, conn);
		return;
	}
}

PGresult *db_query(struct db_pool *pool, int index, const char *const *params,
		   struct dmr_error *err)
{
	PGconn *conn = db_acquire(pool, err);
	PGresult *res;

	if (!conn)
		return NULL;
	res = db_run(pool, conn, index, params, err);
	db_release(pool, conn);
	return res;
}

const char *db_value(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

bool db_rows_query(struct db_pool *pool, int index, const char *const *params,
		   struct db_rows *out, struct dmr_error *err)
{
	out->res = db_query(pool, index, params, err);
	out->count = out->res ? PQntuples(out->res) : 0;
	return out->res != NULL;
}

void db_rows_free(struct db_rows *rows)
{
	PQclear(rows->res);
	rows->res = NULL;
	rows->count = 0;
}

bool db_error_from_result(PGconn *conn, const PGresult *res, struct dmr_error *err)
{
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	if (!res || PQstatus(conn) != CONNECTION_OK || !state || strncmp(state, "08", 2) == 0 ||
	    strncmp(state, "57P", 3) == 0)
		return unavailable(err, PQerrorMessage(conn));
	if (strncmp(state, "DM", 2) == 0) {
		const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
		const char *message = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		const char *column = PQresultErrorField(res, PG_DIAG_COLUMN_NAME);
		const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);

		/* The HINT is a code of the registry, which gives the status (DMnnn says it too). */
		dmr_fail(err, hint ? hint : "internal_error", column, "%s",
			 message ? message : "invalid request");
		if (detail && detail[0] == '{' && strlen(detail) < sizeof err->details)
			strcpy(err->details, detail);
		return false;
	}
	/* Serialisation failures and deadlocks: the other transaction won; the client retries. */
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0)
		return dmr_fail(err, "concurrent_update", NULL,
				"another change to the same report came first; read it and retry");
	/*
	 * Data exceptions: a parameter PostgreSQL could not read, such as bytes that are not
	 * UTF-8. The database's own words stay in the log: they describe its internals.
	 */
	if (strncmp(state, "22", 2) == 0) {
		log_info("database refused a parameter (%s): %s", state,
			 PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY));
		return dmr_fail(err, "invalid_parameter", NULL,
				"a parameter has a value that cannot be read (not UTF-8, or out of "
				"range)");
	}
	if (strcmp(state, "57014") == 0)
		return dmr_fail(err, "database_timeout", NULL,
				"the database took too long to answer; retry later");
	log_error("database error %s: %s", state, PQresultErrorMessage(res));
	return dmr_fail(err, "internal_error", NULL, "internal error");
}

PGresult *db_run_binary(struct db_pool *pool, PGconn *conn, int index,
			const struct db_params *p, bool binary_result, struct dmr_error *err)
{
	char name[16];
	PGresult *res;
	ExecStatusType status;

	snprintf(name, sizeof name, "s%d", index);
	res = PQexecPrepared(conn, name, pool->table[index].nparams, p->values, p->lengths,
			     p->formats, binary_result ? 1 : 0);
	status = PQresultStatus(res);
	if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK)
		return res;
	db_error_from_result(conn, res, err);
	PQclear(res);
	return NULL;
}

PGresult *db_run(struct db_pool *pool, PGconn *conn, int index, const char *const *params,
		 struct dmr_error *err)
{
	struct db_params p = {.values = params};

	return db_run_binary(pool, conn, index, &p, false, err);
}

bool db_command(PGconn *conn, const char *sql, struct dmr_error *err)
{
	PGresult *res = PQexec(conn, sql);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		db_error_from_result(conn, res, err);
	PQclear(res);
	return ok;
}

bool db_end(PGconn *conn, bool ok, struct dmr_error *err)
{
	struct dmr_error ignored;

	if (ok)
		ok = db_command(conn, "COMMIT", err);
	if (!ok && PQtransactionStatus(conn) != PQTRANS_IDLE)
		db_command(conn, "ROLLBACK", &ignored);
	return ok;
}

/* Frees the notifications libpq holds; true if there was one. */
static bool take_notifications(PGconn *conn)
{
	PGnotify *note;
	bool notified = false;

	while ((note = PQnotifies(conn))) {
		notified = true;
		PQfreemem(note);
	}
	return notified;
}

int db_wait_notification(PGconn *conn, int stop_fd, int timeout_ms)
{
	struct pollfd fds[2] = {{PQsocket(conn), POLLIN, 0}, {stop_fd, POLLIN, 0}};
	bool notified = take_notifications(conn);

	if (!notified && poll(fds, 2, timeout_ms) > 0 &&
	    (fds[0].revents & (POLLIN | POLLHUP | POLLERR))) {
		if (!PQconsumeInput(conn))
			return -1;
		notified = take_notifications(conn);
	}
	if (PQstatus(conn) != CONNECTION_OK)
		return -1;
	return notified ? 1 : 0;
}
