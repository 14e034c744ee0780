#ifndef DMR_CORE_REPORT_FILTER_H
#define DMR_CORE_REPORT_FILTER_H

/*
 * The filters of the views of the whole city: the map's report tiles, the statistics and the
 * exports count the same reports for the same filters. Every field is optional. Without
 * statuses nor since, a view holds the open reports and those closed in the last 30 days.
 * Whoever the token names decides what is seen: the public (no token, a client's key) never
 * sees an agent-only category, the staff see everything.
 *
 * The database resolves the filters (dmr_report_filter in sql/functions/42_report_filter.sql):
 * a statement of a view takes REPORT_FILTER_NPARAMS parameters first, in the order of
 * report_filter_params, then its own.
 */

#include <stdbool.h>

#include "base/error.h"

struct report_filter {
	const char *token;      /* the caller's token or session, NULL for the public */
	const char *statuses;   /* "new,scheduled", or "open" or "closed"; NULL: any */
	const char *service;    /* a service code; NULL: any */
	const char *sector;     /* a sector code; NULL: any */
	long long category_id;  /* a sub-category, or a top category for its children; 0: any */
	int arrondissement;     /* 1 to 20; 0: any */
	const char *since;      /* created at or after: an ISO 8601 date or date-time */
	const char *until;      /* created before; a date takes its whole day */
	int overdue;            /* 1 overdue only, 0 never overdue, -1 either */
	int priority;           /* 1 to 3; 0: any */
};

enum { REPORT_FILTER_NPARAMS = 10 };

/* A filter that keeps the default view. */
void report_filter_init(struct report_filter *f);

/*
 * What the database need not be asked: ranges, date forms, the status names. 400
 * invalid_parameter naming the filter at fault. Unknown codes and ids are the database's
 * (the same error).
 */
bool report_filter_check(const struct report_filter *f, struct dmr_error *err);

/* Text of the numbers in a filter's parameters, owned by the caller. */
struct report_filter_text {
	char category[24], arrondissement[24], priority[24];
};

/* The statement parameters of a checked filter; they point into f and text. */
void report_filter_params(const struct report_filter *f, struct report_filter_text *text,
			  const char *params[REPORT_FILTER_NPARAMS]);

#endif
