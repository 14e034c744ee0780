#ifndef DMR_API_V1_V1_H
#define DMR_API_V1_V1_H

/*
 * The native JSON API, /api/v1 (docs/api.md, docs/openapi.yaml). Handlers parse the wire
 * format into core requests and print core answers; no business rule lives here.
 */

#include <jansson.h>
#include <stddef.h>

#include "api/app.h"
#include "core/report_filter.h"
#include "http/server.h"

/* The door: /api/v1 and below, JSON errors, CORS open to every origin. */
extern const struct http_mount api_v1_mount;

/* The report id of the path's first segment; 404 when it cannot be one. */
bool api_report_id(const struct http_request *req, long long *id, struct dmr_error *err);

/* Handlers of /api/v1/reports (api/v1/reports.c). */
bool api_v1_create_report(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_get_report(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_search_reports(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);

/* Photos (api/v1/photos.c). */
bool api_v1_put_photo(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_delete_photo(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);

/* The lifecycle (api/v1/lifecycle.c): transitions, history, queues, reference data. */
bool api_v1_transition(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_events(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_queue(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_reject_reasons(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_put_reject_reason(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_category_delays(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);

/* Citizens (api/v1/follow.c): followers and duplicate suggestions. */
bool api_v1_follow(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_unfollow(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_suggestions(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);

/* Addresses (api/v1/addresses.c): reverse geocoding and search. */
bool api_v1_reverse_geocode(void *app, const struct http_request *req,
		struct http_response *res, struct dmr_error *err);
bool api_v1_search_addresses(void *app, const struct http_request *req,
		struct http_response *res, struct dmr_error *err);

/* Who the caller is: its token's role, name and services, its session's end (api/v1/session.c). */
bool api_v1_session(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);

/* The live event stream, Server-Sent Events (api/v1/stream.c). */
bool api_v1_event_stream(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);

/* The city's figures (api/v1/stats.c): statistics, and the CSV export for supervisors. */
bool api_v1_stats(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_export_reports(void *app, const struct http_request *req,
		struct http_response *res, struct dmr_error *err);

/* For the admins (api/v1/admin.c): the outbox, the categories' overrides inside areas. */
bool api_v1_outbox(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_outbox_retry(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_area_overrides(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_put_area_override(void *app, const struct http_request *req,
		struct http_response *res, struct dmr_error *err);

/*
 * The filters of the city's views (tiles, statistics, exports) from the query string: status,
 * service, sector, category or top_category, arrondissement, since, until, overdue, priority;
 * the caller's token. 400 invalid_parameter naming a malformed one.
 */
bool api_v1_report_filter(const struct http_request *req, struct report_filter *f,
			  struct dmr_error *err);

/*
 * Vector tiles (api/v1/tiles.c): the reports for the filters of the query string, and the
 * reference areas (service: its sectors only).
 */
bool api_v1_report_tile(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);
bool api_v1_area_tile(void *app, const struct http_request *req, struct http_response *res,
		struct dmr_error *err);

/* The suggestions for a report just created: [] when they cannot be read. */
json_t *api_suggestions_json(struct dmr_app *a, double lat, double lon, long long category_id,
			     long long exclude_id);

#endif
