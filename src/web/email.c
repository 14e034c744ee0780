#include "web/web.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "api/v1/v1.h"
#include "core/follow.h"
#include "http/form.h"
#include "notify/template.h"

/* Renders a page of templates/pages/ and answers it; a page that cannot be rendered is 500. */
static void respond_page(struct dmr_app *a, struct http_response *res, int status,
			 const char *name, json_t *vars)
{
	struct dmr_error err;
	char *html = template_render_page(a->cfg->share_dir, name, vars, &err);

	json_decref(vars);
	http_add_header(res, "Cache-Control", "no-store");
	/* A page carrying a token is never embedded elsewhere, nor sends it on. */
	http_add_header(res, "Referrer-Policy", "no-referrer");
	http_add_header(res, "X-Frame-Options", "DENY");
	if (!html) {
		http_respond_text(res, 500, "text/plain; charset=utf-8", "Erreur interne.\n", 16);
		return;
	}
	http_respond_text(res, status, "text/html; charset=utf-8", html, strlen(html));
	free(html);
}

static void respond_link_error(struct dmr_app *a, struct http_response *res,
			       const struct dmr_error *err)
{
	const char *title = "Lien non valable";
	const char *message = "Ce lien n'est pas l'un des nôtres : vérifiez qu'il est complet.";

	if (err->http_status == 410) {
		title = "Lien expiré";
		message = "Ce lien a expiré ou ne sert plus. Vous pouvez refaire la demande.";
	} else if (err->http_status != 404) {
		title = "Service indisponible";
		message = "Nous ne pouvons pas traiter ce lien pour le moment : réessayez plus tard.";
	}
	respond_page(a, res, err->http_status ? err->http_status : 500, "email_link_error",
		     json_pack("{s:s, s:s}", "title", title, "message", message));
}

/* The page of a link: a button whose POST carries the link's token. */
static void button_page(struct dmr_app *a, const struct http_request *req,
			struct http_response *res, const char *name)
{
	const char *token = http_query(req, "token");
	struct dmr_error err;

	if (!token || !*token) {
		dmr_fail(&err, "invalid_link", "token", "no token");
		respond_link_error(a, res, &err);
		return;
	}
	respond_page(a, res, 200, name, json_pack("{s:s}", "token", token));
}

/*
 * The token of a POST: the form's `token` field (the page's button), else the query
 * string's (a mail client's one-click POST to the List-Unsubscribe URL). The caller frees
 * the form.
 */
static const char *posted_token(const struct http_request *req, struct form *form)
{
	struct dmr_error ignored;
	const struct form_part *field;

	memset(form, 0, sizeof *form);
	if ((form_is_urlencoded(req) || form_is_multipart(req)) &&
	    form_parse(req, form, &ignored) && (field = form_get(form, "token")))
		return field->content.s;
	return http_query(req, "token");
}

typedef bool (*link_fn)(struct db_pool *pool, const char *token, struct link_result *out,
			struct dmr_error *err);

static void act(struct dmr_app *a, const struct http_request *req, struct http_response *res,
		link_fn fn, const char *page)
{
	struct form form;
	struct link_result out;
	struct dmr_error err;
	bool ok = fn(a->pool, posted_token(req, &form), &out, &err);

	form_free(&form);
	if (!ok) {
		respond_link_error(a, res, &err);
		return;
	}
	respond_page(a, res, 200, page,
		     json_pack("{s:s?}", "number", out.report_id ? out.number : NULL));
}

bool web_email_confirm_page(void *app, const struct http_request *req, struct http_response *res,
			    struct dmr_error *err)
{
	(void)err; /* the page says what went wrong */
	button_page(app, req, res, "email_confirm");
	return true;
}

bool web_email_confirm(void *app, const struct http_request *req, struct http_response *res,
		       struct dmr_error *err)
{
	(void)err; /* the page says what went wrong */
	act(app, req, res, follow_confirm, "email_confirmed");
	return true;
}

bool web_email_unsubscribe_page(void *app, const struct http_request *req, struct http_response *res,
				struct dmr_error *err)
{
	(void)err; /* the page says what went wrong */
	button_page(app, req, res, "email_unsubscribe");
	return true;
}

bool web_email_unsubscribe(void *app, const struct http_request *req, struct http_response *res,
			   struct dmr_error *err)
{
	(void)err; /* the page says what went wrong */
	act(app, req, res, follow_unsubscribe, "email_unsubscribed");
	return true;
}
