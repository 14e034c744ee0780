#ifndef DMR_API_V1_JSON_BODY_H
#define DMR_API_V1_JSON_BODY_H

/*
 * Reading JSON request bodies for the native API: the content type, parse errors that name
 * the member at fault, and typed fields. A field that is absent or null is "missing".
 * Errors: 415 (not JSON), 400 malformed_json, 422 missing_field / invalid_field / invalid_utf8.
 */

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "base/error.h"
#include "http/server.h"

/* application/json, with or without parameters; a missing type is read as JSON. */
bool json_content_type(const char *content_type);

/* Fills err for a body jansson refused; returns false. */
bool json_parse_error(const char *text, size_t len, const json_error_t *jerr,
		      struct dmr_error *err);

/* The request's body as a JSON object (the caller owns it), or NULL with err. */
json_t *json_request_object(const struct http_request *req, struct dmr_error *err);

/* 422 invalid_field for a member whose name is not in the NULL-terminated list. */
bool json_fields_known(json_t *body, const char *const *known, struct dmr_error *err);

bool json_field_missing(json_t *v);

/* A required number. */
bool json_field_number(json_t *body, const char *name, double *out, struct dmr_error *err);

/* An integer, left unchanged when absent and not required. */
bool json_field_integer(json_t *body, const char *name, bool required, long long *out,
			struct dmr_error *err);

/* A string, NULL when absent; out points into body. */
bool json_field_string(json_t *body, const char *name, const char **out, struct dmr_error *err);

#endif
