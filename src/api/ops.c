#include "api/ops.h"

#include <stdio.h>
#include <stdlib.h>

#include "api/app.h"
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

/* One gauge per (state, channel) row of outbox_stats, its value from column col. */
static void print_gauge(FILE *out, const PGresult *stats, const char *name, const char *help,
			int col)
{
	fprintf(out, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
	for (int i = 0; i < PQntuples(stats); i++)
		fprintf(out, "%s{state=\"%s\",channel=\"%s\"} %s\n", name, PQgetvalue(stats, i, 0),
			PQgetvalue(stats, i, 1), PQgetvalue(stats, i, col));
}

/* Prometheus text format: the outbox by state and channel. No personal data. */
bool api_metrics(void *app, const struct http_request *req, struct http_response *res,
		 struct dmr_error *err)
{
	struct dmr_app *a = app;
	PGresult *stats = outbox_stats(a->pool, err);
	char *text = NULL;
	size_t len = 0;
	FILE *out;

	(void)req;
	if (!stats)
		return false;
	out = open_memstream(&text, &len);
	if (out) {
		print_gauge(out, stats, "dmr_outbox_messages", "Notifications in the outbox.", 2);
		print_gauge(out, stats, "dmr_outbox_oldest_seconds",
			    "Age of the oldest message in each state.", 3);
		fclose(out);
	}
	PQclear(stats);
	if (!text) {
		dmr_fail(err, "internal_error", NULL, "out of memory");
		return false;
	}
	http_respond_text(res, 200, "text/plain; version=0.0.4", text, len);
	free(text);
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
