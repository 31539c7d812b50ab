// SPDX-License-Identifier: MIT
/*
 * A leak that speeds up: every 10 ms accel_leak keeps one block, and the block size doubles
 * every second (2 KiB, 4 KiB, ... : about 200 KiB/s in the first second, 6.4 MiB/s in the
 * sixth). tests/e2e/t_live_warn.sh checks that the live warning repeats as the projected time
 * to the memory limit shrinks. Usage: accel [SECONDS=6]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

struct block {
	struct block *next;
};

struct block *volatile kept;

NOINLINE void accel_leak(size_t bytes)
{
	struct block *b = malloc(bytes);
	memset(b, 3, bytes);
	b->next = kept;
	kept = b;
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 6;
	struct timespec tick = {0, 10 * 1000000L};
	size_t total = 0;
	for (int i = 0; i < seconds * 100; i++) {
		size_t bytes = (size_t)2048 << (i / 100);
		accel_leak(bytes);
		total += bytes;
		nanosleep(&tick, NULL);
	}
	printf("accel: done, %zu KiB leaked\n", total >> 10);
	return 0;
}
