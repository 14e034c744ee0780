#include "core/stats.h"

#include <stdlib.h>
#include <string.h>

#include "base/csv.h"
#include "core/report_json.h"
#include "db/statements.h"

/* How a grouping's key is written, and the name of its label when it has one. */
struct grouping {
	const char *name;
	bool numeric;
	const char *label;
};

static const struct grouping groupings[] = {
	{"arrondissement", true, NULL},
	{"quartier", false, "quartier_name"},
	{"service", false, "service_name"},
	{"sector", false, "sector_name"},
	{"top_category", true, "top_category_label"},
	{"category", true, "category_label"},
	{"status", false, NULL},
	{"day", false, NULL},
	{"week", false, NULL},
	{"month", false, NULL},
};

/* The figures of a row, after the two groupings' keys and labels (STMT_STATS). */
enum { FIRST_FIGURE = 4, COUNTS = 5 };

static const char *const figures[] = {
	"count", "open", "overdue", "resolved", "rejected",
	"acknowledge_hours_median", "acknowledge_hours_p90",
	"resolve_hours_median", "resolve_hours_p90", "resolved_on_time_share",
};

enum { NFIGURES = sizeof figures / sizeof *figures };

/* The groupings of q->by, which the database accepted (it refuses any other name). */
struct grouped_by {
	const struct grouping *g[2];
	int n;
};

static const struct grouping *grouping_named(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof groupings / sizeof *groupings; i++)
		if (strlen(groupings[i].name) == len && !strncmp(groupings[i].name, name, len))
			return &groupings[i];
	return NULL;
}

static void grouped_by(const struct stats_request *q, struct grouped_by *out)
{
	const char *name = q->by;

	out->n = 0;
	while (name && out->n < 2) {
		const char *comma = strchr(name, ',');
		const struct grouping *g =
			grouping_named(name, comma ? (size_t)(comma - name) : strlen(name));

		if (g)
			out->g[out->n++] = g;
		name = comma ? comma + 1 : NULL;
	}
}

bool stats_query(struct db_pool *pool, const struct stats_request *q, struct db_rows *out,
		 struct dmr_error *err)
{
	struct report_filter_text text;
	const char *params[REPORT_FILTER_NPARAMS + 1];

	report_filter_params(&q->filter, &text, params);
	params[REPORT_FILTER_NPARAMS] = q->by;
	return db_rows_query(pool, STMT_STATS, params, out, err);
}

static json_t *key_json(const struct grouping *g, const char *key)
{
	if (!key)
		return json_null();
	return g->numeric ? json_integer(atoll(key)) : json_string(key);
}

static json_t *figure_json(int i, const char *value)
{
	if (!value)
		return json_null();
	return i < COUNTS ? json_integer(atoll(value)) : json_real(atof(value));
}

static json_t *row_json(const struct grouped_by *by, const struct db_rows *rows, int row)
{
	json_t *o = json_object();

	for (int i = 0; i < by->n; i++) {
		const struct grouping *g = by->g[i];

		json_object_set_new(o, g->name, key_json(g, db_value(rows->res, row, 2 * i)));
		if (g->label)
			json_object_set_new(o, g->label,
					    json_text_or_null(db_value(rows->res, row, 2 * i + 1)));
	}
	for (int i = 0; i < NFIGURES; i++)
		json_object_set_new(o, figures[i],
				    figure_json(i, db_value(rows->res, row, FIRST_FIGURE + i)));
	return o;
}

json_t *stats_json(const struct stats_request *q, const struct db_rows *rows)
{
	struct grouped_by by;
	json_t *list = json_array();

	grouped_by(q, &by);
	for (int i = 0; i < rows->count; i++)
		json_array_append_new(list, row_json(&by, rows, i));
	return json_pack("{s:o}", "rows", list);
}

static void csv_header(struct csv *csv, const struct grouped_by *by)
{
	for (int i = 0; i < by->n; i++) {
		csv_text(csv, by->g[i]->name);
		if (by->g[i]->label)
			csv_text(csv, by->g[i]->label);
	}
	for (int i = 0; i < NFIGURES; i++)
		csv_text(csv, figures[i]);
	csv_end_row(csv);
}

static void csv_row(struct csv *csv, const struct grouped_by *by, const struct db_rows *rows,
		    int row)
{
	for (int i = 0; i < by->n; i++) {
		const char *key = db_value(rows->res, row, 2 * i);

		if (by->g[i]->numeric)
			csv_number(csv, key);
		else
			csv_text(csv, key);
		if (by->g[i]->label)
			csv_text(csv, db_value(rows->res, row, 2 * i + 1));
	}
	for (int i = 0; i < NFIGURES; i++)
		csv_number(csv, db_value(rows->res, row, FIRST_FIGURE + i));
	csv_end_row(csv);
}

void stats_csv(const struct stats_request *q, const struct db_rows *rows, bool excel,
	       struct buf *out)
{
	struct grouped_by by;
	struct csv csv;

	grouped_by(q, &by);
	csv_init(&csv, out, excel);
	csv_begin_document(&csv);
	csv_header(&csv, &by);
	for (int i = 0; i < rows->count; i++)
		csv_row(&csv, &by, rows, i);
}
