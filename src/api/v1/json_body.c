#include "api/v1/json_body.h"

#include <string.h>
#include <strings.h>

bool json_content_type(const char *content_type)
{
	size_t len = strlen("application/json");

	/* A client that names no type is read as JSON: phones on flaky networks omit it. */
	if (!content_type)
		return true;
	return strncasecmp(content_type, "application/json", len) == 0 &&
	       (content_type[len] == '\0' || content_type[len] == ';' || content_type[len] == ' ');
}

/*
 * The top-level member whose value the parser was reading at byte pos, for errors that stop
 * jansson before it could tell which field was at fault (bad UTF-8, an overflowing number).
 * Keys are copied as written; out is empty when none is found.
 */
static void member_at(const char *body, size_t len, size_t pos, char *out, size_t size)
{
	size_t key_start = 0, key_end = 0, str_start = 0;
	int depth = 0;
	bool in_string = false;

	out[0] = '\0';
	for (size_t i = 0; i < len && i < pos; i++) {
		char c = body[i];

		if (in_string) {
			if (c == '\\')
				i++;
			else if (c == '"') {
				in_string = false;
				key_start = str_start;
				key_end = i;
			}
		} else if (c == '"') {
			in_string = true;
			str_start = i + 1;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (c == ':' && depth == 1 && key_end - key_start < size) {
			memcpy(out, body + key_start, key_end - key_start);
			out[key_end - key_start] = '\0';
		}
	}
}

bool json_parse_error(const char *text, size_t len, const json_error_t *jerr,
			    struct dmr_error *err)
{
	char field[64];

	member_at(text, len, (size_t)jerr->position, field, sizeof field);
	switch (json_error_code(jerr)) {
	case json_error_invalid_utf8:
		return dmr_fail(err, "invalid_utf8", field, "%s is not valid UTF-8",
				field[0] ? field : "the body");
	case json_error_null_character:
		return dmr_fail(err, "invalid_field", field, "strings may not hold NUL characters");
	case json_error_numeric_overflow:
		return dmr_fail(err, "invalid_field", field, "%s is out of range",
				field[0] ? field : "a number");
	default:
		return dmr_fail(err, "malformed_json", NULL, "malformed JSON: %s (line %d)",
				jerr->text, jerr->line);
	}
}

bool json_field_missing(json_t *v)
{
	return !v || json_is_null(v);
}

bool json_field_number(json_t *body, const char *name, double *out, struct dmr_error *err)
{
	json_t *v = json_object_get(body, name);

	if (json_field_missing(v))
		return dmr_fail(err, "missing_field", name, "%s is required", name);
	if (!json_is_number(v))
		return dmr_fail(err, "invalid_field", name, "%s must be a number", name);
	*out = json_number_value(v);
	return true;
}

bool json_field_integer(json_t *body, const char *name, bool required, long long *out,
			 struct dmr_error *err)
{
	json_t *v = json_object_get(body, name);

	if (json_field_missing(v))
		return !required || dmr_fail(err, "missing_field", name, "%s is required", name);
	if (!json_is_integer(v))
		return dmr_fail(err, "invalid_field", name, "%s must be an integer", name);
	*out = json_integer_value(v);
	return true;
}

bool json_field_string(json_t *body, const char *name, const char **out, struct dmr_error *err)
{
	json_t *v = json_object_get(body, name);

	*out = NULL;
	if (json_field_missing(v))
		return true;
	if (!json_is_string(v))
		return dmr_fail(err, "invalid_field", name, "%s must be a string", name);
	*out = json_string_value(v);
	return true;
}


json_t *json_request_object(const struct http_request *req, struct dmr_error *err)
{
	json_error_t jerr;
	json_t *body;

	if (!json_content_type(http_header(req, "Content-Type"))) {
		dmr_fail(err, "unsupported_media_type", NULL, "send application/json");
		return NULL;
	}
	body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
	if (!body) {
		json_parse_error(req->body, req->body_len, &jerr, err);
		return NULL;
	}
	if (!json_is_object(body)) {
		json_decref(body);
		dmr_fail(err, "malformed_json", NULL, "the body must be a JSON object");
		return NULL;
	}
	return body;
}

bool json_fields_known(json_t *body, const char *const *known, struct dmr_error *err)
{
	const char *key;
	json_t *value;

	json_object_foreach(body, key, value) {
		size_t i = 0;

		while (known[i] && strcmp(known[i], key) != 0)
			i++;
		if (!known[i])
			return dmr_fail(err, "invalid_field", key, "unknown field %.40s", key);
	}
	return true;
}
