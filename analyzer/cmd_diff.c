/* SPDX-License-Identifier: MIT */
/*
 * `growth diff [--format text|json] [-o FILE] OLD NEW`: which allocation sites grew or shrank
 * between two traces (before and after a fix). Sites are matched by their symbolized stack,
 * the chain of (function, source file) of every frame, never by id or address, so the traces
 * may come from different builds, runs and load addresses; line numbers are left out of the
 * match because a fix moves them. Sites with the same chain within one trace are summed.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "model.h"
#include "progress.h"
#include "report.h"
#include "report_formats.h"
#include "symbolize.h"
#include "util.h"

const char grw_diff_help[] =
	"usage: growth diff [--format text|json] [-o FILE] OLD NEW\n\n"
	"Compares two traces of the same program, typically before (OLD) and after (NEW) a fix:\n"
	"which allocation sites hold more or less memory at the end, which are new or gone, and\n"
	"which stopped or started growing. Sites are matched by their symbolized stacks (function\n"
	"and source file of every frame, not addresses or line numbers), so the two traces may come\n"
	"from different builds. Sites that changed are listed by the size of the change.\n\n"
	"options:\n"
	"  -f, --format FMT   text (default) or json\n"
	"  -o, --output FILE  write to FILE instead of standard output\n"
	"  -h, --help         this help\n\n"
	"JSON: {\"version\":1, \"old\":{\"trace\",\"live_bytes_end\",\"rss_end_bytes\",\"growing_sites\"},\n"
	"  \"new\":{...}, \"sites\":[{\"status\" (grew|shrank|new|gone|same), \"function\", \"file\",\n"
	"  \"line\", \"delta_live_bytes\", \"old\":{\"live_bytes_end\",\"peak_live_bytes\",\"allocs\",\n"
	"  \"alloc_bytes\",\"growing\",\"slope_bytes_per_s\"} or null, \"new\":{...} or null,\n"
	"  \"frames\":[{\"function\",\"file\"}]}]}, largest |delta_live_bytes| first; frames innermost\n"
	"  first; sites that changed nothing (same bytes, same verdict) are left out.\n\n"
	"examples:\n"
	"  growth diff growth.server.1234.zst growth.server.5678.zst\n"
	"  growth diff --format json before.zst after.zst | jq '.sites[] | select(.status==\"grew\")'\n\n"
	"exit status: 0 when the comparison was written, 2 on a usage error or a trace that cannot\n"
	"be read.\n";

/* One matched stack in one trace: the sum over the sites that share it. */
struct dsite {
	char *key;        /* "function\x1ffile\x1e..." innermost first; owned */
	char *function;   /* the frame a person looks at first (grw_sym_best); owned, may be NULL */
	char *file;       /* its file; owned, may be NULL */
	int line;         /* its line, 0 unknown */
	uint64_t live_bytes, peak_live_bytes, allocs, alloc_bytes;
	double slope_bps; /* sum over growing sites */
	bool growing;     /* any of its sites is growing */
};

struct dtrace {
	const char *path;
	struct grw_model m;
	bool loaded;     /* m holds a model to free */
	struct dsite *s; /* sorted by key, unique keys */
	size_t n;
	uint64_t live_bytes;
	size_t growing;
};

struct str {
	char *p;
	size_t n, cap;
};

static int str_add(struct str *s, const char *src)
{
	size_t k = src ? strlen(src) : 0;
	if (s->n + k + 2 > s->cap) {
		size_t cap = s->cap ? s->cap : 256;
		while (cap < s->n + k + 2)
			cap *= 2;
		char *p = realloc(s->p, cap);
		if (!p)
			return -ENOMEM;
		s->p = p;
		s->cap = cap;
	}
	memcpy(s->p + s->n, src ? src : "", k);
	s->n += k;
	s->p[s->n] = 0;
	return 0;
}

static char *dup_or_null(const char *s)
{
	return s ? strdup(s) : NULL;
}

static int by_key(const void *a, const void *b)
{
	return strcmp(((const struct dsite *)a)->key, ((const struct dsite *)b)->key);
}

static void dtrace_free(struct dtrace *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->s[i].key);
		free(t->s[i].function);
		free(t->s[i].file);
	}
	free(t->s);
	if (t->loaded)
		grw_model_free(&t->m);
}

/* Loads, symbolizes and folds a trace into unique stacks. Returns 0, -ENOMEM, or another
 * negative errno after printing one line. */
static int dtrace_load(struct dtrace *t, const char *path)
{
	char err[768];
	memset(t, 0, sizeof *t);
	t->path = path;
	int e = grw_progress_model_load(&t->m, path, err, sizeof err);
	if (e) {
		fprintf(stderr, "%s\n", err);
		return e;
	}
	t->loaded = true;
	if (t->m.read.end == GRW_READ_CORRUPT)
		fprintf(stderr, "growth: %s: warning: %s\n", path, t->m.ending);
	struct grw_symbolizer *sym = grw_sym_new(&t->m, stderr);
	t->s = calloc(t->m.nsites ? t->m.nsites : 1, sizeof *t->s);
	if (!sym || !t->s) {
		grw_sym_free(sym);
		return -ENOMEM;
	}
	struct grw_progress pr;
	grw_progress_start(&pr, "symbolizing sites", t->m.nsites);
	struct str key = {0};
	e = 0;
	for (size_t i = 0; i < t->m.nsites && !e; i++) {
		grw_progress_update(&pr, i);
		const struct grw_model_site *ms = &t->m.sites[i];
		if (!ms->allocs && !ms->live_bytes)
			continue;
		const struct grw_sym_frame *fr;
		size_t n;
		e = grw_sym_site(sym, ms, &fr, &n);
		if (e)
			break;
		key.n = 0;
		char name[1024];
		for (size_t k = 0; k < n && !e; k++) {
			/* Without a function, only the module's file name can match across builds. */
			const char *mod = fr[k].module ? strrchr(fr[k].module, '/') : NULL;
			e = str_add(&key, fr[k].function ? fr[k].function
					  : mod		 ? mod + 1
							 : "?");
			if (!e)
				e = str_add(&key, "\x1f");
			if (!e)
				e = str_add(&key, fr[k].file);
			if (!e)
				e = str_add(&key, "\x1e");
		}
		if (!e)
			e = str_add(&key, ms->kind == GRW_KIND_MMAP ? "mmap" : "heap");
		if (e)
			break;
		const struct grw_sym_frame *best = grw_sym_best(fr, n);
		struct dsite *d = &t->s[t->n++];
		d->key = strdup(key.p);
		d->function = best ? strdup(grw_frame_name(best, name, sizeof name)) : NULL;
		d->file = best ? dup_or_null(best->file) : NULL;
		d->line = best ? best->line : 0;
		d->live_bytes = ms->live_bytes;
		d->peak_live_bytes = ms->peak_live_bytes;
		d->allocs = ms->allocs;
		d->alloc_bytes = ms->alloc_bytes;
		d->growing = ms->verdict.growing;
		d->slope_bps = ms->verdict.growing ? ms->verdict.slope_bps : 0;
		if (!d->key || (best && !d->function))
			e = -ENOMEM;
	}
	grw_progress_end(&pr);
	free(key.p);
	grw_sym_free(sym);
	if (e)
		return e;

	qsort(t->s, t->n, sizeof *t->s, by_key);
	size_t w = 0;
	for (size_t i = 0; i < t->n; i++) {
		if (w && strcmp(t->s[w - 1].key, t->s[i].key) == 0) {
			struct dsite *a = &t->s[w - 1], *b = &t->s[i];
			a->live_bytes += b->live_bytes;
			a->peak_live_bytes += b->peak_live_bytes;
			a->allocs += b->allocs;
			a->alloc_bytes += b->alloc_bytes;
			a->slope_bps += b->slope_bps;
			a->growing |= b->growing;
			free(b->key);
			free(b->function);
			free(b->file);
			continue;
		}
		t->s[w++] = t->s[i];
	}
	t->n = w;
	for (size_t i = 0; i < t->n; i++) {
		t->live_bytes += t->s[i].live_bytes;
		t->growing += t->s[i].growing;
	}
	return 0;
}

/* ---- the comparison ------------------------------------------------------------------------ */

struct pair {
	const struct dsite *old, *new_; /* either may be NULL, not both */
	int64_t delta;                  /* new live - old live */
};

static const char *status(const struct pair *p)
{
	if (!p->old)
		return "new";
	if (!p->new_)
		return "gone";
	if (p->delta > 0)
		return "grew";
	if (p->delta < 0)
		return "shrank";
	return "same";
}

static int by_delta(const void *a, const void *b)
{
	const struct pair *x = a, *y = b;
	uint64_t ax = x->delta < 0 ? (uint64_t)-x->delta : (uint64_t)x->delta;
	uint64_t ay = y->delta < 0 ? (uint64_t)-y->delta : (uint64_t)y->delta;
	if (ax != ay)
		return ax < ay ? 1 : -1;
	const struct dsite *kx = x->new_ ? x->new_ : x->old, *ky = y->new_ ? y->new_ : y->old;
	return strcmp(kx->key, ky->key);
}

/* Pairs the two sorted lists; keeps only what changed. */
static int match(const struct dtrace *a, const struct dtrace *b, struct pair **out, size_t *nout)
{
	struct pair *p = calloc(a->n + b->n + 1, sizeof *p);
	if (!p)
		return -ENOMEM;
	size_t i = 0, j = 0, n = 0;
	while (i < a->n || j < b->n) {
		int c = i >= a->n ? 1 : j >= b->n ? -1 : strcmp(a->s[i].key, b->s[j].key);
		struct pair q = {c <= 0 ? &a->s[i] : NULL, c >= 0 ? &b->s[j] : NULL, 0};
		i += c <= 0;
		j += c >= 0;
		q.delta = (int64_t)(q.new_ ? q.new_->live_bytes : 0) -
			  (int64_t)(q.old ? q.old->live_bytes : 0);
		bool verdict_changed = q.old && q.new_ && q.old->growing != q.new_->growing;
		if (q.delta != 0 || verdict_changed || (!q.old && q.new_->growing) ||
		    (!q.new_ && q.old->growing))
			p[n++] = q;
	}
	qsort(p, n, sizeof *p, by_delta);
	*out = p;
	*nout = n;
	return 0;
}

/* ---- output ------------------------------------------------------------------------------- */

/* Untrusted text for a terminal: control characters become '?'. */
static void tstr(FILE *f, const char *s)
{
	for (; s && *s; s++)
		fputc((unsigned char)*s < 0x20 || *s == 0x7f ? '?' : *s, f);
}

static void signed_bytes(FILE *f, int64_t d)
{
	char b[32];
	fprintf(f, "%c%s", d < 0 ? '-' : '+',
		grw_fmt_bytes(b, sizeof b, d < 0 ? -(double)d : (double)d));
}

static void text(FILE *f, const struct dtrace *a, const struct dtrace *b, const struct pair *p,
		 size_t n)
{
	char x[32], y[32];
	fputs("growth diff: ", f);
	tstr(f, a->path);
	fputs(" -> ", f);
	tstr(f, b->path);
	fprintf(f, "\n  live at end   %s -> %s (", grw_fmt_bytes(x, sizeof x, (double)a->live_bytes),
		grw_fmt_bytes(y, sizeof y, (double)b->live_bytes));
	signed_bytes(f, (int64_t)b->live_bytes - (int64_t)a->live_bytes);
	fprintf(f, ")\n  RSS at end    %s -> %s\n  growing sites %zu -> %zu\n",
		grw_fmt_bytes(x, sizeof x, (double)a->m.rss.end_bytes),
		grw_fmt_bytes(y, sizeof y, (double)b->m.rss.end_bytes), a->growing, b->growing);
	if (n == 0) {
		fputs("\nno site changed.\n", f);
		return;
	}
	fprintf(f, "\n%zu sites changed (live bytes at end, old -> new):\n", n);
	for (size_t i = 0; i < n; i++) {
		const struct dsite *s = p[i].new_ ? p[i].new_ : p[i].old;
		fputs("  ", f);
		signed_bytes(f, p[i].delta);
		fprintf(f, "  %-6s ", status(&p[i]));
		tstr(f, s->function ? s->function : "[unknown]");
		if (s->file) {
			const char *base = strrchr(s->file, '/');
			fputs("  ", f);
			tstr(f, base ? base + 1 : s->file);
			if (s->line > 0)
				fprintf(f, ":%d", s->line);
		}
		fprintf(f, "  (%s -> %s",
			grw_fmt_bytes(x, sizeof x, p[i].old ? (double)p[i].old->live_bytes : 0),
			grw_fmt_bytes(y, sizeof y, p[i].new_ ? (double)p[i].new_->live_bytes : 0));
		bool og = p[i].old && p[i].old->growing, ng = p[i].new_ && p[i].new_->growing;
		if (og && !ng)
			fputs("; no longer growing", f);
		else if (!og && ng)
			fputs("; now growing", f);
		else if (og && ng)
			fputs("; still growing", f);
		fputs(")\n", f);
	}
}

static void jside(FILE *f, const struct dsite *s)
{
	if (!s) {
		fputs("null", f);
		return;
	}
	fprintf(f,
		"{\"live_bytes_end\":%" PRIu64 ",\"peak_live_bytes\":%" PRIu64 ",\"allocs\":%" PRIu64
		",\"alloc_bytes\":%" PRIu64 ",\"growing\":%s,\"slope_bytes_per_s\":%.3f}",
		s->live_bytes, s->peak_live_bytes, s->allocs, s->alloc_bytes,
		s->growing ? "true" : "false", s->slope_bps);
}

static void jtrace(FILE *f, const struct dtrace *t)
{
	fputs("{\"trace\":", f);
	grw_report_json_str(f, t->path);
	fprintf(f, ",\"live_bytes_end\":%" PRIu64 ",\"rss_end_bytes\":%" PRIu64
		   ",\"growing_sites\":%zu}",
		t->live_bytes, t->m.rss.end_bytes, t->growing);
}

static void json(FILE *f, const struct dtrace *a, const struct dtrace *b, const struct pair *p,
		 size_t n)
{
	fputs("{\"version\":1,\"old\":", f);
	jtrace(f, a);
	fputs(",\"new\":", f);
	jtrace(f, b);
	fputs(",\"sites\":[", f);
	for (size_t i = 0; i < n; i++) {
		const struct dsite *s = p[i].new_ ? p[i].new_ : p[i].old;
		fprintf(f, "%s{\"status\":\"%s\",\"function\":", i ? "," : "", status(&p[i]));
		grw_report_json_str(f, s->function);
		fputs(",\"file\":", f);
		grw_report_json_str(f, s->file);
		fputs(",\"line\":", f);
		if (s->line > 0)
			fprintf(f, "%d", s->line);
		else
			fputs("null", f);
		fprintf(f, ",\"delta_live_bytes\":%" PRId64 ",\"old\":", p[i].delta);
		jside(f, p[i].old);
		fputs(",\"new\":", f);
		jside(f, p[i].new_);
		fputs(",\"frames\":[", f);
		/* The key holds the chain: function \x1f file \x1e ..., then the kind. */
		const char *k = s->key;
		for (bool first = true;; first = false) {
			const char *us = strchr(k, '\x1f'), *rs = us ? strchr(us, '\x1e') : NULL;
			if (!us || !rs)
				break;
			char *fn = strndup(k, (size_t)(us - k));
			char *file = strndup(us + 1, (size_t)(rs - us - 1));
			fputs(first ? "{\"function\":" : ",{\"function\":", f);
			grw_report_json_str(f, fn ? fn : "?");
			fputs(",\"file\":", f);
			grw_report_json_str(f, file && *file ? file : NULL);
			fputc('}', f);
			free(fn);
			free(file);
			k = rs + 1;
		}
		fputs("]}", f);
	}
	fputs("]}\n", f);
}

int grw_cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *format = "text", *out_path = NULL;
	int c;
	while ((c = getopt_long(argc, argv, ":f:o:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'h':
			fputs(grw_diff_help, stdout);
			return GRW_EXIT_OK;
		case ':':
			return grw_usage_error("diff", "option '%s' needs an argument",
					       argv[optind - 1]);
		default:
			return grw_usage_error("diff", "unknown option '%s'", argv[optind - 1]);
		}
	}
	bool as_json = strcmp(format, "json") == 0;
	if (!as_json && strcmp(format, "text") != 0)
		return grw_usage_error("diff", "unknown format '%s' (text or json)", format);
	if (argc - optind < 2)
		return grw_usage_error("diff", "missing OLD or NEW trace");
	if (argc - optind > 2)
		return grw_usage_error("diff", "unexpected argument '%s'", argv[optind + 2]);

	int ret = GRW_EXIT_USAGE;
	struct dtrace a, b;
	struct pair *p = NULL;
	size_t n = 0;
	int e = dtrace_load(&a, argv[optind]);
	if (e)
		goto out_a;
	e = dtrace_load(&b, argv[optind + 1]);
	if (e)
		goto out_b;
	e = match(&a, &b, &p, &n);
	if (e)
		goto out_b;
	FILE *out = stdout;
	if (out_path && !(out = fopen(out_path, "w"))) {
		fprintf(stderr, "growth diff: cannot write '%s': %s\n", out_path, strerror(errno));
		goto out_p;
	}
	if (as_json)
		json(out, &a, &b, p, n);
	else
		text(out, &a, &b, p, n);
	bool bad = ferror(out) | (fflush(out) != 0);
	if (out != stdout && fclose(out))
		bad = true;
	if (bad) {
		fprintf(stderr, "growth diff: %s: write error\n", out_path ? out_path : "standard output");
		goto out_p;
	}
	ret = GRW_EXIT_OK;
out_p:
	free(p);
out_b:
	dtrace_free(&b);
out_a:
	if (e == -ENOMEM)
		fprintf(stderr, "growth: out of memory\n");
	dtrace_free(&a);
	return ret;
}
