#include "core/session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "db/statements.h"

static bool nobody(struct dmr_error *err)
{
	return dmr_fail(err, "unauthorized", NULL, "this token is unknown, expired or revoked");
}

bool session_open(struct db_pool *pool, const char *token, int hours, struct session_opened *out,
		  struct dmr_error *err)
{
	char hours_text[16];
	const char *params[2] = {token, hours_text};
	struct db_rows rows;

	if (!token || !text_token_valid(token, SESSION_TOKEN_MAX))
		return nobody(err);
	snprintf(hours_text, sizeof hours_text, "%d", hours);
	if (!db_rows_query(pool, STMT_SESSION_OPEN, params, &rows, err))
		return false;
	snprintf(out->secret, sizeof out->secret, "%s", PQgetvalue(rows.res, 0, 0));
	out->seconds = strtoll(PQgetvalue(rows.res, 0, 1), NULL, 10);
	db_rows_free(&rows);
	return true;
}

bool session_end(struct db_pool *pool, const char *secret, struct dmr_error *err)
{
	const char *params[1] = {secret};
	PGresult *res = db_query(pool, STMT_SESSION_END, params, err);

	PQclear(res);
	return res != NULL;
}

bool session_whoami(struct db_pool *pool, const char *secret, struct db_rows *out,
		    struct dmr_error *err)
{
	const char *params[1] = {secret};

	memset(out, 0, sizeof *out);
	if (!secret)
		return nobody(err);
	return db_rows_query(pool, STMT_WHOAMI, params, out, err);
}

void whoami_view_read(const struct db_rows *rows, struct whoami_view *v)
{
	v->role = PQgetvalue(rows->res, 0, 0);
	v->name = PQgetvalue(rows->res, 0, 1);
	v->services_json = PQgetvalue(rows->res, 0, 2);
	v->session_expires_at = db_value(rows->res, 0, 3);
}
