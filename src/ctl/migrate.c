#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

/*
 * Migrations are sql/migrations/NNNN_name.sql, applied in name order, each in its own
 * transaction together with its row in schema_migration, so a failed migration leaves nothing.
 * An advisory lock keeps two dmrctl processes from migrating at once.
 */

#define MIGRATION_LOCK "7301001"

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_migration(const struct dirent *e)
{
	size_t len = strlen(e->d_name);

	return len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0 && e->d_name[0] != '.';
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

static bool apply(PGconn *conn, const char *dir, const char *name)
{
	char path[4096 + 512];
	const char *params[1] = {name};
	size_t len;
	char *sql;
	PGresult *res;
	bool ok;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	sql = ctl_read_file(path, &len);
	if (!sql)
		return false;
	ok = ctl_exec(conn, "BEGIN") && ctl_exec(conn, sql);
	free(sql);
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

int ctl_migrate(PGconn *conn, const char *share_dir)
{
	char dir[4096];
	struct dirent **entries;
	int n, applied_now = 0;
	bool ok;

	snprintf(dir, sizeof dir, "%s/sql/migrations", share_dir);
	n = scandir(dir, &entries, is_migration, by_name);
	if (n < 0) {
		fprintf(stderr, "dmrctl: cannot read %s (set DMR_SHARE_DIR)\n", dir);
		return 1;
	}
	ok = ctl_exec(conn, "SELECT pg_advisory_lock(" MIGRATION_LOCK ")") &&
	     ctl_exec(conn, "SET client_min_messages = warning;"
			    "CREATE TABLE IF NOT EXISTS schema_migration ("
			    " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())");
	for (int i = 0; i < n; i++) {
		bool applied = false;

		if (ok && (ok = already_applied(conn, entries[i]->d_name, &applied)) && !applied) {
			ok = apply(conn, dir, entries[i]->d_name);
			applied_now += ok;
		}
		free(entries[i]);
	}
	free(entries);
	ctl_exec(conn, "SELECT pg_advisory_unlock(" MIGRATION_LOCK ")");
	if (ok)
		printf("schema up to date (%d migration%s applied now)\n", applied_now,
		       applied_now == 1 ? "" : "s");
	return ok ? 0 : 1;
}
