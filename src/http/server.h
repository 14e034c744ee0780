#ifndef DMR_HTTP_SERVER_H
#define DMR_HTTP_SERVER_H

/*
 * The HTTP front of dmrd: a libmicrohttpd daemon with a pool of worker threads. It reads
 * request bodies up to the configured limit (413 beyond, refused from Content-Length before
 * reading when it is declared), routes the request through a table (404 / 405 with Allow),
 * answers CORS preflights, and hands complete requests to handlers. Handlers fill a struct
 * http_response; they never touch libmicrohttpd.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/config.h"
#include "base/error.h"

#define HTTP_MAX_PARAMS 4
/* The nice value of the workers that run the handlers of uploads. */
#define HTTP_UPLOAD_NICE 10
#define HTTP_PARAM_SIZE 256

struct http_server;

struct http_request {
	const struct http_server *server; /* for http_server_metrics */
	void *connection; /* opaque: for http_query and http_header */
	const char *method;
	const char *path;
	const char *body; /* NUL-terminated copy of the body, "" when none */
	size_t body_len;
	const char *params[HTTP_MAX_PARAMS]; /* the {} segments of the route pattern, or "" */
};

struct http_stream_source;

struct http_response {
	int status;
	const char *content_type;
	char *body; /* malloc'd, owned by the response */
	size_t body_len;
	const char *static_body; /* or bytes that outlive the server (http_respond_static) */
	struct buf headers;  /* name, NUL, value, NUL, ...: see http_add_header */
	bool header_refused; /* a header could not be added: the answer becomes a 500 */
	const struct http_stream_source *stream; /* set by http_respond_stream */
	void *stream_cls;
};

/*
 * A body produced over time (Server-Sent Events). While a stream has nothing to send, its
 * connection is suspended: it holds no worker thread until http_stream_wake.
 */
struct http_stream;

struct http_stream_source {
	/* The stream exists: keep it to wake it. */
	void (*opened)(void *cls, struct http_stream *stream);
	/* Fills buf; returns the bytes written, 0 when nothing is ready, -1 to end the body,
	 * -2 to cut it short (the connection closes without ending the body, so that the
	 * client cannot take what it has for the whole). */
	long (*read)(void *cls, char *buf, size_t max);
	/* The connection is over, or the stream never opened: release cls. Once this returns,
	 * nobody may wake the stream any more. */
	void (*closed)(void *cls);
};

/* Answers 200 with a body read from source (closed is called in every case). */
void http_respond_stream(struct http_response *res, const char *content_type,
			 const struct http_stream_source *source, void *cls);

/* Something is ready for the stream: its connection resumes (from any thread). */
void http_stream_wake(struct http_stream *stream);

/*
 * A handler fills res and returns true, or returns false with err, which the server prints
 * in the form of the handler's door (its mount's renderer).
 */
typedef bool (*http_handler)(void *app, const struct http_request *req,
			     struct http_response *res, struct dmr_error *err);

struct http_route {
	const char *method;
	const char *pattern; /* "/api/v1/reports/{}": see http/router.h */
	http_handler handler;
	bool upload; /* bodies other than JSON may reach DMR_MAX_UPLOAD, not the mount's limit */
};

/* How a door prints an error: JSON, an Open311 error list, an HTML page. */
typedef void (*http_error_renderer)(void *app, const struct http_request *req,
				    struct http_response *res, const struct dmr_error *err);

/*
 * A door's cross-origin policy: its answers carry Access-Control-Allow-Origin: *, and a
 * preflight (OPTIONS) allows these request headers.
 */
struct http_cors {
	const char *allow_headers;
};

/*
 * A door: the paths under a prefix, its routes, its error form, its CORS policy and its body
 * limit. The server answers 404, 405, 413, a malformed token's 401 and a cross-origin
 * write's 403 with the door's renderer, before any handler runs.
 */
struct http_mount {
	const char *name;   /* in the metrics and the access log */
	const char *prefix; /* "/api/v1": that path and those below it; "": every other path */
	const struct http_route *routes;
	size_t nroutes;
	http_error_renderer render_error;
	const struct http_cors *cors; /* NULL: no CORS headers */
	size_t max_body;              /* 0: DMR_MAX_BODY */
};

/* Query-string argument (decoded) or header value, NULL when absent. */
const char *http_query(const struct http_request *req, const char *name);
const char *http_header(const struct http_request *req, const char *name);

/* The longest bearer token a request may carry. */
#define HTTP_TOKEN_MAX 512

/* The cookie that holds a staff session of the web pages (web/session.c). */
#define HTTP_SESSION_COOKIE "dmr_session"

/*
 * The request's credential: the token of "Authorization: Bearer <token>", else the value of
 * the session cookie, else NULL. A handler treats both alike: a session stands for the token
 * it was opened with. The server answers 401 itself to a request whose credential is not 1
 * to HTTP_TOKEN_MAX printable ASCII characters (clearing a malformed cookie), and 403 to a
 * write whose credential is the cookie and whose Origin is not the service's own
 * (DMR_PUBLIC_URL's origin, or http:// and the request's Host when that is not set), so that
 * another site's page cannot make a browser write with its session. A handler only ever sees
 * a well-formed credential.
 */
const char *http_bearer_token(const struct http_request *req);

/* Whether http_bearer_token's credential is the session cookie's. */
bool http_credential_from_cookie(const struct http_request *req);

/*
 * Whether the request comes from the service's own pages: its Origin header is the
 * service's origin (see http_bearer_token). The pages that open and end sessions check it
 * for every POST, cookie or not.
 */
bool http_from_own_origin(const struct http_request *req);

/*
 * Sets the session cookie to value for max_age seconds (Path=/, HttpOnly, SameSite=Strict,
 * and Secure when secure is set); "" and 0 clear it. False, and the answer becomes a 500,
 * for a value that cannot be a cookie's.
 */
bool http_set_session_cookie(struct http_response *res, const char *value, long long max_age,
			     bool secure);

/*
 * Adds a response header, of any length and number. False, and the answer becomes a 500,
 * when it cannot be added: out of memory, or a name or value holding a line break (a value
 * must never add a header of its own).
 */
bool http_add_header(struct http_response *res, const char *name, const char *value);

/* Sets the body to the compact dump of json (whose reference is taken). */
void http_respond_json(struct http_response *res, int status, json_t *json);

/* Sets the body to bytes that outlive the server, sent without a copy. */
void http_respond_static(struct http_response *res, int status, const char *content_type,
			 const char *bytes, size_t len);

/* Sets the body to a copy of text. */
void http_respond_text(struct http_response *res, int status, const char *content_type,
		       const char *text, size_t len);

/* Drops what the response holds (body, headers): it starts again from {0}. */
void http_response_reset(struct http_response *res);

/*
 * The JSON error form of docs/api.md, {"error": {"code", "message", "field", ...details}},
 * with the error's status, Retry-After for a 503 and WWW-Authenticate for a 401.
 */
void http_respond_error(struct http_response *res, const struct dmr_error *err);

/* http_respond_error as the renderer of a door. */
void http_render_json_error(void *app, const struct http_request *req, struct http_response *res,
			    const struct dmr_error *err);

/*
 * Starts listening for the doors of mounts (which must outlive the server; one of them, the
 * root, has the prefix ""); NULL with err when the address cannot be bound.
 */
struct http_server *http_server_start(const struct dmr_config *cfg,
				      const struct http_mount *const *mounts, size_t nmounts,
				      void *app, struct dmr_error *err);

/*
 * The server's own metrics, in the Prometheus text format: requests in flight per door, and
 * a histogram of the requests' durations per door, route ("GET /api/v1/reports/{}", or
 * "none" for what no route took) and status class (2xx...); only the series that saw a
 * request. dmrd writes an access log line per request too (DMR_ACCESS_LOG): door, method,
 * route, status, duration and bytes, never a path's values, a token or a query string.
 */
void http_server_metrics(const struct http_server *server, struct buf *out);

/*
 * Stops accepting connections, lets in-flight requests finish (up to drain_seconds), then
 * closes everything and frees the server.
 */
void http_server_stop(struct http_server *server, int drain_seconds);

#endif
