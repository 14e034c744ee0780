/*
 * dmrd: the Dans ma rue service. Reads its configuration from the environment (base/config.h),
 * serves HTTP until SIGTERM or SIGINT, then drains in-flight requests and exits 0.
 */

#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/app.h"
#include "api/media.h"
#include "api/open311/open311.h"
#include "api/ops.h"
#include "api/v1/v1.h"
#include "base/config.h"
#include "base/log.h"
#include "base/workpool.h"
#include "core/housekeeping.h"
#include "core/tiles.h"
#include "db/pool.h"
#include "db/statements.h"
#include "http/server.h"
#include "notify/outbox.h"
#include "notify/stream.h"
#include "web/static.h"
#include "web/web.h"

#define DRAIN_SECONDS 10

/* The doors of dmrd; the root takes every path the others do not. */
static const struct http_mount *const mounts[] = {
	&api_root_mount, &api_media_mount, &api_v1_mount, &api_open311_mount, &web_mount,
	&web_signin_mount, &web_signout_mount, &map_mount, &static_mount,
};
/* Photo workers yield the cores to searches and to PostgreSQL when both want them. */
#define PHOTO_NICE 10

/* Blocks the stop signals in every thread, so that only sigwait in main receives them. */
static void block_stop_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	pthread_sigmask(SIG_BLOCK, set, NULL);
	signal(SIGPIPE, SIG_IGN);
}

/*
 * A photo takes tens of megabytes of buffers. By default glibc maps such blocks afresh and
 * gives them back at every free, so each photo would pay its page faults again: keep them.
 */
static void keep_large_buffers(void)
{
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

/* Frees what the app holds; what was not made is NULL. */
static void app_close(struct dmr_app *app)
{
	stream_hub_destroy(app->stream_hub);
	workpool_destroy(app->photo_workers);
	db_pool_destroy(app->pool);
	static_files_free(app->static_files);
	tile_cache_destroy(app->tile_cache);
	o311_format_stop();
}

/* The app every door works with; false with err (app_close frees what was made). */
static bool app_open(struct dmr_app *app, const struct dmr_config *cfg, struct dmr_error *err)
{
	char web_dir[4096];

	memset(app, 0, sizeof *app);
	app->cfg = cfg;
	o311_format_start();
	snprintf(web_dir, sizeof web_dir, "%s/web", cfg->share_dir);
	app->static_files = static_files_load(web_dir, err);
	if (!app->static_files)
		return false;
	app->pool = db_pool_create(cfg->database, cfg->db_pool, dmr_statements, STMT_COUNT);
	app->photo_workers = workpool_create(cfg->photo_threads, PHOTO_NICE);
	app->stream_hub = app->pool ? stream_hub_start(cfg, app->pool, err) : NULL;
	app->tile_cache = tile_cache_create();
	if (!app->pool || !app->photo_workers || !app->stream_hub || !app->tile_cache)
		return dmr_fail(err, "out_of_memory", NULL, "cannot start: out of memory or threads");
	return true;
}

int main(void)
{
	struct dmr_config cfg;
	struct dmr_error err;
	struct dmr_app app;
	struct http_server *server = NULL;
	struct notifier *notifier = NULL;
	struct housekeeper *housekeeper = NULL;
	sigset_t stop;
	int sig = 0;

	if (!config_from_env(&cfg, &err)) {
		log_error("configuration: %s", err.message);
		return 2;
	}
	block_stop_signals(&stop);
	keep_large_buffers();
	if (!app_open(&app, &cfg, &err) ||
	    !(server = http_server_start(&cfg, mounts, sizeof mounts / sizeof mounts[0], &app,
					 &err)) ||
	    !(notifier = notifier_start(&cfg, app.pool, &err)) ||
	    !(housekeeper = housekeeper_start(app.pool, cfg.housekeeping_seconds))) {
		log_error("%s", notifier && !housekeeper ? "cannot start the housekeeping thread"
							 : err.message);
		notifier_stop(notifier);
		if (server)
			http_server_stop(server, 0);
		app_close(&app);
		return 1;
	}
	log_info("dmrd listening on http://%s:%u (%d threads, %d database connections, "
		 "%d photo workers, %d notification threads; e-mail %s; %zu static files)",
		 cfg.listen_host, cfg.listen_port, cfg.threads, cfg.db_pool, cfg.photo_threads,
		 cfg.notify.threads, cfg.notify.smtp_url ? "on" : "off: kept in the outbox",
		 static_files_count(app.static_files));
	if (!web_map_ready(&app))
		log_warn("the map /carte answers 503: %s/web/%s/ lacks MapLibre GL JS (deploy/local "
			 "installs it from npm: see docs/web.md)",
			 cfg.share_dir, WEB_MAP_LIBRARY_DIR);
	if (cfg.notify.smtp_insecure && cfg.notify.smtp_user)
		log_warn("DMR_SMTP_INSECURE=1: the SMTP password may cross the network in plain "
			 "text when the relay offers no TLS");
	sigwait(&stop, &sig);
	log_info("signal %d: draining requests", sig);
	/* Streams end first: they would otherwise hold the drain for its whole length. */
	stream_hub_close(app.stream_hub);
	http_server_stop(server, DRAIN_SECONDS);
	housekeeper_stop(housekeeper);
	notifier_stop(notifier);
	app_close(&app);
	log_info("dmrd stopped");
	return 0;
}
