// SPDX-License-Identifier: MIT
/*
 * An exec chain: allocates, then execs itself with N-1 until N is 0. Each process image is a
 * separate program for growth (its own trace, unless GROWTH_FOLLOW_EXEC=0).
 * Usage: execchain N
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

NOINLINE static void chain_leak(int n)
{
	char *p = malloc(5005 + (size_t)n);
	memset(p, 5, 5005);
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 3;
	chain_leak(n);
	printf("execchain: %d\n", n);
	fflush(stdout);
	if (n > 0) {
		char arg[16];
		snprintf(arg, sizeof arg, "%d", n - 1);
		execl("/proc/self/exe", argv[0], arg, (char *)NULL);
		perror("execchain: exec");
		return 1;
	}
	return 0;
}
