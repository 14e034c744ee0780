#ifndef DMR_BASE_ERROR_H
#define DMR_BASE_ERROR_H

/*
 * Errors are values. A failing function fills a struct dmr_error and returns false (or NULL);
 * the caller either handles it or passes it up unchanged, and the HTTP front doors print it.
 * `code` is a stable machine-readable string (see docs/api.md), `message` is for people,
 * `field` names the request field at fault or is empty. `details` is empty or a JSON object
 * whose members complete the error for programs (the transitions allowed, the current version).
 */

#include <stdbool.h>

struct dmr_error {
	int http_status;
	char code[48];
	char message[256];
	char field[64];
	char details[256];
};

/* Fills err and returns false, so that `return dmr_fail(...)` ends a checking function. */
bool dmr_fail(struct dmr_error *err, int http_status, const char *code, const char *field,
	      const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* A clean error value: no status, empty strings. */
void dmr_error_clear(struct dmr_error *err);

#endif
