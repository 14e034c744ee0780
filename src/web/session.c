#include <string.h>

#include "base/text.h"
#include "core/session.h"
#include "http/form.h"
#include "web/web.h"

/* Where a person goes once signed in, unless the page that sent it there said otherwise. */
#define HOME_PAGE "/carte"
#define NEXT_MAX 512

/*
 * Where to go once signed in: a path of this site, never an address elsewhere (an open
 * redirect). "//host" and "/\host" are another site to a browser, which reads a backslash as
 * a slash; a line break would add a header. NULL for anything but a path of printable ASCII.
 */
static const char *local_path(const char *next)
{
	if (!next || next[0] != '/' || next[1] == '/' || strchr(next, '\\') ||
	    !text_token_valid(next, NEXT_MAX))
		return NULL;
	return next;
}

/* The sign-in form; message says why the last attempt failed. */
static bool form_page(struct dmr_app *a, struct http_response *res, int status, const char *next,
		      const char *message, struct dmr_error *err)
{
	return web_respond_page(a, res, status, "signin",
				json_pack("{s:s?, s:s?, s:i}", "next", next, "message", message,
					  "hours", a->cfg->session_hours),
				err);
}

/* A 303 to a path of this site: the page after a form's POST. */
static bool see_other(struct http_response *res, const char *path)
{
	http_add_header(res, "Location", path);
	http_add_header(res, "Cache-Control", "no-store");
	http_respond_text(res, 303, "text/plain; charset=utf-8", "", 0);
	return true;
}

/*
 * Another site's page could sign a browser in with the attacker's token, or out: the forms
 * of these pages are taken from the service's own pages only, cookie or not.
 */
static bool from_our_pages(const struct http_request *req, struct dmr_error *err)
{
	return http_from_own_origin(req) ||
	       dmr_fail(err, "forbidden", NULL, "this form is taken from this service's pages only");
}

/* The French words of a refused sign-in, by status: NULL when the form is not the answer. */
static const char *refusal(int status)
{
	switch (status) {
	case 401:
		return "Ce jeton n'est pas reconnu : il est inconnu, expiré ou révoqué. "
		       "Vérifiez-le, ou demandez-en un autre à votre administrateur.";
	case 403:
		return "Ce jeton n'ouvre pas de session : la connexion est réservée aux agents, "
		       "prestataires, superviseurs et administrateurs.";
	default:
		return NULL;
	}
}

static bool signin_page(void *app, const struct http_request *req, struct http_response *res,
			struct dmr_error *err)
{
	return form_page(app, res, 200, local_path(http_query(req, "next")), NULL, err);
}

/* The value of a field of a form, or NULL. */
static const char *field(const struct form *form, const char *name)
{
	const struct form_part *part = form_get(form, name);

	return part ? part->content.s : NULL;
}

static bool signin(void *app, const struct http_request *req, struct http_response *res,
		   struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct form form = {0};
	struct session_opened session;
	const char *next, *message;
	bool ok;

	if (!from_our_pages(req, err))
		return false;
	if (form_is_urlencoded(req) && !form_parse(req, &form, err))
		return false;
	next = local_path(field(&form, "next"));
	if (session_open(a->pool, field(&form, "token"), a->cfg->session_hours, &session, err))
		ok = http_set_session_cookie(res, session.secret, session.seconds,
					     a->cfg->secure_cookies) &&
		     see_other(res, next ? next : HOME_PAGE);
	else if ((message = refusal(err->http_status)))
		ok = form_page(a, res, err->http_status, next, message, err);
	else
		ok = false;
	form_free(&form);
	return ok;
}

static bool signout(void *app, const struct http_request *req, struct http_response *res,
		    struct dmr_error *err)
{
	struct dmr_app *a = app;

	if (!from_our_pages(req, err))
		return false;
	if (http_credential_from_cookie(req) && !session_end(a->pool, http_bearer_token(req), err))
		return false;
	return http_set_session_cookie(res, "", 0, a->cfg->secure_cookies) &&
	       see_other(res, "/connexion");
}

static const struct http_route routes[] = {
	{"GET", "/connexion", signin_page, false},
	{"POST", "/connexion", signin, false},
	{"POST", "/deconnexion", signout, false},
};

/* Two doors, for the two paths, that share the routes and the pages' error form. */
const struct http_mount web_signin_mount = {
	"signin", "/connexion", routes, sizeof routes / sizeof routes[0], web_render_error, NULL,
	16384,
};

const struct http_mount web_signout_mount = {
	"signout", "/deconnexion", routes, sizeof routes / sizeof routes[0], web_render_error, NULL,
	16384,
};
