#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/v1/v1.h"
#include "http/query.h"
#include "notify/outbox.h"

#define OUTBOX_LIMIT_MAX 500

bool api_v1_outbox(void *app, const struct http_request *req, struct http_response *res,
		   struct dmr_error *err)
{
	struct dmr_app *a = app;
	const char *state;
	long long before = 0, limit = 50;
	bool present;
	json_t *messages;

	if (!query_text(req, "state", &state, err) ||
	    !query_int(req, "before", false, &before, &present, err) ||
	    !query_int(req, "limit", false, &limit, &present, err))
		return false;
	if (limit < 1 || limit > OUTBOX_LIMIT_MAX || before < 0)
		return dmr_fail(err, "invalid_parameter", before < 0 ? "before" : "limit",
				"limit: 1 to %d; before: a message id", OUTBOX_LIMIT_MAX);
	messages = outbox_list(a->pool, http_bearer_token(req), state, before, (int)limit, err);
	if (!messages)
		return false;
	http_add_header(res, "Cache-Control", "private, no-store");
	http_respond_json(res, 200, json_pack("{s:o}", "messages", messages));
	return true;
}

bool api_v1_outbox_retry(void *app, const struct http_request *req, struct http_response *res,
			 struct dmr_error *err)
{
	struct dmr_app *a = app;
	long long id;

	if (!parse_int_strict(req->params[0], &id) || id <= 0) {
		dmr_fail(err, "not_found", NULL, "no message has id %.40s", req->params[0]);
		return false;
	}
	if (!outbox_retry(a->pool, http_bearer_token(req), id, err))
		return false;
	http_respond_json(res, 200, json_pack("{s:I, s:s}", "id", (json_int_t)id, "state",
					      "pending"));
	return true;
}
