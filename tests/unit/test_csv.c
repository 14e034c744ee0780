/* The CSV writer (base/csv.h): RFC 4180 quoting, and the spreadsheet form. */

#include <string.h>

#include "base/csv.h"
#include "tap.h"

/* One row of the given texts, then a number, as a string to compare. */
static void row(struct buf *out, bool excel, const char *const *texts, int n, const char *number)
{
	struct csv csv;

	buf_truncate(out, 0);
	csv_init(&csv, out, excel);
	for (int i = 0; i < n; i++)
		csv_text(&csv, texts[i]);
	csv_number(&csv, number);
	csv_end_row(&csv);
}

static void test_rfc4180(void)
{
	struct buf b = {0};
	const char *plain[] = {"abc", NULL, "é à"};
	const char *quoted[] = {"a,b", "say \"hi\"", "two\nlines", "cr\r", "a;b"};
	struct csv csv;

	row(&b, false, plain, 3, "-3.5");
	ok(strcmp(b.s, "abc,,é à,-3.5\r\n") == 0, "plain fields, NULL empty, CRLF");
	row(&b, false, quoted, 5, NULL);
	ok(strcmp(b.s, "\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\",\"cr\r\",a;b,\r\n") == 0,
	   "separator, quote, LF and CR quoted, quotes doubled; a semicolon is plain text");
	buf_truncate(&b, 0);
	csv_init(&csv, &b, false);
	csv_begin_document(&csv);
	ok(b.len == 0, "no byte order mark in RFC 4180");
	buf_free(&b);
}

static void test_excel(void)
{
	struct buf b = {0};
	const char *texts[] = {"a;b", "a,b", "=1+1", "-x", "@cmd", "+33 1"};
	struct csv csv;

	csv_init(&csv, &b, true);
	csv_begin_document(&csv);
	ok(b.len == 3 && memcmp(b.s, "\xEF\xBB\xBF", 3) == 0, "a UTF-8 byte order mark first");
	row(&b, true, texts, 6, "48.85");
	ok(strcmp(b.s, "\"a;b\";a,b;'=1+1;'-x;'@cmd;'+33 1;48,85\r\n") == 0,
	   "semicolons, decimal comma, formulas shown as text");
	row(&b, true, texts, 0, "-2.5");
	ok(strcmp(b.s, "-2,5\r\n") == 0, "a negative number stays a number");
	buf_free(&b);
}

int main(void)
{
	test_rfc4180();
	test_excel();
	return tap_done();
}
