#include "db/statements.h"

#include "core/report.h"

/* Filters shared by both searches, given the numbers of their four parameters. */
#define SEARCH_FILTERS(cat, statuses, service, since)                                     \
	" AND ($" cat "::int IS NULL OR category_id = $" cat " OR parent_id = $" cat ")"   \
	" AND ($" statuses "::text[] IS NULL OR status = ANY ($" statuses "::text[]))"     \
	" AND ($" service "::text IS NULL OR service_code = $" service ")"                 \
	" AND ($" since "::timestamptz IS NULL OR created_ts >= $" since "::timestamptz)"

const struct db_statement dmr_statements[STMT_COUNT] = {
	[STMT_PING] = {"SELECT 1", 0},
	[STMT_CATEGORIES] = {
		"SELECT c.id, c.parent_id, c.label, s.code, c.agent_only"
		" FROM category c LEFT JOIN service s ON s.id = c.service_id"
		" WHERE c.active AND (c.parent_id IS NULL"
		"   OR EXISTS (SELECT 1 FROM category p WHERE p.id = c.parent_id AND p.active))"
		" ORDER BY coalesce(c.parent_id, c.id), c.parent_id IS NOT NULL, c.id", 0},
	[STMT_SERVICES] = {"SELECT code, name, kind FROM service WHERE active ORDER BY code", 0},
	[STMT_AREAS_GEOJSON] = {
		"SELECT json_build_object('type', 'FeatureCollection', 'features',"
		"   coalesce(json_agg(json_build_object('type', 'Feature', 'id', kind || ':' || code,"
		"     'geometry', ST_AsGeoJSON(geom, 6)::json,"
		"     'properties', json_build_object('code', code, 'name', name, 'kind', kind,"
		"       'arrondissement', arrondissement))"
		"   ORDER BY arrondissement, code), '[]'::json))::text"
		" FROM area WHERE kind = $1", 1},
	[STMT_ROUTE_PREVIEW] = {
		"SELECT service_code, service_name, sector_code, sector_name, arrondissement, rule,"
		" distance_m FROM dmr_route_preview($1::int, $2::float8, $3::float8)", 3},
	[STMT_REPORT_CREATE] = {
		"SELECT replayed, report_id FROM dmr_create_report($1::int, $2::float8, $3::float8,"
		" $4, $5, $6::int, $7::char, $8, $9, $10, $11)", 11},
	[STMT_REPORT_GET] = {"SELECT " REPORT_COLUMNS ", NULL::float8"
			     " FROM report_public WHERE id = $1::bigint", 1},
	/*
	 * Nearest first on the geography index (KNN). The sphere distance is the sort key, the
	 * cursor and the answer, so that pages follow each other exactly.
	 */
	[STMT_REPORT_SEARCH_NEAR] = {
		"SELECT " REPORT_COLUMNS ", d FROM ("
		" SELECT r.*, r.point::geography <-> q.g AS d"
		" FROM report_public r,"
		"   (SELECT ST_SetSRID(ST_MakePoint($2::float8, $1::float8), 4326)::geography AS g) q"
		" WHERE ST_DWithin(r.point::geography, q.g, $3::float8, false)"
		SEARCH_FILTERS("4", "5", "6", "7")
		" ORDER BY r.point::geography <-> q.g, r.id) x"
		" WHERE $9::float8 IS NULL OR (d, id) > ($9::float8, $10::bigint)"
		" LIMIT $8::int", 10},
	/* Newest first, optionally inside a box ($1..$4: min lon, min lat, max lon, max lat). */
	[STMT_REPORT_SEARCH_LIST] = {
		"SELECT " REPORT_COLUMNS ", NULL::float8 FROM report_public"
		" WHERE ($1::float8 IS NULL"
		"   OR point && ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, 4326))"
		" AND ($5::bigint IS NULL OR id < $5::bigint)"
		SEARCH_FILTERS("6", "7", "8", "9")
		" ORDER BY id DESC LIMIT $10::int", 10},
};
