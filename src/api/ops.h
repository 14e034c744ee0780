#ifndef DMR_API_OPS_H
#define DMR_API_OPS_H

/*
 * What operations read: liveness (/healthz), readiness (/readyz: the database answers) and
 * the Prometheus metrics (/metrics). No personal data.
 */

#include "http/server.h"

void api_healthz(void *app, const struct http_request *req, struct http_response *res);
void api_readyz(void *app, const struct http_request *req, struct http_response *res);
void api_metrics(void *app, const struct http_request *req, struct http_response *res);

#endif
