#include <pthread.h>
#include <stdlib.h>
#include <stdatomic.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/workpool.h"
#include "tap.h"

static atomic_int done_jobs;
static atomic_int low_priority_jobs;

static void job(void *arg)
{
	int *ran = arg;

	*ran += 1;
	atomic_fetch_add(&done_jobs, 1);
	if (getpriority(PRIO_PROCESS, (id_t)gettid()) == 10)
		atomic_fetch_add(&low_priority_jobs, 1);
}

static void *caller(void *arg)
{
	struct workpool *pool = arg;

	for (int i = 0; i < 50; i++) {
		int ran = 0;

		workpool_run(pool, job, &ran);
		if (ran != 1)
			return (void *)1;
	}
	return NULL;
}

/* A submitted job, which frees itself when it has run: the worker must not touch it after. */
struct owned_job {
	struct workpool_job job;
	atomic_int *count;
};

static void owned(void *arg)
{
	struct owned_job *o = arg;

	atomic_fetch_add(o->count, 1);
	free(o);
}

static void test_submit(void)
{
	struct workpool *pool = workpool_create(3, 0);
	atomic_int count = 0;
	bool queued = true;

	for (int i = 0; i < 300 && queued; i++) {
		struct owned_job *o = malloc(sizeof *o);

		queued = o != NULL;
		if (o) {
			*o = (struct owned_job){.job = {.fn = owned, .arg = o}, .count = &count};
			workpool_submit(pool, &o->job);
		}
	}
	workpool_destroy(pool);
	ok(queued && atomic_load(&count) == 300,
	   "300 submitted jobs ran before the pool ended, each freeing itself");
}

int main(void)
{
	struct workpool *pool = workpool_create(2, 10);
	pthread_t callers[4];
	void *failed = NULL;

	ok(pool != NULL, "a pool of two workers starts");
	for (int i = 0; i < 4; i++)
		pthread_create(&callers[i], NULL, caller, pool);
	for (int i = 0; i < 4; i++) {
		void *r;

		pthread_join(callers[i], &r);
		failed = failed ? failed : r;
	}
	ok(!failed, "every call returns after its own job has run, exactly once");
	ok(atomic_load(&done_jobs) == 200, "200 jobs from 4 threads all ran");
	ok(atomic_load(&low_priority_jobs) == 200, "the jobs ran at the lowered priority");
	workpool_destroy(pool);
	workpool_destroy(NULL);
	ok(1, "destroying the pool, and NULL, returns");
	test_submit();
	return tap_done();
}
