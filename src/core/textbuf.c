#include "core/textbuf.h"

#include <stdlib.h>
#include <string.h>

void textbuf_append(struct textbuf *t, const char *s, size_t n)
{
	if (t->failed)
		return;
	if (t->len + n + 1 > t->cap) {
		size_t cap = (t->len + n + 1) * 2 + 64;
		char *grown = realloc(t->s, cap);

		if (!grown) {
			t->failed = true;
			return;
		}
		t->s = grown;
		t->cap = cap;
	}
	memcpy(t->s + t->len, s, n);
	t->len += n;
	t->s[t->len] = '\0';
}

void textbuf_puts(struct textbuf *t, const char *s)
{
	textbuf_append(t, s, strlen(s));
}

void textbuf_truncate(struct textbuf *t, size_t len)
{
	if (len < t->len) {
		t->len = len;
		t->s[len] = '\0';
	}
}
