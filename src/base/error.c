#include "base/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

bool dmr_fail(struct dmr_error *err, int http_status, const char *code, const char *field,
	      const char *fmt, ...)
{
	va_list ap;

	err->http_status = http_status;
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
