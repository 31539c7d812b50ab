// SPDX-License-Identifier: MIT
/*
 * Grows, then cleans up: for SECONDS seconds, every 20 ms, grow_then_free_append adds 16 nodes
 * of 1 KiB to a list; at the end the list is freed, so nothing leaks at exit but the site grew
 * all along. `growth check` must fail it on growth and pass it with a growth: suppression.
 * Usage: grow_then_free [SECONDS=2]
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

static struct node *head;

NOINLINE static void grow_then_free_append(int n)
{
	for (int i = 0; i < n; i++) {
		struct node *p = malloc(sizeof *p);
		memset(p->payload, i, sizeof p->payload);
		p->next = head;
		head = p;
	}
}

NOINLINE static size_t grow_then_free_release(void)
{
	size_t n = 0;
	while (head) {
		struct node *next = head->next;
		free(head);
		head = next;
		n++;
	}
	return n;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 2;
	struct timespec t0, now, tick = {0, 20 * 1000 * 1000};
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		grow_then_free_append(16);
		nanosleep(&tick, NULL);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while ((double)(now.tv_sec - t0.tv_sec) + (double)(now.tv_nsec - t0.tv_nsec) / 1e9 <
		 seconds);
	printf("grow_then_free: freed %zu nodes\n", grow_then_free_release());
	return 0;
}
