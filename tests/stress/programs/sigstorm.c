// SPDX-License-Identifier: MIT
/*
 * Signal storms on allocating threads: a storm thread sends SIGURG, SIGPROF and SIGALRM to
 * every worker at kHz rates. The SIGURG and SIGPROF handlers mmap and munmap (syscalls, safe
 * at any point, also while the worker is inside malloc); the SIGALRM handler mallocs and frees,
 * but only when the worker says it is not inside the allocator.
 * Usage: sigstorm THREADS MILLISECONDS
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

static __thread volatile sig_atomic_t in_alloc;
static volatile int stop;
static volatile long handled[3];

static void on_map(int sig)
{
	void *p = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p != MAP_FAILED) {
		((char *)p)[0] = 1;
		munmap(p, 8192);
	}
	__atomic_fetch_add(&handled[sig == SIGURG ? 0 : 1], 1, __ATOMIC_RELAXED);
}

NOINLINE static void handler_malloc(void)
{
	char *p = malloc(777);
	if (p) {
		p[0] = 1;
		free(p);
	}
}

static void on_alarm(int sig)
{
	(void)sig;
	if (!in_alloc)
		handler_malloc();
	__atomic_fetch_add(&handled[2], 1, __ATOMIC_RELAXED);
}

NOINLINE static void *worker(void *arg)
{
	long sum = 0;
	(void)arg;
	while (!stop) {
		in_alloc = 1;
		char *p = malloc(64 + (sum & 1023));
		in_alloc = 0;
		p[0] = (char)sum++;
		in_alloc = 1;
		p = realloc(p, 2048);
		free(p);
		in_alloc = 0;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 8;
	long ms = argc > 2 ? atol(argv[2]) : 1000;
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_flags = SA_RESTART;
	sa.sa_handler = on_map;
	sigaction(SIGURG, &sa, NULL);
	sigaction(SIGPROF, &sa, NULL);
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);

	pthread_t *t = calloc((size_t)n, sizeof *t);
	for (int i = 0; i < n; i++)
		pthread_create(&t[i], NULL, worker, NULL);
	struct timespec start, now, tick = {0, 200000};
	clock_gettime(CLOCK_MONOTONIC, &start);
	static const int sigs[3] = {SIGURG, SIGPROF, SIGALRM};
	long sent = 0;
	for (;;) {
		for (int i = 0; i < n; i++)
			pthread_kill(t[i], sigs[sent++ % 3]);
		nanosleep(&tick, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000 >= ms)
			break;
	}
	stop = 1;
	for (int i = 0; i < n; i++)
		pthread_join(t[i], NULL);
	free(t);
	printf("sigstorm: %d threads, done\n", n);
	return 0;
}
