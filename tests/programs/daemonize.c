// SPDX-License-Identifier: MIT
/*
 * A daemon's start-up, without the fork: it closes every descriptor above stderr (growth's
 * trace among them), opens its own log file, which gets the lowest free descriptor (likely the
 * one the trace had), and keeps allocating and logging. growth must neither write trace bytes
 * into the log nor lose its trace: the log holds exactly the daemon's lines.
 * Usage: daemonize LOGFILE [SECONDS=1]
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NOINLINE __attribute__((noinline, noclone))

struct rec {
	struct rec *next;
	char pad[4000];
};
struct rec *volatile records;

NOINLINE void daemon_leak(void)
{
	struct rec *r = malloc(sizeof *r);
	memset(r->pad, 4, sizeof r->pad);
	r->next = records;
	records = r;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: daemonize LOGFILE [SECONDS]\n");
		return 2;
	}
	double seconds = argc > 2 ? atof(argv[2]) : 1.0;
	int lines = (int)(seconds * 100);
	struct timespec tick = {0, 10 * 1000000L};

	/* Let growth open its trace and flush at least once before the descriptors go. */
	for (int i = 0; i < 20; i++) {
		daemon_leak();
		nanosleep(&tick, NULL);
	}
	for (int fd = 3; fd < 1024; fd++)
		close(fd);
	int log = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log < 0) {
		perror("daemonize: open");
		return 1;
	}
	for (int i = 0; i < lines; i++) {
		char line[64];
		int n = snprintf(line, sizeof line, "daemonize: line %d\n", i);
		if (write(log, line, (size_t)n) != n) {
			perror("daemonize: write");
			return 1;
		}
		daemon_leak();
		nanosleep(&tick, NULL);
	}
	close(log);
	printf("daemonize: %d records, %zu bytes each\n", 20 + lines, sizeof(struct rec));
	return 0;
}
