#ifndef DMR_CORE_HOUSEKEEPING_H
#define DMR_CORE_HOUSEKEEPING_H

/*
 * What expires is deleted (dmr_housekeeping, sql/functions/90_housekeeping.sql):
 * Idempotency-Keys after 24 hours, e-mails held for an address its owner did not confirm
 * within 7 days, follows by e-mail not confirmed within 7 days. Every dmrd node runs it on a
 * thread of its own, at start and then every DMR_HOUSEKEEPING_SECONDS; several nodes running
 * it at once only delete the same rows.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "db/pool.h"

/*
 * One pass; *deleted receives the total of rows deleted, and summary (when something went)
 * says how many of what: "3 expired idempotency keys, 0 unconfirmed follows".
 */
bool housekeeping_run(struct db_pool *pool, long long *deleted, char *summary, size_t size,
		      struct dmr_error *err);

struct housekeeper;

/* The thread that runs a pass now and every interval_seconds; NULL if it cannot start. */
struct housekeeper *housekeeper_start(struct db_pool *pool, int interval_seconds);

/* Wakes the thread, waits for its pass in progress, frees it; NULL is a no-op. */
void housekeeper_stop(struct housekeeper *h);

#endif
