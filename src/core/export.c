#include "core/export.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "base/log.h"
#include "core/report_json.h"
#include "db/statements.h"

/* CSV waiting for the reader beyond which the export's thread fetches no more rows. */
#define EXPORT_HIGH_WATER (256 * 1024)

enum column_kind { TEXT, NUMBER, CHANNEL };

/* The CSV's columns, in the order of dmr_export_open's rows. */
static const struct column {
	const char *name;
	enum column_kind kind;
} columns[] = {
	{"id", NUMBER}, {"number", TEXT}, {"status", TEXT},
	{"top_category_id", NUMBER}, {"top_category", TEXT},
	{"category_id", NUMBER}, {"category", TEXT},
	{"service", TEXT}, {"service_name", TEXT}, {"sector", TEXT}, {"sector_name", TEXT},
	{"arrondissement", NUMBER}, {"quartier", TEXT}, {"quartier_name", TEXT}, {"park", TEXT},
	{"address", TEXT}, {"address_distance_m", NUMBER}, {"lat", NUMBER}, {"lon", NUMBER},
	{"priority", NUMBER}, {"description", TEXT}, {"channel", CHANNEL},
	{"created_at", TEXT}, {"expected_at", TEXT}, {"overdue", TEXT},
	{"acknowledged_at", TEXT}, {"scheduled_for", TEXT}, {"resolved_at", TEXT},
	{"closed_at", TEXT}, {"followers", NUMBER}, {"duplicate_of", TEXT},
	{"reject_reason", TEXT}, {"reject_label", TEXT},
	{"routing_rule", TEXT}, {"routing_distance_m", NUMBER}, {"version", NUMBER},
	{"address_given", TEXT}, {"client", TEXT},
	{"last_transition", TEXT}, {"last_transition_at", TEXT},
};

enum { NCOLUMNS = sizeof columns / sizeof *columns };

/* The exports running in this process, against the limit of export_open. */
static atomic_int running;

enum export_state { READING, ENDED, BROKEN };

struct export {
	struct db_pool *pool;
	PGconn *conn;
	bool excel;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t room;  /* the reader took CSV, or the export stops */
	struct buf out;       /* the CSV for the reader, from `taken` on */
	size_t taken;
	enum export_state state;
	bool stopping;        /* export_close: the thread ends at its next step */
	bool reader_waits;    /* a read found nothing: wake it when CSV comes */
	void (*wake)(void *arg);
	void *wake_arg;
};

static void write_header(struct csv *csv)
{
	csv_begin_document(csv);
	for (int c = 0; c < NCOLUMNS; c++)
		csv_text(csv, columns[c].name);
	csv_end_row(csv);
}

static void write_row(struct csv *csv, const PGresult *res, int row)
{
	for (int c = 0; c < NCOLUMNS; c++) {
		const char *v = db_value(res, row, c);

		if (columns[c].kind == NUMBER)
			csv_number(csv, v);
		else if (columns[c].kind == CHANNEL)
			csv_text(csv, v ? report_channel_name(v[0]) : NULL);
		else
			csv_text(csv, v);
	}
	csv_end_row(csv);
}

/* With e->lock held. */
static void wake_reader(struct export *e)
{
	if (e->reader_waits && e->wake) {
		e->reader_waits = false;
		e->wake(e->wake_arg);
	}
}

/* Appends a batch of CSV for the reader once it has room; false when the export stops. */
static bool hand_over(struct export *e, const struct buf *batch)
{
	bool go_on;

	pthread_mutex_lock(&e->lock);
	while (!e->stopping && e->out.len - e->taken > EXPORT_HIGH_WATER)
		pthread_cond_wait(&e->room, &e->lock);
	go_on = !e->stopping;
	if (go_on) {
		memmove(e->out.s, e->out.s + e->taken, e->out.len - e->taken);
		buf_truncate(&e->out, e->out.len - e->taken);
		e->taken = 0;
		buf_append(&e->out, batch->s, batch->len);
		wake_reader(e);
	}
	pthread_mutex_unlock(&e->lock);
	return go_on;
}

/* One FETCH as CSV into batch: the rows it gave, or -1 with err. */
static int fetch_batch(struct export *e, struct buf *batch, struct dmr_error *err)
{
	PGresult *res = db_run(e->pool, e->conn, STMT_EXPORT_FETCH, NULL, err);
	struct csv csv;
	int n;

	if (!res)
		return -1;
	if (PQnfields(res) != NCOLUMNS) {
		dmr_fail(err, "internal_error", NULL, "dmr_export_open gives %d columns, not %d",
			 PQnfields(res), NCOLUMNS);
		PQclear(res);
		return -1;
	}
	n = PQntuples(res);
	csv_init(&csv, batch, e->excel);
	for (int i = 0; i < n; i++)
		write_row(&csv, res, i);
	PQclear(res);
	if (batch->failed) {
		dmr_fail(err, "out_of_memory", NULL, "no memory for a batch of the export");
		return -1;
	}
	return n;
}

static void finish(struct export *e, enum export_state state)
{
	pthread_mutex_lock(&e->lock);
	e->state = state;
	e->reader_waits = true;
	wake_reader(e);
	pthread_mutex_unlock(&e->lock);
}

/* The export's thread: batches until the cursor runs dry or the reader goes away. */
static void *read_rows(void *arg)
{
	struct export *e = arg;
	struct buf batch = {0};
	struct dmr_error err;
	int n;

	do {
		buf_truncate(&batch, 0);
		n = fetch_batch(e, &batch, &err);
	} while (n > 0 && hand_over(e, &batch));
	buf_free(&batch);
	if (n < 0)
		log_error("export cut short: %s", err.message);
	db_end(e->conn, n >= 0, &err);
	db_release(e->pool, e->conn);
	atomic_fetch_sub(&running, 1);
	finish(e, n < 0 ? BROKEN : ENDED);
	return NULL;
}

/* Takes a slot of the exports' limit; 503 busy when none is free. */
static bool take_slot(int pool_size, struct dmr_error *err)
{
	int limit = pool_size / 4 > 1 ? pool_size / 4 : 1;

	if (atomic_fetch_add(&running, 1) < limit)
		return true;
	atomic_fetch_sub(&running, 1);
	return dmr_fail(err, "busy", NULL, "%d exports are running already; retry in a minute",
			limit);
}

/* Opens the cursor on e->conn inside a transaction; on failure the connection is released. */
static bool open_cursor(struct export *e, const struct report_filter *f, struct dmr_error *err)
{
	struct report_filter_text text;
	const char *params[REPORT_FILTER_NPARAMS];
	PGresult *res;

	e->conn = db_acquire(e->pool, err);
	if (!e->conn)
		return false;
	report_filter_params(f, &text, params);
	res = db_command(e->conn, "BEGIN", err)
		      ? db_run(e->pool, e->conn, STMT_EXPORT_OPEN, params, err)
		      : NULL;
	if (res) {
		PQclear(res);
		return true;
	}
	db_end(e->conn, false, err);
	db_release(e->pool, e->conn);
	return false;
}

static struct export *export_new(struct db_pool *pool, bool excel)
{
	struct export *e = calloc(1, sizeof *e);

	if (!e)
		return NULL;
	e->pool = pool;
	e->excel = excel;
	pthread_mutex_init(&e->lock, NULL);
	pthread_cond_init(&e->room, NULL);
	return e;
}

static void export_free(struct export *e)
{
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->room);
	buf_free(&e->out);
	free(e);
}

struct export *export_open(struct db_pool *pool, int pool_size, const struct report_filter *f,
			   bool excel, struct dmr_error *err)
{
	struct export *e;
	struct csv csv;

	if (!take_slot(pool_size, err))
		return NULL;
	e = export_new(pool, excel);
	if (!e) {
		atomic_fetch_sub(&running, 1);
		dmr_fail(err, "out_of_memory", NULL, "no memory for an export");
		return NULL;
	}
	if (!open_cursor(e, f, err)) {
		atomic_fetch_sub(&running, 1);
		export_free(e);
		return NULL;
	}
	csv_init(&csv, &e->out, excel);
	write_header(&csv);
	if (pthread_create(&e->thread, NULL, read_rows, e)) {
		dmr_fail(err, "internal_error", NULL, "no thread for an export");
		db_end(e->conn, false, err);
		db_release(pool, e->conn);
		atomic_fetch_sub(&running, 1);
		export_free(e);
		return NULL;
	}
	return e;
}

void export_set_waker(struct export *e, void (*wake)(void *arg), void *arg)
{
	pthread_mutex_lock(&e->lock);
	e->wake = wake;
	e->wake_arg = arg;
	pthread_mutex_unlock(&e->lock);
}

long export_read(struct export *e, char *buf, size_t max)
{
	size_t ready;
	long n = 0;

	pthread_mutex_lock(&e->lock);
	ready = e->out.len - e->taken;
	if (ready) {
		n = (long)(ready < max ? ready : max);
		memcpy(buf, e->out.s + e->taken, (size_t)n);
		e->taken += (size_t)n;
		pthread_cond_signal(&e->room);
	} else if (e->state != READING) {
		n = e->state == ENDED ? EXPORT_END : EXPORT_BROKEN;
	} else {
		e->reader_waits = true;
	}
	pthread_mutex_unlock(&e->lock);
	return n;
}

void export_close(struct export *e)
{
	pthread_mutex_lock(&e->lock);
	e->stopping = true;
	e->wake = NULL;
	pthread_cond_signal(&e->room);
	pthread_mutex_unlock(&e->lock);
	pthread_join(e->thread, NULL);
	export_free(e);
}
