// SPDX-License-Identifier: MIT
/*
 * Grows until killed: grow_until_killed allocates 8 KiB every 10 ms, forever, and keeps it.
 * tests/e2e/t_sigkill.sh kills it with SIGKILL, so its trace has no END record.
 * Usage: killme [BYTES=8192] [SLEEP_MS=10]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

struct chunk {
	struct chunk *next;
};
struct chunk *volatile chunks;

NOINLINE void grow_until_killed(size_t bytes, long sleep_ms)
{
	struct timespec ts = {sleep_ms / 1000, (sleep_ms % 1000) * 1000000L};
	for (;;) {
		struct chunk *c = malloc(bytes);
		memset(c, 9, bytes);
		c->next = chunks;
		chunks = c;
		nanosleep(&ts, NULL);
	}
}

int main(int argc, char **argv)
{
	size_t bytes = argc > 1 ? (size_t)atol(argv[1]) : 8192;
	long sleep_ms = argc > 2 ? atol(argv[2]) : 10;
	if (bytes < sizeof(struct chunk))
		bytes = sizeof(struct chunk);
	printf("killme: growing by %zu bytes every %ld ms until killed\n", bytes, sleep_ms);
	fflush(stdout);
	grow_until_killed(bytes, sleep_ms);
	return 0;
}
