#include <stdio.h>
#include <string.h>

#include "api/open311/open311.h"
#include "http/query.h"

#define SPECIFICATION "http://wiki.open311.org/GeoReport_v2"
/* When this door last changed what it answers: the discovery's changeset. */
#define CHANGESET "2026-12-02T00:00:00+01:00"

bool o311_jurisdiction_check(const char *jurisdiction, struct dmr_error *err)
{
	if (!jurisdiction || !*jurisdiction || strcmp(jurisdiction, O311_JURISDICTION) == 0)
		return true;
	return dmr_fail(err, "not_found", "jurisdiction_id",
			"the only jurisdiction here is " O311_JURISDICTION);
}

bool o311_read_common(const struct http_request *req, int param, enum o311_format *fmt,
		      struct dmr_error *err)
{
	return o311_format_parse(req->params[param], fmt, err) &&
	       o311_jurisdiction_check(http_query(req, "jurisdiction_id"), err);
}

static json_t *endpoint(const char *url, const char *type)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:[s, s]}", "specification", SPECIFICATION, "url",
			 url, "changeset", CHANGESET, "type", type, "formats", "application/json",
			 "text/xml");
}

/* The two discovery documents are served with the bare types validators compare whole. */
static bool discovery(void *app, const struct http_request *req, struct http_response *res,
		      struct dmr_error *err)
{
	struct dmr_app *a = app;
	enum o311_format fmt;
	char url[sizeof a->cfg->notify.public_url + 16];

	if (!o311_format_parse(req->params[0], &fmt, err))
		return false;
	snprintf(url, sizeof url, "%s/open311/v2", a->cfg->notify.public_url);
	o311_respond(res, 200, fmt, "discovery",
		     json_pack("{s:s, s:s, s:s, s:[o, o]}", "changeset", CHANGESET, "contact",
			       a->cfg->open311_contact, "key_service",
			       "Une clé (api_key) par application, sur demande à l'équipe Dans ma "
			       "rue de la Ville : voir contact.",
			       "endpoints", endpoint(url, "production"), endpoint(url, "test")));
	res->content_type = fmt == O311_XML ? "text/xml" : "application/json";
	return true;
}

/* Every service is realtime: a request's id is known at once, and no token is ever issued. */
static bool token(void *app, const struct http_request *req, struct http_response *res,
		  struct dmr_error *err)
{
	enum o311_format fmt;

	(void)app;
	(void)res;
	if (!o311_read_common(req, 1, &fmt, err))
		return false;
	return dmr_fail(err, "not_found", "token",
			"no token is issued here: every service is realtime and POST "
			"requests answers the service_request_id itself");
}

/* Where a person who opens /open311 finds the documentation. */
static bool index_page(void *app, const struct http_request *req, struct http_response *res,
		       struct dmr_error *err)
{
	(void)app;
	(void)req;
	(void)err;
	http_respond_json(res, 200,
			  json_pack("{s:s, s:s, s:[s, s]}", "api", "Open311 GeoReport v2",
				    "docs", "docs/open311.md", "start",
				    "/open311/discovery.json", "/open311/v2/services.json"));
	return true;
}

static const struct http_route routes[] = {
	{"GET", "/open311", index_page, false},
	{"GET", "/open311/discovery.{}", discovery, false},
	{"GET", "/open311/v2/services.{}", o311_services, false},
	{"GET", "/open311/v2/services/{}.{}", o311_service_definition, false},
	{"GET", "/open311/v2/requests.{}", o311_requests, false},
	{"POST", "/open311/v2/requests.{}", o311_create_request, true},
	{"GET", "/open311/v2/requests/{}.{}", o311_request, false},
	{"GET", "/open311/v2/servicerequestupdates.{}", o311_updates, false},
	{"GET", "/open311/v2/tokens/{}.{}", token, false},
};

static const struct http_cors cors = {"Content-Type, Idempotency-Key"};

const struct http_mount api_open311_mount = {
	"open311", "/open311", routes, sizeof routes / sizeof routes[0], o311_render_error, &cors, 0,
};
