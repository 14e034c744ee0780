#include <string.h>

#include "api/v1/v1.h"
#include "base/text.h"
#include "core/export.h"
#include "core/stats.h"
#include "http/query.h"

static bool wants_csv(const struct http_request *req)
{
	const char *accept = http_header(req, "Accept");

	return accept && strstr(accept, "text/csv");
}

/* excel=1 (or true): the spreadsheet form of CSV. */
static bool read_excel(const struct http_request *req, bool *excel, struct dmr_error *err)
{
	const char *v = http_query(req, "excel");

	*excel = v && (!strcmp(v, "1") || !strcmp(v, "true"));
	if (v && !*excel && strcmp(v, "0") && strcmp(v, "false"))
		return dmr_fail(err, "invalid_parameter", "excel", "excel is 1 or 0");
	return true;
}

static bool read_date(const struct http_request *req, const char *name, const char **out,
		      struct dmr_error *err)
{
	if (!query_text(req, name, out, err))
		return false;
	if (*out && !text_datetime_valid(*out))
		return dmr_fail(err, "invalid_parameter", name,
				"%s must be an ISO 8601 date or date-time", name);
	return true;
}

/* The period is from and to, or the filters' since and until: one pair, not both. */
static bool read_period(const struct http_request *req, struct report_filter *f,
			struct dmr_error *err)
{
	const char *from, *to;

	if (!read_date(req, "from", &from, err) || !read_date(req, "to", &to, err))
		return false;
	if (!from && !to)
		return true;
	if (f->since || f->until)
		return dmr_fail(err, "invalid_parameter", f->since ? "since" : "until",
				"the period is from and to, or since and until, not both");
	f->since = from;
	f->until = to;
	return true;
}

bool api_v1_stats(void *app, const struct http_request *req, struct http_response *res,
		  struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct stats_request q;
	struct db_rows rows;
	struct buf csv = {0};
	bool excel;

	if (!api_v1_report_filter(req, &q.filter, err) || !read_period(req, &q.filter, err) ||
	    !read_excel(req, &excel, err) || !query_text(req, "by", &q.by, err) ||
	    !stats_query(a->pool, &q, &rows, err))
		return false;
	/* The public's figures are the same for everyone: caches may keep them a minute. */
	http_add_header(res, "Cache-Control",
			q.filter.token ? "private, no-store" : "public, max-age=60");
	http_add_header(res, "Vary", "Accept, Authorization");
	if (wants_csv(req) || excel) {
		stats_csv(&q, &rows, excel, &csv);
		http_respond_text(res, 200, "text/csv; charset=utf-8", csv.s, csv.len);
		buf_free(&csv);
	} else {
		http_respond_json(res, 200, stats_json(&q, &rows));
	}
	db_rows_free(&rows);
	return true;
}

static void wake(void *stream)
{
	http_stream_wake(stream);
}

static void opened(void *cls, struct http_stream *stream)
{
	export_set_waker(cls, wake, stream);
}

static long read_csv(void *cls, char *buf, size_t max)
{
	return export_read(cls, buf, max);
}

static void closed(void *cls)
{
	export_close(cls);
}

static const struct http_stream_source export_source = {opened, read_csv, closed};

bool api_v1_export_reports(void *app, const struct http_request *req,
			   struct http_response *res, struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct report_filter f;
	struct export *e;
	bool excel;

	if (!api_v1_report_filter(req, &f, err) || !read_excel(req, &excel, err))
		return false;
	e = export_open(a->pool, a->cfg->db_pool, &f, excel, err);
	if (!e)
		return false;
	http_add_header(res, "Cache-Control", "no-store");
	http_add_header(res, "Content-Disposition", "attachment; filename=\"signalements.csv\"");
	http_add_header(res, "X-Accel-Buffering", "no");
	http_respond_stream(res, "text/csv; charset=utf-8", &export_source, e);
	return true;
}
