#ifndef DMR_WEB_WEB_H
#define DMR_WEB_WEB_H

/*
 * Web pages, server-rendered in French from templates/pages/ (notify/template.h escapes every
 * value). Errors are pages too.
 *
 * - The pages of the links in e-mails (email.c), which confirm an address or a follow and
 *   unsubscribe. A GET only shows a page with a button; the POST of that button (or a mail
 *   client's one-click POST, RFC 8058) acts, so that a link checker fetching the link changes
 *   nothing.
 * - The staff's sign-in and sign-out (session.c): /connexion takes a staff token once and
 *   sets the session cookie, /deconnexion ends the session; both take their forms from the
 *   service's own pages only.
 * - The map /carte (map.c): a page whose script (web/carte.js) draws the reports with
 *   MapLibre GL JS, which the static files hold under WEB_MAP_LIBRARY_DIR once the front-end
 *   libraries are installed (docs/web.md). Without them the page is a 503 that says so.
 */

#include <jansson.h>

#include "api/app.h"
#include "http/server.h"

/* The door: /email, HTML errors, no CORS, small bodies. */
extern const struct http_mount web_mount;

/* The door of the map: /carte, HTML errors, no CORS, small bodies. */
extern const struct http_mount map_mount;

/* Where MapLibre's files are, below web/ (so below /static/). */
#define WEB_MAP_LIBRARY_DIR "vendor/maplibre-gl"

/* Whether the static files hold MapLibre, without which the map cannot be drawn. */
bool web_map_ready(const struct dmr_app *a);

/* The doors of the staff's sessions: /connexion and /deconnexion, as /email. */
extern const struct http_mount web_signin_mount;
extern const struct http_mount web_signout_mount;

/* The error form of the pages: a French page saying what went wrong, by status. */
void web_render_error(void *app, const struct http_request *req, struct http_response *res,
		      const struct dmr_error *err);

/*
 * Answers the page `name` of templates/pages/ with these values (their reference is taken):
 * never cached, never framed, never sending its address to another site (a page may carry a
 * token). Its own forms' POSTs carry its origin: under a no-referrer policy a browser would
 * send "Origin: null", which the writes made with a session cannot pass.
 */
bool web_respond_page(struct dmr_app *a, struct http_response *res, int status,
		      const char *name, json_t *vars, struct dmr_error *err);

/* The pages of the links of e-mails (email.c). */
bool web_email_confirm_page(void *app, const struct http_request *req, struct http_response *res,
			    struct dmr_error *err);
bool web_email_confirm(void *app, const struct http_request *req, struct http_response *res,
		       struct dmr_error *err);
bool web_email_unsubscribe_page(void *app, const struct http_request *req,
				struct http_response *res, struct dmr_error *err);
bool web_email_unsubscribe(void *app, const struct http_request *req, struct http_response *res,
			   struct dmr_error *err);

#endif
