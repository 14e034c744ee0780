/* The growing buffer (base/buf.h): content, the NUL after it, and geometric growth. */

#include <stdlib.h>
#include <string.h>

#include "base/buf.h"
#include "tap.h"

static void test_content(void)
{
	struct buf b = {0};

	buf_append(&b, "", 0);
	ok(b.s && b.s[0] == '\0' && b.len == 0, "an empty append still gives a string");
	buf_puts(&b, "Dans ");
	buf_append(&b, "ma rue!", 6);
	ok(strcmp(b.s, "Dans ma rue") == 0 && b.len == 11, "pieces follow each other");
	buf_append(&b, "\0x", 2);
	ok(b.len == 13 && memcmp(b.s + 11, "\0x", 3) == 0, "bytes are kept, NUL included");
	buf_truncate(&b, 4);
	ok(strcmp(b.s, "Dans") == 0 && b.len == 4, "truncate cuts and terminates");
	buf_truncate(&b, 10);
	ok(b.len == 4, "truncate never lengthens");
	buf_free(&b);
	ok(!b.s && !b.len && !b.cap && !b.failed, "free starts again from {0}");
}

/* A 15 MB upload in 16 kB pieces, as libmicrohttpd hands it over: few reallocations. */
static void test_growth(void)
{
	static char piece[16384];
	struct buf b = {0};
	size_t last_cap = 0;
	int grown = 0;

	memset(piece, 'j', sizeof piece);
	for (int i = 0; i < 15000000 / (int)sizeof piece; i++) {
		buf_append(&b, piece, sizeof piece);
		if (b.cap != last_cap) {
			grown++;
			last_cap = b.cap;
		}
	}
	ok(!b.failed && b.len == 915 * sizeof piece, "15 MB appended");
	ok(grown <= 25, "the room doubles: at most 25 reallocations for 915 pieces");
	ok(b.cap < 2 * b.len + 64, "at most twice the room needed");
	buf_free(&b);
}

int main(void)
{
	test_content();
	test_growth();
	return tap_done();
}
