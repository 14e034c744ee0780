#include "http/router.h"

#include <stdio.h>
#include <string.h>

/* Does path match pattern? Each {} segment is copied, in order, into params. */
static bool path_matches(const char *pattern, const char *path,
			 char params[HTTP_MAX_PARAMS][HTTP_PARAM_SIZE])
{
	int n = 0;

	while (*pattern && *path) {
		if (strncmp(pattern, "{}", 2) == 0) {
			size_t len = strcspn(path, "/");

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
