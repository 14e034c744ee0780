#ifndef DMR_API_OPS_H
#define DMR_API_OPS_H

/*
 * What operations read: liveness (/healthz), readiness (/readyz: the database answers) and
 * the Prometheus metrics (/metrics), no personal data; and / itself, which points a person to
 * the documentation. They make the root door, which also answers every path no other door
 * takes (404 in the JSON form of docs/api.md).
 */

#include "http/server.h"

bool api_healthz(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_readyz(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_metrics(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);

extern const struct http_mount api_root_mount;

#endif
