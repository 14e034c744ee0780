#ifndef DMR_NOTIFY_OUTBOX_H
#define DMR_NOTIFY_OUTBOX_H

/*
 * The delivery of the outbox (sql/functions/80_notify.sql): threads inside dmrd that send
 * the messages the lifecycle queued in the database, by e-mail (notify/mail.h), webhook and
 * push gateway (notify/webhook.h). Any number of dmrd nodes may run it on one database.
 *
 * A waker thread holds a connection of its own that LISTENs on dmr_outbox, and wakes the
 * delivery threads when messages are queued or when a retry falls due; it never polls
 * faster than that. Delivery threads claim due messages (dmr_outbox_claim: FOR UPDATE SKIP
 * LOCKED and a lease), deliver them, and record the outcome (dmr_outbox_done): sent, or a
 * retry after an exponential delay with jitter, or dead after DMR_NOTIFY_MAX_ATTEMPTS. A
 * node killed while delivering leaves its lease to expire: the message is delivered again
 * (at least once; its id lets the receiver drop the repeat). Channels without a destination
 * (no DMR_SMTP_URL, no DMR_PUSH_URL) are not claimed: their messages wait in the outbox.
 */

#include <jansson.h>
#include <stdbool.h>

#include "base/config.h"
#include "base/error.h"
#include "db/pool.h"

struct notifier;

/* Starts the waker and cfg->notify.threads delivery threads; the pool is shared. */
struct notifier *notifier_start(const struct dmr_config *cfg, struct db_pool *pool,
				struct dmr_error *err);

/*
 * For the admins (401/403 otherwise): the JSON array of the messages in that state (NULL:
 * all), newest first, ids below before_id (0: from the newest); recipients shown in part.
 * The caller owns the array.
 */
json_t *outbox_list(struct db_pool *pool, const char *token, const char *state,
		    long long before_id, int limit, struct dmr_error *err);

/* Tries a dead or pending message again now (404 unknown, 409 already sent). */
bool outbox_retry(struct db_pool *pool, const char *token, long long id, struct dmr_error *err);

/* The messages of one state and channel, and the age of the oldest. */
struct outbox_stat {
	const char *state, *channel;
	long long messages;
	double oldest_seconds;
};

/* One row per state and channel, every pair listed (0 when there is none). */
bool outbox_stats(struct db_pool *pool, struct db_rows *out, struct dmr_error *err);
void outbox_stat_read(const struct db_rows *rows, int i, struct outbox_stat *s);

/* Lets deliveries under way finish (each is bounded by DMR_NOTIFY_TIMEOUT_MS) and stops. */
void notifier_stop(struct notifier *n);

#endif
