#include "api/open311/format.h"

#include <libxml/xmlwriter.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/text.h"

void o311_format_start(void)
{
	xmlInitParser();
}

void o311_format_stop(void)
{
	xmlCleanupParser();
}

bool o311_format_parse(const char *suffix, enum o311_format *fmt, struct dmr_error *err)
{
	if (strcmp(suffix, "json") == 0)
		*fmt = O311_JSON;
	else if (strcmp(suffix, "xml") == 0)
		*fmt = O311_XML;
	else
		return dmr_fail(err, "not_found", NULL,
				"no such format: end the path with .json or .xml");
	return true;
}

enum o311_format o311_format_of_path(const char *path)
{
	size_t len = strlen(path);

	return len >= 4 && strcmp(path + len - 4, ".xml") == 0 ? O311_XML : O311_JSON;
}

/* The spec's element for each item of an array, by the array's name. */
static const char *item_name(const char *array)
{
	static const char *const names[][2] = {
		{"services", "service"},
		{"service_requests", "request"},
		{"service_requests_updates", "request_update"},
		{"errors", "error"},
		{"attributes", "attribute"},
		{"values", "value"},
		{"notes", "note"},
		{"endpoints", "endpoint"},
		{"formats", "format"},
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i][0], array) == 0)
			return names[i][1];
	return "item";
}

static bool xml_forbidden(unsigned char c)
{
	return c < 0x20 && c != '\t' && c != '\n' && c != '\r';
}

/*
 * XML 1.0 has no place for most control characters, which a description may hold: each
 * becomes U+FFFD, so that one report cannot make a whole list unreadable. Returns s itself
 * when it is clean (*copy false), else a copy to free; NULL when out of memory.
 */
static char *xml_safe(const char *s, bool *copy)
{
	size_t len = strlen(s), bad = 0, out = 0;
	char *clean;

	for (size_t i = 0; i < len; i++)
		bad += xml_forbidden((unsigned char)s[i]);
	*copy = bad > 0;
	if (!bad)
		return (char *)s;
	clean = malloc(len + 2 * bad + 1);
	if (!clean)
		return NULL;
	for (size_t i = 0; i < len; i++) {
		if (xml_forbidden((unsigned char)s[i])) {
			memcpy(clean + out, "\xef\xbf\xbd", 3);
			out += 3;
		} else {
			clean[out++] = s[i];
		}
	}
	clean[out] = '\0';
	return clean;
}

static bool write_text(xmlTextWriterPtr w, const char *name, const char *text)
{
	bool copy;
	char *safe = xml_safe(text, &copy);
	bool ok = safe && xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST safe) >= 0;

	if (copy)
		free(safe);
	return ok;
}

/* A number as JSON writes it, so that both formats show the same digits. */
static bool write_number(xmlTextWriterPtr w, const char *name, const json_t *v)
{
	char *text = json_dumps(v, JSON_ENCODE_ANY | JSON_REAL_PRECISION(12));
	bool ok = text && xmlTextWriterWriteElement(w, BAD_CAST name, BAD_CAST text) >= 0;

	free(text);
	return ok;
}

static bool write_value(xmlTextWriterPtr w, const char *name, const json_t *v);

static bool write_children(xmlTextWriterPtr w, const char *name, const json_t *v)
{
	const char *key;
	const json_t *child;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach ((json_t *)v, key, child)
			if (!write_value(w, key, child))
				return false;
		return true;
	}
	json_array_foreach (v, i, child)
		if (!write_value(w, item_name(name), child))
			return false;
	return true;
}

static bool write_value(xmlTextWriterPtr w, const char *name, const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
	case JSON_ARRAY:
		return xmlTextWriterStartElement(w, BAD_CAST name) >= 0 &&
		       write_children(w, name, v) && xmlTextWriterFullEndElement(w) >= 0;
	case JSON_STRING:
		return write_text(w, name, json_string_value(v));
	case JSON_INTEGER:
	case JSON_REAL:
		return write_number(w, name, v);
	case JSON_TRUE:
		return write_text(w, name, "true");
	case JSON_FALSE:
		return write_text(w, name, "false");
	case JSON_NULL:
		break;
	}
	return write_text(w, name, "");
}

/* The XML document of value under root; NULL when it cannot be written (out of memory). */
static xmlBufferPtr xml_document(const char *root, const json_t *value)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	bool ok = w && xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) >= 0 &&
		  write_value(w, root, value) && xmlTextWriterEndDocument(w) >= 0;

	if (w)
		xmlFreeTextWriter(w); /* flushes into buf */
	if (!ok && buf) {
		xmlBufferFree(buf);
		return NULL;
	}
	return buf;
}

void o311_respond(struct http_response *res, int status, enum o311_format fmt,
		  const char *root, json_t *value)
{
	xmlBufferPtr doc;

	if (fmt == O311_JSON) {
		http_respond_json(res, status, value);
		return;
	}
	doc = xml_document(root, value);
	json_decref(value);
	if (!doc) {
		log_error("open311: cannot write an XML answer");
		http_respond_text(res, 500, "text/xml; charset=utf-8", "", 0);
		return;
	}
	http_respond_text(res, status, "text/xml; charset=utf-8",
			  (const char *)xmlBufferContent(doc), (size_t)xmlBufferLength(doc));
	xmlBufferFree(doc);
}

/* The spec knows three error statuses; transport and server failures keep their own. */
static int open311_status(int status)
{
	if (status == 401 || status == 403)
		return 403;
	if (status == 404 || status == 410)
		return 404;
	if (status == 405 || status == 413 || status >= 500)
		return status;
	return 400;
}

/* The request field that an error of the core names, in Open311's words. */
static const char *open311_field(const char *field)
{
	static const char *const names[][2] = {
		{"lon", "long"},
		{"category_id", "service_code"},
		{"priority", "attribute[priority]"},
		{"photo", "media"},
		{"photo_close", "media"},
		{"address", "address_string"},
	};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strcmp(names[i][0], field) == 0)
			return names[i][1];
	return field;
}

void o311_render_error(void *app, const struct http_request *req, struct http_response *res,
		       const struct dmr_error *err)
{
	int status = open311_status(err->http_status ? err->http_status : 500);
	const char *field = open311_field(err->field);
	char description[sizeof err->message + sizeof err->field + 8];
	json_t *list;

	(void)app;
	if (*field && strncmp(err->message, field, strlen(field)) != 0)
		snprintf(description, sizeof description, "%s: %s", field, err->message);
	else
		snprintf(description, sizeof description, "%s", err->message);
	list = json_pack("[{s:i, s:s}]", "code", status, "description", description);
	if (status == 503)
		http_add_header(res, "Retry-After", "1");
	o311_respond(res, status, o311_format_of_path(req->path), "errors", list);
}
