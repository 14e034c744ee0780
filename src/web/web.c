#include "web/web.h"

#include <stdlib.h>
#include <string.h>

#include "notify/template.h"

bool web_respond_page(struct dmr_app *a, struct http_response *res, int status,
		      const char *name, json_t *vars, struct dmr_error *err)
{
	char *html = template_render_page(a->cfg->share_dir, name, vars, err);

	json_decref(vars);
	if (!html)
		return false;
	http_add_header(res, "Cache-Control", "no-store");
	http_add_header(res, "Referrer-Policy", "same-origin");
	http_add_header(res, "X-Frame-Options", "DENY");
	http_respond_text(res, status, "text/html; charset=utf-8", html, strlen(html));
	free(html);
	return true;
}

/* What a person reads of an error: a title and a sentence, by the error's status. */
static void error_words(int status, const char **title, const char **message)
{
	switch (status) {
	case 404:
		*title = "Lien non valable";
		*message = "Cette adresse ne mène à rien : vérifiez que le lien est complet.";
		break;
	case 403:
		*title = "Demande refusée";
		*message = "Cette demande n'est pas permise. Si elle vient d'une page de Dans ma "
			   "rue, rechargez cette page et recommencez.";
		break;
	case 410:
		*title = "Lien expiré";
		*message = "Ce lien a expiré ou ne sert plus. Vous pouvez refaire la demande.";
		break;
	case 503:
		*title = "Service indisponible";
		*message = "Nous ne pouvons pas répondre pour le moment : réessayez plus tard.";
		break;
	default:
		*title = "Demande refusée";
		*message = "Cette demande ne peut pas aboutir.";
	}
}

void web_render_error(void *app, const struct http_request *req, struct http_response *res,
		      const struct dmr_error *err)
{
	const char *title, *message;
	struct dmr_error page_err;

	(void)req;
	error_words(err->http_status, &title, &message);
	if (!web_respond_page(app, res, err->http_status, "error",
			      json_pack("{s:s, s:s}", "title", title, "message", message),
			      &page_err))
		http_respond_text(res, err->http_status, "text/plain; charset=utf-8", message,
				  strlen(message));
	if (err->http_status == 503)
		http_add_header(res, "Retry-After", "5");
}

static const struct http_route routes[] = {
	{"GET", "/email/confirm", web_email_confirm_page, false},
	{"POST", "/email/confirm", web_email_confirm, false},
	{"GET", "/email/unsubscribe", web_email_unsubscribe_page, false},
	{"POST", "/email/unsubscribe", web_email_unsubscribe, false},
};

const struct http_mount web_mount = {
	"web", "/email", routes, sizeof routes / sizeof routes[0], web_render_error, NULL, 16384,
};
