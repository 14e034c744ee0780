#include "api/v1/v1.h"

#include "core/address.h"
#include "core/report_json.h"
#include "http/query.h"

/* The address members of docs/api.md: label, number, suffix, street, postcode, lat, lon. */
static json_t *address_json(const struct address_view *v)
{
	return json_pack("{s:s, s:s, s:o, s:s, s:s, s:f, s:f}", "label", v->label, "number",
			 v->number, "suffix", json_text_or_null(v->suffix), "street", v->street,
			 "postcode", v->postcode, "lat", v->lat, "lon", v->lon);
}

bool api_v1_reverse_geocode(void *app, const struct http_request *req,
			    struct http_response *res, struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct db_rows rows;
	struct address_view v;
	double lat, lon;
	bool present;

	if (!query_double(req, "lat", true, &lat, &present, err) ||
	    !query_double(req, "lon", true, &lon, &present, err) ||
	    !address_reverse(a->pool, lat, lon, &rows, err))
		return false;
	address_view_read(&rows, 0, &v);
	http_respond_json(res, 200, json_pack("{s:o, s:f}", "address", address_json(&v),
					      "distance_m", v.distance_m));
	db_rows_free(&rows);
	return true;
}

bool api_v1_search_addresses(void *app, const struct http_request *req,
			     struct http_response *res, struct dmr_error *err)
{
	struct dmr_app *a = app;
	struct address_query q = {.text = http_query(req, "q"), .limit = ADDRESS_LIMIT_DEFAULT};
	double near[2] = {0, 0};
	struct db_rows rows;
	struct address_view v;
	json_t *list;
	bool present;

	if (!query_int(req, "limit", false, &q.limit, &present, err) ||
	    !query_doubles(req, "near", near, 2, &q.has_near, err))
		return false;
	q.near_lat = near[0];
	q.near_lon = near[1];
	if (!address_search(a->pool, &q, &rows, err))
		return false;
	list = json_array();
	for (int i = 0; i < rows.count; i++) {
		address_view_read(&rows, i, &v);
		json_array_append_new(list, address_json(&v));
	}
	db_rows_free(&rows);
	http_respond_json(res, 200, json_pack("{s:o}", "addresses", list));
	return true;
}
