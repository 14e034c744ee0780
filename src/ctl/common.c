#include <stdio.h>
#include <stdlib.h>

#include "ctl/ctl.h"

bool ctl_exec(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK;

	if (!ok)
		fprintf(stderr, "dmrctl: %s", PQerrorMessage(conn));
	PQclear(res);
	return ok;
}

PGresult *ctl_query(PGconn *conn, const char *sql, int nparams, const char *const *params)
{
	PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);

	if (PQresultStatus(res) == PGRES_COMMAND_OK || PQresultStatus(res) == PGRES_TUPLES_OK)
		return res;
	fprintf(stderr, "dmrctl: %s", PQerrorMessage(conn));
	PQclear(res);
	return NULL;
}

bool ctl_commit_load(PGconn *conn, bool ok, const char *what)
{
	if (ok && ctl_exec(conn, "COMMIT"))
		return true;
	ctl_exec(conn, "ROLLBACK");
	fprintf(stderr, "dmrctl: %s not loaded; nothing changed\n", what);
	return false;
}

char *ctl_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	long size;

	if (!f) {
		fprintf(stderr, "dmrctl: cannot open %s\n", path);
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)size + 1)) && fread(buf, 1, (size_t)size, f) == (size_t)size) {
		buf[size] = '\0';
		*len = (size_t)size;
	} else {
		fprintf(stderr, "dmrctl: cannot read %s\n", path);
		free(buf);
		buf = NULL;
	}
	fclose(f);
	return buf;
}
