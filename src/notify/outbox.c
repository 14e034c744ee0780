#include "notify/outbox.h"

#include <curl/curl.h>
#include <libpq-fe.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/log.h"
#include "core/report.h"
#include "core/report_json.h"
#include "db/statements.h"
#include "notify/mail.h"
#include "notify/template.h"
#include "notify/webhook.h"

#define IDLE_WAIT_MS 30000 /* the longest sleep: a missed wake-up costs at most this */
#define RECONNECT_WAIT_MS 1000

struct notifier {
	const struct dmr_config *cfg;
	struct db_pool *pool;
	char channels[40]; /* PostgreSQL array of the channels this node delivers */
	char lease_ms[16];
	pthread_t waker;
	bool waker_started;
	pthread_t *workers;
	int nworkers;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	unsigned long generation; /* raised at each wake-up */
	bool stopping;
	int stop_fd;
};

/* One claimed message (a row of dmr_outbox_claim). */
struct claimed {
	const char *id, *message_id, *report_id, *kind, *channel, *recipient, *vars;
	const char *secret; /* the webhook's; NULL if the service has no webhook any more */
	const char *lease;  /* the claim, which the outcome must name */
	const char *attempt;
};

static void wake_workers(struct notifier *n)
{
	pthread_mutex_lock(&n->lock);
	n->generation++;
	pthread_cond_broadcast(&n->wake);
	pthread_mutex_unlock(&n->lock);
}

static bool stopping(struct notifier *n)
{
	bool s;

	pthread_mutex_lock(&n->lock);
	s = n->stopping;
	pthread_mutex_unlock(&n->lock);
	return s;
}

/* The placeholders of the templates: the stored ones and the links, which need our address. */
static json_t *message_vars(const struct notify_config *cfg, const struct claimed *m)
{
	json_t *vars = json_loads(m->vars, 0, NULL);
	json_t *photo;
	char link[512];

	if (!json_is_object(vars)) {
		json_decref(vars);
		return NULL;
	}
	snprintf(link, sizeof link, "%s/api/v1/reports/%s", cfg->public_url, m->report_id);
	json_object_set_new(vars, "link", json_string(link));
	photo = json_object_get(vars, "done_photo");
	if (json_is_string(photo)) {
		snprintf(link, sizeof link, "%s/photos/%s.jpg", cfg->public_url,
			 json_string_value(photo));
		json_object_set_new(vars, "photo_link", json_string(link));
	} else {
		json_object_set_new(vars, "photo_link", json_null());
	}
	return vars;
}

/*
 * The links of a citizen's message, made of the signed tokens the outbox row carries: the
 * confirmation link of a prompt (`token`), the unsubscribe link of a follower's message
 * (`unsubscribe`). The tokens themselves leave the variables; a link not given is null.
 */
static void citizen_links(const struct notify_config *cfg, json_t *vars)
{
	static const struct {
		const char *token, *link, *path;
	} links[] = {{"token", "confirm_link", "confirm"},
		     {"unsubscribe", "unsubscribe_link", "unsubscribe"}};
	char url[512];

	for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
		json_t *token = json_object_get(vars, links[i].token);

		if (json_is_string(token)) {
			snprintf(url, sizeof url, "%s/email/%s?token=%s", cfg->public_url,
				 links[i].path, json_string_value(token));
			json_object_set_new(vars, links[i].link, json_string(url));
		} else {
			json_object_set_new(vars, links[i].link, json_null());
		}
		json_object_del(vars, links[i].token);
	}
}

static bool deliver_email(struct notifier *n, const struct claimed *m, json_t *vars,
			  struct dmr_error *err)
{
	struct message_text text;
	json_t *unsubscribe;
	bool ok;

	citizen_links(&n->cfg->notify, vars);
	if (!template_render(n->cfg->share_dir, m->kind, vars, &text, err))
		return false;
	unsubscribe = json_object_get(vars, "unsubscribe_link");
	ok = mail_send(&n->cfg->notify, m->recipient, m->message_id, &text,
		       json_is_string(unsubscribe) ? json_string_value(unsubscribe) : NULL, err);
	message_text_free(&text);
	return ok;
}

/* Posts a JSON object, dumped once, to a webhook. */
static bool post_json(struct notifier *n, const char *url, const char *secret,
		      const struct claimed *m, json_t *payload, struct dmr_error *err)
{
	char *body = payload ? json_dumps(payload, JSON_COMPACT) : NULL;
	bool ok;

	json_decref(payload);
	if (!body)
		return dmr_fail(err, "webhook", NULL, "out of memory");
	ok = webhook_post(&n->cfg->notify, url, secret, m->message_id, body, err);
	free(body);
	return ok;
}

/* To the push gateway: the phone's id and the message's title and text. */
static bool deliver_push(struct notifier *n, const struct claimed *m, json_t *vars,
			 struct dmr_error *err)
{
	struct message_text text;
	json_t *payload;

	citizen_links(&n->cfg->notify, vars);
	if (!template_render(n->cfg->share_dir, m->kind, vars, &text, err))
		return false;
	payload = json_pack("{s:s, s:s, s:s, s:s, s:s, s:O}", "id", m->message_id, "kind",
			    m->kind, "device_id", m->recipient, "title", text.subject, "body",
			    text.body, "event", vars);
	message_text_free(&text);
	return post_json(n, n->cfg->notify.push_url, n->cfg->notify.push_secret, m, payload, err);
}

/* To a service or contractor: the report as the API shows it, photo links included. */
static bool deliver_webhook(struct notifier *n, const struct claimed *m, json_t *vars,
			    struct dmr_error *err)
{
	struct report_rows rows;
	struct report_view view;
	json_t *report;

	if (!m->secret)
		return dmr_fail(err, "webhook", NULL, "the service has no webhook any more");
	if (!report_get(n->pool, strtoll(m->report_id, NULL, 10), &rows, err))
		return false;
	report_view_read(&rows, 0, &view);
	report = report_json(&view);
	report_rows_free(&rows);
	return post_json(n, m->recipient, m->secret, m,
			 json_pack("{s:s, s:s, s:O, s:o}", "id", m->message_id, "kind", m->kind,
				   "event", vars, "report", report),
			 err);
}

static bool deliver(struct notifier *n, const struct claimed *m, struct dmr_error *err)
{
	json_t *vars = message_vars(&n->cfg->notify, m);
	bool ok;

	if (!vars)
		return dmr_fail(err, "outbox", NULL, "unreadable message variables");
	if (strcmp(m->channel, "email") == 0)
		ok = deliver_email(n, m, vars, err);
	else if (strcmp(m->channel, "push") == 0)
		ok = deliver_push(n, m, vars, err);
	else
		ok = deliver_webhook(n, m, vars, err);
	json_decref(vars);
	return ok;
}

static void record_outcome(struct notifier *n, const struct claimed *m, bool ok,
			   const struct dmr_error *failure)
{
	char base[16], cap[16], attempts[16];
	const char *params[7] = {m->id, m->lease, ok ? "true" : "false",
				 ok ? NULL : failure->message, base, cap, attempts};
	struct dmr_error err;
	PGresult *res;

	snprintf(base, sizeof base, "%d", n->cfg->notify.retry_ms);
	snprintf(cap, sizeof cap, "%d", n->cfg->notify.retry_max_ms);
	snprintf(attempts, sizeof attempts, "%d", n->cfg->notify.max_attempts);
	res = db_query(n->pool, STMT_OUTBOX_DONE, params, &err);
	/* Unrecorded, the message stays leased and is delivered again when the lease ends. */
	if (!res)
		log_warn("outbox %s: outcome not recorded: %s", m->id, err.message);
	PQclear(res);
}

/*
 * Claims and delivers one message; false when none was due. One at a time, so that each
 * delivery starts with a lease of its own and cannot outlive it.
 */
static bool deliver_one(struct notifier *n)
{
	const char *params[3] = {n->channels, "1", n->lease_ms};
	struct dmr_error err, failure;
	struct claimed m;
	PGresult *res = db_query(n->pool, STMT_OUTBOX_CLAIM, params, &err);
	bool ok;

	if (!res) {
		log_warn("outbox: cannot claim messages: %s", err.message);
		return false;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		return false;
	}
	m = (struct claimed){PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
			     PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4), PQgetvalue(res, 0, 5),
			     PQgetvalue(res, 0, 6), db_value(res, 0, 8), PQgetvalue(res, 0, 9),
			     PQgetvalue(res, 0, 7)};
	ok = deliver(n, &m, &failure);
	if (!ok)
		log_warn("outbox %s (%s, %s): attempt %s failed: %s", m.id, m.kind, m.channel,
			 m.attempt, failure.message);
	record_outcome(n, &m, ok, &failure);
	PQclear(res);
	return true;
}

static void *worker_main(void *arg)
{
	struct notifier *n = arg;
	unsigned long seen = 0;

	for (;;) {
		pthread_mutex_lock(&n->lock);
		while (!n->stopping && seen == n->generation)
			pthread_cond_wait(&n->wake, &n->lock);
		seen = n->generation;
		pthread_mutex_unlock(&n->lock);
		if (stopping(n))
			return NULL;
		while (!stopping(n) && deliver_one(n))
			;
	}
}

/* Milliseconds until the next message falls due (IDLE_WAIT_MS at most, 0 if one is due). */
static int next_due_ms(struct notifier *n, PGconn *conn)
{
	const char *params[1] = {n->channels};
	PGresult *res = PQexecParams(conn,
				     "SELECT ceil(extract(epoch FROM dmr_outbox_next_due($1::text[])"
				     " - clock_timestamp()) * 1000)",
				     1, NULL, params, NULL, NULL, 0);
	int ms = IDLE_WAIT_MS;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && !PQgetisnull(res, 0, 0)) {
		double due = strtod(PQgetvalue(res, 0, 0), NULL);

		ms = due <= 0 ? 0 : due < IDLE_WAIT_MS ? (int)due : IDLE_WAIT_MS;
	}
	PQclear(res);
	return ms;
}

static PGconn *listen_connection(struct notifier *n)
{
	PGconn *conn = PQconnectdb(n->cfg->database);
	PGresult *res;

	if (PQstatus(conn) != CONNECTION_OK) {
		PQfinish(conn);
		return NULL;
	}
	res = PQexec(conn, "LISTEN dmr_outbox");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		PQclear(res);
		PQfinish(conn);
		return NULL;
	}
	PQclear(res);
	return conn;
}

/* Waits for a notification, the stop signal or the timeout; false if the connection broke. */
static bool wait_for_work(struct notifier *n, PGconn *conn, int timeout_ms)
{
	int got = db_wait_notification(conn, n->stop_fd, timeout_ms);

	if (got != 0 || timeout_ms == 0)
		wake_workers(n);
	return got >= 0;
}

static void *waker_main(void *arg)
{
	struct notifier *n = arg;
	PGconn *conn = NULL;
	struct pollfd stop = {n->stop_fd, POLLIN, 0};

	while (!stopping(n)) {
		if (!conn) {
			conn = listen_connection(n);
			if (!conn) {
				poll(&stop, 1, RECONNECT_WAIT_MS);
				continue;
			}
			/* Whatever was queued while nobody listened. */
			wake_workers(n);
		}
		if (!wait_for_work(n, conn, next_due_ms(n, conn))) {
			log_warn("outbox: lost the LISTEN connection; reconnecting");
			PQfinish(conn);
			conn = NULL;
		}
		/* A message due now but held by busy workers must not make this loop spin. */
		poll(&stop, 1, 20);
	}
	PQfinish(conn);
	return NULL;
}

static void set_channels(struct notifier *n)
{
	const struct notify_config *c = &n->cfg->notify;

	snprintf(n->channels, sizeof n->channels, "{webhook%s%s}", c->smtp_url ? ",email" : "",
		 c->push_url ? ",push" : "");
	/* A delivery (with its wait for a pooled connection) never outlives its lease. */
	snprintf(n->lease_ms, sizeof n->lease_ms, "%d", 3 * c->timeout_ms + 5000);
}

struct notifier *notifier_start(const struct dmr_config *cfg, struct db_pool *pool,
				struct dmr_error *err)
{
	struct notifier *n = calloc(1, sizeof *n);

	if (!n || curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(n);
		dmr_fail(err, "notify", NULL, "cannot initialise libcurl");
		return NULL;
	}
	n->cfg = cfg;
	n->pool = pool;
	set_channels(n);
	pthread_mutex_init(&n->lock, NULL);
	pthread_cond_init(&n->wake, NULL);
	n->stop_fd = eventfd(0, EFD_CLOEXEC);
	n->workers = calloc((size_t)cfg->notify.threads, sizeof *n->workers);
	if (n->stop_fd < 0 || !n->workers) {
		notifier_stop(n);
		dmr_fail(err, "notify", NULL, "out of memory");
		return NULL;
	}
	for (; n->nworkers < cfg->notify.threads; n->nworkers++)
		if (pthread_create(&n->workers[n->nworkers], NULL, worker_main, n) != 0)
			break;
	n->waker_started = n->nworkers == cfg->notify.threads &&
			   pthread_create(&n->waker, NULL, waker_main, n) == 0;
	if (!n->waker_started) {
		notifier_stop(n);
		dmr_fail(err, "notify", NULL, "cannot start the notification threads");
		return NULL;
	}
	return n;
}

void notifier_stop(struct notifier *n)
{
	uint64_t one = 1;

	if (!n)
		return;
	pthread_mutex_lock(&n->lock);
	n->stopping = true;
	pthread_cond_broadcast(&n->wake);
	pthread_mutex_unlock(&n->lock);
	if (n->stop_fd >= 0 && write(n->stop_fd, &one, sizeof one) < 0)
		log_warn("outbox: cannot signal the waker");
	if (n->waker_started)
		pthread_join(n->waker, NULL);
	for (int i = 0; i < n->nworkers; i++)
		pthread_join(n->workers[i], NULL);
	if (n->stop_fd >= 0)
		close(n->stop_fd);
	pthread_cond_destroy(&n->wake);
	pthread_mutex_destroy(&n->lock);
	free(n->workers);
	free(n);
	curl_global_cleanup();
}

static bool require_token(const char *token, struct dmr_error *err)
{
	return token || dmr_fail(err, "unauthorized", NULL,
				 "this needs an admin token");
}

json_t *outbox_list(struct db_pool *pool, const char *token, const char *state,
		    long long before_id, int limit, struct dmr_error *err)
{
	char before[24], count[16];
	const char *params[4] = {token, state, before_id ? before : NULL, count};
	PGresult *page;
	json_t *messages;

	if (!require_token(token, err))
		return NULL;
	snprintf(before, sizeof before, "%lld", before_id);
	snprintf(count, sizeof count, "%d", limit);
	page = db_query(pool, STMT_OUTBOX_LIST, params, err);
	if (!page)
		return NULL;
	messages = json_loads(PQgetvalue(page, 0, 0), 0, NULL);
	PQclear(page);
	if (!json_is_array(messages)) {
		json_decref(messages);
		dmr_fail(err, "internal_error", NULL, "unreadable outbox page");
		return NULL;
	}
	return messages;
}

bool outbox_retry(struct db_pool *pool, const char *token, long long id, struct dmr_error *err)
{
	char id_text[24];
	const char *params[2] = {token, id_text};
	PGresult *res;

	if (!require_token(token, err))
		return false;
	snprintf(id_text, sizeof id_text, "%lld", id);
	res = db_query(pool, STMT_OUTBOX_RETRY, params, err);
	PQclear(res);
	return res != NULL;
}

bool outbox_stats(struct db_pool *pool, struct db_rows *out, struct dmr_error *err)
{
	return db_rows_query(pool, STMT_OUTBOX_STATS, NULL, out, err);
}

void outbox_stat_read(const struct db_rows *rows, int i, struct outbox_stat *s)
{
	s->state = PQgetvalue(rows->res, i, 0);
	s->channel = PQgetvalue(rows->res, i, 1);
	s->messages = strtoll(PQgetvalue(rows->res, i, 2), NULL, 10);
	s->oldest_seconds = strtod(PQgetvalue(rows->res, i, 3), NULL);
}
