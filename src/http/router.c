#include "http/router.h"

#include <stdio.h>
#include <string.h>

/*
 * How much of the segment at path a {} takes, given the literal text that follows it in the
 * pattern (up to a '/', another {} or the end): all of the segment without that literal when
 * the literal closes the segment, else up to the literal's last place in the segment; 0 when
 * the segment does not fit.
 */
static size_t param_length(const char *path, const char *after)
{
	size_t segment = strcspn(path, "/");
	size_t literal = strcspn(after, "/{");

	if (literal > segment)
		return 0;
	if (after[literal] != '{')
		return strncmp(path + segment - literal, after, literal) == 0 ? segment - literal : 0;
	for (size_t at = segment - literal; at > 0; at--)
		if (strncmp(path + at, after, literal) == 0)
			return at;
	return 0;
}

/*
 * Does path match pattern? Each {} takes a non-empty part of one segment (param_length) and
 * is copied, in order, into params: "/requests/{}.json" takes "12" of "/requests/12.json",
 * "/services/{}.{}" takes "7001" and "xml" of "/services/7001.xml". A final {*} takes the
 * rest of the path, segments included ("/static/{*}": "css/app.css").
 */
static bool path_matches(const char *pattern, const char *path,
			 char params[HTTP_MAX_PARAMS][HTTP_PARAM_SIZE])
{
	int n = 0;

	while (*pattern && *path) {
		if (strcmp(pattern, "{*}") == 0) {
			size_t len = strlen(path);

			if (len >= HTTP_PARAM_SIZE || n == HTTP_MAX_PARAMS)
				return false;
			memcpy(params[n], path, len + 1);
			return true;
		}
		if (strncmp(pattern, "{}", 2) == 0) {
			size_t len = param_length(path, pattern + 2);

			if (len == 0 || len >= HTTP_PARAM_SIZE || n == HTTP_MAX_PARAMS)
				return false;
			memcpy(params[n], path, len);
			params[n++][len] = '\0';
			pattern += 2;
			path += len;
		} else if (*pattern++ != *path++) {
			return false;
		}
	}
	return *pattern == '\0' && *path == '\0';
}

static bool method_matches(const char *route_method, const char *method)
{
	return strcmp(route_method, method) == 0 ||
	       (strcmp(method, "HEAD") == 0 && strcmp(route_method, "GET") == 0);
}

static void add_allowed(char *allow, size_t size, const char *method)
{
	size_t used = strlen(allow);

	if (strstr(allow, method))
		return;
	snprintf(allow + used, size - used, "%s%s", used ? ", " : "", method);
}

void router_match(const struct http_route *routes, size_t n, const char *method,
		  const char *path, struct route_match *m)
{
	char params[HTTP_MAX_PARAMS][HTTP_PARAM_SIZE];

	memset(m, 0, sizeof *m);
	m->outcome = ROUTE_NO_PATH;
	for (size_t i = 0; i < n; i++) {
		memset(params, 0, sizeof params);
		if (!path_matches(routes[i].pattern, path, params))
			continue;
		if (method_matches(routes[i].method, method)) {
			m->outcome = ROUTE_FOUND;
			m->route = &routes[i];
			memcpy(m->params, params, sizeof params);
			return;
		}
		m->outcome = ROUTE_NO_METHOD;
		add_allowed(m->allow, sizeof m->allow, routes[i].method);
	}
	if (m->outcome == ROUTE_NO_METHOD) {
		add_allowed(m->allow, sizeof m->allow, "OPTIONS");
		if (strstr(m->allow, "GET"))
			add_allowed(m->allow, sizeof m->allow, "HEAD");
	}
}
