#ifndef DMR_DB_STATEMENTS_H
#define DMR_DB_STATEMENTS_H

/*
 * Every SQL statement dmrd runs, prepared on each pooled connection (see db/pool.h).
 * Parameters are always bound, never concatenated into SQL.
 */

#include "db/pool.h"

/* The public columns of view report_public, in the order struct report_view is read from. */
#define REPORT_COLUMNS                                                                        \
	"id, number, status, category_id, category_label, parent_id, parent_label,"           \
	" service_code, service_name, sector_code, sector_name, arrondissement, priority,"    \
	" description, address, lat, lon, channel, created_at, routing_rule, routing_distance_m," \
	" photos, version, expected_at, overdue, acknowledged_at, scheduled_for, resolved_at,"    \
	" followers, duplicate_of, duplicate_of_number, reject_reason, reject_label,"            \
	" address_distance_m, quartier_code, quartier_name, park"

/* An address point as address_view reads it (core/address.h). */
#define ADDRESS_COLUMNS "address_id, label, number, suffix, street, postcode, lat, lon"

enum stmt {
	STMT_PING,
	STMT_CATEGORIES,
	STMT_SERVICES,
	STMT_AREAS_GEOJSON,
	STMT_ROUTE_PREVIEW,
	STMT_REPORT_CREATE,
	STMT_REPORT_GET,
	STMT_REPORT_PRIVATE,
	STMT_REPORT_SEARCH_NEAR,
	STMT_REPORT_SEARCH_LIST,
	STMT_PHOTO_ATTACH,
	STMT_PHOTO_DETACH,
	STMT_PHOTO_BYTES,
	STMT_PHOTO_RIGHT_CHECK,
	STMT_TRANSITION,
	STMT_EVENTS,
	STMT_FOLLOW,
	STMT_UNFOLLOW,
	STMT_EMAIL_CONFIRM,
	STMT_EMAIL_UNSUBSCRIBE,
	STMT_HOUSEKEEPING,
	STMT_SUGGESTIONS,
	STMT_QUEUE,
	STMT_QUEUE_COUNTS,
	STMT_REJECT_REASONS,
	STMT_PUT_REJECT_REASON,
	STMT_CATEGORY_DELAYS,
	STMT_AREA_OVERRIDES,
	STMT_PUT_AREA_OVERRIDE,
	STMT_OUTBOX_CLAIM,
	STMT_OUTBOX_DONE,
	STMT_STREAM_EVENTS,
	STMT_STREAM_SCOPE,
	STMT_OUTBOX_LIST,
	STMT_OUTBOX_RETRY,
	STMT_OUTBOX_STATS,
	STMT_FEED_REPORTS,
	STMT_FEED_NOTES,
	STMT_FEED_UPDATES,
	STMT_ADDRESS_REVERSE,
	STMT_ADDRESS_SEARCH,
	STMT_TILE_STATE,
	STMT_TILE_REPORTS,
	STMT_TILE_REFERENCE_VERSION,
	STMT_TILE_AREAS,
	STMT_STATS,
	STMT_EXPORT_OPEN,
	STMT_EXPORT_FETCH,
	STMT_SESSION_OPEN,
	STMT_SESSION_END,
	STMT_WHOAMI,
	STMT_COUNT
};

extern const struct db_statement dmr_statements[STMT_COUNT];

#endif
