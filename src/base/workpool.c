#include "base/workpool.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "base/log.h"

struct workpool {
	pthread_mutex_t lock;
	pthread_cond_t queued;
	pthread_cond_t finished;
	struct workpool_job *head, *tail;
	bool stopping;
	int nice;
	int count;
	pthread_t *threads;
};

static struct workpool_job *next_job(struct workpool *pool)
{
	struct workpool_job *job;

	pthread_mutex_lock(&pool->lock);
	while (!pool->head && !pool->stopping)
		pthread_cond_wait(&pool->queued, &pool->lock);
	job = pool->head;
	if (job) {
		pool->head = job->next;
		if (!pool->head)
			pool->tail = NULL;
	}
	pthread_mutex_unlock(&pool->lock);
	return job;
}

static void *worker(void *arg)
{
	struct workpool *pool = arg;
	struct workpool_job *job;

	/* Per thread on Linux: PRIO_PROCESS with a thread id lowers only this thread. */
	if (setpriority(PRIO_PROCESS, (id_t)gettid(), pool->nice) != 0)
		log_warn("worker keeps its priority: setpriority failed");
	while ((job = next_job(pool))) {
		bool waiter = job->waiter; /* read first: a submitted job may be gone after fn */

		job->fn(job->arg);
		if (!waiter)
			continue;
		pthread_mutex_lock(&pool->lock);
		job->done = true;
		pthread_cond_broadcast(&pool->finished);
		pthread_mutex_unlock(&pool->lock);
	}
	return NULL;
}

struct workpool *workpool_create(int threads, int nice)
{
	struct workpool *pool = calloc(1, sizeof *pool);

	if (!pool)
		return NULL;
	pool->threads = calloc((size_t)threads, sizeof *pool->threads);
	if (!pool->threads) {
		free(pool);
		return NULL;
	}
	pthread_mutex_init(&pool->lock, NULL);
	pthread_cond_init(&pool->queued, NULL);
	pthread_cond_init(&pool->finished, NULL);
	pool->nice = nice;
	for (; pool->count < threads; pool->count++)
		if (pthread_create(&pool->threads[pool->count], NULL, worker, pool) != 0)
			break;
	if (pool->count == 0) {
		workpool_destroy(pool);
		return NULL;
	}
	return pool;
}

/* Appends the job to the queue; the caller holds the lock. */
static void enqueue(struct workpool *pool, struct workpool_job *job)
{
	job->next = NULL;
	if (pool->tail)
		pool->tail->next = job;
	else
		pool->head = job;
	pool->tail = job;
	pthread_cond_signal(&pool->queued);
}

void workpool_run(struct workpool *pool, void (*fn)(void *arg), void *arg)
{
	struct workpool_job job = {.fn = fn, .arg = arg, .waiter = true};

	pthread_mutex_lock(&pool->lock);
	enqueue(pool, &job);
	while (!job.done)
		pthread_cond_wait(&pool->finished, &pool->lock);
	pthread_mutex_unlock(&pool->lock);
}

void workpool_submit(struct workpool *pool, struct workpool_job *job)
{
	job->waiter = false;
	job->done = false;
	pthread_mutex_lock(&pool->lock);
	enqueue(pool, job);
	pthread_mutex_unlock(&pool->lock);
}

void workpool_destroy(struct workpool *pool)
{
	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = true;
	pthread_cond_broadcast(&pool->queued);
	pthread_mutex_unlock(&pool->lock);
	for (int i = 0; i < pool->count; i++)
		pthread_join(pool->threads[i], NULL);
	pthread_mutex_destroy(&pool->lock);
	pthread_cond_destroy(&pool->queued);
	pthread_cond_destroy(&pool->finished);
	free(pool->threads);
	free(pool);
}
