#ifndef DMR_CORE_LIFECYCLE_H
#define DMR_CORE_LIFECYCLE_H

/*
 * The lifecycle of a report: transitions and their history. Which role may make which move
 * is one table in the database (lifecycle_transition, migration 0003); the rights, the row
 * lock and the event are checked and written by dmr_transition in one transaction. A front
 * door passes the bearer's token as it came: an API token, or the report's edit token.
 */

#include <libpq-fe.h>
#include <stdbool.h>

#include "base/error.h"
#include "core/report.h"
#include "db/pool.h"

#define LIFECYCLE_NOTE_MAX 2000
#define LIFECYCLE_REASON_MAX 500

/* A move asked for; strings are NULL when absent. */
struct transition_input {
	long long report_id;
	const char *token;
	const char *to;
	const char *note;          /* for the staff and the reporter */
	const char *message;       /* public: the services' answer to the citizen */
	const char *scheduled_for; /* YYYY-MM-DD, with to=scheduled */
	const char *reason;        /* with to=rejected: a reason code or a free text */
	bool has_duplicate_of;
	long long duplicate_of;    /* with to=rejected: the original's id */
	const char *service;       /* with to=transferred: the receiving service's code */
	bool has_version;
	long long version;         /* the version the caller saw; not checked when absent */
};

/*
 * Checks the fields (422), makes the move, and returns the report as it is now. Errors:
 * 401 without or with an unknown token, 403, 404, 409 (details list the allowed moves, or the
 * current version), 422.
 */
bool lifecycle_transition(struct db_pool *pool, const struct transition_input *in,
			  struct report_rows *out, struct dmr_error *err);

/* One event of a report's history, pointing into the result it was read from. */
struct event_view {
	long long id;
	const char *at, *from_status, *to_status; /* from_status NULL for the creation */
	const char *message, *scheduled_for;
	const char *reason_code, *reason_label;
	long long duplicate_of;
	const char *duplicate_of_number;
	const char *from_service, *to_service; /* set by routing and transfers */
	const char *actor_role;
	const char *note;       /* NULL for the public */
	const char *actor_name; /* the token's name, for the staff only */
};

struct event_rows {
	PGresult *res;
	int count;
	const char *viewer; /* public, reporter or staff */
};

/* The history as the token's bearer may see it (token NULL: the public history). */
bool lifecycle_events(struct db_pool *pool, long long report_id, const char *token,
		      struct event_rows *out, struct dmr_error *err);
void event_view_read(const struct event_rows *rows, int i, struct event_view *v);
void event_rows_free(struct event_rows *rows);

#endif
