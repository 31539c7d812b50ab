// SPDX-License-Identifier: MIT
/*
 * Threads: K workers churn through a shared function (allocate, touch, free), one thread leaks
 * a fixed 10001 bytes per tick from thread_leaker, and a producer hands messages allocated in
 * produce_message to a consumer that frees them on another thread (a site freed cross-thread
 * that must not be reported as growing: nearly 0 bytes live at the end).
 * Usage: threads [SECONDS=3] [WORKERS=4]      prints the exact bytes thread_leaker leaked.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

#define LEAK_BYTES 10001
#define LEAK_TICK_MS 20
#define MESSAGE_BYTES 3003
#define QUEUE_CAP 256

static double seconds = 3.0;
static volatile int stop;
void *volatile sink;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

/* ---- workers: heavy alloc/free through one shared function -------------------------------- */
NOINLINE void churn_work(unsigned *seed)
{
	size_t size = 32 + (size_t)(rand_r(seed) % 2048);
	char *p = malloc(size);
	memset(p, 3, size);
	sink = p;
	free(p);
}

static void *worker(void *arg)
{
	unsigned seed = (unsigned)(size_t)arg;
	while (!stop) {
		for (int i = 0; i < 200; i++)
			churn_work(&seed);
		sleep_ms(1);
	}
	return NULL;
}

/* ---- the leak ----------------------------------------------------------------------------- */
struct leak {
	struct leak *next;
};
static struct leak *leaks;
static size_t leaked_bytes;

NOINLINE void thread_leaker(void)
{
	struct leak *l = malloc(LEAK_BYTES);
	memset(l, 5, LEAK_BYTES);
	l->next = leaks;
	leaks = l;
	leaked_bytes += LEAK_BYTES;
}

static void *leaker_thread(void *arg)
{
	(void)arg;
	while (!stop) {
		thread_leaker();
		sleep_ms(LEAK_TICK_MS);
	}
	return NULL;
}

/* ---- producer/consumer: allocated here, freed over there ---------------------------------- */
static void *queue[QUEUE_CAP];
static size_t q_head, q_len;
static int producer_done;
static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_nonempty = PTHREAD_COND_INITIALIZER, q_nonfull = PTHREAD_COND_INITIALIZER;

NOINLINE void *produce_message(int seq)
{
	char *m = malloc(MESSAGE_BYTES);
	memset(m, seq & 0xff, MESSAGE_BYTES);
	return m;
}

static void *producer(void *arg)
{
	(void)arg;
	for (int seq = 0; !stop; seq++) {
		void *m = produce_message(seq);
		pthread_mutex_lock(&q_lock);
		while (q_len == QUEUE_CAP)
			pthread_cond_wait(&q_nonfull, &q_lock);
		queue[(q_head + q_len++) % QUEUE_CAP] = m;
		pthread_cond_signal(&q_nonempty);
		pthread_mutex_unlock(&q_lock);
		if (seq % 64 == 63)
			sleep_ms(1);
	}
	pthread_mutex_lock(&q_lock);
	producer_done = 1;
	pthread_cond_signal(&q_nonempty);
	pthread_mutex_unlock(&q_lock);
	return NULL;
}

static void *consumer(void *arg)
{
	(void)arg;
	for (;;) {
		pthread_mutex_lock(&q_lock);
		while (q_len == 0 && !producer_done)
			pthread_cond_wait(&q_nonempty, &q_lock);
		if (q_len == 0) {
			pthread_mutex_unlock(&q_lock);
			return NULL;
		}
		void *m = queue[q_head];
		q_head = (q_head + 1) % QUEUE_CAP;
		q_len--;
		pthread_cond_signal(&q_nonfull);
		pthread_mutex_unlock(&q_lock);
		free(m);
	}
}

int main(int argc, char **argv)
{
	if (argc > 1)
		seconds = atof(argv[1]);
	int workers = argc > 2 ? atoi(argv[2]) : 4;
	if (workers < 1 || workers > 64)
		workers = 4;
	pthread_t w[64], lt, pt, ct;

	for (int i = 0; i < workers; i++)
		pthread_create(&w[i], NULL, worker, (void *)(size_t)(i + 1));
	pthread_create(&lt, NULL, leaker_thread, NULL);
	pthread_create(&pt, NULL, producer, NULL);
	pthread_create(&ct, NULL, consumer, NULL);

	struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
	nanosleep(&ts, NULL);
	stop = 1;

	for (int i = 0; i < workers; i++)
		pthread_join(w[i], NULL);
	pthread_join(lt, NULL);
	pthread_join(pt, NULL);
	pthread_join(ct, NULL);
	printf("threads: thread_leaker leaked %zu bytes\n", leaked_bytes);
	return 0;
}
