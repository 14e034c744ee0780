#include <string.h>

#include "core/follow.h"
#include "http/form.h"
#include "web/web.h"

/* The page of a link: a button whose POST carries the link's token. */
static bool button_page(struct dmr_app *a, const struct http_request *req,
			struct http_response *res, const char *name, struct dmr_error *err)
{
	const char *token = http_query(req, "token");

	if (!token || !*token)
		return dmr_fail(err, "invalid_link", "token", "no token");
	return web_respond_page(a, res, 200, name, json_pack("{s:s}", "token", token), err);
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

/* The POST of a link's button: what the link does, then the page that says it is done. */
static bool act(struct dmr_app *a, const struct http_request *req, struct http_response *res,
		link_fn fn, const char *page, struct dmr_error *err)
{
	struct form form;
	struct link_result out;
	bool ok = fn(a->pool, posted_token(req, &form), &out, err);

	form_free(&form);
	return ok && web_respond_page(a, res, 200, page,
				      json_pack("{s:s?}", "number",
						out.report_id ? out.number : NULL),
				      err);
}

bool web_email_confirm_page(void *app, const struct http_request *req, struct http_response *res,
			    struct dmr_error *err)
{
	return button_page(app, req, res, "email_confirm", err);
}

bool web_email_confirm(void *app, const struct http_request *req, struct http_response *res,
		       struct dmr_error *err)
{
	return act(app, req, res, follow_confirm, "email_confirmed", err);
}

bool web_email_unsubscribe_page(void *app, const struct http_request *req,
				struct http_response *res, struct dmr_error *err)
{
	return button_page(app, req, res, "email_unsubscribe", err);
}

bool web_email_unsubscribe(void *app, const struct http_request *req, struct http_response *res,
			   struct dmr_error *err)
{
	return act(app, req, res, follow_unsubscribe, "email_unsubscribed", err);
}
