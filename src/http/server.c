#include "http/server.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "base/buf.h"
#include "base/log.h"
#include "base/text.h"
#include "base/workpool.h"
#include "http/router.h"

/* The latency buckets of the request histogram, in seconds. */
static const double bucket_le[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
				   0.1,	  0.25,	  0.5,	 1,    2.5,   10};
#define BUCKETS (sizeof bucket_le / sizeof bucket_le[0])

/* The requests of one route (or of none) of a door, per status class (1xx to 5xx). */
struct route_stats {
	atomic_ulong count[5];
	atomic_ulong bucket[5][BUCKETS]; /* requests of at most bucket_le[b] seconds, not above */
	atomic_ullong sum_us[5];
};

/* A door's requests: those answered, per route (the last slot: those no route took). */
struct mount_stats {
	atomic_int in_flight;
	struct route_stats *routes;
};

struct http_server {
	struct MHD_Daemon *daemon;
	const struct http_mount *const *mounts;
	size_t nmounts;
	void *app;
	size_t max_body, max_upload;
	struct workpool *handlers; /* where handlers run, off the event threads */
	struct workpool *uploads;  /* the handlers of requests carrying photos, at a lower priority */
	struct mount_stats *stats; /* one per mount, in the order of mounts */
	bool access_log;
	char origin[256];    /* DMR_PUBLIC_URL's origin, "" when the Host header names it */
	bool secure_cookies; /* the session cookie is Secure */
	atomic_int in_flight;
};

struct http_stream {
	struct MHD_Connection *conn;
	const struct http_stream_source *source;
	void *cls;
	pthread_mutex_t lock;
	bool suspended; /* the connection waits for a wake-up */
	bool woken;     /* a wake-up came while the connection was not suspended */
};

/*
 * One request from its first header to the last byte of its answer. Once its body is in,
 * its connection is suspended and its handler runs on a handler worker, which fills res and
 * resumes the connection; libmicrohttpd then calls on_request again, which sends res.
 */
struct exchange {
	struct http_server *server;
	struct MHD_Connection *conn;
	const char *url, *method; /* libmicrohttpd keeps them for the request's life */
	const struct http_mount *mount;
	size_t mount_index;
	struct timespec started;
	int status;      /* of the answer queued; 0 until then */
	size_t bytes;    /* of the answer's body, as far as known */
	struct route_match match;
	size_t max_body;
	bool upload; /* the body may carry photos: the handler runs on an upload worker */
	struct buf body;
	bool too_large;
	bool clear_cookie; /* the answer clears the session cookie: its value is malformed */
	atomic_bool answered; /* res is ready: the handler has run */
	struct http_response res;
	struct workpool_job job;
};

const char *http_query(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND, name);
}

const char *http_header(const struct http_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND, name);
}

bool http_add_header(struct http_response *res, const char *name, const char *value)
{
	if (strpbrk(name, "\r\n:") || strpbrk(value, "\r\n") || res->headers.failed) {
		log_error("http: header %s refused", name);
		res->header_refused = true;
		return false;
	}
	buf_append(&res->headers, name, strlen(name) + 1);
	buf_append(&res->headers, value, strlen(value) + 1);
	res->header_refused = res->headers.failed;
	return !res->header_refused;
}

void http_response_reset(struct http_response *res)
{
	free(res->body);
	buf_free(&res->headers);
	memset(res, 0, sizeof *res);
}

static void set_body(struct http_response *res, int status, const char *content_type, char *body,
		     size_t len)
{
	free(res->body);
	res->status = status;
	res->content_type = content_type;
	res->body = body;
	res->body_len = len;
	res->static_body = NULL;
}

void http_respond_json(struct http_response *res, int status, json_t *json)
{
	char *text = json_dumps(json, JSON_COMPACT | JSON_REAL_PRECISION(12));

	json_decref(json);
	if (!text) {
		http_respond_text(res, 500, "application/json",
				  "{\"error\":{\"code\":\"internal_error\"}}", 35);
		return;
	}
	set_body(res, status, "application/json; charset=utf-8", text, strlen(text));
}

void http_respond_static(struct http_response *res, int status, const char *content_type,
			 const char *bytes, size_t len)
{
	set_body(res, status, content_type, NULL, len);
	res->static_body = bytes;
}

void http_respond_text(struct http_response *res, int status, const char *content_type,
		       const char *text, size_t len)
{
	char *copy = malloc(len + 1);

	if (copy) {
		memcpy(copy, text, len);
		copy[len] = '\0';
	}
	set_body(res, copy ? status : 500, content_type, copy, copy ? len : 0);
}

/*
 * The credential of a request: the bearer token of its Authorization header, else the value
 * of its session cookie; NULL when neither. *from_cookie tells which.
 */
static const char *credential_of(struct MHD_Connection *conn, bool *from_cookie)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");
	const char *cookie;

	*from_cookie = false;
	if (auth && strncasecmp(auth, "Bearer ", 7) == 0) {
		auth += 7;
		auth += strspn(auth, " ");
		if (*auth)
			return auth;
	}
	cookie = MHD_lookup_connection_value(conn, MHD_COOKIE_KIND, HTTP_SESSION_COOKIE);
	if (!cookie || !*cookie)
		return NULL;
	*from_cookie = true;
	return cookie;
}

const char *http_bearer_token(const struct http_request *req)
{
	bool from_cookie;

	return credential_of(req->connection, &from_cookie);
}

bool http_credential_from_cookie(const struct http_request *req)
{
	bool from_cookie;

	credential_of(req->connection, &from_cookie);
	return from_cookie;
}

bool http_set_session_cookie(struct http_response *res, const char *value, long long max_age,
			     bool secure)
{
	char cookie[HTTP_TOKEN_MAX + 128];

	if (strlen(value) > HTTP_TOKEN_MAX || value[strcspn(value, " \t;,\"\\")]) {
		log_error("http: a session cookie's value refused");
		res->header_refused = true;
		return false;
	}
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/; Max-Age=%lld; HttpOnly; SameSite=Strict%s",
		 HTTP_SESSION_COOKIE, value, max_age, secure ? "; Secure" : "");
	return http_add_header(res, "Set-Cookie", cookie);
}

void http_respond_error(struct http_response *res, const struct dmr_error *err)
{
	json_t *error = json_pack("{s:s, s:s}", "code", err->code, "message", err->message);

	if (error && err->field[0])
		json_object_set_new(error, "field", json_string(err->field));
	if (error && err->details[0]) {
		json_t *details = json_loads(err->details, 0, NULL);

		if (json_is_object(details))
			json_object_update_missing(error, details);
		json_decref(details);
	}
	if (err->http_status == 503)
		http_add_header(res, "Retry-After", "5");
	if (err->http_status == 401)
		http_add_header(res, "WWW-Authenticate", "Bearer");
	http_respond_json(res, err->http_status ? err->http_status : 500,
			  json_pack("{s:o*}", "error", error));
}

void http_render_json_error(void *app, const struct http_request *req, struct http_response *res,
			    const struct dmr_error *err)
{
	(void)app;
	(void)req;
	http_respond_error(res, err);
}

void http_respond_stream(struct http_response *res, const char *content_type,
			 const struct http_stream_source *source, void *cls)
{
	free(res->body);
	res->body = NULL;
	res->body_len = 0;
	res->static_body = NULL;
	res->status = 200;
	res->content_type = content_type;
	res->stream = source;
	res->stream_cls = cls;
}

void http_stream_wake(struct http_stream *st)
{
	pthread_mutex_lock(&st->lock);
	if (st->suspended) {
		st->suspended = false;
		MHD_resume_connection(st->conn);
	} else {
		st->woken = true;
	}
	pthread_mutex_unlock(&st->lock);
}

/*
 * libmicrohttpd asks for more of the body. With nothing ready, the connection is suspended
 * (a wake-up that came in between is not lost: the source is read again).
 */
static ssize_t read_stream(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct http_stream *st = cls;
	long n;

	(void)pos;
	for (;;) {
		n = st->source->read(st->cls, buf, max);
		if (n > 0)
			return n;
		if (n < 0)
			return n == -1 ? MHD_CONTENT_READER_END_OF_STREAM
				       : MHD_CONTENT_READER_END_WITH_ERROR;
		pthread_mutex_lock(&st->lock);
		if (!st->woken) {
			st->suspended = true;
			MHD_suspend_connection(st->conn);
			pthread_mutex_unlock(&st->lock);
			return 0;
		}
		st->woken = false;
		pthread_mutex_unlock(&st->lock);
	}
}

static void free_stream(void *cls)
{
	struct http_stream *st = cls;

	st->source->closed(st->cls);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

static struct MHD_Response *stream_response(struct MHD_Connection *conn,
					    struct http_response *res)
{
	struct http_stream *st = calloc(1, sizeof *st);
	struct MHD_Response *r;

	if (!st) {
		res->stream->closed(res->stream_cls);
		return NULL;
	}
	st->conn = conn;
	st->source = res->stream;
	st->cls = res->stream_cls;
	pthread_mutex_init(&st->lock, NULL);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 8192, read_stream, st,
					      free_stream);
	if (!r) {
		free_stream(st);
		return NULL;
	}
	st->source->opened(st->cls, st);
	return r;
}

static enum MHD_Result send_response(struct MHD_Connection *conn, struct exchange *ex,
				     struct http_response *res)
{
	const struct http_mount *mount = ex->mount;
	struct MHD_Response *r;
	enum MHD_Result ret;

	if (res->stream)
		r = stream_response(conn, res);
	else if (res->static_body)
		r = MHD_create_response_from_buffer(res->body_len, (void *)res->static_body,
						    MHD_RESPMEM_PERSISTENT);
	else
		r = MHD_create_response_from_buffer(res->body_len, res->body, MHD_RESPMEM_MUST_FREE);
	res->stream = NULL; /* handed over: stream_response releases it in every case */
	if (!r) {
		free(res->body);
		buf_free(&res->headers);
		return MHD_NO;
	}
	res->body = NULL;
	if (res->content_type)
		MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, res->content_type);
	if (mount->cors)
		MHD_add_response_header(r, "Access-Control-Allow-Origin", "*");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	for (size_t at = 0; at < res->headers.len;) {
		const char *name = res->headers.s + at;
		const char *value = name + strlen(name) + 1;

		if (MHD_add_response_header(r, name, value) != MHD_YES)
			log_error("http: libmicrohttpd refused the header %s", name);
		at = (size_t)(value + strlen(value) + 1 - res->headers.s);
	}
	buf_free(&res->headers);
	ex->status = res->status;
	ex->bytes = res->body_len;
	ret = MHD_queue_response(conn, (unsigned int)res->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The request as a renderer or a handler sees it, without its body until it is read. */
static struct http_request request_of(struct MHD_Connection *conn, const char *url,
				      const char *method, const struct exchange *ex)
{
	struct http_request req = {
		.server = ex->server,
		.connection = conn,
		.method = method,
		.path = url,
		.body = ex->body.s ? ex->body.s : "",
		.body_len = ex->body.len,
	};

	for (int i = 0; i < HTTP_MAX_PARAMS; i++)
		req.params[i] = ex->match.params[i];
	return req;
}

/* Answers an error in the form of the request's door. */
static enum MHD_Result send_error(struct http_server *s, struct MHD_Connection *conn,
				  const char *url, const char *method, struct exchange *ex,
				  const struct dmr_error *err)
{
	struct http_request req = request_of(conn, url, method, ex);
	struct http_response res = {0};

	if (err->http_status == 405)
		http_add_header(&res, "Allow", ex->match.allow);
	if (ex->clear_cookie)
		http_set_session_cookie(&res, "", 0, s->secure_cookies);
	ex->mount->render_error(s->app, &req, &res, err);
	return send_response(conn, ex, &res);
}

static enum MHD_Result send_options(struct MHD_Connection *conn, struct exchange *ex)
{
	const struct http_mount *mount = ex->mount;
	const char *allow = ex->match.allow;
	struct http_response res = {.status = 204};

	http_add_header(&res, "Allow", allow);
	if (mount->cors) {
		http_add_header(&res, "Access-Control-Allow-Methods", allow);
		http_add_header(&res, "Access-Control-Allow-Headers", mount->cors->allow_headers);
		http_add_header(&res, "Access-Control-Max-Age", "86400");
	}
	return send_response(conn, ex, &res);
}

static bool declared_too_large(struct MHD_Connection *conn, size_t max)
{
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);

	return cl && strtoull(cl, NULL, 10) > max;
}

static void append_body(struct exchange *ex, const char *data, size_t size, size_t max)
{
	if (ex->too_large)
		return;
	if (ex->body.len + size > max) {
		ex->too_large = true;
		buf_free(&ex->body);
		return;
	}
	buf_append(&ex->body, data, size);
	/* Out of memory for a body within the limit: answered as too large for this server. */
	if (ex->body.failed) {
		ex->too_large = true;
		buf_free(&ex->body);
	}
}

/* On a handler worker: runs the handler, then hands the connection back to its event thread. */
static void run_handler(void *arg)
{
	struct exchange *ex = arg;
	struct http_server *s = ex->server;
	struct http_request req = request_of(ex->conn, ex->url, ex->method, ex);
	struct dmr_error err;

	if (!ex->match.route->handler(s->app, &req, &ex->res, &err)) {
		http_response_reset(&ex->res);
		ex->mount->render_error(s->app, &req, &ex->res, &err);
	} else if (!ex->res.status || ex->res.header_refused) {
		dmr_fail(&err, "internal_error", NULL, "the handler gave no whole answer");
		http_response_reset(&ex->res);
		ex->mount->render_error(s->app, &req, &ex->res, &err);
	}
	atomic_store(&ex->answered, true);
	/* The last touch of ex here: once resumed, the event thread may finish and free it. */
	MHD_resume_connection(ex->conn);
}

/*
 * The body is in: the connection waits, suspended (its event thread serves the others), while
 * a handler worker runs the handler.
 */
static enum MHD_Result dispatch(struct http_server *s, struct exchange *ex)
{
	ex->job = (struct workpool_job){.fn = run_handler, .arg = ex};
	MHD_suspend_connection(ex->conn);
	workpool_submit(ex->upload ? s->uploads : s->handlers, &ex->job);
	return MHD_YES;
}

/* On routes that take photos, every body but JSON may reach the upload limit. */
static bool carries_photos(struct MHD_Connection *conn, const struct http_route *route)
{
	const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_CONTENT_TYPE);

	return route->upload && type && strncasecmp(type, "application/json", 16) != 0;
}

/* GET, HEAD and OPTIONS change nothing, whoever makes a browser send them. */
static bool method_safe(const char *method)
{
	return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0 ||
	       strcmp(method, "OPTIONS") == 0;
}

/*
 * Whether the request comes from the service's own pages: its Origin is DMR_PUBLIC_URL's, or
 * when that is not set, http:// and the request's Host.
 */
static bool from_own_origin(const struct http_server *s, struct MHD_Connection *conn)
{
	const char *origin = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Origin");
	const char *host = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Host");

	if (!origin)
		return false;
	if (s->origin[0])
		return strcasecmp(origin, s->origin) == 0;
	return host && strncasecmp(origin, "http://", 7) == 0 && strcasecmp(origin + 7, host) == 0;
}

bool http_from_own_origin(const struct http_request *req)
{
	return from_own_origin(req->server, req->connection);
}

/*
 * A credential that is not printable ASCII cannot be any token of ours: it is refused like an
 * unknown one (and a malformed cookie cleared), before any handler would hand its bytes to the
 * database. A browser sends the session cookie with every request to the service, even one
 * that another site's page makes it send: a write with the cookie must come from the
 * service's own pages.
 */
static bool credential_refused(const struct http_server *s, struct MHD_Connection *conn,
			       const char *method, struct exchange *ex, struct dmr_error *err)
{
	bool from_cookie;
	const char *credential = credential_of(conn, &from_cookie);

	if (credential && !text_token_valid(credential, HTTP_TOKEN_MAX)) {
		ex->clear_cookie = from_cookie;
		dmr_fail(err, "unauthorized", NULL, "this token is unknown, expired or revoked");
		return true;
	}
	if (from_cookie && !method_safe(method) && !from_own_origin(s, conn)) {
		dmr_fail(err, "forbidden", NULL,
			 "a write with a session must come from this service's pages (its Origin"
			 " header)");
		return true;
	}
	return false;
}

/* The door of a path: the longest prefix that is the path or ends where a segment does. */
static const struct http_mount *mount_of(const struct http_server *s, const char *url)
{
	const struct http_mount *best = NULL;

	for (size_t i = 0; i < s->nmounts; i++) {
		const struct http_mount *m = s->mounts[i];
		size_t n = strlen(m->prefix);

		if (strncmp(url, m->prefix, n) == 0 && (url[n] == '\0' || url[n] == '/') &&
		    (!best || n > strlen(best->prefix)))
			best = m;
	}
	return best;
}

static enum MHD_Result refuse(struct http_server *s, struct MHD_Connection *conn,
			      const char *url, const char *method, struct exchange *ex,
			      const char *code, const char *message)
{
	struct dmr_error err;

	dmr_fail(&err, code, NULL, "%s", message);
	return send_error(s, conn, url, method, ex, &err);
}

/* First call of a request: route it, and answer at once what needs no body. */
static enum MHD_Result begin(struct http_server *s, struct MHD_Connection *conn, const char *url,
			     const char *method, struct exchange *ex)
{
	struct route_match *m = &ex->match;
	struct dmr_error err;

	ex->mount = mount_of(s, url);
	while (s->mounts[ex->mount_index] != ex->mount)
		ex->mount_index++;
	atomic_fetch_add(&s->stats[ex->mount_index].in_flight, 1);
	router_match(ex->mount->routes, ex->mount->nroutes, method, url, m);
	if (m->outcome == ROUTE_NO_METHOD && strcmp(method, "OPTIONS") == 0)
		return send_options(conn, ex);
	if (m->outcome == ROUTE_NO_PATH)
		return refuse(s, conn, url, method, ex, "not_found", "no such resource");
	if (m->outcome == ROUTE_NO_METHOD)
		return refuse(s, conn, url, method, ex, "method_not_allowed",
			      "this resource does not take that method");
	if (credential_refused(s, conn, method, ex, &err))
		return send_error(s, conn, url, method, ex, &err);
	ex->upload = carries_photos(conn, m->route);
	ex->max_body = ex->upload	     ? s->max_upload
		       : ex->mount->max_body ? ex->mount->max_body
					     : s->max_body;
	if (declared_too_large(conn, ex->max_body)) {
		ex->too_large = true;
		return refuse(s, conn, url, method, ex, "body_too_large",
			      "the request body is larger than this server accepts");
	}
	return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version, const char *upload,
				  size_t *upload_size, void **state)
{
	struct http_server *s = cls;
	struct exchange *ex = *state;

	(void)version;
	if (!ex) {
		ex = calloc(1, sizeof *ex);
		if (!ex)
			return MHD_NO;
		*state = ex;
		ex->server = s;
		ex->conn = conn;
		ex->url = url;
		ex->method = method;
		clock_gettime(CLOCK_MONOTONIC, &ex->started);
		atomic_fetch_add(&s->in_flight, 1);
		return begin(s, conn, url, method, ex);
	}
	if (atomic_load(&ex->answered))
		return send_response(conn, ex, &ex->res);
	if (*upload_size) {
		append_body(ex, upload, *upload_size, ex->max_body);
		*upload_size = 0;
		return MHD_YES;
	}
	if (ex->too_large)
		return refuse(s, conn, url, method, ex, "body_too_large",
			      "the request body is larger than this server accepts");
	return dispatch(s, ex);
}

/* Counts an answered request in its door's histogram, and logs it (never its path's values). */
static void account(struct http_server *s, const struct exchange *ex)
{
	struct timespec now;
	struct mount_stats *ms = &s->stats[ex->mount_index];
	size_t route = ex->match.route ? (size_t)(ex->match.route - ex->mount->routes)
				       : ex->mount->nroutes;
	struct route_stats *rs = &ms->routes[route];
	int class = ex->status >= 100 && ex->status < 600 ? ex->status / 100 - 1 : 4;
	unsigned long long us;
	double seconds;

	atomic_fetch_sub(&ms->in_flight, 1);
	if (!ex->status) /* the connection went before an answer was queued */
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	us = (unsigned long long)((now.tv_sec - ex->started.tv_sec) * 1000000LL +
				  (now.tv_nsec - ex->started.tv_nsec) / 1000);
	seconds = (double)us / 1e6;
	atomic_fetch_add(&rs->count[class], 1);
	atomic_fetch_add(&rs->sum_us[class], us);
	for (size_t b = 0; b < BUCKETS; b++)
		if (seconds <= bucket_le[b]) {
			atomic_fetch_add(&rs->bucket[class][b], 1);
			break;
		}
	if (s->access_log)
		log_info("access %s \"%s %s\" %d %.1f ms %zu bytes", ex->mount->name, ex->method,
			 ex->match.route ? ex->match.route->pattern : "-", ex->status,
			 (double)us / 1000, ex->bytes);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **state,
			 enum MHD_RequestTerminationCode why)
{
	struct http_server *s = cls;
	struct exchange *ex = *state;

	(void)conn;
	(void)why;
	if (!ex)
		return;
	if (ex->mount)
		account(s, ex);
	/* An answer made but never sent: the connection went first. */
	if (ex->res.stream)
		ex->res.stream->closed(ex->res.stream_cls);
	http_response_reset(&ex->res);
	buf_free(&ex->body);
	free(ex);
	*state = NULL;
	atomic_fetch_sub(&s->in_flight, 1);
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char line[512];

	(void)cls;
	vsnprintf(line, sizeof line, fmt, ap);
	line[strcspn(line, "\n")] = '\0';
	log_warn("http: %s", line);
}

static bool resolve_listen(const struct dmr_config *cfg, struct sockaddr_storage *addr,
			   struct dmr_error *err)
{
	struct addrinfo hints = {.ai_flags = AI_NUMERICSERV | AI_PASSIVE};
	struct addrinfo *found;
	char port[8];
	int rc;

	snprintf(port, sizeof port, "%u", cfg->listen_port);
	rc = getaddrinfo(cfg->listen_host, port, &hints, &found);
	if (rc != 0)
		return dmr_fail(err, "invalid_config", "DMR_LISTEN", "cannot resolve %s: %s",
				cfg->listen_host, gai_strerror(rc));
	memcpy(addr, found->ai_addr, found->ai_addrlen);
	freeaddrinfo(found);
	return true;
}

/* Frees what a server holds besides its daemon; what was not made is NULL. */
static void server_free(struct http_server *s)
{
	workpool_destroy(s->handlers);
	workpool_destroy(s->uploads);
	for (size_t i = 0; s->stats && i < s->nmounts; i++)
		free(s->stats[i].routes);
	free(s->stats);
	free(s);
}

/* The workers and the counters of a server whose doors are set. */
static bool server_prepare(struct http_server *s, const struct dmr_config *cfg,
			   struct dmr_error *err)
{
	if (!mount_of(s, "/"))
		return dmr_fail(err, "invalid_config", NULL,
				"no door takes the paths the others leave");
	s->stats = calloc(s->nmounts, sizeof *s->stats);
	for (size_t i = 0; s->stats && i < s->nmounts; i++)
		if (!(s->stats[i].routes = calloc(s->mounts[i]->nroutes + 1,
						  sizeof *s->stats[i].routes)))
			return dmr_fail(err, "out_of_memory", NULL, "out of memory");
	/*
	 * As many handlers at once as database connections: more would only wait for one. The
	 * handlers of uploads (parsing megabytes of form, waiting for a photo worker) run apart,
	 * as many as the photo workers, at a lower priority: light requests pass first.
	 */
	s->handlers = workpool_create(cfg->db_pool, 0);
	s->uploads = workpool_create(cfg->photo_threads, HTTP_UPLOAD_NICE);
	if (!s->stats || !s->handlers || !s->uploads)
		return dmr_fail(err, "out_of_memory", NULL, "cannot start the handler workers");
	return true;
}

struct http_server *http_server_start(const struct dmr_config *cfg,
				      const struct http_mount *const *mounts, size_t nmounts,
				      void *app, struct dmr_error *err)
{
	struct http_server *s = calloc(1, sizeof *s);
	struct sockaddr_storage addr;
	unsigned int flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG |
			     MHD_ALLOW_SUSPEND_RESUME;

	if (!s) {
		dmr_fail(err, "out_of_memory", NULL, "out of memory");
		return NULL;
	}
	s->mounts = mounts;
	s->nmounts = nmounts;
	s->app = app;
	s->max_body = cfg->max_body;
	s->max_upload = cfg->max_upload;
	s->access_log = cfg->access_log;
	snprintf(s->origin, sizeof s->origin, "%s", cfg->origin);
	s->secure_cookies = cfg->secure_cookies;
	if (!resolve_listen(cfg, &addr, err) || !server_prepare(s, cfg, err)) {
		server_free(s);
		return NULL;
	}
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->daemon = MHD_start_daemon(
		flags, cfg->listen_port, NULL, NULL, on_request, s,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)cfg->threads,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, s,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)60,
		MHD_OPTION_LISTEN_BACKLOG_SIZE, (unsigned int)1024,
		MHD_OPTION_END);
	if (!s->daemon) {
		dmr_fail(err, "listen_failed", "DMR_LISTEN", "cannot listen on %s:%u",
			 cfg->listen_host, cfg->listen_port);
		server_free(s);
		return NULL;
	}
	return s;
}

/* One line of a histogram series: its name's suffix, labels, the extra label and the value. */
static void series_line(struct buf *out, const char *suffix, const struct http_mount *m,
			const char *route, int class, const char *le, const char *value)
{
	char line[1024];

	snprintf(line, sizeof line,
		 "dmr_http_request_duration_seconds_%s{door=\"%s\",route=\"%s\",status=\"%dxx\"%s}"
		 " %s\n",
		 suffix, m->name, route, class, le, value);
	buf_puts(out, line);
}

/* One histogram series per door, route and status class that has seen a request. */
static void route_series(struct buf *out, const struct http_mount *m, const char *route,
			 const struct route_stats *rs)
{
	char le[32], value[32];

	for (int c = 0; c < 5; c++) {
		unsigned long total = atomic_load(&rs->count[c]), below = 0;

		if (!total)
			continue;
		for (size_t b = 0; b <= BUCKETS; b++) {
			below = b < BUCKETS ? below + atomic_load(&rs->bucket[c][b]) : total;
			if (b < BUCKETS)
				snprintf(le, sizeof le, ",le=\"%g\"", bucket_le[b]);
			else
				snprintf(le, sizeof le, ",le=\"+Inf\"");
			snprintf(value, sizeof value, "%lu", below);
			series_line(out, "bucket", m, route, c + 1, le, value);
		}
		snprintf(value, sizeof value, "%.6f", (double)atomic_load(&rs->sum_us[c]) / 1e6);
		series_line(out, "sum", m, route, c + 1, "", value);
		snprintf(value, sizeof value, "%lu", total);
		series_line(out, "count", m, route, c + 1, "", value);
	}
}

void http_server_metrics(const struct http_server *s, struct buf *out)
{
	char line[256];

	buf_puts(out, "# HELP dmr_http_requests_in_flight Requests being read or answered.\n"
		      "# TYPE dmr_http_requests_in_flight gauge\n");
	for (size_t i = 0; i < s->nmounts; i++) {
		snprintf(line, sizeof line, "dmr_http_requests_in_flight{door=\"%s\"} %d\n",
			 s->mounts[i]->name, atomic_load(&s->stats[i].in_flight));
		buf_puts(out, line);
	}
	buf_puts(out, "# HELP dmr_http_request_duration_seconds From a request's first header to "
		      "the last byte of its answer, per door, route and status class.\n"
		      "# TYPE dmr_http_request_duration_seconds histogram\n");
	for (size_t i = 0; i < s->nmounts; i++) {
		const struct http_mount *m = s->mounts[i];

		for (size_t r = 0; r <= m->nroutes; r++) {
			char route[320];

			if (r < m->nroutes)
				snprintf(route, sizeof route, "%s %s", m->routes[r].method,
					 m->routes[r].pattern);
			else
				snprintf(route, sizeof route, "none");
			route_series(out, m, route, &s->stats[i].routes[r]);
		}
	}
}

void http_server_stop(struct http_server *s, int drain_seconds)
{
	struct timespec step = {.tv_nsec = 20 * 1000 * 1000};
	int waited_ms = 0;

	MHD_quiesce_daemon(s->daemon);
	while (atomic_load(&s->in_flight) > 0 && waited_ms < drain_seconds * 1000) {
		nanosleep(&step, NULL);
		waited_ms += 20;
	}
	/* Handlers still running resume their connections: they end before the daemon does. */
	workpool_destroy(s->handlers);
	workpool_destroy(s->uploads);
	s->handlers = s->uploads = NULL;
	MHD_stop_daemon(s->daemon);
	server_free(s);
}
