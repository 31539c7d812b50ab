// SPDX-License-Identifier: MIT
/*
 * Memory that rises but does not keep growing: a control for the growth detectors. For
 * SECONDS seconds, every 20 ms: fill_cache adds a 32 KiB entry to a cache until it holds
 * 2 MiB (about 1.3 s), then stops (a plateau); sawtooth_buffer appends 16 KiB chunks to a list
 * and frees the whole list each time it reaches 1 MiB (a saw-tooth). Nothing here leaks
 * steadily, so neither `growth report` nor the live warning may call anything growing.
 * Prints its progress on stdout. Usage: plateau [SECONDS=4]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

#define CACHE_ENTRY (32 << 10)
#define CACHE_ENTRIES 64 /* 2 MiB */
#define SAW_CHUNK (16 << 10)
#define SAW_TOP (1 << 20)

struct chunk {
	struct chunk *next;
};

void *volatile cache[CACHE_ENTRIES];
struct chunk *volatile saw_head;

NOINLINE void fill_cache(int *filled)
{
	if (*filled >= CACHE_ENTRIES)
		return;
	cache[*filled] = malloc(CACHE_ENTRY);
	memset(cache[*filled], 1, CACHE_ENTRY);
	(*filled)++;
}

NOINLINE void sawtooth_buffer(size_t *held)
{
	for (int i = 0; i < 4; i++) {
		struct chunk *c = malloc(SAW_CHUNK);
		memset(c, 2, SAW_CHUNK);
		c->next = saw_head;
		saw_head = c;
		*held += SAW_CHUNK;
	}
	if (*held >= SAW_TOP) {
		while (saw_head) {
			struct chunk *n = saw_head->next;
			free(saw_head);
			saw_head = n;
		}
		*held = 0;
	}
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 4;
	struct timespec tick = {0, 20 * 1000000L};
	int filled = 0, ticks = seconds * 50;
	size_t held = 0;
	printf("plateau: %d s\n", seconds);
	for (int t = 0; t < ticks; t++) {
		fill_cache(&filled);
		sawtooth_buffer(&held);
		nanosleep(&tick, NULL);
	}
	printf("plateau: done, cache %d KiB\n", filled * (CACHE_ENTRY >> 10));
	return 0;
}
