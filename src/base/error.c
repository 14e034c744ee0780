#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "base/log.h"

/* The registry: every error code and its one HTTP status (docs/api.md, "Errors"). */
static const struct {
	const char *code;
	int status;
} registry[] = {
	{"malformed_json", 400},
	{"malformed_multipart", 400},
	{"invalid_parameter", 400},
	{"unauthorized", 401},
	{"forbidden", 403},
	{"not_found", 404},
	{"invalid_link", 404},
	{"no_address", 404},
	{"method_not_allowed", 405},
	{"idempotency_key_reused", 409},
	{"transition_not_allowed", 409},
	{"version_conflict", 409},
	{"concurrent_update", 409},
	{"report_closed", 409},
	{"already_sent", 409},
	{"address_unconfirmed", 409},
	{"link_expired", 410},
	{"body_too_large", 413},
	{"photo_too_large", 413},
	{"unsupported_media_type", 415},
	{"missing_field", 422},
	{"invalid_field", 422},
	{"invalid_utf8", 422},
	{"unknown_category", 422},
	{"inactive_category", 422},
	{"agent_only_category", 422},
	{"unknown_service", 422},
	{"unknown_sector", 422},
	{"outside_service_area", 422},
	{"photo_too_many_pixels", 422},
	{"photo_corrupt", 422},
	{"internal_error", 500},
	{"database_unavailable", 503},
	{"busy", 503},
	{"database_timeout", 503},
	/* Failures that never reach a client: dmrd's start, the delivery of notifications. */
	{"invalid_config", 500},
	{"listen_failed", 500},
	{"out_of_memory", 500},
	{"template", 500},
	{"notify", 500},
	{"outbox", 500},
	{"smtp", 500},
	{"webhook", 500},
	{"stream", 500},
};

int dmr_error_status(const char *code)
{
	for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
		if (strcmp(registry[i].code, code) == 0)
			return registry[i].status;
	return 0;
}

bool dmr_fail(struct dmr_error *err, const char *code, const char *field, const char *fmt, ...)
{
	va_list ap;
	int status = dmr_error_status(code);

	if (!status) {
		log_error("error code %s is not in the registry", code);
		code = "internal_error";
		status = 500;
	}
	err->http_status = status;
	snprintf(err->code, sizeof err->code, "%s", code);
	snprintf(err->field, sizeof err->field, "%s", field ? field : "");
	err->details[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(err->message, sizeof err->message, fmt, ap);
	va_end(ap);
	return false;
}

void dmr_error_clear(struct dmr_error *err)
{
	memset(err, 0, sizeof *err);
}
