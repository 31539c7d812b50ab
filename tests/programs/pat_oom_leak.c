// SPDX-License-Identifier: MIT
/*
 * A leak that runs until the process is killed: pat_oom_leak keeps 1 MiB (touched) every
 * 80 ms, beside a flat worker that allocates and frees. tests/e2e/t_peak.sh kills it with
 * SIGKILL when its RSS crosses a threshold, as an OOM killer would, and expects it to have been
 * flagged in the first half of its life.
 * Usage: pat_oom_leak [SECONDS=60]
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NOINLINE __attribute__((noinline, noclone))

struct chunk {
	struct chunk *next;
};

static struct chunk *volatile kept;
static void *volatile sink;

NOINLINE void pat_oom_leak(void)
{
	struct chunk *c = malloc(1 << 20);
	memset(c, 1, 1 << 20);
	c->next = kept;
	kept = c;
}

NOINLINE void pat_oom_worker(void)
{
	void *p = malloc(256 << 10);
	memset(p, 2, 256 << 10);
	sink = p;
	free(sink);
}

int main(int argc, char **argv)
{
	int ticks = (int)((argc > 1 ? atof(argv[1]) : 60) * 1000 / 80);
	struct timespec tick = {0, 80 * 1000 * 1000};
	for (int i = 0; i < ticks; i++) {
		pat_oom_leak();
		pat_oom_worker();
		nanosleep(&tick, NULL);
	}
	return 0;
}
