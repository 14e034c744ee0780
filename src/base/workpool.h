#ifndef DMR_BASE_WORKPOOL_H
#define DMR_BASE_WORKPOOL_H

/*
 * A fixed number of worker threads that run jobs in the order they came.
 *
 * Photo decoding runs on a few of them at a lower scheduling priority: the caller hands a
 * job over and waits for it (workpool_run), its own thread asleep meanwhile. Two things
 * follow: no more photos are decoded at once than there are workers (each takes tens of
 * megabytes and a core for tens of milliseconds, so an upload burst cannot take every
 * thread's memory and CPU at once), and when the cores are contended the kernel favours
 * light requests and PostgreSQL over the decoding. On an idle machine nothing is lost.
 *
 * The HTTP server runs its handlers on others, without waiting (workpool_submit): the event
 * threads go on serving other connections while a handler waits for the database or a photo.
 */

#include <stdbool.h>

struct workpool;

/* A job handed over without waiting: the caller owns it, and keeps it alive until fn runs. */
struct workpool_job {
	void (*fn)(void *arg);
	void *arg;
	bool waiter;              /* set by workpool_run: somebody waits for done */
	bool done;
	struct workpool_job *next;
};

/* threads >= 1; nice becomes the workers' nice value (0 to 19: no privilege is needed). */
struct workpool *workpool_create(int threads, int nice);

/* Runs fn(arg) on a worker and returns when it has finished. */
void workpool_run(struct workpool *pool, void (*fn)(void *arg), void *arg);

/*
 * Queues job->fn(job->arg) and returns at once. The worker never touches the job after fn
 * starts, so fn may end the life of the job's memory (its last act may hand it back).
 */
void workpool_submit(struct workpool *pool, struct workpool_job *job);

/* Waits for the jobs in progress, stops the workers, frees the pool; NULL is a no-op. */
void workpool_destroy(struct workpool *pool);

#endif
