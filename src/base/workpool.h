#ifndef DMR_BASE_WORKPOOL_H
#define DMR_BASE_WORKPOOL_H

/*
 * A few threads of lower scheduling priority for heavy CPU work (photo decoding). The caller
 * hands a job over and waits for it, its own thread asleep meanwhile. Two things follow: no
 * more photos are decoded at once than there are workers (each takes tens of megabytes and a
 * core for tens of milliseconds, so an upload burst cannot take every HTTP thread's memory
 * and CPU at once), and when the cores are contended the kernel favours light requests and
 * PostgreSQL over the decoding. On an idle machine nothing is lost.
 */

#include <stdbool.h>

struct workpool;

/* threads >= 1; nice becomes the workers' nice value (0 to 19: no privilege is needed). */
struct workpool *workpool_create(int threads, int nice);

/* Runs fn(arg) on a worker and returns when it has finished. */
void workpool_run(struct workpool *pool, void (*fn)(void *arg), void *arg);

/* Waits for the jobs in progress, stops the workers, frees the pool; NULL is a no-op. */
void workpool_destroy(struct workpool *pool);

#endif
