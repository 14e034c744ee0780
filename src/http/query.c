#include "http/query.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

bool parse_double_strict(const char *s, double *out)
{
	char *end;
	double v;

	if (!*s || isspace((unsigned char)*s))
		return false;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v))
		return false;
	*out = v;
	return true;
}

bool parse_int_strict(const char *s, long long *out)
{
	char *end;
	long long v;

	if (!*s || isspace((unsigned char)*s) || *s == '+')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end)
		return false;
	*out = v;
	return true;
}

bool parse_double_list(const char *s, double *out, int n)
{
	char item[64];

	for (int i = 0; i < n; i++) {
		size_t len = strcspn(s, ",");

		if (len == 0 || len >= sizeof item)
			return false;
		memcpy(item, s, len);
		item[len] = '\0';
		if (!parse_double_strict(item, &out[i]))
			return false;
		s += len;
		if (i < n - 1) {
			if (*s != ',')
				return false;
			s++;
		}
	}
	return *s == '\0';
}

static const char *lookup(const struct http_request *req, const char *name, bool required,
			  bool *present, struct dmr_error *err)
{
	const char *v = http_query(req, name);

	*present = v != NULL;
	if (!v && required)
		dmr_fail(err, "invalid_parameter", name, "the %s parameter is required", name);
	return v;
}

static bool malformed(const char *name, const char *what, struct dmr_error *err)
{
	return dmr_fail(err, "invalid_parameter", name, "%s must be %s", name, what);
}

bool query_double(const struct http_request *req, const char *name, bool required, double *out,
		  bool *present, struct dmr_error *err)
{
	const char *v = lookup(req, name, required, present, err);

	if (!v)
		return !required;
	return parse_double_strict(v, out) || malformed(name, "a finite number", err);
}

bool query_int(const struct http_request *req, const char *name, bool required, long long *out,
	       bool *present, struct dmr_error *err)
{
	const char *v = lookup(req, name, required, present, err);

	if (!v)
		return !required;
	return parse_int_strict(v, out) || malformed(name, "an integer", err);
}

bool query_doubles(const struct http_request *req, const char *name, double *out, int n,
		   bool *present, struct dmr_error *err)
{
	const char *v = lookup(req, name, false, present, err);

	if (!v)
		return true;
	return parse_double_list(v, out, n) ||
	       malformed(name, n == 2 ? "two numbers: lat,lon" : "comma-separated numbers", err);
}

bool query_text(const struct http_request *req, const char *name, const char **out,
		struct dmr_error *err)
{
	const char *v = http_query(req, name);

	*out = v;
	if (v && !*v)
		return malformed(name, "non-empty", err);
	return true;
}
