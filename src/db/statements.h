#ifndef DMR_DB_STATEMENTS_H
#define DMR_DB_STATEMENTS_H

/*
 * Every SQL statement dmrd runs, prepared on each pooled connection (see db/pool.h).
 * Parameters are always bound, never concatenated into SQL.
 */

#include "db/pool.h"

enum stmt {
	STMT_PING,
	STMT_CATEGORIES,
	STMT_SERVICES,
	STMT_AREAS_GEOJSON,
	STMT_ROUTE_PREVIEW,
	STMT_REPORT_CREATE,
	STMT_REPORT_GET,
	STMT_REPORT_SEARCH_NEAR,
	STMT_REPORT_SEARCH_LIST,
	STMT_PHOTO_ATTACH,
	STMT_PHOTO_DETACH,
	STMT_PHOTO_BYTES,
	STMT_PHOTO_RIGHT_CHECK,
	STMT_COUNT
};

extern const struct db_statement dmr_statements[STMT_COUNT];

#endif
