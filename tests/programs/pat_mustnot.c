// SPDX-License-Identifier: MIT
/*
 * Shapes that are not growth and must not be flagged, one thread and one distinctively named
 * noinline function each, all running for SECONDS (default 6):
 *   pat_cache_insert     a cache of at most 512 entries of 8 KiB over 1024 keys, two random
 *                        lookups every 10 ms, a miss inserts (evicting at capacity): it fills,
 *                        ever more slowly, then plateaus at 4 MiB while it keeps churning
 *   pat_sawtooth_buf     64 KiB blocks every 10 ms, all freed every 500 ms (a reused buffer)
 *   pat_spike_temp       one 48 MiB temporary at 50% of the run, touched, freed 200 ms later
 *   pat_startup_table    16 MiB allocated at start and held to the end
 *   pat_arena_worker     24 threads that each hold 1 KiB: glibc gives them arenas that reserve
 *                        address space, never resident
 *   pat_prot_none_map    a 1 GiB PROT_NONE mapping
 *   pat_noreserve_map    a 512 MiB MAP_NORESERVE mapping of which 64 KiB are touched
 *   pat_burst_once       nothing until 45% of the run, then 64 KiB every 10 ms for 500 ms
 *                        (3.2 MiB), then held: a burst that stopped
 * tests/e2e/t_patterns.sh asserts each by function name and pattern.
 * Usage: pat_mustnot [SECONDS=6]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

/* ---- a cache that fills and plateaus ---- */
#define CACHE_KEYS 1024
#define CACHE_CAP 512
static void *cache[CACHE_KEYS];

NOINLINE void *pat_cache_insert(int key)
{
	void *p = malloc(8192);
	memset(p, key, 8192);
	return p;
}

static void *cache_thread(void *arg)
{
	unsigned seed = 21;
	int size = 0;
	(void)arg;
	while (now_s() < run_s) {
		for (int k = 0; k < 2; k++) {
			int key = rand_r(&seed) % CACHE_KEYS;
			if (cache[key])
				continue;
			if (size == CACHE_CAP) {
				int victim;
				do
					victim = rand_r(&seed) % CACHE_KEYS;
				while (!cache[victim]);
				free(cache[victim]);
				cache[victim] = NULL;
				size--;
			}
			cache[key] = pat_cache_insert(key);
			size++;
		}
		sleep_ms(10);
	}
	return NULL;
}

/* ---- a saw-tooth buffer ---- */
NOINLINE void *pat_sawtooth_buf(void)
{
	void *p = malloc(65536);
	memset(p, 6, 65536);
	return p;
}

static void *sawtooth_thread(void *arg)
{
	void *blocks[64];
	int n = 0;
	(void)arg;
	while (now_s() < run_s) {
		blocks[n++] = pat_sawtooth_buf();
		if (n == 50) {
			while (n)
				free(blocks[--n]);
		}
		sleep_ms(10);
	}
	while (n)
		free(blocks[--n]);
	return NULL;
}

/* ---- one big temporary ---- */
static void *volatile sink; /* keeps the compiler from eliding a malloc whose memory is unused */

NOINLINE void pat_spike_temp(void)
{
	size_t size = (size_t)48 << 20;
	char *p = malloc(size);
	memset(p, 7, size);
	sink = p;
	sleep_ms(200);
	free(sink);
}

static void *spike_thread(void *arg)
{
	(void)arg;
	while (now_s() < run_s * 0.5)
		sleep_ms(10);
	pat_spike_temp();
	while (now_s() < run_s)
		sleep_ms(10);
	return NULL;
}

/* ---- memory allocated once at start ---- */
static void *volatile table[256];

NOINLINE void pat_startup_table(void)
{
	for (int i = 0; i < 256; i++) {
		table[i] = malloc(65536);
		memset(table[i], 8, 65536);
	}
}

/* ---- reservations that never become resident ---- */
NOINLINE void *pat_arena_worker(void *arg)
{
	void *volatile p = malloc(1024);
	memset(p, 9, 1024);
	(void)arg;
	while (now_s() < run_s)
		sleep_ms(50);
	free(p);
	return NULL;
}

static void *volatile maps[2];

NOINLINE void pat_prot_none_map(void)
{
	maps[0] = mmap(NULL, (size_t)1 << 30, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
}

NOINLINE void pat_noreserve_map(void)
{
	char *p = mmap(NULL, (size_t)512 << 20, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p != MAP_FAILED)
		memset(p, 10, 65536);
	maps[1] = p;
}

/* ---- a burst that stops ---- */
static void *volatile burst[64];

NOINLINE void *pat_burst_once(void)
{
	void *p = malloc(65536);
	memset(p, 11, 65536);
	return p;
}

static void *burst_thread(void *arg)
{
	(void)arg;
	while (now_s() < run_s * 0.45)
		sleep_ms(10);
	for (int i = 0; i < 50; i++) {
		burst[i] = pat_burst_once();
		sleep_ms(10);
	}
	while (now_s() < run_s)
		sleep_ms(10);
	return NULL;
}

int main(int argc, char **argv)
{
	void *(*fns[])(void *) = {cache_thread, sawtooth_thread, spike_thread, burst_thread};
	enum { NT = sizeof fns / sizeof fns[0], NARENA = 24 };
	pthread_t th[NT], ar[NARENA];
	if (argc > 1)
		run_s = atof(argv[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pat_startup_table();
	for (int i = 0; i < NARENA; i++)
		if (pthread_create(&ar[i], NULL, pat_arena_worker, NULL))
			return 1;
	pat_prot_none_map();
	pat_noreserve_map();
	for (int i = 0; i < NT; i++)
		if (pthread_create(&th[i], NULL, fns[i], NULL))
			return 1;
	for (int i = 0; i < NT; i++)
		pthread_join(th[i], NULL);
	for (int i = 0; i < NARENA; i++)
		pthread_join(ar[i], NULL);
	printf("pat_mustnot: done\n");
	return 0;
}
