#include "db/statements.h"

const struct db_statement dmr_statements[STMT_COUNT] = {
	[STMT_PING] = {"SELECT 1", 0},
	[STMT_CATEGORIES] = {
		"SELECT c.id, c.parent_id, c.label, s.code, c.agent_only,"
		" extract(epoch FROM dmr_category_sla(c.id)) / 3600, dmr_category_radius(c.id)"
		" FROM category c LEFT JOIN service s ON s.id = c.service_id"
		" WHERE c.active AND (c.parent_id IS NULL"
		"   OR EXISTS (SELECT 1 FROM category p WHERE p.id = c.parent_id AND p.active))"
		" ORDER BY coalesce(c.parent_id, c.id), c.parent_id IS NOT NULL, c.id", 0},
	[STMT_SERVICES] = {"SELECT code, name, kind FROM service WHERE active ORDER BY code", 0},
	/*
	 * With a zoom $2, polygons are simplified to a pixel of a 256-pixel tile at that zoom:
	 * 360 / (256 * 2^zoom) degrees.
	 */
	[STMT_AREAS_GEOJSON] = {
		"SELECT json_build_object('type', 'FeatureCollection', 'features',"
		"   coalesce(json_agg(json_build_object('type', 'Feature', 'id', kind || ':' || code,"
		"     'geometry', ST_AsGeoJSON(CASE WHEN $2::int IS NULL THEN geom"
		"       ELSE ST_SimplifyPreserveTopology(geom, 360.0 / (256 * 2 ^ $2::int)) END,"
		"       6)::json,"
		"     'properties', CASE WHEN kind = 'park'"
		"       THEN json_build_object('code', code, 'name', name, 'kind', kind,"
		"         'arrondissement', arrondissement, 'park_type', park_type,"
		"         'division', park_division, 'workshop', park_workshop)"
		"       ELSE json_build_object('code', code, 'name', name, 'kind', kind,"
		"         'arrondissement', arrondissement) END)"
		"   ORDER BY arrondissement, code), '[]'::json))::text"
		" FROM area WHERE kind = $1", 2},
	[STMT_ROUTE_PREVIEW] = {
		"SELECT service_code, service_name, sector_code, sector_name, arrondissement, rule,"
		" distance_m FROM dmr_route_preview($1::int, $2::float8, $3::float8)", 3},
	[STMT_REPORT_CREATE] = {
		"SELECT replayed, report_id, edit_token FROM dmr_create_report($1::int, $2::float8,"
		" $3::float8, $4, $5, $6::int, $7::char, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
		16},
	[STMT_REPORT_GET] = {"SELECT " REPORT_COLUMNS ", NULL::float8"
			     " FROM report_public WHERE id = $1::bigint", 1},
	[STMT_REPORT_PRIVATE] = {
		"SELECT viewer, address_given FROM dmr_report_private($1::bigint, $2)", 2},
	/* Searches (sql/functions/40_reports.sql) plan for the filters given. */
	[STMT_REPORT_SEARCH_NEAR] = {
		"SELECT " REPORT_COLUMNS ", n.distance_m"
		" FROM dmr_reports_near($1::float8, $2::float8, $3::float8, $4::int, $5::text[], $6,"
		"   $7::timestamptz, $8::int, $9::float8, $10::bigint) n"
		" JOIN report_public ON report_public.id = n.report_id"
		" ORDER BY n.distance_m, n.report_id LIMIT $8::int", 10},
	[STMT_REPORT_SEARCH_LIST] = {
		"SELECT " REPORT_COLUMNS ", NULL::float8"
		" FROM dmr_reports_list(CASE WHEN $1::float8 IS NOT NULL THEN"
		"   ST_MakeEnvelope($1::float8, $2::float8, $3::float8, $4::float8, 4326) END,"
		"   $6::int, $7::text[], $8, $9::timestamptz, $10::int, $5::bigint) l"
		" JOIN report_public ON report_public.id = l.report_id"
		" ORDER BY l.report_id DESC", 10},
	[STMT_PHOTO_ATTACH] = {
		"SELECT dmr_attach_photo($1::bigint, $2, $3::bytea, $4::int, $5::int, $6::bytea,"
		" $7::int, $8::int)", 8},
	[STMT_PHOTO_DETACH] = {"SELECT dmr_detach_photo($1::bigint, $2)", 2},
	[STMT_PHOTO_BYTES] = {
		"SELECT CASE WHEN $2::boolean THEN thumb ELSE jpeg END FROM photo_blob"
		" WHERE sha256 = $1", 2},
	[STMT_PHOTO_RIGHT_CHECK] = {"SELECT dmr_check_photo_right($1::bigint, $2, $3)", 3},
	/*
	 * The lifecycle (sql/functions/60_lifecycle.sql): rights are checked in SQL, with the
	 * change they guard.
	 */
	[STMT_TRANSITION] = {
		"SELECT dmr_transition($1::bigint, $2, $3, $4, $5, $6::date, $7, $8::bigint, $9,"
		" $10::int)", 10},
	[STMT_EVENTS] = {"SELECT * FROM dmr_report_events($1::bigint, $2)", 2},
	[STMT_FOLLOW] = {
		"SELECT report_id, followers, awaiting FROM dmr_follow($1::bigint, $2, $3)", 3},
	[STMT_UNFOLLOW] = {"SELECT report_id, followers FROM dmr_unfollow($1::bigint, $2)", 2},
	/* The links of e-mails (sql/functions/70_followers.sql): signed tokens, checked in SQL. */
	[STMT_EMAIL_CONFIRM] = {"SELECT report_id, number FROM dmr_email_confirm($1)", 1},
	[STMT_EMAIL_UNSUBSCRIBE] = {"SELECT report_id, number FROM dmr_email_unsubscribe($1)", 1},
	[STMT_HOUSEKEEPING] = {"SELECT what, deleted FROM dmr_housekeeping()", 0},
	[STMT_SUGGESTIONS] = {
		"SELECT " REPORT_COLUMNS ", s.distance_m"
		" FROM dmr_suggestions($1::float8, $2::float8, $3::int, $4::bigint) s"
		" JOIN report_public ON report_public.id = s.report_id"
		" ORDER BY s.distance_m, s.report_id", 4},
	[STMT_QUEUE] = {
		"SELECT " REPORT_COLUMNS ", NULL::float8, q.cursor"
		" FROM dmr_queue($1, $2, $3, $4::text[], $5::boolean, $6::int, $7::int,"
		"   $8::timestamptz, $9::bigint) WITH ORDINALITY AS q (report_id, cursor, n)"
		" JOIN report_public ON report_public.id = q.report_id ORDER BY q.n", 9},
	[STMT_QUEUE_COUNTS] = {"SELECT status, total, overdue FROM dmr_queue_counts($1, $2, $3)", 3},
	[STMT_REJECT_REASONS] = {
		"SELECT code, label FROM reject_reason WHERE active ORDER BY code", 0},
	[STMT_PUT_REJECT_REASON] = {"SELECT dmr_put_reject_reason($1, $2, $3, $4::boolean)", 4},
	[STMT_CATEGORY_DELAYS] = {
		"SELECT dmr_set_category_delays($1, $2::int, $3::int, $4::float8)", 4},
	[STMT_AREA_OVERRIDES] = {
		"SELECT o.area_kind, o.category_id, c.label, s.code, o.source"
		" FROM category_area_override o JOIN category c ON c.id = o.category_id"
		" LEFT JOIN service s ON s.id = o.service_id"
		" ORDER BY o.area_kind, o.category_id", 0},
	[STMT_PUT_AREA_OVERRIDE] = {"SELECT dmr_put_area_override($1, $2, $3::int, $4)", 4},
	/* The outbox (sql/functions/80_notify.sql, notify/outbox.h). */
	[STMT_OUTBOX_CLAIM] = {
		"SELECT id, message_id, report_id, kind, channel, recipient, vars, attempts,"
		" webhook_secret, lease_id FROM dmr_outbox_claim($1::text[], $2::int, $3::int)", 3},
	[STMT_OUTBOX_DONE] = {
		"SELECT dmr_outbox_done($1::bigint, $2::uuid, $3::boolean, $4, $5::int, $6::int,"
		" $7::int)", 7},
	/* The live stream (notify/stream.h); its hub also runs STMT_STREAM_EVENTS unprepared. */
	[STMT_STREAM_EVENTS] = {
		"SELECT xid::text, id, services, data FROM dmr_stream_events($1::xid8, $2::bigint,"
		" $3::xid8, $4::bigint, $5::int[], $6::int)", 6},
	[STMT_STREAM_SCOPE] = {"SELECT unnest(keys) FROM dmr_queue_scope($1, $2, NULL)", 2},
	[STMT_OUTBOX_LIST] = {"SELECT dmr_outbox_list($1, $2, $3::bigint, $4::int)", 4},
	[STMT_OUTBOX_RETRY] = {"SELECT dmr_outbox_retry($1, $2::bigint)", 2},
	[STMT_OUTBOX_STATS] = {
		"SELECT state, channel, messages, oldest_seconds FROM dmr_outbox_stats()", 0},
	/* Open311's lists (sql/functions/85_open311.sql), in the order the function gives. */
	[STMT_FEED_REPORTS] = {
		"SELECT " REPORT_COLUMNS ", NULL::float8, d.open311_status, d.requested_w3c,"
		" d.updated_w3c, d.expected_w3c, d.status_notes"
		" FROM dmr_open311_requests($1::bigint[], $2::int[], dmr_w3c_parse($3),"
		"   dmr_w3c_parse($4), $5::boolean, dmr_w3c_parse($6), dmr_w3c_parse($7),"
		"   CASE WHEN $8::float8 IS NOT NULL THEN"
		"     ST_MakeEnvelope($8::float8, $9::float8, $10::float8, $11::float8, 4326) END,"
		"   $12::int, $13::int) WITH ORDINALITY AS l (report_id, n)"
		" JOIN report_public ON report_public.id = l.report_id"
		" CROSS JOIN LATERAL dmr_open311_dates(l.report_id) d"
		" ORDER BY l.n", 13},
	[STMT_FEED_NOTES] = {
		"SELECT report_id, at, description, type FROM dmr_open311_notes($1::bigint[])", 1},
	[STMT_FEED_UPDATES] = {
		"SELECT update_id, report_id, status, external_status, updated_at, description,"
		" done_photo FROM dmr_open311_updates(dmr_w3c_parse($1), dmr_w3c_parse($2),"
		" $3::int, $4::int)", 4},
	/* Addresses (sql/functions/35_addresses.sql). */
	[STMT_ADDRESS_REVERSE] = {
		"SELECT " ADDRESS_COLUMNS ", distance_m FROM dmr_address_reverse($1::float8, $2::float8)",
		2},
	[STMT_ADDRESS_SEARCH] = {
		"SELECT " ADDRESS_COLUMNS ", NULL::float8"
		" FROM dmr_address_search($1, $2::int, $3::float8, $4::float8)", 4},
	[STMT_TILE_STATE] = {"SELECT staff, version FROM dmr_tile_state($1)", 1},
	/* The filter's parameters (core/report_filter.h), then z, x, y. */
	[STMT_TILE_REPORTS] = {
		"SELECT dmr_tile_reports($1, $2, $3, $4, $5::int, $6::int, $7, $8, $9::boolean,"
		" $10::int, $11::int, $12::int, $13::int)", 13},
	[STMT_TILE_REFERENCE_VERSION] = {"SELECT dmr_tile_reference_version()", 0},
	[STMT_TILE_AREAS] = {"SELECT dmr_tile_areas($1, $2::int, $3::int, $4::int)", 4},
	/* The statistics and the export (sql/functions/46_stats.sql, 47_export.sql): the
	 * filters of the city's views first (core/report_filter.h). */
	[STMT_STATS] = {
		"SELECT key1, label1, key2, label2, reports, open, overdue, resolved, rejected,"
		" acknowledge_hours_median, acknowledge_hours_p90, resolve_hours_median,"
		" resolve_hours_p90, resolved_on_time_share"
		" FROM dmr_stats($1, $2, $3, $4, $5::integer, $6::integer, $7, $8, $9::boolean,"
		" $10::integer, $11)", 11},
	[STMT_EXPORT_OPEN] = {
		"SELECT dmr_export_open($1, $2, $3, $4, $5::integer, $6::integer, $7, $8,"
		" $9::boolean, $10::integer)", 10},
	[STMT_EXPORT_FETCH] = {"FETCH 2000 FROM dmr_export", 0},
	/* Staff sessions of the web pages (sql/functions/20_tokens.sql). */
	[STMT_SESSION_OPEN] = {
		"SELECT secret, ceil(extract(epoch FROM expires_at - now()))::bigint"
		" FROM dmr_session_open($1, $2::int)", 2},
	[STMT_SESSION_END] = {"SELECT dmr_session_end($1)", 1},
	[STMT_WHOAMI] = {
		"SELECT role, name, array_to_json(services)::text, dmr_utc_text(session_expires_at)"
		" FROM dmr_whoami($1)", 1},
};
