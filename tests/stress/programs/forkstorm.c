// SPDX-License-Identifier: MIT
/*
 * fork while other threads allocate (a child that inherits a lock held mid-malloc would
 * deadlock), then vfork + exec, posix_spawn and system(). Each child allocates, and exits with
 * a status the parent checks.
 * Usage: forkstorm THREADS FORKS
 */
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

extern char **environ;
static volatile int stop;

NOINLINE static void *churn(void *arg)
{
	unsigned x = (unsigned)(unsigned long)arg | 1;
	while (!stop) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5; /* not rand(): its lock is not fork-safe */
		void *p = malloc(100 + (size_t)(x & 4095));
		free(p);
	}
	return NULL;
}

NOINLINE static int child_work(int i)
{
	char *p = malloc(30003);
	memset(p, 1, 30003);
	pthread_t t;
	if (i % 4 == 0 && pthread_create(&t, NULL, churn, NULL) == 0) {
		stop = 1; /* the copy in the child only: lets its thread end at once */
		pthread_join(t, NULL);
	}
	free(p);
	return i % 7;
}

int main(int argc, char **argv)
{
	int nthreads = argc > 1 ? atoi(argv[1]) : 4;
	int nforks = argc > 2 ? atoi(argv[2]) : 50;
	pthread_t t[64];
	if (nthreads > 64)
		nthreads = 64;
	for (int i = 0; i < nthreads; i++)
		pthread_create(&t[i], NULL, churn, (void *)(long)(i + 1));
	int bad = 0;
	for (int i = 0; i < nforks; i++) {
		pid_t pid = fork();
		if (pid == 0)
			exit(child_work(i));
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != i % 7)
			bad++;
	}
	for (int i = 0; i < 5; i++) {
		pid_t pid = vfork();
		if (pid == 0) {
			execl("/bin/sh", "sh", "-c", "exit 3", (char *)NULL);
			_exit(127);
		}
		int st;
		if (pid < 0 || waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 3)
			bad++;
		char *args[] = {"sh", "-c", "exit 4", NULL};
		if (posix_spawn(&pid, "/bin/sh", NULL, NULL, args, environ) != 0 ||
		    waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 4)
			bad++;
		st = system("exit 5");
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 5)
			bad++;
	}
	stop = 1;
	for (int i = 0; i < nthreads; i++)
		pthread_join(t[i], NULL);
	printf("forkstorm: %d forks, %d bad\n", nforks, bad);
	return bad ? 1 : 0;
}
