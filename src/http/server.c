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

struct http_server {
	struct MHD_Daemon *daemon;
	const struct http_mount *const *mounts;
	size_t nmounts;
	void *app;
	size_t max_body, max_upload;
	struct workpool *handlers; /* where handlers run, off the event threads */
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
	struct route_match match;
	size_t max_body;
	struct buf body;
	bool too_large;
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

const char *http_bearer_token(const struct http_request *req)
{
	const char *auth = http_header(req, "Authorization");

	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return NULL;
	auth += 7;
	while (*auth == ' ')
		auth++;
	return *auth ? auth : NULL;
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
			return MHD_CONTENT_READER_END_OF_STREAM;
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

static enum MHD_Result send_response(struct MHD_Connection *conn, const struct http_mount *mount,
				     struct http_response *res)
{
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
	ret = MHD_queue_response(conn, (unsigned int)res->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* The request as a renderer or a handler sees it, without its body until it is read. */
static struct http_request request_of(struct MHD_Connection *conn, const char *url,
				      const char *method, const struct exchange *ex)
{
	struct http_request req = {
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
				  const char *url, const char *method, const struct exchange *ex,
				  const struct dmr_error *err)
{
	struct http_request req = request_of(conn, url, method, ex);
	struct http_response res = {0};

	if (err->http_status == 405)
		http_add_header(&res, "Allow", ex->match.allow);
	ex->mount->render_error(s->app, &req, &res, err);
	return send_response(conn, ex->mount, &res);
}

static enum MHD_Result send_options(struct MHD_Connection *conn, const struct http_mount *mount,
				    const char *allow)
{
	struct http_response res = {.status = 204};

	http_add_header(&res, "Allow", allow);
	if (mount->cors) {
		http_add_header(&res, "Access-Control-Allow-Methods", allow);
		http_add_header(&res, "Access-Control-Allow-Headers", mount->cors->allow_headers);
		http_add_header(&res, "Access-Control-Max-Age", "86400");
	}
	return send_response(conn, mount, &res);
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
	workpool_submit(s->handlers, &ex->job);
	return MHD_YES;
}

/* On routes that take photos, every body but JSON may reach the upload limit. */
static bool carries_photos(struct MHD_Connection *conn, const struct http_route *route)
{
	const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_CONTENT_TYPE);

	return route->upload && type && strncasecmp(type, "application/json", 16) != 0;
}

/*
 * A bearer token that is not printable ASCII cannot be any token of ours: it is refused like
 * an unknown one, before any handler would hand its bytes to the database.
 */
static bool bearer_malformed(struct MHD_Connection *conn)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization");

	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return false;
	auth += 7;
	auth += strspn(auth, " ");
	return *auth && !text_token_valid(auth, HTTP_TOKEN_MAX);
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

	ex->mount = mount_of(s, url);
	router_match(ex->mount->routes, ex->mount->nroutes, method, url, m);
	if (m->outcome == ROUTE_NO_METHOD && strcmp(method, "OPTIONS") == 0)
		return send_options(conn, ex->mount, m->allow);
	if (m->outcome == ROUTE_NO_PATH)
		return refuse(s, conn, url, method, ex, "not_found", "no such resource");
	if (m->outcome == ROUTE_NO_METHOD)
		return refuse(s, conn, url, method, ex, "method_not_allowed",
			      "this resource does not take that method");
	if (bearer_malformed(conn))
		return refuse(s, conn, url, method, ex, "unauthorized",
			      "this token is unknown, expired or revoked");
	ex->max_body = carries_photos(conn, m->route) ? s->max_upload
			: ex->mount->max_body		? ex->mount->max_body
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
		atomic_fetch_add(&s->in_flight, 1);
		return begin(s, conn, url, method, ex);
	}
	if (atomic_load(&ex->answered))
		return send_response(conn, ex->mount, &ex->res);
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

static void on_completed(void *cls, struct MHD_Connection *conn, void **state,
			 enum MHD_RequestTerminationCode why)
{
	struct http_server *s = cls;
	struct exchange *ex = *state;

	(void)conn;
	(void)why;
	if (!ex)
		return;
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
	if (!resolve_listen(cfg, &addr, err)) {
		free(s);
		return NULL;
	}
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	s->mounts = mounts;
	s->nmounts = nmounts;
	if (!mount_of(s, "/")) {
		dmr_fail(err, "invalid_config", NULL, "no door takes the paths the others leave");
		free(s);
		return NULL;
	}
	s->app = app;
	s->max_body = cfg->max_body;
	s->max_upload = cfg->max_upload;
	/* As many handlers at once as database connections: more would only wait for one. */
	s->handlers = workpool_create(cfg->db_pool, 0);
	if (!s->handlers) {
		dmr_fail(err, "out_of_memory", NULL, "cannot start the handler workers");
		free(s);
		return NULL;
	}
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
		workpool_destroy(s->handlers);
		free(s);
		return NULL;
	}
	return s;
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
	MHD_stop_daemon(s->daemon);
	free(s);
}
