#ifndef DMR_NOTIFY_TEMPLATE_H
#define DMR_NOTIFY_TEMPLATE_H

/*
 * The texts of the notifications: one French template per kind of message, in
 * <DMR_SHARE_DIR>/templates/mail/<kind>.txt. The first line is "Subject: ...", then an empty
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

#endif
