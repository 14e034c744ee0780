#include "notify/template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/buf.h"

#define TEMPLATE_MAX (64 * 1024)

static bool kind_valid(const char *kind)
{
	size_t n = strspn(kind, "abcdefghijklmnopqrstuvwxyz_");

	return n > 0 && n < 64 && kind[n] == '\0';
}

static char *read_template(const char *share_dir, const char *folder, const char *kind,
			   const char *suffix, struct dmr_error *err)
{
	char path[1024];
	char *buf;
	size_t n;
	FILE *f;

	if (!kind_valid(kind)) {
		dmr_fail(err, "template", NULL, "no template for kind '%.64s'", kind);
		return NULL;
	}
	snprintf(path, sizeof path, "%s/templates/%s/%s.%s", share_dir, folder, kind, suffix);
	f = fopen(path, "rb");
	if (!f) {
		dmr_fail(err, "template", NULL, "cannot read %s", path);
		return NULL;
	}
	buf = malloc(TEMPLATE_MAX + 1);
	n = buf ? fread(buf, 1, TEMPLATE_MAX, f) : 0;
	fclose(f);
	if (!buf) {
		dmr_fail(err, "template", NULL, "out of memory");
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* Text as HTML: the five characters that could end an element or an attribute are escaped. */
static void put_html(struct buf *out, const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '&': buf_puts(out, "&amp;"); break;
		case '<': buf_puts(out, "&lt;"); break;
		case '>': buf_puts(out, "&gt;"); break;
		case '"': buf_puts(out, "&quot;"); break;
		case '\'': buf_puts(out, "&#39;"); break;
		default: buf_append(out, s + i, 1);
		}
	}
}

/* How a value is written out: as it is (mail) or escaped (HTML pages). */
typedef void (*put_fn)(struct buf *out, const char *s, size_t len);

/* The placeholder's value as text ("" for null); false when vars has no such member. */
static bool value_of(json_t *vars, const char *name, size_t len, put_fn put, struct buf *out)
{
	char key[64];
	json_t *v;
	char number[32];

	if (len >= sizeof key)
		return false;
	memcpy(key, name, len);
	key[len] = '\0';
	v = json_object_get(vars, key);
	if (!v)
		return false;
	if (json_is_string(v))
		put(out, json_string_value(v), json_string_length(v));
	else if (json_is_integer(v)) {
		snprintf(number, sizeof number, "%lld", (long long)json_integer_value(v));
		put(out, number, strlen(number));
	}
	return true;
}

/*
 * Renders one line (without its end) into out. *shown counts placeholders with a value,
 * *holes those without.
 */
static bool render_line(const char *line, size_t len, json_t *vars, put_fn put,
			struct buf *out, int *shown, int *holes, struct dmr_error *err)
{
	const char *end = line + len;

	while (line < end) {
		const char *open = memmem(line, (size_t)(end - line), "{{", 2);
		const char *close;
		size_t before;

		if (!open) {
			buf_append(out, line, (size_t)(end - line));
			break;
		}
		close = memmem(open + 2, (size_t)(end - open - 2), "}}", 2);
		if (!close)
			return dmr_fail(err, "template", NULL, "unclosed placeholder");
		buf_append(out, line, (size_t)(open - line));
		before = out->len;
		if (!value_of(vars, open + 2, (size_t)(close - open - 2), put, out))
			return dmr_fail(err, "template", NULL, "unknown placeholder %.*s",
					(int)(close - open - 2), open + 2);
		if (out->len > before)
			(*shown)++;
		else
			(*holes)++;
		line = close + 2;
	}
	return true;
}

static bool render_lines(const char *text, json_t *vars, put_fn put, struct buf *out,
			 struct dmr_error *err)
{
	while (*text) {
		size_t len = strcspn(text, "\n");
		size_t start = out->len;
		int shown = 0, holes = 0;

		if (!render_line(text, len, vars, put, out, &shown, &holes, err))
			return false;
		if (holes > 0 && shown == 0) {
			out->len = start;
			if (out->s)
				out->s[start] = '\0';
		} else {
			buf_append(out, "\n", 1);
		}
		text += len + (text[len] == '\n');
	}
	return true;
}

/* A subject is one line: any control character a value brought in becomes a space. */
static void flatten(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

bool template_render(const char *share_dir, const char *kind, json_t *vars,
		     struct message_text *out, struct dmr_error *err)
{
	struct buf subject = {0}, body = {0};
	char *tpl = read_template(share_dir, "mail", kind, "txt", err);
	char *blank;
	bool ok;

	memset(out, 0, sizeof *out);
	if (!tpl)
		return false;
	blank = strstr(tpl, "\n\n");
	ok = strncmp(tpl, "Subject: ", 9) == 0 && blank && !memchr(tpl, '\n', (size_t)(blank - tpl));
	if (!ok)
		dmr_fail(err, "template", NULL, "template %s: no Subject line", kind);
	if (ok) {
		*blank = '\0';
		ok = render_lines(tpl + 9, vars, buf_append, &subject, err) &&
		     render_lines(blank + 2, vars, buf_append, &body, err);
	}
	free(tpl);
	if (ok && (subject.failed || body.failed || !subject.s || !body.s))
		ok = dmr_fail(err, "template", NULL, "out of memory or empty template");
	if (!ok) {
		free(subject.s);
		free(body.s);
		return false;
	}
	if (subject.len && subject.s[subject.len - 1] == '\n')
		subject.s[subject.len - 1] = '\0';
	flatten(subject.s);
	out->subject = subject.s;
	out->body = body.s;
	return true;
}

char *template_render_page(const char *share_dir, const char *name, json_t *vars,
			   struct dmr_error *err)
{
	struct buf html = {0};
	char *tpl = read_template(share_dir, "pages", name, "html", err);
	bool ok = tpl && render_lines(tpl, vars, put_html, &html, err);

	free(tpl);
	if (ok && (html.failed || !html.s))
		ok = dmr_fail(err, "template", NULL, "out of memory or empty template");
	if (!ok) {
		buf_free(&html);
		return NULL;
	}
	return html.s;
}

void message_text_free(struct message_text *m)
{
	free(m->subject);
	free(m->body);
	m->subject = m->body = NULL;
}
