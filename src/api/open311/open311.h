#ifndef DMR_API_OPEN311_OPEN311_H
#define DMR_API_OPEN311_OPEN311_H

/*
 * The Open311 GeoReport v2 door, /open311 (docs/open311.md): discovery, services and their
 * definitions, requests read and created, FixMyStreet's status updates. Every resource
 * answers in JSON and XML by its suffix. One jurisdiction, paris.fr. Handlers parse the
 * spec's parameters into core requests and print core answers; no business rule lives here.
 */

#include "api/app.h"
#include "api/open311/format.h"
#include "http/server.h"

#define O311_JURISDICTION "paris.fr"

/* The door: /open311 and below, Open311 error lists, CORS open to every origin. */
extern const struct http_mount api_open311_mount;

/* An absent or empty jurisdiction_id, or paris.fr; 404 not_found for any other. */
bool o311_jurisdiction_check(const char *jurisdiction, struct dmr_error *err);

/*
 * The format of the route's {} at index param (json or xml) and the query's jurisdiction:
 * what every GET handler checks first.
 */
bool o311_read_common(const struct http_request *req, int param, enum o311_format *fmt,
		      struct dmr_error *err);

/* Services and their definitions (api/open311/services.c). */
bool o311_services(void *app, const struct http_request *req, struct http_response *res,
		   struct dmr_error *err);
bool o311_service_definition(void *app, const struct http_request *req,
			     struct http_response *res, struct dmr_error *err);

/* Requests read and created, and status updates (api/open311/requests.c, create.c). */
bool o311_requests(void *app, const struct http_request *req, struct http_response *res,
		   struct dmr_error *err);
bool o311_request(void *app, const struct http_request *req, struct http_response *res,
		  struct dmr_error *err);
bool o311_create_request(void *app, const struct http_request *req, struct http_response *res,
			 struct dmr_error *err);
bool o311_updates(void *app, const struct http_request *req, struct http_response *res,
		  struct dmr_error *err);

#endif
