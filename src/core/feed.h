#ifndef DMR_CORE_FEED_H
#define DMR_CORE_FEED_H

/*
 * Reports as partner systems read them (Open311 and FixMyStreet): lists over a period of
 * creation or by ids, with their dates and last public message; the public history of a page
 * of reports at once; the status updates of a period. Public data only. A period spans 90
 * days at most (400 invalid_parameter naming end_date otherwise): without bounds it is the
 * last 90 days, with one bound the 90 days after the start or before the end. Dates are
 * ISO 8601 dates or date-times (text_datetime_valid); one without an offset is Paris time.
 */

#include <stdbool.h>

#include "base/error.h"
#include "core/report.h"
#include "db/pool.h"

#define FEED_PAGE_MAX 1000

struct feed_query {
	const char *ids;        /* "12,15": these reports, whatever the rest says; NULL: none */
	const char *categories; /* "2001,2002": of these sub-categories; NULL: any */
	const char *start, *end;
	int open;               /* 1 open, 0 closed, -1 either */
	const char *updated_after, *updated_before; /* of the last event; NULL: any */
	bool has_bbox;
	double bbox[4];         /* min lon, min lat, max lon, max lat */
	int limit;              /* 1 to FEED_PAGE_MAX */
	long long offset;
};

/*
 * The reports of a query, newest first; each row is a report row (report_view_read) and its
 * dates (feed_dates_read). 400 invalid_parameter naming the parameter at fault: ids and
 * categories must be lists of positive integers, dates valid.
 */
bool feed_reports(struct db_pool *pool, const struct feed_query *q, struct report_rows *out,
		  struct dmr_error *err);

/* Dates in W3C form with Paris' offset: 2026-12-02T09:30:00+01:00. */
struct feed_dates {
	const char *status; /* open or closed */
	const char *requested_at, *updated_at, *expected_at;
	const char *status_notes; /* the last public message, NULL without one */
};

void feed_dates_read(const struct report_rows *rows, int i, struct feed_dates *d);

/* The public history of the reports of rows, each report's events in order. */
bool feed_notes(struct db_pool *pool, const struct report_rows *reports, struct db_rows *out,
		struct dmr_error *err);

struct feed_note {
	long long report_id;
	const char *at;          /* W3C */
	const char *description; /* the public message, else the status and the reason */
	const char *type;        /* creation, status_change or note */
};

void feed_note_read(const struct db_rows *rows, int i, struct feed_note *n);

/* The status updates (the events after creation) of a period, in order, paged. */
bool feed_updates(struct db_pool *pool, const char *start, const char *end, int limit,
		  long long offset, struct db_rows *out, struct dmr_error *err);

struct feed_update {
	long long id, report_id;
	const char *status;          /* open or closed */
	const char *report_status;   /* the lifecycle's status after the event */
	const char *updated_at;      /* W3C */
	const char *description;
	const char *done_photo;      /* SHA-256 of the report's done photo, NULL without one */
};

void feed_update_read(const struct db_rows *rows, int i, struct feed_update *u);

#endif
