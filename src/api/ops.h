#ifndef DMR_API_OPS_H
#define DMR_API_OPS_H

/*
 * What operations read: liveness (/healthz), readiness (/readyz: the database answers) and
 * the Prometheus metrics (/metrics). No personal data.
 */

#include "http/server.h"

bool api_healthz(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_readyz(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_metrics(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);

#endif
