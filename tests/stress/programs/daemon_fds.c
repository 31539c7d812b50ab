// SPDX-License-Identifier: MIT
/*
 * A daemon's start-up three ways: close every fd above 2 (close), dup2 its own file over every
 * fd from 3 to 63 (dup2), or close_range(3, ~0) (close_range); then it allocates and writes its
 * own files, and checks that each holds exactly its own bytes.
 * Usage: APPDIR=DIR daemon_fds close|dup2|close_range ROUNDS
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))
#define NFILES 4

void *volatile keep[100000];
static int nkeep;

NOINLINE static void daemon_alloc(size_t n)
{
	char *p = malloc(n);
	memset(p, 7, n);
	keep[nkeep++ % 100000] = p;
}

static void pause_ms(long ms)
{
	struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
	nanosleep(&t, NULL);
}

int main(int argc, char **argv)
{
	const char *dir = getenv("APPDIR");
	if (argc < 3 || !dir)
		return 2;
	const char *mode = argv[1];
	int rounds = atoi(argv[2]);
	char path[4096];

	for (int i = 0; i < 30; i++) {
		daemon_alloc(1000);
		pause_ms(5);
	}
	if (strcmp(mode, "close") == 0) {
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	} else if (strcmp(mode, "dup2") == 0) {
		snprintf(path, sizeof path, "%s/dup2.out", dir);
		int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		for (int t = 3; t < 64; t++)
			if (t != fd)
				dup2(fd, t);
		/* The application writes through one of them: its bytes only must land there. */
		for (int i = 0; i < 100; i++) {
			daemon_alloc(100);
			if (write(40, "dup2 line\n", 10) != 10)
				return 1;
			pause_ms(2);
		}
		for (int t = 3; t < 64; t++)
			close(t);
	} else if (strcmp(mode, "close_range") == 0) {
#ifdef SYS_close_range
		if (syscall(SYS_close_range, 3u, ~0u, 0u) != 0)
#endif
			for (int fd = 3; fd < 1024; fd++)
				close(fd);
	} else {
		return 2;
	}

	int fds[NFILES];
	for (int f = 0; f < NFILES; f++) {
		snprintf(path, sizeof path, "%s/app.%d.log", dir, f);
		fds[f] = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fds[f] < 0) {
			perror("open");
			return 1;
		}
	}
	for (int i = 0; i < rounds; i++) {
		for (int f = 0; f < NFILES; f++) {
			char line[64];
			int n = snprintf(line, sizeof line, "file %d line %d\n", f, i);
			daemon_alloc(200 + f);
			if (write(fds[f], line, (size_t)n) != n)
				return 1;
		}
		pause_ms(1);
	}
	int bad = 0;
	for (int f = 0; f < NFILES; f++) {
		close(fds[f]);
		snprintf(path, sizeof path, "%s/app.%d.log", dir, f);
		FILE *in = fopen(path, "r");
		char line[64], want[64];
		int i = 0;
		while (in && fgets(line, sizeof line, in)) {
			snprintf(want, sizeof want, "file %d line %d\n", f, i++);
			if (strcmp(line, want) != 0)
				bad++;
		}
		if (in)
			fclose(in);
		if (i != rounds)
			bad++;
	}
	if (strcmp(mode, "dup2") == 0) {
		snprintf(path, sizeof path, "%s/dup2.out", dir);
		FILE *in = fopen(path, "r");
		char line[64];
		int i = 0;
		while (in && fgets(line, sizeof line, in))
			if (strcmp(line, "dup2 line\n") != 0 || ++i > 100)
				bad++;
		if (in)
			fclose(in);
		if (i != 100)
			bad++;
	}
	printf("daemon_fds %s: %d rounds, %d bad lines\n", mode, rounds, bad);
	return bad ? 1 : 0;
}
