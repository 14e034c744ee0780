#include "core/follow.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/text.h"
#include "db/statements.h"

static bool check_follower(const struct follower_input *who, struct dmr_error *err)
{
	if (!who->email && !who->device_id)
		return dmr_fail(err, "missing_field", "email",
				"send an email or a device_id to follow a report");
	if (!report_text_check(who->email, "email", REPORT_EMAIL_MAX, err))
		return false;
	if (who->email && !text_email_plausible(who->email))
		return dmr_fail(err, "invalid_field", "email", "email is not an e-mail address");
	if (who->device_id && !text_token_valid(who->device_id, REPORT_DEVICE_ID_MAX))
		return dmr_fail(err, "invalid_field", "device_id",
				"device_id must be 1 to 200 printable ASCII characters");
	return true;
}

/*
 * Runs a follow statement for the report (its first parameter), whose columns are the report
 * followed, its count and, when there is a third, whether an e-mail follow waits.
 */
static bool run_follow(struct db_pool *pool, int stmt, long long report_id,
		       const char **params, struct follow_result *out, struct dmr_error *err)
{
	char id[24];
	PGresult *res;

	snprintf(id, sizeof id, "%lld", report_id);
	params[0] = id;
	res = db_query(pool, stmt, params, err);
	if (!res)
		return false;
	out->report_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	out->followers = atoi(PQgetvalue(res, 0, 1));
	out->awaiting_email = PQnfields(res) > 2 && PQgetvalue(res, 0, 2)[0] == 't';
	PQclear(res);
	return true;
}

bool follow_add(struct db_pool *pool, long long report_id, const struct follower_input *who,
		struct follow_result *out, struct dmr_error *err)
{
	const char *params[3] = {NULL, who->email, who->device_id};

	return check_follower(who, err) && run_follow(pool, STMT_FOLLOW, report_id, params, out, err);
}

bool follow_remove(struct db_pool *pool, long long report_id, const struct follower_input *who,
		   struct follow_result *out, struct dmr_error *err)
{
	const char *params[2] = {NULL, who->device_id};

	if (who->email)
		return dmr_fail(err, "forbidden", "email",
				"an e-mail proves nothing: e-mail followers unsubscribe with the "
				"link at the end of any of our e-mails");
	if (!who->device_id)
		return dmr_fail(err, "missing_field", "device_id",
				"send the device_id that follows the report");
	return check_follower(who, err) &&
	       run_follow(pool, STMT_UNFOLLOW, report_id, params, out, err);
}

/* Runs a link's statement; its columns are the report's id and number (NULL: none). */
static bool run_link(struct db_pool *pool, int stmt, const char *token, struct link_result *out,
		     struct dmr_error *err)
{
	const char *params[1] = {token};
	PGresult *res;

	memset(out, 0, sizeof *out);
	/* Ours are short and ASCII; anything else is not worth a statement. */
	if (!token || !text_token_valid(token, 100))
		return dmr_fail(err, "invalid_link", "token", "this link is not one of ours");
	res = db_query(pool, stmt, params, err);
	if (!res)
		return false;
	if (!PQgetisnull(res, 0, 0)) {
		out->report_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
		snprintf(out->number, sizeof out->number, "%s", PQgetvalue(res, 0, 1));
	}
	PQclear(res);
	return true;
}

bool follow_confirm(struct db_pool *pool, const char *token, struct link_result *out,
		    struct dmr_error *err)
{
	return run_link(pool, STMT_EMAIL_CONFIRM, token, out, err);
}

bool follow_unsubscribe(struct db_pool *pool, const char *token, struct link_result *out,
			struct dmr_error *err)
{
	return run_link(pool, STMT_EMAIL_UNSUBSCRIBE, token, out, err);
}

bool follow_suggestions(struct db_pool *pool, double lat, double lon, long long category_id,
			long long exclude_id, struct report_rows *out, struct dmr_error *err)
{
	char la[32], lo[32], category[24], exclude[24];
	const char *params[4] = {la, lo, category, exclude_id ? exclude : NULL};

	memset(out, 0, sizeof *out);
	if (!report_check_coordinates(lat, lon, err))
		return false;
	if (category_id <= 0 || category_id > INT32_MAX)
		return dmr_fail(err, "unknown_category", "category_id",
				"no category has id %lld", category_id);
	snprintf(la, sizeof la, "%.17g", lat);
	snprintf(lo, sizeof lo, "%.17g", lon);
	snprintf(category, sizeof category, "%lld", category_id);
	snprintf(exclude, sizeof exclude, "%lld", exclude_id);
	return report_rows_query(pool, STMT_SUGGESTIONS, params, out, err);
}
