#ifndef DMR_CORE_STATS_H
#define DMR_CORE_STATS_H

/*
 * The statistics of the city's reports (dmr_stats, sql/functions/46_stats.sql): one row per
 * group of one or two groupings (arrondissement, quartier, service, sector, top_category,
 * category, status, day, week, month), over the reports created in a period that the
 * filters of the city's views keep. Each row counts the reports, the open, overdue, resolved
 * and rejected ones, and gives the median and 90th percentile of the hours to acknowledge and
 * to resolve, and the share of the resolved reports resolved by their deadline. They are
 * public: the public's leave out the agent-only categories, as every public view does.
 *
 * The period is the filter's since and until (the API's from and to): by default the 12 months
 * before its end, which is by default now. 400 invalid_parameter for a bad grouping, more
 * than two, the same one twice, a period that ends before it starts, or a bad filter.
 */

#include <jansson.h>
#include <stdbool.h>

#include "base/buf.h"
#include "base/error.h"
#include "core/report_filter.h"
#include "db/pool.h"

struct stats_request {
	struct report_filter filter;
	const char *by; /* "service", or two groupings: "arrondissement,month" */
};

bool stats_query(struct db_pool *pool, const struct stats_request *q, struct db_rows *out,
		 struct dmr_error *err);

/* {"rows": [...]}: per row its groupings' keys (and labels) and its figures. */
json_t *stats_json(const struct stats_request *q, const struct db_rows *rows);

/* The same rows as CSV (base/csv.h), a header first; excel for the spreadsheet form. */
void stats_csv(const struct stats_request *q, const struct db_rows *rows, bool excel,
	       struct buf *out);

#endif
