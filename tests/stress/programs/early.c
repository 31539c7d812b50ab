// SPDX-License-Identifier: MIT
/*
 * Allocation outside growth's life: before its constructor (libearly.so's constructor), after
 * its exit handlers (atexit handlers and destructors that allocate), and endings that skip the
 * handlers: _exit, abort, and exit_group from another thread while the main thread allocates.
 * Usage: early exit|_exit|abort|exit_group
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

static void late_handler(void)
{
	void *p = malloc(123);
	free(p);
	p = malloc(20002); /* leaked after the last flush */
	(void)p;
}

__attribute__((destructor)) static void late_dtor(void)
{
	free(calloc(10, 10));
}

NOINLINE static void *killer(void *arg)
{
	(void)arg;
	struct timespec t = {0, 300 * 1000000L};
	nanosleep(&t, NULL);
	syscall(SYS_exit_group, 9);
	return NULL;
}

NOINLINE static void early_leak(void)
{
	char *p = malloc(10001);
	memset(p, 2, 10001);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "exit";
	atexit(late_handler);
	for (int i = 0; i < 20; i++)
		early_leak();
	struct timespec t = {0, 150 * 1000000L};
	nanosleep(&t, NULL);
	printf("early: %s\n", mode);
	fflush(stdout);
	if (strcmp(mode, "_exit") == 0)
		_exit(6);
	if (strcmp(mode, "abort") == 0)
		abort();
	if (strcmp(mode, "exit_group") == 0) {
		pthread_t th;
		pthread_create(&th, NULL, killer, NULL);
		for (;;)
			free(malloc(4096));
	}
	return 0;
}
