#ifndef DMR_NOTIFY_WEBHOOK_H
#define DMR_NOTIFY_WEBHOOK_H

/*
 * Webhooks: an HTTP POST of JSON to a service's, a contractor's or the push gateway's URL
 * (libcurl), answered 2xx when taken. Each request carries
 *   X-Dansmarue-Id: <the message's stable id>   (a receiver drops a repeat by it)
 *   X-Dansmarue-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<body>" under the secret>
 * so that the receiver can check who sent it, and when.
 */

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "base/config.h"
#include "base/error.h"

#define WEBHOOK_SIGNATURE_SIZE 96

/* "t=<at>,v1=<hex>" for that body and secret. */
void webhook_signature(const char *secret, time_t at, const char *body, size_t len,
		       char out[WEBHOOK_SIGNATURE_SIZE]);

bool webhook_post(const struct notify_config *cfg, const char *url, const char *secret,
		  const char *message_id, const char *body, struct dmr_error *err);

#endif
