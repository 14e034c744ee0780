#ifndef DMR_NOTIFY_TEMPLATE_H
#define DMR_NOTIFY_TEMPLATE_H

/*
 * The texts people read: one French template per kind of message, in
 * <DMR_SHARE_DIR>/templates/mail/<kind>.txt, and the pages of the links in e-mails, in
 * <DMR_SHARE_DIR>/templates/pages/<name>.html. The first line is "Subject: ...", then an empty
 * line, then the body. "{{name}}" is replaced by the value of that placeholder; a line whose
 * placeholders are all empty is left out, so that "Motif : {{reason}}" disappears when there
 * is no reason. Templates are read at each message, so that they can be edited in place.
 */

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"

struct message_text {
	char *subject; /* one line, no control characters */
	char *body;    /* lines ending in "\n" */
};

/*
 * vars is a JSON object whose members are strings, numbers or null (empty). An unknown
 * placeholder, a missing template or a template without its subject line is an error.
 */
bool template_render(const char *share_dir, const char *kind, json_t *vars,
		     struct message_text *out, struct dmr_error *err);
void message_text_free(struct message_text *m);

/*
 * A page: the same placeholders and rules, each value HTML-escaped (& < > " '), so that no
 * value can add markup. The HTML is malloc'd; NULL with err on failure.
 */
char *template_render_page(const char *share_dir, const char *name, json_t *vars,
			   struct dmr_error *err);

#endif
