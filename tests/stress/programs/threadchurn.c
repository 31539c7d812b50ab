// SPDX-License-Identifier: MIT
/*
 * Threads created and exiting continuously, each with TLS destructors that free (and
 * allocate) at thread exit, some detached, so that threads end while growth's writer flushes.
 * Usage: threadchurn THREADS
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

static pthread_key_t key;
static int done_count;

static void destroy(void *p)
{
	char *q = malloc(55); /* allocating in a destructor too */
	free(q);
	free(p);
	__atomic_fetch_add(&done_count, 1, __ATOMIC_RELAXED);
}

NOINLINE static void *tls_user(void *arg)
{
	size_t n = 1000 + (size_t)(long)arg % 5000;
	char *p = malloc(n);
	memset(p, 3, n);
	pthread_setspecific(key, p);
	for (int i = 0; i < 20; i++)
		free(malloc(64));
	return NULL;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	pthread_key_create(&key, destroy);
	for (int i = 0; i < n; i += 8) {
		pthread_t t[8];
		for (int j = 0; j < 8; j++)
			pthread_create(&t[j], NULL, tls_user, (void *)(long)(i + j));
		for (int j = 0; j < 8; j++) {
			if (j & 1)
				pthread_detach(t[j]);
			else
				pthread_join(t[j], NULL);
		}
	}
	while (__atomic_load_n(&done_count, __ATOMIC_RELAXED) < (n + 7) / 8 * 8)
		usleep(1000);
	printf("threadchurn: %d threads, %d destructors\n", (n + 7) / 8 * 8, done_count);
	return 0;
}
