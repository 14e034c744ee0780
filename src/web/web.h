#ifndef DMR_WEB_WEB_H
#define DMR_WEB_WEB_H

/*
 * Web pages, server-rendered in French from templates/pages/ (notify/template.h escapes every
 * value). Today: the pages of the links in e-mails, which confirm an address or a follow and
 * unsubscribe. A GET only shows a page with a button; the POST of that button (or a mail
 * client's one-click POST, RFC 8058) acts, so that a link checker fetching the link changes
 * nothing.
 */

#include "http/server.h"

bool web_email_confirm_page(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool web_email_confirm(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool web_email_unsubscribe_page(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool web_email_unsubscribe(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);

#endif
