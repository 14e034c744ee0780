#ifndef DMR_HTTP_ROUTER_H
#define DMR_HTTP_ROUTER_H

/*
 * Matching a method and a path against a route table. Patterns are literal text and up to
 * HTTP_MAX_PARAMS "{}", each matching a non-empty part of one segment: the whole segment, or
 * the segment without the literal that follows the {} in the pattern ("{}.json"); and a final
 * "{*}", which takes the rest of the path, several segments included. HEAD matches GET routes.
 */

#include <stdbool.h>
#include <stddef.h>

#include "http/server.h"

enum route_outcome { ROUTE_FOUND, ROUTE_NO_PATH, ROUTE_NO_METHOD };

struct route_match {
	enum route_outcome outcome;
	const struct http_route *route; /* ROUTE_FOUND */
	char params[HTTP_MAX_PARAMS][HTTP_PARAM_SIZE]; /* the {} segments, "" when none */
	char allow[128];                /* ROUTE_NO_METHOD: "GET, POST" */
};

void router_match(const struct http_route *routes, size_t n, const char *method,
		  const char *path, struct route_match *m);

#endif
