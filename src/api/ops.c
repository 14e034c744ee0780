#include "api/ops.h"

#include <stdio.h>
#include <stdlib.h>

#include "api/app.h"
#include "base/buf.h"
#include "core/catalog.h"
#include "notify/outbox.h"

bool api_healthz(void *app, const struct http_request *req, struct http_response *res,
		 struct dmr_error *err)
{
	(void)app;
	(void)req;
	(void)err;
	http_respond_json(res, 200, json_pack("{s:s}", "status", "ok"));
	return true;
}

bool api_readyz(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err)
{
	struct dmr_app *a = app;

	(void)req;
	if (!catalog_ping(a->pool, err))
		return false;
	http_respond_json(res, 200, json_pack("{s:s}", "status", "ready"));
	return true;
}

/* The outbox per state and channel: how many messages, and the age of the oldest. */
static void outbox_gauges(struct buf *out, const struct db_rows *stats)
{
	static const char *const names[2] = {"dmr_outbox_messages", "dmr_outbox_oldest_seconds"};
	static const char *const help[2] = {"Notifications in the outbox.",
					    "Age of the oldest message in each state."};
	struct outbox_stat st;
	char line[256];

	for (int g = 0; g < 2; g++) {
		snprintf(line, sizeof line, "# HELP %s %s\n# TYPE %s gauge\n", names[g], help[g],
			 names[g]);
		buf_puts(out, line);
		for (int i = 0; i < stats->count; i++) {
			outbox_stat_read(stats, i, &st);
			if (g == 0)
				snprintf(line, sizeof line, "%s{state=\"%s\",channel=\"%s\"} %lld\n",
					 names[g], st.state, st.channel, st.messages);
			else
				snprintf(line, sizeof line, "%s{state=\"%s\",channel=\"%s\"} %.3f\n",
					 names[g], st.state, st.channel, st.oldest_seconds);
			buf_puts(out, line);
		}
	}
}

/* Prometheus text: the requests of the doors, the outbox per state and channel. */
bool api_metrics(void *app, const struct http_request *req, struct http_response *res,
		 struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct db_rows stats;
	struct buf text = {0};

	if (!outbox_stats(a->pool, &stats, err))
		return false;
	http_server_metrics(req->server, &text);
	outbox_gauges(&text, &stats);
	db_rows_free(&stats);
	if (text.failed) {
		buf_free(&text);
		return dmr_fail(err, "internal_error", NULL, "out of memory");
	}
	http_respond_text(res, 200, "text/plain; version=0.0.4", text.s, text.len);
	buf_free(&text);
	return true;
}

/* Until the web pages take it, / tells a person where the documentation is. */
static bool root_page(void *app, const struct http_request *req, struct http_response *res,
		      struct dmr_error *err)
{
	static const char text[] =
		"Dans ma rue (dmrd)\n\n"
		"The native API: /api/v1 (docs/api.md and docs/openapi.yaml in the sources).\n"
		"Health: /healthz, /readyz. Metrics: /metrics.\n";

	(void)app;
	(void)req;
	(void)err;
	http_respond_text(res, 200, "text/plain; charset=utf-8", text, sizeof text - 1);
	return true;
}

static const struct http_route routes[] = {
	{"GET", "/", root_page, false},
	{"GET", "/healthz", api_healthz, false},
	{"GET", "/readyz", api_readyz, false},
	{"GET", "/metrics", api_metrics, false},
};

const struct http_mount api_root_mount = {
	"root", "", routes, sizeof routes / sizeof routes[0], http_render_json_error, NULL, 4096,
};
