// SPDX-License-Identifier: MIT
/*
 * Fork: the parent leaks 10001 bytes from parent_leak and forks; the child leaks 20002 bytes from
 * child_leak and exits (normally, so its trace ends cleanly) with status CHILD_STATUS. The parent
 * waits and exits with the child's exit status, or 128+N if it died of signal N. Both print their
 * pid, so a test can find each trace (GROWTH_OUTPUT with %p).
 * Usage: forker [CHILD_STATUS=0]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

void *volatile parent_block, *volatile child_block;

NOINLINE void parent_leak(void)
{
	parent_block = malloc(10001);
	memset(parent_block, 1, 10001);
}

NOINLINE void child_leak(void)
{
	child_block = malloc(20002);
	memset(child_block, 2, 20002);
}

int main(int argc, char **argv)
{
	int child_status = argc > 1 ? atoi(argv[1]) : 0;

	parent_leak();
	printf("forker: parent %d\n", (int)getpid());
	fflush(stdout); /* or the child would print the parent's buffered line again */

	pid_t pid = fork();
	if (pid < 0) {
		perror("forker: fork");
		return 1;
	}
	if (pid == 0) {
		child_leak();
		printf("forker: child %d\n", (int)getpid());
		exit(child_status);
	}

	int st;
	if (waitpid(pid, &st, 0) < 0) {
		perror("forker: waitpid");
		return 1;
	}
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return WEXITSTATUS(st);
}
