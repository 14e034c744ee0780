#ifndef DMR_CORE_SESSION_H
#define DMR_CORE_SESSION_H

/*
 * Staff sessions of the web pages. A person signs in once with a staff token (agent,
 * contractor, supervisor, admin) and gets a session: a secret, of which the database keeps only
 * the hash, that lasts a fixed number of hours (DMR_SESSION_HOURS), never past its token's
 * expiry. While the session and its token live, its secret stands for the token everywhere a
 * token is read (dmr_token_lookup), with the token's role and services; revoking the token
 * ends its sessions. The rules are the SQL functions of sql/functions/20_tokens.sql.
 */

#include <stdbool.h>

#include "base/error.h"
#include "db/pool.h"

#define SESSION_SECRET_SIZE 72 /* "dms_", 64 hexadecimal digits and the NUL */
#define SESSION_TOKEN_MAX 512  /* the longest token, as the longest bearer token */

struct session_opened {
	char secret[SESSION_SECRET_SIZE];
	long long seconds; /* until it expires */
};

/*
 * Opens a session with a staff token, for hours at most. 401 unauthorized for a token that is
 * missing, malformed, unknown, expired or revoked, or that is a session's secret; 403
 * forbidden for a role that is not the staff's (an Open311 client's key).
 */
bool session_open(struct db_pool *pool, const char *token, int hours, struct session_opened *out,
		  struct dmr_error *err);

/* Ends the session of that secret (signing out); any other secret changes nothing. */
bool session_end(struct db_pool *pool, const char *secret, struct dmr_error *err);

/* Who bears a token or a session's secret; points into the rows of session_whoami. */
struct whoami_view {
	const char *role;
	const char *name;          /* the token's */
	const char *services_json; /* a JSON array of service codes */
	const char *session_expires_at; /* UTC; NULL for a token itself */
};

/* One row: who bears the secret. 401 unauthorized when nobody does (or no secret). */
bool session_whoami(struct db_pool *pool, const char *secret, struct db_rows *out,
		    struct dmr_error *err);
void whoami_view_read(const struct db_rows *rows, struct whoami_view *v);

#endif
