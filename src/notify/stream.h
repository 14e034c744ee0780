#ifndef DMR_NOTIFY_STREAM_H
#define DMR_NOTIFY_STREAM_H

/*
 * The live stream of report events (GET /api/v1/events/stream), as Server-Sent Events.
 *
 * One hub per dmrd reads the events from the database in the order their transactions
 * became final (dmr_stream_events, sql/functions/80_notify.sql), woken by LISTEN dmr_events
 * (transitions notify; creations, too frequent, do not) and checking every quarter of a
 * second, and keeps the latest ones in a ring. Each client reads
 * from the ring the events of its services. An event's SSE id is "<xid>.<id>": a client that
 * comes back with Last-Event-ID first gets what it missed from the database, so a reconnection
 * leaves no gap. A client too slow for the ring, or with too much to catch up, is ended and
 * comes back with its Last-Event-ID.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/config.h"
#include "base/error.h"
#include "db/pool.h"

#define STREAM_MAX_SERVICES 256

struct stream_hub;
struct stream_client;

struct stream_hub *stream_hub_start(const struct dmr_config *cfg, struct db_pool *pool,
				    struct dmr_error *err);

/* Ends every stream (their reads return -1) and stops reading events. */
void stream_hub_close(struct stream_hub *hub);

/* Frees the hub once every client is closed. */
void stream_hub_destroy(struct stream_hub *hub);

/* True for "<xid>.<id>" as the stream writes it. */
bool stream_event_id_valid(const char *id);

/*
 * A client of these services (ids), starting after last_event_id (NULL: from now on).
 * wake(arg) is called, under the hub's lock, when the client may have something to read.
 */
struct stream_client *stream_client_open(struct stream_hub *hub, const int *services,
					 int nservices, const char *last_event_id,
					 struct dmr_error *err);
void stream_client_set_waker(struct stream_client *c, void (*wake)(void *arg), void *arg);

/* Bytes of SSE text, 0 when nothing is ready, -1 when the stream is over. */
long stream_client_read(struct stream_client *c, char *buf, size_t max);

void stream_client_close(struct stream_client *c);

#endif
