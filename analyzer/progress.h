/* SPDX-License-Identifier: MIT */
/*
 * Progress of long analyses on a terminal: "growth: symbolizing 1200/40000 sites" rewritten
 * in place on stderr, at most a few times a second, and only when stderr is a terminal (never
 * in pipes, logs or tests). Not thread-safe.
 */
#ifndef GRW_PROGRESS_H
#define GRW_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>

struct grw_progress {
	const char *what; /* "symbolizing sites" */
	size_t total;     /* units of work, 0 when unknown */
	bool bytes;       /* the units are bytes: show a percentage only */
	bool on;          /* stderr is a terminal */
	bool shown;       /* a line was printed and must be cleared */
	double next_s;    /* monotonic time of the next update */
	unsigned calls;   /* updates since the clock was last read */
};

/* Starts a progress line for `what` (a static string) over total units. */
void grw_progress_start(struct grw_progress *p, const char *what, size_t total);
/* Reports that done units are finished; cheap when nothing is printed. */
void grw_progress_update(struct grw_progress *p, size_t done);
/* Clears the line. */
void grw_progress_end(struct grw_progress *p);

struct grw_model;
/*
 * grw_model_load (model.h) with a "reading trace N%" line by file offset while it reads, on a
 * terminal only. Same contract: returns 0 or a negative errno with one line in err; on error
 * m is freed.
 */
int grw_progress_model_load(struct grw_model *m, const char *path, char *err, size_t err_len);

#endif
