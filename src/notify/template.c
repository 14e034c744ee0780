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

static char *read_template(const char *share_dir, const char *kind, struct dmr_error *err)
{
	char path[1024];
	char *buf;
	size_t n;
	FILE *f;

	if (!kind_valid(kind)) {
		dmr_fail(err, 500, "template", NULL, "no template for kind '%.64s'", kind);
		return NULL;
	}
	snprintf(path, sizeof path, "%s/templates/mail/%s.txt", share_dir, kind);
	f = fopen(path, "rb");
	if (!f) {
		dmr_fail(err, 500, "template", NULL, "cannot read %s", path);
		return NULL;
	}
	buf = malloc(TEMPLATE_MAX + 1);
	n = buf ? fread(buf, 1, TEMPLATE_MAX, f) : 0;
	fclose(f);
	if (!buf) {
		dmr_fail(err, 500, "template", NULL, "out of memory");
		return NULL;
	}
	buf[n] = '\0';
	return buf;
}

/* The placeholder's value as text ("" for null); false when vars has no such member. */
static bool value_of(json_t *vars, const char *name, size_t len, struct buf *out)
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
		buf_append(out, json_string_value(v), json_string_length(v));
	else if (json_is_integer(v)) {
		snprintf(number, sizeof number, "%lld", (long long)json_integer_value(v));
		buf_append(out, number, strlen(number));
	}
	return true;
}

/*
 * Renders one line (without its end) into out. *shown counts placeholders with a value,
 * *holes those without.
 */
static bool render_line(const char *line, size_t len, json_t *vars, struct buf *out,
			int *shown, int *holes, struct dmr_error *err)
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
			return dmr_fail(err, 500, "template", NULL, "unclosed placeholder");
		buf_append(out, line, (size_t)(open - line));
		before = out->len;
		if (!value_of(vars, open + 2, (size_t)(close - open - 2), out))
			return dmr_fail(err, 500, "template", NULL, "unknown placeholder %.*s",
					(int)(close - open - 2), open + 2);
		if (out->len > before)
			(*shown)++;
		else
			(*holes)++;
		line = close + 2;
	}
	return true;
}

static bool render_lines(const char *text, json_t *vars, struct buf *out, struct dmr_error *err)
{
	while (*text) {
		size_t len = strcspn(text, "\n");
		size_t start = out->len;
		int shown = 0, holes = 0;

		if (!render_line(text, len, vars, out, &shown, &holes, err))
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
	char *tpl = read_template(share_dir, kind, err);
	char *blank;
	bool ok;

	memset(out, 0, sizeof *out);
	if (!tpl)
		return false;
	blank = strstr(tpl, "\n\n");
	ok = strncmp(tpl, "Subject: ", 9) == 0 && blank && !memchr(tpl, '\n', (size_t)(blank - tpl));
	if (!ok)
		dmr_fail(err, 500, "template", NULL, "template %s: no Subject line", kind);
	if (ok) {
		*blank = '\0';
		ok = render_lines(tpl + 9, vars, &subject, err) &&
		     render_lines(blank + 2, vars, &body, err);
	}
	free(tpl);
	if (ok && (subject.failed || body.failed || !subject.s || !body.s))
		ok = dmr_fail(err, 500, "template", NULL, "out of memory or empty template");
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

void message_text_free(struct message_text *m)
{
	free(m->subject);
	free(m->body);
	m->subject = m->body = NULL;
}
