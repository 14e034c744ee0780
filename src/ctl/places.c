#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ctl.h"

/*
 * dmrctl fill-places [--batch N]: gives the reports stored before places existed (migration
 * 0014) their address, quartier and park (dmr_fill_places, sql/functions/38_places.sql), N
 * reports a transaction, so that dmrd keeps serving while it runs and an interrupted run goes
 * on where it stopped. Prints its progress after each batch.
 */

#define FILL_BATCH_DEFAULT 2000
#define FILL_BATCH_MAX 100000

static bool parse_batch(int argc, char **argv, long *batch)
{
	char *end;

	*batch = FILL_BATCH_DEFAULT;
	if (argc == 0)
		return true;
	if (argc != 2 || strcmp(argv[0], "--batch") != 0)
		return false;
	*batch = strtol(argv[1], &end, 10);
	return *end == '\0' && *batch >= 1 && *batch <= FILL_BATCH_MAX;
}

static bool count_unplaced(PGconn *conn, long long *count)
{
	PGresult *res = ctl_query(conn, "SELECT count(*) FROM report WHERE quartier_id IS NULL",
				  0, NULL);

	if (!res)
		return false;
	*count = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return true;
}

int ctl_fill_places(PGconn *conn, int argc, char **argv)
{
	char after[24] = "0", batch_text[24];
	const char *params[2] = {after, batch_text};
	long long total, done = 0;
	long batch;

	if (!parse_batch(argc, argv, &batch)) {
		fprintf(stderr, "usage: dmrctl fill-places [--batch N] (N from 1 to %d)\n",
			FILL_BATCH_MAX);
		return 2;
	}
	snprintf(batch_text, sizeof batch_text, "%ld", batch);
	if (!count_unplaced(conn, &total))
		return 1;
	for (;;) {
		PGresult *res = ctl_query(conn, "SELECT last_id, filled FROM"
					  " dmr_fill_places($1::bigint, $2::int)", 2, params);

		if (!res)
			return 1;
		if (PQgetisnull(res, 0, 0)) {
			PQclear(res);
			break;
		}
		snprintf(after, sizeof after, "%s", PQgetvalue(res, 0, 0));
		done += strtoll(PQgetvalue(res, 0, 1), NULL, 10);
		PQclear(res);
		printf("placed %lld of %lld reports (%.0f%%)\n", done, total,
		       total ? 100.0 * (double)done / (double)total : 100.0);
		fflush(stdout);
	}
	printf("done: %lld reports placed\n", done);
	return 0;
}
