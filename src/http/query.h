#ifndef DMR_HTTP_QUERY_H
#define DMR_HTTP_QUERY_H

/*
 * Strict readers for query-string values: a value is taken whole or refused, never half-read
 * (no "12abc" read as 12, no NaN or infinity, no empty numbers). A malformed value is a 400
 * `invalid_parameter` naming the parameter.
 */

#include <stdbool.h>

#include "base/error.h"
#include "http/server.h"

bool parse_double_strict(const char *s, double *out);
bool parse_int_strict(const char *s, long long *out);

/* "a,b,c": exactly n finite numbers separated by commas. */
bool parse_double_list(const char *s, double *out, int n);

/*
 * Query readers: *present says whether the parameter was given. A required parameter that is
 * absent, or any malformed value, fills err and returns false.
 */
bool query_double(const struct http_request *req, const char *name, bool required, double *out,
		  bool *present, struct dmr_error *err);
bool query_int(const struct http_request *req, const char *name, bool required, long long *out,
	       bool *present, struct dmr_error *err);
bool query_doubles(const struct http_request *req, const char *name, double *out, int n,
		   bool *present, struct dmr_error *err);

/* A non-empty string parameter, or NULL when absent; an empty value is refused. */
bool query_text(const struct http_request *req, const char *name, const char **out,
		struct dmr_error *err);

#endif
