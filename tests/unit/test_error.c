#include <string.h>

#include "base/error.h"
#include "core/report.h"
#include "tap.h"

static struct report_input valid_input(void)
{
	return (struct report_input){.category_id = 1001, .has_position = true,
				     .lat = 48.8566, .lon = 2.3522,
				     .priority = 3, .channel = CHANNEL_WEB};
}

static int fails_with(struct report_input in, const char *code, const char *field)
{
	struct dmr_error err;

	dmr_error_clear(&err);
	return !report_input_check(&in, &err) && err.http_status == 422 &&
	       strcmp(err.code, code) == 0 && strcmp(err.field, field) == 0;
}

int main(void)
{
	struct dmr_error err;
	struct report_input in = valid_input();
	char long_text[REPORT_DESCRIPTION_MAX + 2];

	ok(!dmr_fail(&err, "invalid_field", "lat", "lat is %d", 91) && err.http_status == 422 &&
		   strcmp(err.message, "lat is 91") == 0 && strcmp(err.field, "lat") == 0,
	   "dmr_fail fills every part and returns false");
	ok(!dmr_fail(&err, "link_expired", NULL, "gone") && err.http_status == 410,
	   "the status is the registry's");
	ok(!dmr_fail(&err, "no_such_code", NULL, "x") && err.http_status == 500 &&
		   strcmp(err.code, "internal_error") == 0,
	   "a code missing from the registry is an internal error");
	ok(dmr_error_status("report_closed") == 409 && dmr_error_status("nope") == 0,
	   "dmr_error_status reads the registry");
	ok(report_input_check(&in, &err), "a plain report passes");
	in.lat = 91;
	ok(fails_with(in, "invalid_field", "lat"), "lat 91 is refused");
	in = valid_input();
	in.lon = -181;
	ok(fails_with(in, "invalid_field", "lon"), "lon -181 is refused");
	in = valid_input();
	in.lat = 0.0 / 0.0;
	ok(fails_with(in, "invalid_field", "lat"), "NaN is refused");
	in = valid_input();
	in.priority = 4;
	ok(fails_with(in, "invalid_field", "priority"), "priority 4 is refused");
	in = valid_input();
	in.description = "\xff\xfe";
	ok(fails_with(in, "invalid_utf8", "description"), "invalid UTF-8 is refused");
	in = valid_input();
	memset(long_text, 'a', sizeof long_text - 1);
	long_text[sizeof long_text - 1] = '\0';
	in.description = long_text;
	ok(fails_with(in, "invalid_field", "description"), "4001 characters are refused");
	long_text[REPORT_DESCRIPTION_MAX] = '\0';
	ok(report_input_check(&in, &err), "4000 characters pass");
	in = valid_input();
	in.email = "not-an-address";
	ok(fails_with(in, "invalid_field", "email"), "a bad e-mail is refused");
	in = valid_input();
	in.category_id = 0;
	ok(fails_with(in, "unknown_category", "category_id"), "category 0 is refused");
	ok(report_status_known("on_hold", 7) && !report_status_known("open", 4),
	   "statuses are the lifecycle's");
	return tap_done();
}
