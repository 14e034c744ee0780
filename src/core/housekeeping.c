#include "core/housekeeping.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "base/log.h"
#include "db/statements.h"

struct housekeeper {
	struct db_pool *pool;
	int interval_seconds;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	bool stopping;
};

bool housekeeping_run(struct db_pool *pool, long long *deleted, char *summary, size_t size,
		      struct dmr_error *err)
{
	PGresult *res = db_query(pool, STMT_HOUSEKEEPING, NULL, err);
	size_t used = 0;

	if (!res)
		return false;
	*deleted = 0;
	summary[0] = '\0';
	for (int i = 0; i < PQntuples(res); i++) {
		int n = snprintf(summary + used, size - used, "%s%s %s", i ? ", " : "",
				 PQgetvalue(res, i, 1), PQgetvalue(res, i, 0));

		used = n < 0 || (size_t)n >= size - used ? size - 1 : used + (size_t)n;
		*deleted += strtoll(PQgetvalue(res, i, 1), NULL, 10);
	}
	PQclear(res);
	return true;
}

static void pass(struct housekeeper *h)
{
	struct dmr_error err;
	char summary[256];
	long long deleted;

	if (!housekeeping_run(h->pool, &deleted, summary, sizeof summary, &err))
		log_warn("housekeeping: %s", err.message);
	else if (deleted)
		log_info("housekeeping: deleted %s", summary);
}

static void *housekeeper_main(void *arg)
{
	struct housekeeper *h = arg;
	struct timespec until;

	pthread_mutex_lock(&h->lock);
	while (!h->stopping) {
		pthread_mutex_unlock(&h->lock);
		pass(h);
		pthread_mutex_lock(&h->lock);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += h->interval_seconds;
		while (!h->stopping &&
		       pthread_cond_timedwait(&h->wake, &h->lock, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&h->lock);
	return NULL;
}

struct housekeeper *housekeeper_start(struct db_pool *pool, int interval_seconds)
{
	struct housekeeper *h = calloc(1, sizeof *h);

	if (!h)
		return NULL;
	h->pool = pool;
	h->interval_seconds = interval_seconds;
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->wake, NULL);
	if (pthread_create(&h->thread, NULL, housekeeper_main, h) != 0) {
		pthread_cond_destroy(&h->wake);
		pthread_mutex_destroy(&h->lock);
		free(h);
		return NULL;
	}
	return h;
}

void housekeeper_stop(struct housekeeper *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->lock);
	h->stopping = true;
	pthread_cond_signal(&h->wake);
	pthread_mutex_unlock(&h->lock);
	pthread_join(h->thread, NULL);
	pthread_cond_destroy(&h->wake);
	pthread_mutex_destroy(&h->lock);
	free(h);
}
