#include "core/address.h"

#include <stdio.h>
#include <stdlib.h>

#include "core/report.h"
#include "db/statements.h"

void address_view_read(const struct db_rows *rows, int i, struct address_view *v)
{
	const PGresult *r = rows->res;

	v->id = atoll(PQgetvalue(r, i, 0));
	v->label = PQgetvalue(r, i, 1);
	v->number = PQgetvalue(r, i, 2);
	v->suffix = db_value(r, i, 3);
	v->street = PQgetvalue(r, i, 4);
	v->postcode = PQgetvalue(r, i, 5);
	v->lat = strtod(PQgetvalue(r, i, 6), NULL);
	v->lon = strtod(PQgetvalue(r, i, 7), NULL);
	v->has_distance = !PQgetisnull(r, i, 8);
	v->distance_m = v->has_distance ? strtod(PQgetvalue(r, i, 8), NULL) : 0;
}

bool address_reverse(struct db_pool *pool, double lat, double lon, struct db_rows *out,
		     struct dmr_error *err)
{
	char lat_text[32], lon_text[32];
	const char *params[2] = {lat_text, lon_text};

	if (!report_check_coordinates(lat, lon, err))
		return false;
	snprintf(lat_text, sizeof lat_text, "%.17g", lat);
	snprintf(lon_text, sizeof lon_text, "%.17g", lon);
	return db_rows_query(pool, STMT_ADDRESS_REVERSE, params, out, err);
}

bool address_search(struct db_pool *pool, const struct address_query *q, struct db_rows *out,
		    struct dmr_error *err)
{
	char limit[16], lat_text[32], lon_text[32];
	const char *params[4] = {q->text, limit, q->has_near ? lat_text : NULL,
				 q->has_near ? lon_text : NULL};

	if (!q->text)
		return dmr_fail(err, "invalid_parameter", "q", "the q parameter is required");
	if (q->limit < 1 || q->limit > ADDRESS_LIMIT_MAX)
		return dmr_fail(err, "invalid_parameter", "limit", "limit must be between 1 and %d",
				ADDRESS_LIMIT_MAX);
	if (!report_text_check(q->text, "q", ADDRESS_QUERY_MAX, err) ||
	    (q->has_near && !report_check_coordinates(q->near_lat, q->near_lon, err)))
		return false;
	snprintf(limit, sizeof limit, "%lld", q->limit);
	snprintf(lat_text, sizeof lat_text, "%.17g", q->near_lat);
	snprintf(lon_text, sizeof lon_text, "%.17g", q->near_lon);
	return db_rows_query(pool, STMT_ADDRESS_SEARCH, params, out, err);
}
