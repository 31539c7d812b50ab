// SPDX-License-Identifier: MIT
/*
 * Leaks a known block, says so, then waits to be killed: leak_then_wait_block keeps 10001 bytes
 * and main sleeps (up to SECONDS). tests/e2e/t_check_killed.sh kills it with SIGKILL, so its trace
 * has no clean exit and `growth check` must not hold it to --max-leak.
 * Usage: leak_then_wait [SECONDS=30]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

void *volatile kept;

NOINLINE static void leak_then_wait_block(void)
{
	kept = malloc(10001);
	memset(kept, 5, 10001);
}

int main(int argc, char **argv)
{
	int seconds = argc > 1 ? atoi(argv[1]) : 30;
	leak_then_wait_block();
	printf("leak_then_wait: ready\n");
	fflush(stdout);
	for (int i = 0; i < seconds * 10; i++)
		usleep(100000);
	return 0;
}
