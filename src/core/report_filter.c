#include "core/report_filter.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "base/text.h"
#include "core/report.h"

void report_filter_init(struct report_filter *f)
{
	memset(f, 0, sizeof *f);
	f->overdue = -1;
}

static bool invalid(struct dmr_error *err, const char *field, const char *why)
{
	return dmr_fail(err, "invalid_parameter", field, "%s %s", field, why);
}

static bool statuses_check(const char *list, struct dmr_error *err)
{
	char array[256];

	if (!strcmp(list, "open") || !strcmp(list, "closed"))
		return true;
	return report_statuses_array(list, array, sizeof array, err);
}

bool report_filter_check(const struct report_filter *f, struct dmr_error *err)
{
	if (f->statuses && !statuses_check(f->statuses, err))
		return false;
	if (f->category_id < 0 || f->category_id > INT32_MAX)
		return invalid(err, "category", "is not a category id");
	if (f->arrondissement < 0 || f->arrondissement > 20)
		return invalid(err, "arrondissement", "must be between 1 and 20");
	if (f->priority < 0 || f->priority > 3)
		return invalid(err, "priority", "must be 1, 2 or 3");
	if (f->since && !text_datetime_valid(f->since))
		return invalid(err, "since", "must be an ISO 8601 date or date-time");
	if (f->until && !text_datetime_valid(f->until))
		return invalid(err, "until", "must be an ISO 8601 date or date-time");
	return true;
}

static const char *number_or_null(char *buf, size_t size, long long n)
{
	if (!n)
		return NULL;
	snprintf(buf, size, "%lld", n);
	return buf;
}

void report_filter_params(const struct report_filter *f, struct report_filter_text *text,
			  const char *params[REPORT_FILTER_NPARAMS])
{
	params[0] = f->token;
	params[1] = f->statuses;
	params[2] = f->service;
	params[3] = f->sector;
	params[4] = number_or_null(text->category, sizeof text->category, f->category_id);
	params[5] = number_or_null(text->arrondissement, sizeof text->arrondissement,
				   f->arrondissement);
	params[6] = f->since;
	params[7] = f->until;
	params[8] = f->overdue < 0 ? NULL : f->overdue ? "true" : "false";
	params[9] = number_or_null(text->priority, sizeof text->priority, f->priority);
}
