#include "api/v1/v1.h"

#include <string.h>

#include "http/query.h"

static bool read_overdue(const struct http_request *req, int *overdue, struct dmr_error *err)
{
	const char *v = http_query(req, "overdue");

	if (!v)
		return true;
	if (!strcmp(v, "true") || !strcmp(v, "1"))
		*overdue = 1;
	else if (!strcmp(v, "false") || !strcmp(v, "0"))
		*overdue = 0;
	else
		return dmr_fail(err, "invalid_parameter", "overdue", "overdue is true or false");
	return true;
}

/* category names a sub-category or a top one, top_category a top one: one of them. */
static bool read_category(const struct http_request *req, long long *id, struct dmr_error *err)
{
	long long top;
	bool has_category, has_top;

	if (!query_int(req, "category", false, id, &has_category, err) ||
	    !query_int(req, "top_category", false, &top, &has_top, err))
		return false;
	if (has_category && has_top)
		return dmr_fail(err, "invalid_parameter", "top_category",
				"category and top_category cannot be used together");
	if (has_top)
		*id = top;
	if ((has_category || has_top) && *id <= 0)
		return dmr_fail(err, "invalid_parameter", has_top ? "top_category" : "category",
				"a category id is a positive integer");
	return true;
}

static bool read_small_int(const struct http_request *req, const char *name, int *out,
			   struct dmr_error *err)
{
	long long v = 0;
	bool present;

	if (!query_int(req, name, false, &v, &present, err))
		return false;
	if (present && (v < 1 || v > 20))
		return dmr_fail(err, "invalid_parameter", name, "%s is out of range", name);
	*out = (int)v;
	return true;
}

bool api_v1_report_filter(const struct http_request *req, struct report_filter *f,
			  struct dmr_error *err)
{
	report_filter_init(f);
	f->token = http_bearer_token(req);
	return query_text(req, "status", &f->statuses, err) &&
	       query_text(req, "service", &f->service, err) &&
	       query_text(req, "sector", &f->sector, err) &&
	       read_category(req, &f->category_id, err) &&
	       read_small_int(req, "arrondissement", &f->arrondissement, err) &&
	       read_small_int(req, "priority", &f->priority, err) &&
	       query_text(req, "since", &f->since, err) &&
	       query_text(req, "until", &f->until, err) &&
	       read_overdue(req, &f->overdue, err) && report_filter_check(f, err);
}
