#ifndef DMR_CORE_REPORT_H
#define DMR_CORE_REPORT_H

/*
 * Reports: the rules that every front door shares. A front door parses its wire format into a
 * struct report_input or struct report_query, calls these functions, and prints the struct
 * report_view rows they return in its own format. Validation, routing and storage happen here
 * and in the database transaction that stores the report; nothing here knows about HTTP.
 */

#include <libpq-fe.h>
#include <stdbool.h>

#include "base/error.h"
#include "base/workpool.h"
#include "db/pool.h"
#include "db/statements.h"

#define REPORT_DESCRIPTION_MAX 4000
#define REPORT_ADDRESS_MAX 500
#define REPORT_EMAIL_MAX 254
#define REPORT_DEVICE_ID_MAX 200
#define REPORT_NAME_MAX 100
#define REPORT_PHONE_MAX 40
#define REPORT_IDEMPOTENCY_KEY_MIN 16
#define REPORT_IDEMPOTENCY_KEY_MAX 200
#define REPORT_SEARCH_LIMIT_MAX 1000
#define REPORT_SEARCH_LIMIT_DEFAULT 50
#define REPORT_RADIUS_MAX 5000.0
#define REPORT_RADIUS_DEFAULT 200.0

/* Reporting channels and their letter in the public number. */
enum report_channel {
	CHANNEL_WEB = 'S',
	CHANNEL_ANDROID = 'G',
	CHANNEL_IOS = 'A',
	CHANNEL_OPEN311 = 'O', /* an application of a partner, through Open311 */
};

struct report_input {
	long long category_id;
	bool has_position; /* false: take the position of a geotagged photo */
	double lat, lon;
	const char *description; /* NULL when absent */
	const char *address;
	const char *email;
	const char *device_id;
	const char *first_name, *last_name, *phone; /* personal data, like the e-mail */
	const char *client_key; /* an Open311 api_key: a token of role client; NULL for none */
	int priority; /* 1 dangerous, 2 very annoying, 3 annoying */
	char channel;
	const char *idempotency_key; /* NULL when absent */
	const char *request_hash;    /* with a key: SHA-256 (hex) of the request as the door read it */
};

/* One public report, pointing into the PGresult it was read from. */
struct report_view {
	long long id;
	const char *number, *status;
	int category_id, parent_id;
	const char *category_label, *parent_label;
	const char *service_code, *service_name;
	const char *sector_code, *sector_name; /* NULL without sector */
	int arrondissement, priority;
	const char *description;
	const char *address; /* the nearest address point's label; "" when none within 150 m */
	bool has_address_distance;
	double address_distance_m;
	const char *quartier_code, *quartier_name; /* NULL until dmrctl fill-places */
	const char *park;                          /* the park or wood it lies in; NULL if none */
	double lat, lon;
	char channel;
	const char *created_at;
	const char *routing_rule;
	const char *photos; /* "view:sha256" pairs separated by commas, NULL without photo */
	int version;        /* raised by every transition */
	const char *expected_at; /* the deadline: creation + the category's delay */
	bool overdue;            /* open and past its deadline */
	const char *acknowledged_at, *scheduled_for, *resolved_at; /* NULL until then */
	int followers;
	long long duplicate_of; /* 0 unless rejected as a duplicate */
	const char *duplicate_of_number;
	const char *reject_reason; /* code of a listed reason; NULL for free text */
	const char *reject_label;  /* the reason's label or text; NULL unless rejected */
	bool has_routing_distance;
	double routing_distance_m;
	bool has_distance; /* searches near a point */
	double distance_m;
};

/* The columns of a report row (REPORT_COLUMNS and a distance): a statement's own come next. */
enum { REPORT_ROW_WIDTH = 38 };

/* Rows of report_public owned by the caller: free with report_rows_free. */
struct report_rows {
	PGresult *res;
	int count;
	char next_cursor[64]; /* empty on the last page */
};

enum report_search_mode { SEARCH_ALL, SEARCH_NEAR, SEARCH_BBOX };

struct report_query {
	enum report_search_mode mode;
	double lat, lon, radius_m;          /* SEARCH_NEAR */
	double bbox[4];                     /* SEARCH_BBOX: min lon, min lat, max lon, max lat */
	long long category_id;              /* 0: any */
	const char *statuses;               /* comma-separated, NULL: any */
	const char *service;                /* service code, NULL: any */
	const char *since;                  /* ISO 8601, NULL: any */
	int limit;
	const char *cursor;                 /* NULL: first page */
};

/* A text field: valid UTF-8 (422 invalid_utf8) of at most max characters; NULL passes. */
bool report_text_check(const char *value, const char *field, size_t max,
		       struct dmr_error *err);

/* Field checks that need no database: ranges, lengths, UTF-8, e-mail shape, the key. */
bool report_input_check(const struct report_input *in, struct dmr_error *err);

/*
 * An idempotency key is 16 to 200 printable ASCII characters (NULL passes): it stands for
 * the report's edit token, so it must be too long to guess. 400 invalid_parameter otherwise.
 */
bool report_idempotency_key_check(const char *key, struct dmr_error *err);

/* A photo sent with a report or for one: close, far (reporter) or done (service). */
struct report_photo_in {
	const char *view;
	const unsigned char *bytes;
	size_t len;
};

#define REPORT_EDIT_TOKEN_SIZE 65 /* 64 hexadecimal digits and the NUL */

/*
 * Processes the photos (photo/photo.h) on the photo workers, validates, routes and stores
 * the report and its photos in one transaction. *replayed tells an idempotent replay (the
 * photos of the first request stay). edit_token receives the reporter's private token: drawn
 * at random, or, with an idempotency key, derived from the key, so that every replay gets
 * the same token and none replaces another. With a client_key, the client is checked first
 * (403 forbidden when the key is unknown, revoked or not a client's) and remembered by the
 * report. Rows hold one report.
 */
bool report_create(struct db_pool *pool, struct workpool *workers,
		   const struct report_input *in, const struct report_photo_in *photos,
		   int nphotos, struct report_rows *out,
		   bool *replayed, char edit_token[REPORT_EDIT_TOKEN_SIZE], struct dmr_error *err);

/*
 * Adds or replaces one photo of a report: close and far for the holder of its edit token,
 * done for an agent or contractor of its service (401/403/404). The token is checked before
 * the photo is decoded. A replaced photo no report uses any more is deleted from the store.
 */
bool report_put_photo(struct db_pool *pool, struct workpool *workers, long long id,
		      const char *token, const struct report_photo_in *photo,
		      struct dmr_error *err);

/* Removes one photo of a report, with the same rights as report_put_photo; 404 if none. */
bool report_delete_photo(struct db_pool *pool, long long id, const char *token,
			 const char *view, struct dmr_error *err);

/* The processed JPEG (or its thumbnail) of that SHA-256: one bytea row, binary. 404 if none. */
PGresult *report_photo_bytes(struct db_pool *pool, const char *sha256, bool thumbnail,
			     struct dmr_error *err);

/* One report by id; 404 not_found when absent. */
bool report_get(struct db_pool *pool, long long id, struct report_rows *out,
		struct dmr_error *err);

/* What the bearer of a token may read of a report besides its public face. */
struct report_private {
	bool staff;          /* the staff of the report (dmr_report_viewer) */
	char *address_given; /* the address the client typed: the staff's only, else NULL */
};

/*
 * Reads it for token (dmr_report_private): 404 not_found for an unknown report, 401 for a bad
 * token. Release with report_private_free.
 */
bool report_private_read(struct db_pool *pool, long long id, const char *token,
			 struct report_private *out, struct dmr_error *err);
void report_private_free(struct report_private *p);

/* Checks the query (400 invalid_parameter, 422 for out-of-range values) and runs it. */
bool report_search(struct db_pool *pool, const struct report_query *q, struct report_rows *out,
		   struct dmr_error *err);

/* Runs a statement whose columns are REPORT_COLUMNS and a distance (or NULL) into out. */
bool report_rows_query(struct db_pool *pool, int stmt, const char *const *params,
		       struct report_rows *out, struct dmr_error *err);

void report_view_read(const struct report_rows *rows, int i, struct report_view *v);

/* The SHA-256 of the report's photo of that view (close, far, done); false when it has none. */
bool report_view_photo(const struct report_view *v, const char *view, char sha[65]);
void report_rows_free(struct report_rows *rows);

/* True when s is one of the lifecycle statuses. */
bool report_status_known(const char *s, size_t len);

/*
 * A comma-separated list of statuses as a PostgreSQL array literal, each entry checked:
 * 400 invalid_parameter naming `status` otherwise.
 */
bool report_statuses_array(const char *list, char *out, size_t size, struct dmr_error *err);

/* Coordinates that are finite and on the globe; fills err naming the field otherwise. */
bool report_check_coordinates(double lat, double lon, struct dmr_error *err);

#endif
