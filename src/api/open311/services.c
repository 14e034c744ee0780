#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/open311/open311.h"
#include "base/buf.h"
#include "base/text.h"
#include "core/catalog.h"
#include "http/query.h"

/* The catalogue as a service list needs it: the categories and the services' names. */
struct catalogue {
	struct db_rows categories, services;
};

static bool catalogue_read(struct dmr_app *a, struct catalogue *c, struct dmr_error *err)
{
	if (!catalog_categories(a->pool, &c->categories, err))
		return false;
	if (catalog_services(a->pool, &c->services, err))
		return true;
	db_rows_free(&c->categories);
	return false;
}

static void catalogue_free(struct catalogue *c)
{
	db_rows_free(&c->categories);
	db_rows_free(&c->services);
}

static const char *service_name(const struct catalogue *c, const char *code)
{
	struct service_view s;

	for (int i = 0; i < c->services.count; i++) {
		service_view_read(&c->services, i, &s);
		if (strcmp(s.code, code) == 0)
			return s.name;
	}
	return code;
}

static const char *group_label(const struct catalogue *c, int parent_id)
{
	struct category_view v;

	for (int i = 0; i < c->categories.count; i++) {
		category_view_read(&c->categories, i, &v);
		if (v.id == parent_id)
			return v.label;
	}
	return "";
}

/* "Pied d'arbre : Grille d'arbre à curer" in "Arbres..." gives "Arbres..., Pied d'arbre". */
static json_t *keywords(const char *group, const char *label)
{
	struct buf out = {0};
	const char *part = label, *sep;
	json_t *value;

	buf_puts(&out, group);
	while ((sep = strstr(part, " : "))) {
		buf_puts(&out, ", ");
		buf_append(&out, part, (size_t)(sep - part));
		part = sep + 3;
	}
	value = out.failed ? json_null() : json_string(out.s);
	buf_free(&out);
	return value ? value : json_null();
}

static json_t *service_json(const struct catalogue *c, const struct category_view *v)
{
	const char *group = group_label(c, v->parent_id);
	char code[16], description[1024];

	snprintf(code, sizeof code, "%d", v->id);
	snprintf(description, sizeof description, "%s : %s. Traité par %s.", group, v->label,
		 service_name(c, v->service_code));
	return json_pack("{s:s, s:s, s:s, s:b, s:s, s:o, s:s}", "service_code", code,
			 "service_name", v->label, "description", description, "metadata", 1,
			 "type", "realtime", "keywords", keywords(group, v->label), "group", group);
}

/* Reports take the public sub-categories; top categories and agents' ones are no service. */
static bool is_service(const struct category_view *v)
{
	return v->parent_id != 0 && !v->agent_only;
}

bool o311_services(void *app, const struct http_request *req, struct http_response *res,
		   struct dmr_error *err)
{
	enum o311_format fmt;
	struct catalogue c;
	struct category_view v;
	json_t *list;

	if (!o311_read_common(req, 0, &fmt, err) || !catalogue_read(app, &c, err))
		return false;
	list = json_array();
	for (int i = 0; i < c.categories.count; i++) {
		category_view_read(&c.categories, i, &v);
		if (is_service(&v))
			json_array_append_new(list, service_json(&c, &v));
	}
	catalogue_free(&c);
	o311_respond(res, 200, fmt, "services", list);
	return true;
}

/* Every service has the same one attribute: the report's priority, which is optional. */
static json_t *priority_attribute(void)
{
	return json_pack(
		"{s:b, s:s, s:s, s:b, s:s, s:i, s:s, s:[{s:s, s:s}, {s:s, s:s}, {s:s, s:s}]}",
		"variable", 1, "code", "priority", "datatype", "singlevaluelist", "required", 0,
		"datatype_description", "1, 2 ou 3 (3 si absent)", "order", 1, "description",
		"Gravité de l'anomalie", "values", "key", "1", "name", "dangereux", "key", "2",
		"name", "très gênant", "key", "3", "name", "gênant");
}

bool o311_service_definition(void *app, const struct http_request *req,
			     struct http_response *res, struct dmr_error *err)
{
	enum o311_format fmt;
	struct catalogue c;
	struct category_view v;
	long long id;
	bool found = false;

	if (!o311_read_common(req, 1, &fmt, err) || !catalogue_read(app, &c, err))
		return false;
	if (parse_int_strict(req->params[0], &id))
		for (int i = 0; i < c.categories.count && !found; i++) {
			category_view_read(&c.categories, i, &v);
			found = v.id == id && is_service(&v);
		}
	catalogue_free(&c);
	if (!found)
		return dmr_fail(err, "not_found", "service_code", "no service has the code %.40s",
				req->params[0]);
	o311_respond(res, 200, fmt, "service_definition",
		     json_pack("{s:s, s:[o]}", "service_code", req->params[0], "attributes",
			       priority_attribute()));
	return true;
}
