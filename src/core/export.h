#ifndef DMR_CORE_EXPORT_H
#define DMR_CORE_EXPORT_H

/*
 * The CSV export of the reports that the filters of the city's views keep
 * (dmr_export_open, sql/functions/47_export.sql), for supervisors and admins (401, 403
 * otherwise): the public fields and the staff's (the address typed, the client, the last
 * transition), in id order, never an e-mail or a device id. CSV as base/csv.h writes it.
 *
 * An export holds one connection of the pool, inside one transaction, for its whole life, and
 * reads the rows from a server-side cursor, a batch at a time, on a thread of its own: the
 * reader takes the CSV as it comes (export_read) and never waits for the database, and at
 * most a bounded amount of CSV waits in memory for it, however many rows. So that exports
 * never take the pool from the other requests, at most a quarter of its connections (one at
 * least) serve exports at once: beyond, 503 busy.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "core/report_filter.h"
#include "db/pool.h"

struct export;

/*
 * Checks the caller and the filters, opens the cursor and starts reading: the CSV's header
 * row is ready at once. pool_size is the pool's number of connections. NULL with err.
 */
struct export *export_open(struct db_pool *pool, int pool_size, const struct report_filter *f,
			   bool excel, struct dmr_error *err);

/* wake(arg) is called, from the export's thread, whenever CSV becomes ready after a read
 * that found none, and at the end. */
void export_set_waker(struct export *e, void (*wake)(void *arg), void *arg);

/*
 * Takes up to max bytes of CSV: the bytes taken, 0 when none is ready yet (wake follows),
 * EXPORT_END after the last row, EXPORT_BROKEN when the database failed on the way (the CSV
 * is cut short: the reader must not present it as whole).
 */
enum { EXPORT_END = -1, EXPORT_BROKEN = -2 };
long export_read(struct export *e, char *buf, size_t max);

/* Stops the export wherever it is (the reader went away, or the end), gives the connection
 * back and frees e. */
void export_close(struct export *e);

#endif
