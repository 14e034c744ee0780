#ifndef DMR_NOTIFY_MAIL_H
#define DMR_NOTIFY_MAIL_H

/*
 * E-mail through the configured SMTP relay (libcurl): smtp:// with STARTTLS when the relay
 * offers it, or smtps://; credentials from the configuration, never logged, and sent only
 * over TLS (STARTTLS is then required) unless DMR_SMTP_INSECURE=1. The message is
 * plain text in UTF-8, quoted-printable, with a Message-ID made of the outbox message's
 * stable id, so that a repeat delivery can be recognised.
 */

#include <stdbool.h>

#include "base/config.h"
#include "base/error.h"
#include "notify/template.h"

/*
 * The whole RFC 5322 message (headers and body), malloc'd; NULL when out of memory. With an
 * unsubscribe URL, the List-Unsubscribe and List-Unsubscribe-Post (one-click) headers.
 */
char *mail_compose(const char *from, const char *to, const char *message_id,
		   const struct message_text *text, const char *unsubscribe_url);

/* Sends one message to one address; err says why it failed (for the outbox). */
bool mail_send(const struct notify_config *cfg, const char *to, const char *message_id,
	       const struct message_text *text, const char *unsubscribe_url,
	       struct dmr_error *err);

#endif
