// SPDX-License-Identifier: MIT
/*
 * Shapes of real growth that the detector must flag, one thread and one distinctively named
 * noinline function each, all running for SECONDS (default 6):
 *   pat_leak_steady     4 KiB every 10 ms, never freed (400 KiB/s)
 *   pat_queue_push      an unbounded queue: a producer allocates 2 KiB messages about every
 *                       5 ms, a consumer thread frees one about every 8 ms (random sleeps)
 *   pat_churn_alloc     one call site serving both MiB of churn (every 10 ms, 8 buffers of 16-112 KiB
 *                       freed and 8 new ones allocated: 50 MiB/s) and a slow leak (2 KiB every 10 ms)
 *   pat_xthread_msg     messages allocated by one thread and freed in batches by another every
 *                       200 ms, except every 4th, which the consumer forgets (320 KiB/s)
 *   pat_late_leak       nothing until 40% of the run, then 8 KiB every 10 ms
 * tests/e2e/t_patterns.sh asserts each by function name and pattern.
 * Usage: pat_must [SECONDS=6]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

static double run_s = 6;
static struct timespec t0;

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)(t.tv_sec - t0.tv_sec) + (double)(t.tv_nsec - t0.tv_nsec) / 1e9;
}

static void sleep_ms(double ms)
{
	struct timespec t = {(time_t)(ms / 1000), (long)((ms - (double)(time_t)(ms / 1000) * 1000) * 1e6)};
	nanosleep(&t, NULL);
}

struct list {
	struct list *next;
};

/* ---- steady leak ---- */
static struct list *volatile steady_head;

NOINLINE void pat_leak_steady(void)
{
	struct list *n = malloc(4096);
	memset(n, 1, 4096);
	n->next = steady_head;
	steady_head = n;
}

static void *steady_thread(void *arg)
{
	(void)arg;
	while (now_s() < run_s) {
		pat_leak_steady();
		sleep_ms(10);
	}
	return NULL;
}

/* ---- unbounded queue ---- */
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list *q_head, *q_tail;
static long q_len;

NOINLINE void pat_queue_push(void)
{
	struct list *n = malloc(2048);
	memset(n, 2, 2048);
	n->next = NULL;
	pthread_mutex_lock(&q_lock);
	if (q_tail)
		q_tail->next = n;
	else
		q_head = n;
	q_tail = n;
	q_len++;
	pthread_mutex_unlock(&q_lock);
}

NOINLINE void pat_queue_pop(void)
{
	pthread_mutex_lock(&q_lock);
	struct list *n = q_head;
	if (n) {
		q_head = n->next;
		if (!q_head)
			q_tail = NULL;
		q_len--;
	}
	pthread_mutex_unlock(&q_lock);
	free(n);
}

static void *producer_thread(void *arg)
{
	unsigned seed = 11;
	(void)arg;
	while (now_s() < run_s) {
		pat_queue_push();
		sleep_ms((double)(rand_r(&seed) % 1000) / 100.0); /* 0-10 ms, mean 5 */
	}
	return NULL;
}

static void *consumer_thread(void *arg)
{
	unsigned seed = 12;
	(void)arg;
	while (now_s() < run_s) {
		pat_queue_pop();
		sleep_ms((double)(rand_r(&seed) % 1600) / 100.0); /* 0-16 ms, mean 8 */
	}
	return NULL;
}

/* ---- a slow leak among MiB of churn, from one call site ---- */
static struct list *volatile churn_leaked;

NOINLINE void *pat_churn_alloc(size_t size)
{
	void *p = malloc(size);
	memset(p, 3, size);
	return p;
}

/* One call of pat_churn_alloc for both uses, so both land on one site: no branch before the
 * call (a compiler threads a branch on the kind through the call and duplicates the call site),
 * the decision comes after it in churn_keep. */
NOINLINE void *churn_get(size_t size)
{
	return pat_churn_alloc(size);
}

NOINLINE void churn_keep(int kind, void **slot, void *p)
{
	if (kind) {
		struct list *n = p;
		n->next = churn_leaked;
		churn_leaked = n;
	} else if (!*slot) {
		*slot = p;
	} else {
		free(p); /* a temporary */
	}
}

static volatile int churn_kinds = 2; /* volatile: the loop below must not be unrolled */

static void *churn_thread(void *arg)
{
	unsigned seed = 13;
	static void *batch[8];
	(void)arg;
	while (now_s() < run_s) {
		/* the last tick's requests are done: free their buffers, serve 8 new ones (about
		 * 0.5 MiB live at any time, 50 MiB/s of churn); request 0 also leaks 2 KiB */
		for (int r = 0; r < 8; r++) {
			free(batch[r]);
			batch[r] = NULL;
			size_t sizes[2] = {(size_t)(16 + rand_r(&seed) % 97) * 1024, 2048};
			int kinds = r == 0 ? churn_kinds : 1;
			for (int k = 0; k < kinds; k++)
				churn_keep(k, &batch[r], churn_get(sizes[k]));
		}
		sleep_ms(10);
	}
	return NULL; /* the batch stays live: a drop at the end would hide the leak */
}

/* ---- freed by another thread, still leaking ---- */
static pthread_mutex_t x_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list *x_inbox;
static struct list *volatile x_forgotten;

NOINLINE struct list *pat_xthread_msg(void)
{
	struct list *n = malloc(8192);
	memset(n, 4, 8192);
	return n;
}

static void *x_producer(void *arg)
{
	(void)arg;
	while (now_s() < run_s) {
		struct list *n = pat_xthread_msg();
		pthread_mutex_lock(&x_lock);
		n->next = x_inbox;
		x_inbox = n;
		pthread_mutex_unlock(&x_lock);
		sleep_ms(6.25);
	}
	return NULL;
}

static void *x_consumer(void *arg)
{
	long seen = 0;
	(void)arg;
	while (now_s() < run_s) {
		sleep_ms(200);
		pthread_mutex_lock(&x_lock);
		struct list *batch = x_inbox;
		x_inbox = NULL;
		pthread_mutex_unlock(&x_lock);
		while (batch) {
			struct list *next = batch->next;
			if (++seen % 4 == 0) {
				batch->next = x_forgotten;
				x_forgotten = batch;
			} else {
				free(batch);
			}
			batch = next;
		}
	}
	return NULL;
}

/* ---- growth that starts late ---- */
static struct list *volatile late_head;

NOINLINE void pat_late_leak(void)
{
	struct list *n = malloc(8192);
	memset(n, 5, 8192);
	n->next = late_head;
	late_head = n;
}

static void *late_thread(void *arg)
{
	(void)arg;
	while (now_s() < run_s * 0.4)
		sleep_ms(10);
	while (now_s() < run_s) {
		pat_late_leak();
		sleep_ms(10);
	}
	return NULL;
}

int main(int argc, char **argv)
{
	void *(*fns[])(void *) = {steady_thread, producer_thread, consumer_thread, churn_thread,
				   x_producer,    x_consumer,      late_thread};
	enum { NT = sizeof fns / sizeof fns[0] };
	pthread_t th[NT];
	if (argc > 1)
		run_s = atof(argv[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < NT; i++)
		if (pthread_create(&th[i], NULL, fns[i], NULL))
			return 1;
	for (int i = 0; i < NT; i++)
		pthread_join(th[i], NULL);
	printf("pat_must: done, queue %ld long\n", q_len);
	return 0;
}
