#ifndef DMR_API_OPEN311_FORMAT_H
#define DMR_API_OPEN311_FORMAT_H

/*
 * GeoReport v2's two formats. A handler builds its answer once, as a JSON value, and this
 * prints it in the format the path's suffix asked for: JSON as it is, or XML written with
 * libxml2's xmlTextWriter, so the two can never say different things. In XML a member is an
 * element of its name, an array holds one element per item named as the spec names them
 * (services/service, service_requests/request, attributes/attribute, values/value,
 * errors/error...), null is an empty element, true and false are text, and a number is
 * written as JSON writes it.
 */

#include <jansson.h>
#include <stdbool.h>

#include "base/error.h"
#include "http/server.h"

enum o311_format { O311_JSON, O311_XML };

/* libxml2's global state, made once before the threads that write XML, freed at exit. */
void o311_format_start(void);
void o311_format_stop(void);

/* "json" or "xml", the suffix of a resource; 404 not_found for anything else. */
bool o311_format_parse(const char *suffix, enum o311_format *fmt, struct dmr_error *err);

/* The format a path asks for by its suffix: XML for ".xml", else JSON (for errors). */
enum o311_format o311_format_of_path(const char *path);

/*
 * Answers value (whose reference is taken) with status: JSON as application/json, XML as
 * text/xml, both with charset=utf-8, the XML under an element named root (for an array:
 * one child per item, named after root).
 */
void o311_respond(struct http_response *res, int status, enum o311_format fmt,
		  const char *root, json_t *value);

/*
 * The spec's error list, [{"code": 400, "description": "..."}] or
 * <errors><error><code>400</code>...: 403 for a missing or refused key (401 and 403), 404
 * for what does not exist, the status itself for 405, 413 and 5xx, 400 for everything else.
 * The description names the field at fault, in Open311's words.
 */
void o311_render_error(void *app, const struct http_request *req, struct http_response *res,
		       const struct dmr_error *err);

#endif
