#include "http/form.h"

#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define POST_BUFFER_SIZE 16384

bool form_is_multipart(const struct http_request *req)
{
	const char *type = http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);

	return type && strncasecmp(type, MHD_HTTP_POST_ENCODING_MULTIPART_FORMDATA,
				   strlen(MHD_HTTP_POST_ENCODING_MULTIPART_FORMDATA)) == 0;
}

bool form_is_urlencoded(const struct http_request *req)
{
	const char *type = http_header(req, MHD_HTTP_HEADER_CONTENT_TYPE);

	return type && strncasecmp(type, MHD_HTTP_POST_ENCODING_FORM_URLENCODED,
				   strlen(MHD_HTTP_POST_ENCODING_FORM_URLENCODED)) == 0;
}

const struct form_part *form_get(const struct form *m, const char *name)
{
	for (int i = 0; i < m->count; i++)
		if (strcmp(m->parts[i].name, name) == 0)
			return &m->parts[i];
	return NULL;
}

static struct form_part *part_for(struct form *m, const char *name, uint64_t off)
{
	struct form_part *p = (struct form_part *)form_get(m, name);

	if (p && off == 0) /* The field comes again: the last one wins. */
		buf_truncate(&p->content, 0);
	if (p)
		return p;
	if (m->count == FORM_MAX_PARTS || strlen(name) >= sizeof m->parts[0].name) {
		m->too_many = true;
		return NULL;
	}
	p = &m->parts[m->count++];
	strcpy(p->name, name);
	buf_append(&p->content, "", 0); /* an empty part is "", never NULL */
	return p;
}

static enum MHD_Result on_data(void *cls, enum MHD_ValueKind kind, const char *key,
			       const char *filename, const char *content_type,
			       const char *transfer_encoding, const char *data, uint64_t off,
			       size_t size)
{
	struct form *m = cls;
	struct form_part *p;

	(void)kind;
	(void)filename;
	(void)content_type;
	(void)transfer_encoding;
	if (!key || !(p = part_for(m, key, off)))
		return m->too_many ? MHD_NO : MHD_YES;
	buf_append(&p->content, data, size);
	return p->content.failed ? MHD_NO : MHD_YES;
}

bool form_parse(const struct http_request *req, struct form *out, struct dmr_error *err)
{
	struct MHD_PostProcessor *pp;
	enum MHD_Result ok;

	memset(out, 0, sizeof *out);
	pp = MHD_create_post_processor(req->connection, POST_BUFFER_SIZE, on_data, out);
	if (!pp)
		return dmr_fail(err, "malformed_multipart", NULL,
				"multipart/form-data needs a boundary in its Content-Type");
	ok = MHD_post_process(pp, req->body, req->body_len);
	if (MHD_destroy_post_processor(pp) != MHD_YES)
		ok = MHD_NO;
	if (ok != MHD_YES || out->too_many) {
		bool too_many = out->too_many;

		form_free(out);
		return dmr_fail(err, "malformed_multipart", NULL, "%s",
				too_many ? "too many parts in the form"
					 : "the form body cannot be read");
	}
	return true;
}

void form_free(struct form *m)
{
	for (int i = 0; i < m->count; i++)
		buf_free(&m->parts[i].content);
	memset(m, 0, sizeof *m);
}
