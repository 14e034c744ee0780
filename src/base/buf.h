#ifndef DMR_BASE_BUF_H
#define DMR_BASE_BUF_H

/*
 * The one growing buffer of the code: texts written piece by piece (messages, templates) and
 * bytes received in pieces (request bodies, form parts). It grows geometrically, so that
 * appending n bytes in any number of pieces copies O(n) bytes in all. The content is always
 * followed by a NUL, so a text can be read as a C string. Appends never fail: once an
 * allocation fails, `failed` is set and later appends do nothing, so a writer checks once at
 * the end. Start from {0}; release with buf_free (or take `s`, which the taker then frees).
 */

#include <stdbool.h>
#include <stddef.h>

struct buf {
	char *s; /* NULL until something is appended */
	size_t len, cap;
	bool failed;
};

void buf_append(struct buf *b, const char *s, size_t n);
void buf_puts(struct buf *b, const char *s);

/* Cuts the content back to its first len bytes. */
void buf_truncate(struct buf *b, size_t len);

/* Frees the content and starts again from {0}. */
void buf_free(struct buf *b);

#endif
