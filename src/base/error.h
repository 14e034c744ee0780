#ifndef DMR_BASE_ERROR_H
#define DMR_BASE_ERROR_H

/*
 * Errors are values. A failing function fills a struct dmr_error and returns false (or NULL);
 * the caller either handles it or passes it up unchanged, and the front doors print it in
 * their own form. `code` is a stable machine-readable string, `message` is for people and
 * names no transport (the door adds how to send a token), `field` names the request field at
 * fault or is empty. `details` is empty or a JSON object whose members complete the error for
 * programs (the transitions allowed, the current version).
 *
 * Every code has one HTTP status, kept in one place: the registry of error.c (docs/api.md
 * lists the same table, and a test keeps them equal). The codes that SQL functions raise, as
 * their HINT, are codes of the registry. The few codes of failures that never reach a
 * client (configuration, delivery of notifications) are there too, as 500.
 */

#include <stdbool.h>

struct dmr_error {
	int http_status;
	char code[48];
	char message[256];
	char field[64];
	char details[256];
};

/*
 * Fills err with the code, its status and the message, and returns false, so that
 * `return dmr_fail(...)` ends a checking function. A code missing from the registry is a
 * fault of the caller: it is logged, and the error becomes 500 internal_error.
 */
bool dmr_fail(struct dmr_error *err, const char *code, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* The registry's status of a code; 0 for a code it does not hold. */
int dmr_error_status(const char *code);

/* A clean error value: no status, empty strings. */
void dmr_error_clear(struct dmr_error *err);

#endif
