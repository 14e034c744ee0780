#include <stdio.h>

#include "ctl/ctl.h"

/*
 * dmrctl housekeeping: one pass of what every dmrd node does now and then (dmr_housekeeping,
 * sql/functions/90_housekeeping.sql), for a database that no dmrd serves at the moment, or
 * from cron.
 * Prints one line per kind of row: how many were deleted.
 */
int ctl_housekeeping(PGconn *conn)
{
	PGresult *res = ctl_query(conn, "SELECT what, deleted FROM dmr_housekeeping()", 0, NULL);

	if (!res)
		return 1;
	for (int i = 0; i < PQntuples(res); i++)
		printf("deleted %s %s\n", PQgetvalue(res, i, 1), PQgetvalue(res, i, 0));
	PQclear(res);
	return 0;
}
