// SPDX-License-Identifier: MIT
/*
 * Known text on stdout and stderr, a few allocations, then an exit chosen by argv[1]:
 * "exit" (default) returns 42, "segv" dies of SIGSEGV (a real invalid write), "abort" calls
 * abort() (SIGABRT). For checking that growth changes neither output nor exit status.
 * Usage: exitcode [exit|segv|abort]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

void *volatile kept;
int *volatile null_pointer;

NOINLINE void allocate_some(void)
{
	for (int i = 0; i < 100; i++) {
		char *p = malloc(100 + (size_t)i);
		snprintf(p, 100, "block %d", i);
		if (i % 2)
			free(p);
		else
			kept = p;
	}
}

int main(int argc, char **argv)
{
	const char *how = argc > 1 ? argv[1] : "exit";
	printf("exitcode: stdout line 1\n");
	fprintf(stderr, "exitcode: stderr line 1\n");
	allocate_some();
	printf("exitcode: stdout line 2 (%s)\n", how);
	fprintf(stderr, "exitcode: stderr line 2 (%s)\n", how);
	fflush(stdout);
	if (strcmp(how, "segv") == 0) {
		*null_pointer = 1;
		return 1; /* not reached */
	}
	if (strcmp(how, "abort") == 0)
		abort();
	return 42;
}
