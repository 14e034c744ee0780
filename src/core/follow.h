#ifndef DMR_CORE_FOLLOW_H
#define DMR_CORE_FOLLOW_H

/*
 * Citizens and the reports of others: following a report ("je suis aussi concerné") and
 * finding, before sending, the open reports that may already describe the same thing.
 * Followers are personal data: only their count ever reaches a public answer, and no answer
 * tells whether an address follows (docs/security.md).
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

/*
 * What a follow or unfollow left: the report followed (the original of a duplicate), its
 * count, and whether an e-mail follow waits for its owner's confirmation.
 */
struct follow_result {
	long long report_id;
	int followers;
	bool awaiting_email;
};

/*
 * Follows an open report, or the original of a duplicate. A device id follows at once
 * (twice changes nothing). An e-mail follows once its owner follows the link of the
 * confirmation message sent to it (at most one a day to an address not confirmed yet):
 * until then the count does not move, and the answer is the same whether the address is
 * new, waiting or already following. 404 unknown report, 409 report_closed, 422 bad e-mail
 * or device id.
 */
bool follow_add(struct db_pool *pool, long long report_id, const struct follower_input *who,
		struct follow_result *out, struct dmr_error *err);

/*
 * A device stops following: the same answer whether it followed or not. An e-mail alone
 * proves nothing (403): e-mail followers unsubscribe with the link of any of their e-mails.
 */
bool follow_remove(struct db_pool *pool, long long report_id, const struct follower_input *who,
		   struct follow_result *out, struct dmr_error *err);

/* The report a link of an e-mail was about. */
struct link_result {
	long long report_id; /* 0 when the link names no report (an address, a follower gone) */
	char number[32];
};

/*
 * The link of a confirmation message: confirms the address (and sends what was held for
 * it) or the follow it names. 404 invalid_link for a token that is not ours, 410
 * link_expired past its 7 days or for a follow removed since. A second use changes nothing.
 */
bool follow_confirm(struct db_pool *pool, const char *token, struct link_result *out,
		    struct dmr_error *err);

/* The unsubscribe link of a follower's e-mail: it hears no more of the report. 404, 410. */
bool follow_unsubscribe(struct db_pool *pool, const char *token, struct link_result *out,
			struct dmr_error *err);

/*
 * Up to 5 open reports of the category's top category within its duplicate radius (metres on
 * the ground, 50 by default), created in the last 30 days, nearest first, with distance_m;
 * exclude_id (0: none) is left out. 422 for an unknown category.
 */
bool follow_suggestions(struct db_pool *pool, double lat, double lon, long long category_id,
			long long exclude_id, struct report_rows *out, struct dmr_error *err);

#endif
