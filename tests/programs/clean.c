// SPDX-License-Identifier: MIT
/*
 * A clean program for `growth check`: it uses stdio (stdout's buffer), a thread (its TLS and the
 * cached stack), atexit, a locale, the time zone and the heap, and frees everything it allocates
 * itself, so it must pass with --max-leak 0 thanks to the built-in runtime suppressions alone.
 * Usage: clean
 */
#include <locale.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

static __thread char tls_buf[64];

static void at_exit(void)
{
	fflush(stdout);
}

NOINLINE static void *worker(void *arg)
{
	char *p = malloc(5005);
	memset(p, 3, 5005);
	snprintf(tls_buf, sizeof tls_buf, "%s", (const char *)arg);
	free(p);
	return NULL;
}

int main(void)
{
	atexit(at_exit);
	setlocale(LC_ALL, "C.UTF-8"); /* may fail where that locale is missing: nothing then */
	char when[64];
	time_t now = time(NULL);
	strftime(when, sizeof when, "%c", localtime(&now));
	char *s = strdup("clean");
	pthread_t t;
	if (pthread_create(&t, NULL, worker, s) != 0)
		return 1;
	pthread_join(t, NULL);
	void *blocks[32];
	for (int i = 0; i < 32; i++)
		blocks[i] = calloc(1, 100 + (size_t)i);
	for (int i = 0; i < 32; i++)
		free(blocks[i]);
	printf("clean: %s, nothing leaked\n", s);
	fprintf(stderr, "clean: at %s\n", when);
	free(s);
	return 0;
}
