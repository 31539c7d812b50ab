/* SPDX-License-Identifier: MIT */
/*
 * Progress lines for long analyses (progress.h): written to stderr only when it is a terminal,
 * throttled to a few updates a second, cleared at the end so that the report stays clean.
 */
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model.h"
#include "progress.h"

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void grw_progress_start(struct grw_progress *p, const char *what, size_t total)
{
	p->what = what;
	p->total = total;
	p->on = isatty(STDERR_FILENO) == 1;
	p->shown = false;
	p->calls = 0;
	p->bytes = false;
	/* Short analyses print nothing: the first line waits half a second. */
	p->next_s = p->on ? now_s() + 0.5 : 0;
}

void grw_progress_update(struct grw_progress *p, size_t done)
{
	if (!p->on || (++p->calls & 63) != 0)
		return;
	double t = now_s();
	if (t < p->next_s)
		return;
	p->next_s = t + 0.2;
	if (p->total && p->bytes)
		fprintf(stderr, "\rgrowth: %s %d%%\033[K", p->what,
			(int)(100.0 * (double)done / (double)p->total));
	else if (p->total)
		fprintf(stderr, "\rgrowth: %s %zu/%zu (%d%%)\033[K", p->what, done, p->total,
			(int)(100.0 * (double)done / (double)p->total));
	else
		fprintf(stderr, "\rgrowth: %s %zu\033[K", p->what, done);
	fflush(stderr);
	p->shown = true;
}

void grw_progress_end(struct grw_progress *p)
{
	if (p->shown) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	p->shown = false;
}

/* ---- reading a trace with progress ---------------------------------------------------------- */

struct load_ctx {
	struct grw_model *m;
	struct grw_progress pr;
};

static int on_record(void *ctx, struct grw_rec *r)
{
	struct load_ctx *c = ctx;
	grw_progress_update(&c->pr, (size_t)r->file_offset);
	return grw_model_on_record(c->m, r);
}

int grw_progress_model_load(struct grw_model *m, const char *path, char *err, size_t err_len)
{
	struct stat st;
	if (stat(path, &st) != 0 || !isatty(STDERR_FILENO))
		return grw_model_load(m, path, err, err_len);
	struct load_ctx c = {.m = m};
	grw_progress_start(&c.pr, "reading the trace", (size_t)st.st_size);
	c.pr.bytes = true;
	int e = grw_model_load_via(m, path, on_record, &c, err, err_len);
	grw_progress_end(&c.pr);
	return e;
}
