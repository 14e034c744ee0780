#ifndef DMR_CORE_FOLLOW_H
#define DMR_CORE_FOLLOW_H

/*
 * Citizens and the reports of others: following a report ("je suis aussi concerné") and
 * finding, before sending, the open reports that may already describe the same thing.
 * Followers are personal data: only their count ever reaches a public answer.
 */

#include <stdbool.h>

#include "base/error.h"
#include "core/report.h"
#include "db/pool.h"

/* Who follows: an e-mail, a device id, or both; at least one. */
struct follower_input {
	const char *email;
	const char *device_id;
};

/* What a follow or unfollow left: the report followed (the original of a duplicate). */
struct follow_result {
	long long report_id;
	int followers;
};

/*
 * Follows an open report, or the original of a duplicate; following twice changes nothing.
 * 404 unknown report, 409 report_closed, 422 bad e-mail or device id.
 */
bool follow_add(struct db_pool *pool, long long report_id, const struct follower_input *who,
		struct follow_result *out, struct dmr_error *err);

/* Stops following; the same answer whether that follower existed or not. */
bool follow_remove(struct db_pool *pool, long long report_id, const struct follower_input *who,
		   struct follow_result *out, struct dmr_error *err);

/*
 * Up to 5 open reports of the category's top category within its duplicate radius (metres on
 * the ground, 50 by default), created in the last 30 days, nearest first, with distance_m;
 * exclude_id (0: none) is left out. 422 for an unknown category.
 */
bool follow_suggestions(struct db_pool *pool, double lat, double lon, long long category_id,
			long long exclude_id, struct report_rows *out, struct dmr_error *err);

#endif
