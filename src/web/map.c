#include <stdio.h>

#include "web/static.h"
#include "web/web.h"

/* What the page loads of MapLibre: the module, its worker (which the module finds beside
   itself) and its stylesheet. */
static const char *const library_files[] = {
	WEB_MAP_LIBRARY_DIR "/maplibre-gl.mjs",
	WEB_MAP_LIBRARY_DIR "/maplibre-gl-worker.mjs",
	WEB_MAP_LIBRARY_DIR "/maplibre-gl.css",
};

bool web_map_ready(const struct dmr_app *a)
{
	for (size_t i = 0; i < sizeof library_files / sizeof library_files[0]; i++)
		if (!static_files_has(a->static_files, library_files[i]))
			return false;
	return true;
}

/*
 * The page runs only this server's scripts and talks only to it, so that a value that got
 * into the page could neither run nor send anything elsewhere. MapLibre's worker is a module
 * of /static; a tile is read as data, an image as a blob. An outside basemap's style names
 * its own tiles, sprites and fonts on hosts of its own: with one, https is allowed too.
 */
static void map_policy(const struct dmr_config *cfg, char *out, size_t size)
{
	char outside[300] = "";

	if (cfg->basemap_style)
		snprintf(outside, sizeof outside, " https: %s", cfg->basemap_origin);
	snprintf(out, size,
		 "default-src 'self'; script-src 'self'; style-src 'self'; worker-src 'self'; "
		 "img-src 'self' data: blob:%s; connect-src 'self'%s; object-src 'none'; "
		 "base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
		 outside, outside);
}

static bool map_page(void *app, const struct http_request *req, struct http_response *res,
		     struct dmr_error *err)
{
	struct dmr_app *a = app;
	char policy[1024];

	(void)req;
	if (!web_map_ready(a))
		return web_respond_page(
			a, res, 503, "error",
			json_pack("{s:s, s:s}", "title", "Carte indisponible", "message",
				  "Les bibliothèques de la carte (MapLibre GL JS) ne sont pas "
				  "installées sur ce serveur : son administrateur doit les installer."),
			err);
	map_policy(a->cfg, policy, sizeof policy);
	if (!web_respond_page(a, res, 200, "carte",
			      json_pack("{s:s?}", "basemap_style", a->cfg->basemap_style), err))
		return false;
	http_add_header(res, "Content-Security-Policy", policy);
	return true;
}

static const struct http_route routes[] = {
	{"GET", "/carte", map_page, false},
};

const struct http_mount map_mount = {
	"map", "/carte", routes, sizeof routes / sizeof routes[0], web_render_error, NULL, 16384,
};
