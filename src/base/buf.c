#include "base/buf.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Doubling: an upload of 15 MB in 16 kB pieces is copied about twice, not 500 times. */
static bool reserve(struct buf *b, size_t n)
{
	size_t need = b->len + n + 1;
	size_t cap = b->cap ? b->cap : 64;
	char *grown;

	if (need < n)
		return false;
	if (need <= b->cap)
		return true;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	grown = realloc(b->s, cap);
	if (!grown)
		return false;
	b->s = grown;
	b->cap = cap;
	return true;
}

void buf_append(struct buf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (!reserve(b, n)) {
		b->failed = true;
		return;
	}
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void buf_puts(struct buf *b, const char *s)
{
	buf_append(b, s, strlen(s));
}

void buf_truncate(struct buf *b, size_t len)
{
	if (len < b->len) {
		b->len = len;
		b->s[len] = '\0';
	}
}

void buf_free(struct buf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}
