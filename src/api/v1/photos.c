#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/v1/v1.h"
#include "core/report.h"
#include "http/form.h"
#include "http/query.h"

/* The photo bytes: a raw image body, or the `photo` part of a form (or its only part). */
static bool read_photo_body(const struct http_request *req, struct form *form,
			    struct report_photo_in *photo, struct dmr_error *err)
{
	const struct form_part *part;

	memset(form, 0, sizeof *form);
	if (!form_is_multipart(req)) {
		photo->bytes = (const unsigned char *)req->body;
		photo->len = req->body_len;
		return true;
	}
	if (!form_parse(req, form, err))
		return false;
	part = form_get(form, "photo");
	if (!part && form->count == 1)
		part = &form->parts[0];
	if (!part)
		return dmr_fail(err, "missing_field", "photo",
				"send the photo as the form's photo part");
	photo->bytes = (const unsigned char *)part->content.s;
	photo->len = part->content.len;
	return true;
}

/* The report id and a known view, from the path; fills err otherwise. */
static bool photo_target(const struct http_request *req, long long *id, struct dmr_error *err)
{
	const char *view = req->params[1];

	if (!parse_int_strict(req->params[0], id) || *id <= 0 ||
	    (strcmp(view, "close") && strcmp(view, "far") && strcmp(view, "done")))
		return dmr_fail(err, "not_found", NULL, "photos are close, far or done");
	return true;
}

bool api_v1_put_photo(void *app, const struct http_request *req, struct http_response *res,
		      struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct form form = {0};
	struct report_photo_in photo = {.view = req->params[1]};
	long long id;
	bool ok;

	ok = photo_target(req, &id, err) && read_photo_body(req, &form, &photo, err) &&
	     report_put_photo(a->pool, a->photo_workers, id, http_bearer_token(req), &photo, err);
	form_free(&form);
	if (!ok)
		return false;
	return api_v1_get_report(app, req, res, err);
}

bool api_v1_delete_photo(void *app, const struct http_request *req, struct http_response *res,
			 struct dmr_error *err)
{
	struct dmr_app *a = app;
	long long id;

	if (!photo_target(req, &id, err) ||
	    !report_delete_photo(a->pool, id, http_bearer_token(req), req->params[1], err))
		return false;
	return api_v1_get_report(app, req, res, err);
}
