#ifndef DMR_HTTP_ROUTER_H
#define DMR_HTTP_ROUTER_H

/*
 * Matching a method and a path against a route table. Patterns are literal segments and
 * "{}" segments that match any one non-empty segment; HEAD matches GET routes.
 */

#include <stdbool.h>
#include <stddef.h>

#include "http/server.h"

enum route_outcome { ROUTE_FOUND, ROUTE_NO_PATH, ROUTE_NO_METHOD };

struct route_match {
	enum route_outcome outcome;
	const struct http_route *route; /* ROUTE_FOUND */
	char param[128];                /* the {} segment, "" when none */
	char allow[128];                /* ROUTE_NO_METHOD: "GET, POST" */
};

void router_match(const struct http_route *routes, size_t n, const char *method,
		  const char *path, struct route_match *m);

#endif
