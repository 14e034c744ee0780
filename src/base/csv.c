#include "base/csv.h"

#include <string.h>

static const char utf8_bom[] = "\xEF\xBB\xBF";

void csv_init(struct csv *csv, struct buf *out, bool excel)
{
	csv->out = out;
	csv->excel = excel;
	csv->row_started = false;
}

void csv_begin_document(struct csv *csv)
{
	if (csv->excel)
		buf_append(csv->out, utf8_bom, sizeof utf8_bom - 1);
}

static char separator(const struct csv *csv)
{
	return csv->excel ? ';' : ',';
}

static void begin_field(struct csv *csv)
{
	if (csv->row_started)
		buf_append(csv->out, &(char){separator(csv)}, 1);
	csv->row_started = true;
}

/* A spreadsheet would read a text starting with one of these as a formula. */
static bool formula_like(const char *s)
{
	return *s && strchr("=+-@\t\r", *s);
}

static void append_doubling_quotes(struct buf *out, const char *s)
{
	const char *q;

	while ((q = strchr(s, '"'))) {
		buf_append(out, s, (size_t)(q - s) + 1);
		buf_append(out, "\"", 1);
		s = q + 1;
	}
	buf_puts(out, s);
}

void csv_text(struct csv *csv, const char *s)
{
	const char specials[] = {separator(csv), '"', '\r', '\n', '\0'};
	bool guard, quoted;

	begin_field(csv);
	if (!s)
		return;
	guard = csv->excel && formula_like(s);
	quoted = s[strcspn(s, specials)] != '\0';
	if (quoted)
		buf_append(csv->out, "\"", 1);
	if (guard)
		buf_append(csv->out, "'", 1);
	append_doubling_quotes(csv->out, s);
	if (quoted)
		buf_append(csv->out, "\"", 1);
}

void csv_number(struct csv *csv, const char *s)
{
	size_t start;

	begin_field(csv);
	if (!s)
		return;
	start = csv->out->len;
	buf_puts(csv->out, s);
	if (csv->excel && !csv->out->failed) {
		char *point = memchr(csv->out->s + start, '.', csv->out->len - start);

		if (point)
			*point = ',';
	}
}

void csv_end_row(struct csv *csv)
{
	buf_append(csv->out, "\r\n", 2);
	csv->row_started = false;
}
