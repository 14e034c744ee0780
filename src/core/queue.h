#ifndef DMR_CORE_QUEUE_H
#define DMR_CORE_QUEUE_H

/*
 * Service queues: the reports a technical service has to handle, most urgent first
 * (priority, then deadline, so that overdue reports lead, then id), with the count of open
 * reports per status. Agents and contractors read the queues of their services, supervisors
 * every queue (401/403 otherwise, checked in dmr_queue_scope).
 */

#include <libpq-fe.h>
#include <stdbool.h>

#include "base/error.h"
#include "core/report.h"
#include "db/pool.h"

#define QUEUE_LIMIT_MAX 500
#define QUEUE_LIMIT_DEFAULT 50

struct queue_query {
	const char *token;
	const char *service;  /* a service code; NULL: all of the caller's */
	const char *sector;   /* a sector code; NULL: any */
	const char *statuses; /* comma-separated; NULL: the open statuses */
	bool overdue_only;
	int limit;
	const char *cursor;   /* next_cursor of the previous page; NULL: first page */
};

/* A page of the queue in rows->res (REPORT_COLUMNS), with next_cursor set. */
bool queue_list(struct db_pool *pool, const struct queue_query *q, struct report_rows *out,
		struct dmr_error *err);

/* The open reports of one status of a queue, and how many of them are overdue. */
struct queue_count {
	const char *status;
	long long total, overdue;
};

/* One row per open status, in lifecycle order, whatever the statuses and overdue asked. */
bool queue_counts(struct db_pool *pool, const struct queue_query *q, struct db_rows *out,
		  struct dmr_error *err);
void queue_count_read(const struct db_rows *rows, int i, struct queue_count *c);

#endif
