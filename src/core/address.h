#ifndef DMR_CORE_ADDRESS_H
#define DMR_CORE_ADDRESS_H

/*
 * Addresses, from the Base Adresse Nationale's points (docs/data.md): the nearest one to a
 * position (reverse geocoding), and those that typed text names (address search). The rules
 * are the SQL functions of sql/functions/35_addresses.sql; here are the checks that need no
 * database, and the typed view of the rows, which points into them.
 */

#include <stdbool.h>

#include "base/error.h"
#include "db/pool.h"

#define ADDRESS_QUERY_MAX 200 /* characters of searched text */
#define ADDRESS_LIMIT_DEFAULT 10
#define ADDRESS_LIMIT_MAX 20

struct address_view {
	long long id;
	const char *label;    /* 12 bis Rue de Rivoli, 75004 Paris */
	const char *number;   /* 12 */
	const char *suffix;   /* bis, ter, quater, a letter; NULL for none */
	const char *street;   /* Rue de Rivoli */
	const char *postcode; /* 75004 */
	double lat, lon;
	bool has_distance; /* reverse geocoding: the distance to the position, 0.1 m */
	double distance_m;
};

void address_view_read(const struct db_rows *rows, int i, struct address_view *v);

/*
 * The nearest address point within 150 m of a position, one row. 422 invalid_field for
 * coordinates off the globe or outside_service_area outside Paris; 404 no_address when no
 * point is that near.
 */
bool address_reverse(struct db_pool *pool, double lat, double lon, struct db_rows *out,
		     struct dmr_error *err);

struct address_query {
	const char *text;   /* what was typed; NULL when absent */
	long long limit;    /* 1 to ADDRESS_LIMIT_MAX */
	bool has_near;      /* rank nearer first among equal scores */
	double near_lat, near_lon;
};

/*
 * Addresses for typed text, best first, at most limit rows (maybe none). 400 invalid_parameter
 * without text or for a limit out of range; 422 invalid_utf8 for text that is not UTF-8,
 * invalid_field for text longer than ADDRESS_QUERY_MAX characters or holding no letter or
 * digit, or a near position off the globe.
 */
bool address_search(struct db_pool *pool, const struct address_query *q, struct db_rows *out,
		    struct dmr_error *err);

#endif
