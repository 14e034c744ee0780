#include "notify/stream.h"

#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/buf.h"
#include "db/statements.h"

#define RING_SIZE 8192
#define READ_BATCH "1000"
#define CATCH_UP_LIMIT 2000
#define CHECK_MS 250 /* an event becomes final when older transactions end, unannounced */
#define HEARTBEAT_S 15
#define POSITION_SIZE 48

struct ring_entry {
	uint64_t seq;
	int services[2]; /* the event's service, and the one the report left (0: none) */
	char *text; /* "id: ..\nevent: report\ndata: ..\n\n" */
	size_t len;
};

struct stream_hub {
	const struct dmr_config *cfg;
	struct db_pool *pool;
	pthread_mutex_t lock;
	struct ring_entry ring[RING_SIZE];
	uint64_t next_seq;            /* sequence number of the next event */
	char xid[24];                 /* position of the last event read */
	long long id;
	struct stream_client *clients; /* list, under lock */
	bool closed;
	bool started;
	pthread_t reader;
	int stop_fd;
};

struct stream_client {
	struct stream_hub *hub;
	struct stream_client *next;
	int services[STREAM_MAX_SERVICES];
	int nservices;
	uint64_t next_seq; /* ring position */
	size_t offset;     /* bytes of the current entry already sent */
	struct buf backlog; /* what the client missed, from the database */
	size_t backlog_sent;
	bool truncated;    /* the backlog was cut: end after it */
	time_t last_write;
	void (*wake)(void *arg);
	void *wake_arg;
};

bool stream_event_id_valid(const char *id)
{
	static const char digits[] = "0123456789";
	size_t x = strspn(id, digits);
	const char *rest = id + x + 1;
	size_t y;

	if (x == 0 || x > 20 || id[x] != '.')
		return false;
	y = strspn(rest, digits);
	return y > 0 && y < 19 && rest[y] == '\0';
}

/* One event as SSE text, appended to t. */
static void sse_append(struct buf *t, const char *xid, const char *id, const char *data)
{
	buf_puts(t, "id: ");
	buf_puts(t, xid);
	buf_puts(t, ".");
	buf_puts(t, id);
	buf_puts(t, "\nevent: report\ndata: ");
	buf_puts(t, data);
	buf_puts(t, "\n\n");
}

/* "{1,2}" or "{1,NULL}" from the result's int[] text (absent ones are 0). */
static void read_services(const char *array, int out[2])
{
	const char *p = array + (*array == '{');

	for (int i = 0; i < 2; i++) {
		out[i] = (int)strtol(p, NULL, 10);
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
}

static void wake_clients(struct stream_hub *hub)
{
	for (struct stream_client *c = hub->clients; c; c = c->next)
		if (c->wake)
			c->wake(c->wake_arg);
}

/* Appends the rows of dmr_stream_events to the ring, under the lock. */
static void append_events(struct stream_hub *hub, PGresult *res)
{
	pthread_mutex_lock(&hub->lock);
	for (int i = 0; i < PQntuples(res); i++) {
		struct ring_entry *e = &hub->ring[hub->next_seq % RING_SIZE];
		struct buf text = {0};

		sse_append(&text, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 3));
		if (text.failed) {
			free(text.s);
			break;
		}
		free(e->text);
		e->text = text.s;
		e->len = text.len;
		e->seq = hub->next_seq++;
		read_services(PQgetvalue(res, i, 2), e->services);
		snprintf(hub->xid, sizeof hub->xid, "%s", PQgetvalue(res, i, 0));
		hub->id = strtoll(PQgetvalue(res, i, 1), NULL, 10);
	}
	if (PQntuples(res) > 0)
		wake_clients(hub);
	pthread_mutex_unlock(&hub->lock);
}

/* Reads the events that became final; returns how many, or -1 if the connection broke. */
static int read_events(struct stream_hub *hub, PGconn *conn)
{
	char xid[24], id[24];
	const char *params[6] = {xid, id, NULL, NULL, NULL, READ_BATCH};
	PGresult *res;
	int n;

	pthread_mutex_lock(&hub->lock);
	snprintf(xid, sizeof xid, "%s", hub->xid);
	snprintf(id, sizeof id, "%lld", hub->id);
	pthread_mutex_unlock(&hub->lock);
	res = PQexecParams(conn, dmr_statements[STMT_STREAM_EVENTS].sql, 6, NULL, params, NULL,
			   NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		PQclear(res);
		return -1;
	}
	append_events(hub, res);
	n = PQntuples(res);
	PQclear(res);
	return n;
}

static PGconn *listen_connection(struct stream_hub *hub)
{
	PGconn *conn = PQconnectdb(hub->cfg->database);
	PGresult *res = PQstatus(conn) == CONNECTION_OK ? PQexec(conn, "LISTEN dmr_events") : NULL;
	bool ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	PQclear(res);
	if (!ok) {
		PQfinish(conn);
		return NULL;
	}
	return conn;
}

/* Sleeps until a notification, the stop signal or CHECK_MS; false if the connection broke. */
static bool wait_events(struct stream_hub *hub, PGconn *conn)
{
	return db_wait_notification(conn, hub->stop_fd, CHECK_MS) >= 0;
}

static bool hub_closed(struct stream_hub *hub)
{
	bool closed;

	pthread_mutex_lock(&hub->lock);
	closed = hub->closed;
	pthread_mutex_unlock(&hub->lock);
	return closed;
}

static void *reader_main(void *arg)
{
	struct stream_hub *hub = arg;
	struct pollfd stop = {hub->stop_fd, POLLIN, 0};
	PGconn *conn = NULL;
	time_t last_beat = time(NULL);
	int n;

	while (!hub_closed(hub)) {
		if (!conn && !(conn = listen_connection(hub))) {
			poll(&stop, 1, 1000);
			continue;
		}
		while ((n = read_events(hub, conn)) == atoi(READ_BATCH) && !hub_closed(hub))
			;
		if (n < 0 || !wait_events(hub, conn)) {
			log_warn("event stream: lost the database connection; reconnecting");
			PQfinish(conn);
			conn = NULL;
		}
		if (time(NULL) - last_beat >= HEARTBEAT_S) {
			last_beat = time(NULL);
			pthread_mutex_lock(&hub->lock);
			wake_clients(hub);
			pthread_mutex_unlock(&hub->lock);
		}
	}
	PQfinish(conn);
	return NULL;
}

/* The stream starts after the events that are final now: earlier ones are history. */
static bool initial_position(struct stream_hub *hub, struct dmr_error *err)
{
	PGconn *conn = db_acquire(hub->pool, err);
	PGresult *res;
	bool ok;

	if (!conn)
		return false;
	res = PQexec(conn, "SELECT pg_snapshot_xmin(pg_current_snapshot())");
	ok = PQresultStatus(res) == PGRES_TUPLES_OK;
	if (ok) {
		snprintf(hub->xid, sizeof hub->xid, "%s", PQgetvalue(res, 0, 0));
		hub->id = 0;
	} else {
		db_error_from_result(conn, res, err);
	}
	PQclear(res);
	db_release(hub->pool, conn);
	return ok;
}

struct stream_hub *stream_hub_start(const struct dmr_config *cfg, struct db_pool *pool,
				    struct dmr_error *err)
{
	struct stream_hub *hub = calloc(1, sizeof *hub);

	if (!hub) {
		dmr_fail(err, "stream", NULL, "out of memory");
		return NULL;
	}
	hub->cfg = cfg;
	hub->pool = pool;
	pthread_mutex_init(&hub->lock, NULL);
	snprintf(hub->xid, sizeof hub->xid, "0");
	hub->stop_fd = eventfd(0, EFD_CLOEXEC);
	/* Without the database now, the stream starts from the first events it can read. */
	if (!initial_position(hub, err))
		log_warn("event stream: %s", err->message);
	hub->started = hub->stop_fd >= 0 &&
		       pthread_create(&hub->reader, NULL, reader_main, hub) == 0;
	if (!hub->started) {
		stream_hub_destroy(hub);
		dmr_fail(err, "stream", NULL, "cannot start the event stream");
		return NULL;
	}
	return hub;
}

void stream_hub_close(struct stream_hub *hub)
{
	uint64_t one = 1;

	pthread_mutex_lock(&hub->lock);
	hub->closed = true;
	wake_clients(hub);
	pthread_mutex_unlock(&hub->lock);
	if (hub->stop_fd >= 0 && write(hub->stop_fd, &one, sizeof one) < 0)
		log_warn("event stream: cannot signal the reader");
	if (hub->started)
		pthread_join(hub->reader, NULL);
	hub->started = false;
}

void stream_hub_destroy(struct stream_hub *hub)
{
	if (!hub)
		return;
	if (hub->started)
		stream_hub_close(hub);
	for (int i = 0; i < RING_SIZE; i++)
		free(hub->ring[i].text);
	if (hub->stop_fd >= 0)
		close(hub->stop_fd);
	pthread_mutex_destroy(&hub->lock);
	free(hub);
}

/* The events a returning client missed, up to the hub's position, as SSE text. */
static bool catch_up(struct stream_client *c, const char *last_event_id, const char *xid,
		     long long upto, struct dmr_error *err)
{
	char after_xid[24], after_id[24], until_id[24], services[STREAM_MAX_SERVICES * 12 + 3];
	char limit[16];
	const char *params[6] = {after_xid, after_id, xid, until_id, services, limit};
	size_t used = 0, dot = strcspn(last_event_id, ".");
	PGresult *res;

	snprintf(after_xid, sizeof after_xid, "%.*s", (int)dot, last_event_id);
	snprintf(after_id, sizeof after_id, "%s", last_event_id + dot + 1);
	snprintf(until_id, sizeof until_id, "%lld", upto);
	snprintf(limit, sizeof limit, "%d", CATCH_UP_LIMIT);
	used += (size_t)snprintf(services, sizeof services, "{");
	for (int i = 0; i < c->nservices; i++)
		used += (size_t)snprintf(services + used, sizeof services - used, "%s%d",
					 i ? "," : "", c->services[i]);
	snprintf(services + used, sizeof services - used, "}");
	res = db_query(c->hub->pool, STMT_STREAM_EVENTS, params, err);
	if (!res)
		return false;
	c->truncated = PQntuples(res) == CATCH_UP_LIMIT;
	for (int i = 0; i < PQntuples(res); i++)
		sse_append(&c->backlog, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1),
			   PQgetvalue(res, i, 3));
	PQclear(res);
	return !c->backlog.failed || dmr_fail(err, "internal_error", NULL, "out of memory");
}

struct stream_client *stream_client_open(struct stream_hub *hub, const int *services,
					 int nservices, const char *last_event_id,
					 struct dmr_error *err)
{
	struct stream_client *c = calloc(1, sizeof *c);
	char xid[24];
	long long upto;

	if (!c || nservices > STREAM_MAX_SERVICES) {
		free(c);
		dmr_fail(err, "internal_error", NULL, "out of memory");
		return NULL;
	}
	c->hub = hub;
	c->nservices = nservices;
	memcpy(c->services, services, (size_t)nservices * sizeof *services);
	/* Due at once: the first read sends a comment, and with it the answer's headers, so
	 * that a browser's EventSource is open at once, not at the first event. */
	c->last_write = 0;
	pthread_mutex_lock(&hub->lock);
	c->next_seq = hub->next_seq;
	snprintf(xid, sizeof xid, "%s", hub->xid);
	upto = hub->id;
	pthread_mutex_unlock(&hub->lock);
	/* The ring serves what comes after the hub's position; the database what came before. */
	if (last_event_id && !catch_up(c, last_event_id, xid, upto, err)) {
		free(c->backlog.s);
		free(c);
		return NULL;
	}
	pthread_mutex_lock(&hub->lock);
	c->next = hub->clients;
	hub->clients = c;
	pthread_mutex_unlock(&hub->lock);
	return c;
}

void stream_client_set_waker(struct stream_client *c, void (*wake)(void *arg), void *arg)
{
	pthread_mutex_lock(&c->hub->lock);
	c->wake = wake;
	c->wake_arg = arg;
	pthread_mutex_unlock(&c->hub->lock);
}

static bool concerns(const struct stream_client *c, const struct ring_entry *e)
{
	for (int i = 0; i < 2; i++)
		for (int j = 0; e->services[i] && j < c->nservices; j++)
			if (e->services[i] == c->services[j])
				return true;
	return false;
}

static size_t copy_out(char *buf, size_t max, const char *src, size_t len)
{
	size_t n = len < max ? len : max;

	memcpy(buf, src, n);
	return n;
}

/* Copies from the ring what concerns the client, under the hub's lock; -1 if it fell behind. */
static long read_ring(struct stream_client *c, char *buf, size_t max)
{
	struct stream_hub *hub = c->hub;
	size_t written = 0;

	while (c->next_seq < hub->next_seq && written < max) {
		const struct ring_entry *e = &hub->ring[c->next_seq % RING_SIZE];

		if (hub->next_seq - c->next_seq > RING_SIZE)
			return written ? (long)written : -1;
		if (concerns(c, e)) {
			size_t n = copy_out(buf + written, max - written, e->text + c->offset,
					    e->len - c->offset);

			written += n;
			c->offset += n;
			if (c->offset < e->len)
				break;
		}
		c->next_seq++;
		c->offset = 0;
	}
	return (long)written;
}

long stream_client_read(struct stream_client *c, char *buf, size_t max)
{
	struct stream_hub *hub = c->hub;
	long n;

	if (c->backlog_sent < c->backlog.len) {
		n = (long)copy_out(buf, max, c->backlog.s + c->backlog_sent,
				   c->backlog.len - c->backlog_sent);
		c->backlog_sent += (size_t)n;
		c->last_write = time(NULL);
		return n;
	}
	if (c->truncated)
		return -1;
	pthread_mutex_lock(&hub->lock);
	n = hub->closed ? -1 : read_ring(c, buf, max);
	pthread_mutex_unlock(&hub->lock);
	if (n == 0 && time(NULL) - c->last_write >= HEARTBEAT_S)
		n = (long)copy_out(buf, max, ":\n\n", 3);
	if (n > 0)
		c->last_write = time(NULL);
	return n;
}

void stream_client_close(struct stream_client *c)
{
	struct stream_hub *hub = c->hub;

	pthread_mutex_lock(&hub->lock);
	for (struct stream_client **p = &hub->clients; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	pthread_mutex_unlock(&hub->lock);
	free(c->backlog.s);
	free(c);
}
