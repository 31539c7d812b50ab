// SPDX-License-Identifier: MIT
/*
 * A steady leak beside two flat controls. For SECONDS seconds, every TICK_MS milliseconds:
 * grow_leaky_list appends KIB nodes of 1 KiB to a list nobody trims (the leak), flat_churn
 * allocates and frees a burst of blocks (busy but flat), and flat_once's buffer, allocated once
 * at start, just stays. tests/e2e/t_growing_site.sh finds the leak's line by the GROW-LEAK-LINE
 * marker below.
 * Usage: grow [SECONDS=5] [KIB=16] [TICK_MS=20]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

struct node {
	struct node *next;
	char payload[1024 - sizeof(struct node *)];
};

struct node *volatile leaky_head;
void *volatile flat_buffer;
void *volatile churn_sink;

NOINLINE void grow_leaky_list(int kib)
{
	for (int i = 0; i < kib; i++) {
		struct node *n = malloc(sizeof *n); /* GROW-LEAK-LINE */
		memset(n->payload, i, sizeof n->payload);
		n->next = leaky_head;
		leaky_head = n;
	}
}

NOINLINE void flat_churn(unsigned *seed)
{
	void *blocks[64];
	for (int i = 0; i < 64; i++) {
		size_t size = 16 + (size_t)(rand_r(seed) % 4096);
		blocks[i] = malloc(size);
		memset(blocks[i], i, size);
		churn_sink = blocks[i];
	}
	for (int i = 0; i < 64; i++)
		free(blocks[i]);
}

NOINLINE void flat_once(void)
{
	flat_buffer = malloc(256 * 1024);
	memset(flat_buffer, 7, 256 * 1024);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 5.0;
	int kib = argc > 2 ? atoi(argv[2]) : 16;
	int tick_ms = argc > 3 ? atoi(argv[3]) : 20;
	struct timespec tick = {tick_ms / 1000, (long)(tick_ms % 1000) * 1000000L};
	unsigned seed = 12345;
	long ticks = 0;

	flat_once();
	double start = now_s(), next_print = 1.0;
	printf("grow: %g s, %d KiB every %d ms\n", seconds, kib, tick_ms);
	fflush(stdout);
	while (now_s() - start < seconds) {
		grow_leaky_list(kib);
		flat_churn(&seed);
		ticks++;
		if (now_s() - start >= next_print) {
			printf("grow: %.0f s, %ld KiB leaked\n", next_print, ticks * kib);
			fflush(stdout);
			next_print += 1.0;
		}
		nanosleep(&tick, NULL);
	}
	printf("grow: done, %ld KiB leaked\n", ticks * kib);
	return 0;
}
