#include <stdlib.h>
#include <string.h>

#include "api/v1/v1.h"
#include "db/statements.h"
#include "notify/stream.h"

static void wake(void *stream)
{
	http_stream_wake(stream);
}

static void opened(void *cls, struct http_stream *stream)
{
	stream_client_set_waker(cls, wake, stream);
}

static long read_events(void *cls, char *buf, size_t max)
{
	return stream_client_read(cls, buf, max);
}

static void closed(void *cls)
{
	stream_client_close(cls);
}

static const struct http_stream_source event_source = {opened, read_events, closed};

/* The ids of the services the token may follow (dmr_queue_scope): 401, 403, 422. */
static int stream_services(struct dmr_app *a, const char *token, const char *service,
			   int ids[STREAM_MAX_SERVICES], struct dmr_error *err)
{
	const char *params[2] = {token, service};
	PGresult *res;
	int n;

	if (!token) {
		dmr_fail(err, "unauthorized", NULL,
			 "the stream needs an agent's, contractor's or supervisor's token");
		return -1;
	}
	res = db_query(a->pool, STMT_STREAM_SCOPE, params, err);
	if (!res)
		return -1;
	n = PQntuples(res) < STREAM_MAX_SERVICES ? PQntuples(res) : STREAM_MAX_SERVICES;
	for (int i = 0; i < n; i++)
		ids[i] = atoi(PQgetvalue(res, i, 0));
	PQclear(res);
	return n;
}

bool api_v1_event_stream(void *app, const struct http_request *req, struct http_response *res,
			 struct dmr_error *err)
{
	struct dmr_app *a = app;
	int ids[STREAM_MAX_SERVICES], n;
	const char *service = http_query(req, "service");
	const char *last = http_header(req, "Last-Event-ID");
	struct stream_client *client;

	if (last && !*last)
		last = NULL;
	if (last && !stream_event_id_valid(last)) {
		dmr_fail(err, "invalid_parameter", "Last-Event-ID",
			 "Last-Event-ID: not an id of this stream");
		return false;
	}
	n = stream_services(a, http_bearer_token(req), service && *service ? service : NULL, ids,
			    err);
	client = n < 0 ? NULL : stream_client_open(a->stream_hub, ids, n, last, err);
	if (!client)
		return false;
	http_add_header(res, "Cache-Control", "no-store");
	http_add_header(res, "X-Accel-Buffering", "no");
	http_respond_stream(res, "text/event-stream", &event_source, client);
	return true;
}
