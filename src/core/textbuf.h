#ifndef DMR_CORE_TEXTBUF_H
#define DMR_CORE_TEXTBUF_H

/*
 * A growing NUL-terminated text, for what is written piece by piece (messages, rendered
 * templates). Appends never fail: once an allocation fails, `failed` is set and later appends
 * do nothing, so a writer checks once at the end. Start from {0}; the owner frees `s`.
 */

#include <stdbool.h>
#include <stddef.h>

struct textbuf {
	char *s; /* NULL until something is appended */
	size_t len, cap;
	bool failed;
};

void textbuf_append(struct textbuf *t, const char *s, size_t n);
void textbuf_puts(struct textbuf *t, const char *s);

/* Cuts the text back to its first len bytes. */
void textbuf_truncate(struct textbuf *t, size_t len);

#endif
