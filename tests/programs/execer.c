// SPDX-License-Identifier: MIT
/*
 * Exec: leaks 10001 bytes from before_exec_leak, then replaces itself with the command given
 * in its arguments (same pid). Under growth the old image's trace must end cleanly (END, reason
 * exec) and the new image must write a trace of its own.
 * Usage: execer PROGRAM [ARGS...]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

void *volatile kept;

NOINLINE void before_exec_leak(void)
{
	kept = malloc(10001);
	memset(kept, 1, 10001);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: execer PROGRAM [ARGS...]\n");
		return 2;
	}
	before_exec_leak();
	printf("execer: %d execs %s\n", (int)getpid(), argv[1]);
	fflush(stdout);
	execv(argv[1], argv + 1);
	perror("execer: execv");
	return 127;
}
