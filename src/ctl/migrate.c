#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

/*
 * The schema comes in two parts.
 *
 * Migrations are sql/migrations/NNNN_name.sql: types, tables, indexes and their data, applied
 * once each, in name order, each in its own transaction together with its row in
 * schema_migration, so a failed migration leaves nothing.
 *
 * Functions are the files of sql/functions/: every SQL function, and the triggers and views
 * that call them, written with CREATE OR REPLACE. All of them are applied again on every run,
 * in name order and in one transaction, after the migrations: the database always holds the
 * files' text, and a function is defined in one place only. A dmr_ function that this
 * transaction did not write is stale (removed from the files, or its arguments changed) and
 * is dropped in the same transaction; if something still depends on it, nothing changes.
 *
 * An advisory lock keeps two dmrctl processes from migrating at once.
 */

#define MIGRATION_LOCK "7301001"

/*
 * CREATE OR REPLACE writes a new pg_proc row, so a function (re)defined by this transaction is
 * one whose row this transaction wrote: its xmin is the transaction's id.
 */
static const char stale_functions[] =
	"SELECT p.oid::regprocedure::text, format('DROP ROUTINE %s', p.oid::regprocedure)"
	" FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
	" WHERE n.nspname = current_schema() AND p.proname LIKE 'dmr\\_%'"
	"   AND p.xmin <> pg_current_xact_id()::xid"
	" ORDER BY 1";

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_sql_file(const struct dirent *e)
{
	size_t len = strlen(e->d_name);

	return len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0 && e->d_name[0] != '.';
}

/* The .sql files of dir in name order, or -1 (error printed); free_files releases them. */
static int list_sql_files(const char *dir, struct dirent ***files)
{
	int n = scandir(dir, files, is_sql_file, by_name);

	if (n < 0)
		fprintf(stderr, "dmrctl: cannot read %s (set DMR_SHARE_DIR)\n", dir);
	return n;
}

static void free_files(struct dirent **files, int n)
{
	for (int i = 0; i < n; i++)
		free(files[i]);
	free(files);
}

/* Runs the statements of dir/name in the current transaction. */
static bool run_file(PGconn *conn, const char *dir, const char *name)
{
	char path[4096 + 512];
	size_t len;
	char *sql;
	bool ok;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	sql = ctl_read_file(path, &len);
	if (!sql)
		return false;
	ok = ctl_exec(conn, sql);
	free(sql);
	return ok;
}

static bool already_applied(PGconn *conn, const char *name, bool *applied)
{
	const char *params[1] = {name};
	PGresult *res = ctl_query(conn, "SELECT 1 FROM schema_migration WHERE name = $1", 1, params);

	if (!res)
		return false;
	*applied = PQntuples(res) > 0;
	PQclear(res);
	return true;
}

static bool apply_migration(PGconn *conn, const char *dir, const char *name)
{
	const char *params[1] = {name};
	PGresult *res;
	bool ok;

	ok = ctl_exec(conn, "BEGIN") && run_file(conn, dir, name);
	if (ok) {
		res = ctl_query(conn, "INSERT INTO schema_migration (name) VALUES ($1)", 1, params);
		ok = res != NULL;
		PQclear(res);
	}
	ok = ok && ctl_exec(conn, "COMMIT");
	if (!ok) {
		fprintf(stderr, "dmrctl: migration %s failed; nothing of it was applied\n", name);
		ctl_exec(conn, "ROLLBACK");
		return false;
	}
	printf("applied %s\n", name);
	return true;
}

/* Applies the migrations not applied yet; *applied_now counts them. */
static bool apply_migrations(PGconn *conn, const char *share_dir, int *applied_now)
{
	char dir[4096];
	struct dirent **files;
	int n;
	bool ok = true;

	snprintf(dir, sizeof dir, "%s/sql/migrations", share_dir);
	n = list_sql_files(dir, &files);
	if (n < 0)
		return false;
	for (int i = 0; ok && i < n; i++) {
		bool applied = false;

		ok = already_applied(conn, files[i]->d_name, &applied);
		if (ok && !applied) {
			ok = apply_migration(conn, dir, files[i]->d_name);
			*applied_now += ok;
		}
	}
	free_files(files, n);
	return ok;
}

/*
 * Drops the stale functions, in the transaction that applied the function files. Returns
 * their names (first column), or NULL when one cannot be dropped (error printed).
 */
static PGresult *drop_stale_functions(PGconn *conn)
{
	PGresult *stale = ctl_query(conn, stale_functions, 0, NULL);

	for (int i = 0; stale && i < PQntuples(stale); i++) {
		if (!ctl_exec(conn, PQgetvalue(stale, i, 1))) {
			fprintf(stderr, "dmrctl: cannot drop the stale function %s\n",
				PQgetvalue(stale, i, 0));
			PQclear(stale);
			stale = NULL;
		}
	}
	return stale;
}

/* Applies every function file and drops the stale functions, all in one transaction. */
static bool apply_functions(PGconn *conn, const char *share_dir)
{
	char dir[4096];
	struct dirent **files;
	PGresult *stale = NULL;
	int n;
	bool ok;

	snprintf(dir, sizeof dir, "%s/sql/functions", share_dir);
	n = list_sql_files(dir, &files);
	if (n < 0)
		return false;
	ok = ctl_exec(conn, "BEGIN");
	for (int i = 0; ok && i < n; i++) {
		ok = run_file(conn, dir, files[i]->d_name);
		if (!ok)
			fprintf(stderr, "dmrctl: function file %s/%s failed\n", dir,
				files[i]->d_name);
	}
	ok = ok && (stale = drop_stale_functions(conn)) != NULL && ctl_exec(conn, "COMMIT");
	if (ok) {
		printf("applied functions (%d file%s)\n", n, n == 1 ? "" : "s");
		for (int i = 0; i < PQntuples(stale); i++)
			printf("dropped stale function %s\n", PQgetvalue(stale, i, 0));
	} else {
		fprintf(stderr, "dmrctl: no function file was applied\n");
		ctl_exec(conn, "ROLLBACK");
	}
	PQclear(stale);
	free_files(files, n);
	return ok;
}

int ctl_migrate(PGconn *conn, const char *share_dir)
{
	int applied_now = 0;
	bool ok;

	ok = ctl_exec(conn, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")") &&
	     ctl_exec(conn, "SET client_min_messages = warning;"
			    "CREATE TABLE IF NOT EXISTS schema_migration ("
			    " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
	ok = ok && apply_migrations(conn, share_dir, &applied_now) &&
	     apply_functions(conn, share_dir);
	ctl_exec(conn, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")");
	if (ok)
		printf("schema up to date (%d migration%s applied now)\n", applied_now,
		       applied_now == 1 ? "" : "s");
	return ok ? 0 : 1;
}
