/* Route matching (http/router.h): segments, suffixes after {}, methods and Allow. */

#include <string.h>

#include "http/router.h"
#include "tap.h"

static bool handler(void *app, const struct http_request *req, struct http_response *res,
		    struct dmr_error *err)
{
	(void)app;
	(void)req;
	(void)res;
	(void)err;
	return true;
}

static const struct http_route routes[] = {
	{"GET", "/api/v1/reports", handler, false},
	{"POST", "/api/v1/reports", handler, false},
	{"GET", "/api/v1/reports/{}", handler, false},
	{"PUT", "/api/v1/reports/{}/photos/{}", handler, false},
	{"GET", "/open311/v2/requests.{}", handler, false},
	{"POST", "/open311/v2/requests.{}", handler, false},
	{"GET", "/open311/v2/requests/{}.{}", handler, false},
	{"GET", "/open311/v2/services/{}.{}", handler, false},
	{"GET", "/photos/{}", handler, false},
	{"GET", "/static/{*}", handler, false},
};

static struct route_match m;

static bool found(const char *method, const char *path)
{
	router_match(routes, sizeof routes / sizeof routes[0], method, path, &m);
	return m.outcome == ROUTE_FOUND;
}

int main(void)
{
	ok(found("GET", "/api/v1/reports") && m.route == &routes[0], "a literal path matches");
	ok(found("GET", "/api/v1/reports/12") && strcmp(m.params[0], "12") == 0,
	   "a {} takes a whole segment");
	ok(found("PUT", "/api/v1/reports/42/photos/far") && strcmp(m.params[0], "42") == 0 &&
		   strcmp(m.params[1], "far") == 0,
	   "two segments are captured in order");
	ok(!found("DELETE", "/api/v1/reports") && m.outcome == ROUTE_NO_METHOD &&
		   strcmp(m.allow, "GET, POST, OPTIONS, HEAD") == 0,
	   "another method lists the allowed ones");
	ok(!found("GET", "/api/v1/reports/") && m.outcome == ROUTE_NO_PATH, "never an empty one");
	ok(!found("GET", "/api/v1/reports/12/x"), "nor more than one segment");
	ok(found("HEAD", "/api/v1/reports/7"), "HEAD takes a GET route");
	ok(found("GET", "/open311/v2/requests.json") && strcmp(m.params[0], "json") == 0,
	   "a {} after literal text in a segment");
	ok(found("GET", "/open311/v2/requests/12.xml") && strcmp(m.params[0], "12") == 0 &&
	   strcmp(m.params[1], "xml") == 0, "two {} in one segment, split at the literal");
	ok(found("GET", "/open311/v2/requests/1.2.json") && strcmp(m.params[0], "1.2") == 0 &&
	   strcmp(m.params[1], "json") == 0, "split at the literal's last place");
	ok(!found("GET", "/open311/v2/requests/12"), "a missing literal does not match");
	ok(!found("GET", "/open311/v2/requests/.json"), "nor an empty {} before it");
	ok(!found("GET", "/open311/v2/requests/12."), "nor an empty {} after it");
	ok(!found("DELETE", "/open311/v2/requests.json") && m.outcome == ROUTE_NO_METHOD &&
	   strcmp(m.allow, "GET, POST, OPTIONS, HEAD") == 0, "another method: 405 and Allow");
	ok(!found("GET", "/photos/a/b"), "a photo name is one segment");
	ok(found("GET", "/static/lib/maplibre/maplibre-gl.js") &&
		   strcmp(m.params[0], "lib/maplibre/maplibre-gl.js") == 0,
	   "a final {*} takes the rest of the path");
	ok(!found("GET", "/static/"), "never an empty rest");
	return tap_done();
}
