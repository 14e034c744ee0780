#ifndef DMR_HTTP_FORM_H
#define DMR_HTTP_FORM_H

/*
 * Form bodies, multipart/form-data (photos) and application/x-www-form-urlencoded (the
 * buttons of pages), parsed by libmicrohttpd's post processor. Each part is kept whole in
 * memory under its field name; a field given twice keeps the last one, as a browser form
 * would.
 */

#include <stdbool.h>
#include <stddef.h>

#include "base/buf.h"
#include "base/error.h"
#include "http/server.h"

#define FORM_MAX_PARTS 32

struct form_part {
	char name[64];
	struct buf content; /* owned by the form; content.s is never NULL */
};

struct form {
	struct form_part parts[FORM_MAX_PARTS];
	int count;
	bool too_many;
};

/* True when the request's Content-Type is multipart/form-data. */
bool form_is_multipart(const struct http_request *req);

/* True when the request's Content-Type is application/x-www-form-urlencoded. */
bool form_is_urlencoded(const struct http_request *req);

/*
 * Parses a body of either kind; 400 malformed_multipart when it cannot be read (a multipart
 * body without a boundary, more than FORM_MAX_PARTS parts). Free with form_free.
 */
bool form_parse(const struct http_request *req, struct form *out, struct dmr_error *err);

/* The part of that name, or NULL. */
const struct form_part *form_get(const struct form *m, const char *name);

void form_free(struct form *m);

#endif
