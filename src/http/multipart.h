#ifndef DMR_HTTP_MULTIPART_H
#define DMR_HTTP_MULTIPART_H

/*
 * multipart/form-data bodies, parsed by libmicrohttpd's post processor. Each part is kept
 * whole in memory under its field name; a field given twice keeps the last one, as a
 * browser form would.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"
#include "http/server.h"

#define MULTIPART_MAX_PARTS 8

struct multipart_part {
	char name[64];
	struct buf content; /* owned by the multipart; content.s is never NULL */
};

struct multipart {
	struct multipart_part parts[MULTIPART_MAX_PARTS];
	int count;
	bool too_many;
};

/* True when the request's Content-Type is multipart/form-data. */
bool multipart_is(const struct http_request *req);

/* Parses the body; 400 malformed_multipart when it cannot be read. Free with multipart_free. */
bool multipart_parse(const struct http_request *req, struct multipart *out, struct dmr_error *err);

/* The part of that name, or NULL. */
const struct multipart_part *multipart_get(const struct multipart *m, const char *name);

void multipart_free(struct multipart *m);

#endif
