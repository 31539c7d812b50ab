/* SPDX-License-Identifier: MIT */
/*
 * `growth check [options] TRACE|DIR...`: the CI gate. Each trace is loaded into the model,
 * its sites symbolized, and judged: leaks at a clean exit above --max-leak, growing sites
 * (--fail-on-growth) and RSS growth above --max-rss-rate fail it, unless a suppression matches.
 * Exit 0 all pass, 1 the gate fails, 2 usage error or unreadable input. The text report puts the
 * failing traces and their culprit stacks first; --json and --junit write files for CI.
 */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "gate.h"
#include "model.h"
#include "report.h"
#include "suppress.h"
#include "symbolize.h"
#include "units.h"
#include "util.h"

#define CHECK_FRAMES 10 /* frames per culprit stack in the text report */
#define CHECK_CULPRITS 10 /* culprit stacks per kind and trace in the text report */

const char grw_check_help[] =
	"usage: growth check [options] TRACE|DIR...\n\n"
	"Gates a test run on its growth traces: fails (exit 1) when a trace leaks at exit, has a\n"
	"growing allocation site, or its RSS grows too fast, and prints each failure's reason and\n"
	"the culprit stacks. A directory means every trace in it (*.zst, *.zst.N).\n\n"
	"criteria:\n"
	"  --max-leak SIZE            fail when the bytes still allocated at a clean exit (END\n"
	"                             reason exit), beyond suppressions, exceed SIZE (default 0).\n"
	"                             Memory still reachable from globals counts as leaked.\n"
	"                             A trace that did not exit cleanly (killed, exec) is exempt.\n"
	"  --fail-on-growth           fail on any growing site not suppressed (the default)\n"
	"  --no-fail-on-growth        do not\n"
	"  --max-rss-rate RATE        fail when RSS grows faster than RATE (default: off)\n"
	"suppressions:\n"
	"  --suppressions FILE        'leak:PATTERN' and 'growth:PATTERN' lines, '#' comments; a\n"
	"                             glob on any frame's function, file or module (repeatable;\n"
	"                             also GROWTH_SUPPRESSIONS=FILE:FILE...)\n"
	"  --no-default-suppressions  do not suppress the C/C++ runtime's own never-freed memory\n"
	"                             (stdio buffers, TLS, atexit, locale, libstdc++ pools)\n"
	"output:\n"
	"  --json FILE                the verdicts as JSON\n"
	"  --junit FILE               JUnit XML, one testcase per trace (named program (pid N))\n"
	"  -h, --help                 this help\n\n"
	"SIZE: 0, 4096, 64KiB, 1.5MB, 2G (K/M/G/T alone are binary). RATE: SIZE/s, SIZE/min,\n"
	"SIZE/h (10KB/s, 1MiB/min); a bare SIZE is per second.\n\n"
	"examples:\n"
	"  GROWTH_OUTPUT=$PWD/traces/%e.%p.zst LD_PRELOAD=build/libgrowth.so make check\n"
	"  growth check --junit growth.xml traces/\n"
	"  growth check --max-leak 100KiB --suppressions ci/growth.supp growth.app.1234.zst\n"
	"  growth run --check -- ./unit_tests     # run, then gate (see 'growth run --help')\n\n"
	"exit status: 0 every trace passes, 1 the gate fails, 2 usage error, bad suppression\n"
	"file or unreadable trace.\n";

/* ------------------------------------------------------------------------------------------ */
/* Options */

void grw_check_opts_init(struct grw_check_opts *o)
{
	memset(o, 0, sizeof *o);
	o->fail_on_growth = true;
	o->max_rss_bps = -1;
	o->default_supps = true;
}

int grw_check_opt(struct grw_check_opts *o, int code, const char *arg, const char *cmd)
{
	switch (code - GRW_CHECK_OPT_BASE) {
	case 0:
		if (grw_units_parse_size(arg, &o->max_leak_bytes))
			return grw_usage_error(
				cmd, "bad --max-leak '%s' (a size: 0, 4096, 64KiB, 1MB)", arg);
		return 0;
	case 1:
		o->fail_on_growth = true;
		return 0;
	case 2:
		o->fail_on_growth = false;
		return 0;
	case 3:
		if (grw_units_parse_rate(arg, &o->max_rss_bps))
			return grw_usage_error(
				cmd, "bad --max-rss-rate '%s' (a rate: 10KB/s, 1MiB/min)", arg);
		return 0;
	case 4:
		if (o->nsupp_files == GRW_CHECK_MAX_SUPP_FILES)
			return grw_usage_error(cmd, "too many --suppressions (at most %d)",
					       GRW_CHECK_MAX_SUPP_FILES);
		o->supp_files[o->nsupp_files++] = arg;
		return 0;
	case 5:
		o->default_supps = false;
		return 0;
	case 6:
		o->json_path = arg;
		return 0;
	case 7:
		o->junit_path = arg;
		return 0;
	}
	return grw_usage_error(cmd, "unknown option");
}

/* ------------------------------------------------------------------------------------------ */
/* Finding the traces */

struct strv {
	char **v;
	size_t n, cap;
};

static int strv_push(struct strv *s, const char *str)
{
	if (s->n == s->cap) {
		size_t c = s->cap ? s->cap * 2 : 16;
		char **v = realloc(s->v, c * sizeof *v);
		if (!v)
			return -ENOMEM;
		s->v = v;
		s->cap = c;
	}
	s->v[s->n] = strdup(str);
	if (!s->v[s->n])
		return -ENOMEM;
	s->n++;
	return 0;
}

static void strv_free(struct strv *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* A trace file name: ends with ".zst", or ".zst." and digits (the writer's clash suffix). */
static bool is_trace_name(const char *name)
{
	const char *z = strstr(name, ".zst");
	while (z) {
		const char *t = z + 4;
		if (!*t)
			return true;
		if (*t == '.' && t[1]) {
			const char *d = t + 1;
			while (*d >= '0' && *d <= '9')
				d++;
			if (!*d)
				return true;
		}
		z = strstr(z + 1, ".zst");
	}
	return false;
}

static int trace_filter(const struct dirent *d)
{
	return d->d_name[0] != '.' && is_trace_name(d->d_name);
}

/* ------------------------------------------------------------------------------------------ */
/* Judging one trace */

struct culprit {
	size_t site;
	uint64_t bytes, count;
};

static int by_bytes(const void *a, const void *b)
{
	const struct culprit *x = a, *y = b;
	if (x->bytes != y->bytes)
		return x->bytes < y->bytes ? 1 : -1;
	return x->site < y->site ? -1 : x->site > y->site;
}

/* What a site holds at the end: requested bytes for the heap, mapped bytes for mmap. */
static uint64_t site_bytes(const struct grw_model_site *s)
{
	return s->live_bytes + (s->kind == GRW_KIND_MMAP ? s->reserved_bytes : 0);
}

static uint64_t site_count(const struct grw_model_site *s)
{
	return s->allocs > s->frees ? s->allocs - s->frees : 0;
}

static void json_frames(FILE *j, const struct grw_sym_frame *fr, size_t n)
{
	fputs("[", j);
	for (size_t k = 0; k < n; k++) {
		fputs(k ? ", {\"function\": " : "{\"function\": ", j);
		grw_report_json_str(j, fr[k].function);
		fputs(", \"file\": ", j);
		grw_report_json_str(j, fr[k].file);
		if (fr[k].file && fr[k].line > 0)
			fprintf(j, ", \"line\": %d", fr[k].line);
		else
			fputs(", \"line\": null", j);
		fputs(", \"module\": ", j);
		grw_report_json_str(j, fr[k].module);
		fputs("}", j);
	}
	fputs("]", j);
}

/* Writes the culprit list (text into d, JSON array into j). */
static int put_culprits(FILE *d, FILE *j, const struct grw_model *m, struct grw_symbolizer *sym,
			struct culprit *c, size_t n, bool growth)
{
	char b[32];
	qsort(c, n, sizeof *c, by_bytes);
	fputs("[", j);
	for (size_t i = 0; i < n; i++) {
		const struct grw_model_site *s = &m->sites[c[i].site];
		const struct grw_sym_frame *fr;
		size_t nf;
		int e = grw_sym_site(sym, s, &fr, &nf);
		if (e)
			return e;
		fprintf(j,
			"%s{\"site\": %" PRIu64 ", \"kind\": \"%s\", \"bytes\": %" PRIu64
			", \"allocations\": %" PRIu64,
			i ? ", " : "", s->id, s->kind == GRW_KIND_MMAP ? "mmap" : "heap",
			c[i].bytes, c[i].count);
		if (growth)
			fprintf(j,
				", \"slope_bytes_per_s\": %.1f, \"growing_at_end\": %s, "
				"\"flagged_at_s\": %.3f, \"live_bytes_end\": %" PRIu64,
				s->verdict.slope_bps, s->verdict.growing ? "true" : "false",
				s->flagged_at_s, site_bytes(s));
		fputs(", \"frames\": ", j);
		json_frames(j, fr, nf);
		fputs("}", j);
		if (!d)
			continue;
		if (i == CHECK_CULPRITS) {
			fprintf(d, "  ... %zu more %s sites ('growth report --all' lists them)\n",
				n - i, growth ? "growing" : "leaking");
		}
		if (i >= CHECK_CULPRITS)
			continue;
		if (growth)
			fprintf(d,
				"  GROWING: %s site %" PRIu64 ", +%.2f MiB/min, peak %" PRIu64
				" bytes (%s), %" PRIu64 " bytes live at the end%s%.1f s\n",
				s->kind == GRW_KIND_MMAP ? "mmap" : "heap", s->id,
				s->verdict.slope_bps * 60 / 1048576, c[i].bytes,
				grw_fmt_bytes(b, sizeof b, (double)c[i].bytes), site_bytes(s),
				s->verdict.growing ? ", still growing; flagged at "
						   : ", grew until it was freed; flagged at ",
				s->flagged_at_s);
		else
			fprintf(d,
				"  LEAK: %" PRIu64 " bytes (%s) in %" PRIu64
				" allocation%s, %s site %" PRIu64 "\n",
				c[i].bytes, grw_fmt_bytes(b, sizeof b, (double)c[i].bytes),
				c[i].count, c[i].count == 1 ? "" : "s",
				s->kind == GRW_KIND_MMAP ? "mmap" : "heap", s->id);
		e = grw_report_stack(d, sym, s, "      ", CHECK_FRAMES);
		if (e)
			return e;
	}
	fputs("]", j);
	return 0;
}

/* Appends ": largest at FRAME" for the culprit holding the most bytes. */
static int put_top(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		   const struct culprit *c, size_t n)
{
	size_t top = 0;
	for (size_t i = 1; i < n; i++)
		if (c[i].bytes > c[top].bytes)
			top = i;
	const struct grw_sym_frame *fr;
	size_t nf;
	int e = grw_sym_site(sym, &m->sites[c[top].site], &fr, &nf);
	if (e)
		return e;
	const struct grw_sym_frame *b = grw_sym_best(fr, nf);
	if (b) {
		fputs(n > 1 ? "; largest at " : " at ", f);
		grw_report_frame(f, b);
	}
	return 0;
}

struct membuf {
	char *buf;
	size_t len;
	FILE *f;
};

static int mb_open(struct membuf *b)
{
	b->buf = NULL;
	b->len = 0;
	b->f = open_memstream(&b->buf, &b->len);
	return b->f ? 0 : -ENOMEM;
}

/* Closes the stream; returns the buffer (owned by the caller) or NULL. */
static char *mb_close(struct membuf *b)
{
	if (!b->f)
		return NULL;
	bool bad = ferror(b->f);
	fclose(b->f);
	b->f = NULL;
	if (bad) {
		free(b->buf);
		return NULL;
	}
	return b->buf;
}

static int judge(const struct grw_check_opts *o, struct grw_supp_list *supps, const char *path,
		 struct grw_check_result *r)
{
	char err[768], b1[32], b2[32];
	struct grw_model m;
	struct membuf why = {0}, det = {0}, js = {0};
	struct culprit *leaks = NULL, *grows = NULL;
	size_t nleaks = 0, ngrows = 0;
	int e;

	memset(r, 0, sizeof *r);
	r->trace = strdup(path);
	if (!r->trace)
		return -ENOMEM;
	if (grw_model_load(&m, path, err, sizeof err)) {
		r->unreadable = true;
		r->reasons = strdup(err);
		r->details = strdup("");
		struct membuf j;
		if (mb_open(&j))
			return -ENOMEM;
		fputs("{\"trace\": ", j.f);
		grw_report_json_str(j.f, path);
		fputs(", \"readable\": false, \"passed\": false, \"error\": ", j.f);
		grw_report_json_str(j.f, err);
		fputs("}", j.f);
		r->json = mb_close(&j);
		return r->reasons && r->details && r->json ? 0 : -ENOMEM;
	}
	r->exe = strdup(m.exe ? m.exe : "?");
	r->pid = m.hdr.pid;
	r->duration_s = m.duration_s;
	struct grw_symbolizer *sym = grw_sym_new(&m, NULL);
	if (!r->exe || !sym || mb_open(&why) || mb_open(&det) || mb_open(&js)) {
		e = -ENOMEM;
		goto out;
	}
	leaks = calloc(m.nsites + 1, sizeof *leaks);
	grows = calloc(m.nsites + 1, sizeof *grows);
	if (!leaks || !grows) {
		e = -ENOMEM;
		goto out;
	}

	bool clean = m.end_seen && m.end_reason == GRW_END_EXIT;
	uint64_t leak_bytes = 0, leak_count = 0, live_bytes = 0, supp_leak_bytes = 0;
	for (size_t i = 0; i < m.nsites; i++) {
		const struct grw_model_site *s = &m.sites[i];
		uint64_t bytes = site_bytes(s);
		live_bytes += bytes;
		bool check_leak = clean && bytes;
		/* Flagged at some cut counts even when the site levelled off or was freed before
		 * the end: a test suite that tears everything down at exit must not hide growth. */
		bool check_growth = s->verdict.growing || s->flagged_at_s >= 0;
		if (!check_leak && !check_growth)
			continue;
		const struct grw_sym_frame *fr;
		size_t nf;
		e = grw_sym_site(sym, s, &fr, &nf);
		if (e)
			goto out;
		if (check_leak) {
			struct grw_supp *sp = grw_supp_match(supps, GRW_SUPP_LEAK, fr, nf);
			if (sp) {
				sp->matched_sites++;
				sp->matched_allocs += site_count(s);
				sp->matched_bytes += bytes;
				supp_leak_bytes += bytes;
			} else {
				leaks[nleaks++] = (struct culprit){i, bytes, site_count(s)};
				leak_bytes += bytes;
				leak_count += site_count(s);
			}
		}
		if (check_growth) {
			struct grw_supp *sp = grw_supp_match(supps, GRW_SUPP_GROWTH, fr, nf);
			if (sp) {
				sp->matched_sites++;
				sp->matched_allocs += site_count(s);
				sp->matched_bytes += s->live_bytes;
			} else {
				grows[ngrows++] =
					(struct culprit){i, s->peak_live_bytes, site_count(s)};
			}
		}
	}

	/* Verdicts, one line each. */
	bool leak_fail = clean && leak_bytes > o->max_leak_bytes;
	bool growth_fail = o->fail_on_growth && ngrows > 0;
	double rss_bps = m.rss.verdict.growing ? m.rss.verdict.slope_bps : 0;
	bool rss_fail = o->max_rss_bps >= 0 && rss_bps > o->max_rss_bps;
	if (leak_fail) {
		fprintf(why.f,
			"leaked at exit: %" PRIu64 " bytes (%s) in %" PRIu64
			" allocation%s at %zu site%s, above --max-leak %" PRIu64 " bytes",
			leak_bytes, grw_fmt_bytes(b1, sizeof b1, (double)leak_bytes), leak_count,
			leak_count == 1 ? "" : "s", nleaks, nleaks == 1 ? "" : "s",
			o->max_leak_bytes);
		e = put_top(why.f, &m, sym, leaks, nleaks);
		if (e)
			goto out;
		fputc('\n', why.f);
	}
	if (growth_fail) {
		fprintf(why.f, "%zu growing site%s", ngrows, ngrows == 1 ? "" : "s");
		e = put_top(why.f, &m, sym, grows, ngrows);
		if (e)
			goto out;
		fputc('\n', why.f);
	}
	if (rss_fail)
		fprintf(why.f,
			"RSS grows %.0f bytes/s (%s/min), above --max-rss-rate %.0f bytes/s\n",
			rss_bps, grw_fmt_bytes(b1, sizeof b1, rss_bps * 60), o->max_rss_bps);
	r->passed = !leak_fail && !growth_fail && !rss_fail;

	/* Details: culprit stacks, then how the trace ended. */
	fputs("{\"trace\": ", js.f);
	grw_report_json_str(js.f, path);
	fputs(", \"readable\": true, \"exe\": ", js.f);
	grw_report_json_str(js.f, m.exe);
	fprintf(js.f, ", \"pid\": %" PRIu64 ", \"passed\": %s, \"end_reason\": ", m.hdr.pid,
		r->passed ? "true" : "false");
	grw_report_json_str(js.f, grw_model_end_reason(&m));
	fprintf(js.f,
		", \"clean_exit\": %s, \"truncated\": %s, \"max_leak_applied\": %s"
		", \"leak_bytes\": %" PRIu64 ", \"leak_allocations\": %" PRIu64
		", \"suppressed_leak_bytes\": %" PRIu64 ", \"live_bytes_end\": %" PRIu64
		", \"rss_slope_bytes_per_s\": %.1f, \"failures\": {\"leak\": %s, \"growth\": %s, "
		"\"rss\": %s}, \"leaks\": ",
		clean ? "true" : "false", m.truncated ? "true" : "false", clean ? "true" : "false",
		leak_bytes, leak_count, supp_leak_bytes, live_bytes, rss_bps,
		leak_fail ? "true" : "false", growth_fail ? "true" : "false",
		rss_fail ? "true" : "false");
	/* Within --max-leak or allowed growth: in the JSON only; the text stays concise. */
	e = put_culprits(leak_fail ? det.f : NULL, js.f, &m, sym, leaks, nleaks, false);
	if (e)
		goto out;
	fputs(", \"growing\": ", js.f);
	e = put_culprits(growth_fail ? det.f : NULL, js.f, &m, sym, grows, ngrows, true);
	if (e)
		goto out;
	fputs("}", js.f);
	if (clean && !leak_fail && leak_bytes)
		fprintf(det.f,
			"  leaked at exit: %" PRIu64 " bytes (%s) in %" PRIu64
			" allocation%s, within --max-leak %" PRIu64 " bytes\n",
			leak_bytes, grw_fmt_bytes(b2, sizeof b2, (double)leak_bytes), leak_count,
			leak_count == 1 ? "" : "s", o->max_leak_bytes);
	if (!clean)
		fprintf(det.f,
			"  note: %s; %" PRIu64
			" bytes (%s) live at the end of the trace; --max-leak "
			"applies only to a clean exit\n",
			m.end_seen ? "the trace ended without a clean exit"
				   : "no clean exit (killed or crashed)",
			live_bytes, grw_fmt_bytes(b2, sizeof b2, (double)live_bytes));
	if (m.read.end == GRW_READ_CORRUPT)
		fprintf(det.f, "  warning: %s\n", m.ending);
	e = 0;
out:
	r->reasons = mb_close(&why);
	if (r->reasons) {
		size_t rl = strlen(r->reasons);
		if (rl && r->reasons[rl - 1] == '\n')
			r->reasons[rl - 1] = 0; /* one line per reason, none after the last */
	}
	r->details = mb_close(&det);
	r->json = mb_close(&js);
	if (!e && (!r->reasons || !r->details || !r->json))
		e = -ENOMEM;
	free(leaks);
	free(grows);
	grw_sym_free(sym);
	grw_model_free(&m);
	return e;
}

static void result_free(struct grw_check_result *r)
{
	free(r->trace);
	free(r->exe);
	free(r->reasons);
	free(r->details);
	free(r->json);
}

/* ------------------------------------------------------------------------------------------ */
/* The report */

static void put_reasons(FILE *out, const char *reasons)
{
	const char *p = reasons;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		fprintf(out, "  %.*s\n", (int)n, p);
		p += n + (nl ? 1 : 0);
	}
}

static void put_text(FILE *out, const struct grw_check_opts *o, const struct grw_supp_list *supps,
		     const struct grw_check_result *r, size_t n)
{
	size_t failed = 0, bad = 0;
	/* Failures first, each with its reasons and culprit stacks. */
	for (size_t i = 0; i < n; i++) {
		if (r[i].passed)
			continue;
		if (r[i].unreadable) {
			bad++;
			fprintf(out, "ERROR %s: cannot read it\n", r[i].trace);
		} else {
			failed++;
			fprintf(out, "FAIL %s (pid %" PRIu64 "): %s\n", r[i].exe, r[i].pid,
				r[i].trace);
		}
		put_reasons(out, r[i].reasons);
		fputs(r[i].details, out);
		fputc('\n', out);
	}
	for (size_t i = 0; i < n; i++) {
		if (!r[i].passed)
			continue;
		fprintf(out, "PASS %s (pid %" PRIu64 "): %s\n", r[i].exe, r[i].pid, r[i].trace);
		fputs(r[i].details, out);
	}
	bool any = false;
	for (size_t i = 0; i < supps->n; i++) {
		const struct grw_supp *s = &supps->v[i];
		if (!s->matched_sites)
			continue;
		if (!any)
			fputs("\nsuppressions used:\n", out);
		any = true;
		fprintf(out,
			"  %s:%s (%s): %" PRIu64 " site%s, %" PRIu64 " allocation%s, %" PRIu64
			" bytes\n",
			s->kind == GRW_SUPP_LEAK ? "leak" : "growth", s->pattern, s->source,
			s->matched_sites, s->matched_sites == 1 ? "" : "s", s->matched_allocs,
			s->matched_allocs == 1 ? "" : "s", s->matched_bytes);
	}
	any = false;
	for (size_t i = 0; i < supps->n; i++) {
		const struct grw_supp *s = &supps->v[i];
		if (s->matched_sites || strcmp(s->source, "default") == 0)
			continue; /* the built-in list is long and mostly unused: noise */
		if (!any)
			fputs("\nsuppressions unused:\n", out);
		any = true;
		fprintf(out, "  %s:%s (%s)\n", s->kind == GRW_SUPP_LEAK ? "leak" : "growth",
			s->pattern, s->source);
	}
	fprintf(out,
		"\ngrowth check: %s: %zu trace%s, %zu passed, %zu failed%s (max-leak %" PRIu64
		" bytes, growth %s, max-rss-rate ",
		failed || bad ? "FAIL" : "PASS", n, n == 1 ? "" : "s", n - failed - bad, failed,
		bad ? ", some unreadable" : "", o->max_leak_bytes,
		o->fail_on_growth ? "fails" : "allowed");
	if (o->max_rss_bps >= 0)
		fprintf(out, "%.0f bytes/s)\n", o->max_rss_bps);
	else
		fputs("off)\n", out);
}

static int put_json(FILE *f, const struct grw_check_opts *o, const struct grw_supp_list *supps,
		    const struct grw_check_result *r, size_t n, bool passed)
{
	fprintf(f,
		"{\"version\": 1, \"passed\": %s, \"criteria\": {\"max_leak_bytes\": %" PRIu64
		", \"fail_on_growth\": %s, \"max_rss_bytes_per_s\": ",
		passed ? "true" : "false", o->max_leak_bytes, o->fail_on_growth ? "true" : "false");
	if (o->max_rss_bps >= 0)
		fprintf(f, "%.1f", o->max_rss_bps);
	else
		fputs("null", f);
	fputs("},\n \"traces\": [", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\n  %s", i ? "," : "", r[i].json);
	fputs("],\n \"suppressions\": [", f);
	for (size_t i = 0; i < supps->n; i++) {
		const struct grw_supp *s = &supps->v[i];
		fprintf(f, "%s\n  {\"kind\": \"%s\", \"pattern\": ", i ? "," : "",
			s->kind == GRW_SUPP_LEAK ? "leak" : "growth");
		grw_report_json_str(f, s->pattern);
		fputs(", \"source\": ", f);
		grw_report_json_str(f, s->source);
		fprintf(f,
			", \"used\": %s, \"sites\": %" PRIu64 ", \"allocations\": %" PRIu64
			", \"bytes\": %" PRIu64 "}",
			s->matched_sites ? "true" : "false", s->matched_sites, s->matched_allocs,
			s->matched_bytes);
	}
	fputs("]}\n", f);
	return ferror(f) ? -EIO : 0;
}

static int write_file(const char *path, const struct grw_check_opts *o,
		      const struct grw_supp_list *supps, const struct grw_check_result *r, size_t n,
		      bool passed, bool junit)
{
	FILE *f = fopen(path, "w");
	if (!f) {
		fprintf(stderr, "growth check: cannot write '%s': %s\n", path, strerror(errno));
		return -errno;
	}
	int e = junit ? grw_report_junit(f, r, n) : put_json(f, o, supps, r, n, passed);
	if (fclose(f) && !e)
		e = -EIO;
	if (e)
		fprintf(stderr, "growth check: cannot write '%s': write error\n", path);
	return e;
}

/* Loads --suppressions, then GROWTH_SUPPRESSIONS, then the defaults. Returns 0 or prints. */
static int load_supps(const struct grw_check_opts *o, struct grw_supp_list *l)
{
	char err[4200];
	for (size_t i = 0; i < o->nsupp_files; i++) {
		if (grw_supp_load(l, o->supp_files[i], err, sizeof err)) {
			fprintf(stderr, "growth: %s\n", err);
			return -EINVAL;
		}
	}
	const char *env = getenv("GROWTH_SUPPRESSIONS");
	if (env && *env) {
		char *copy = strdup(env), *save = NULL;
		if (!copy)
			return -ENOMEM;
		for (char *p = strtok_r(copy, ":", &save); p; p = strtok_r(NULL, ":", &save)) {
			if (grw_supp_load(l, p, err, sizeof err)) {
				fprintf(stderr, "growth: %s (from GROWTH_SUPPRESSIONS)\n", err);
				free(copy);
				return -EINVAL;
			}
		}
		free(copy);
	}
	if (o->default_supps && grw_supp_add_defaults(l))
		return -ENOMEM;
	return 0;
}

int grw_check_paths(const struct grw_check_opts *o, const char *const *paths, size_t n, FILE *out)
{
	int ret = GRW_EXIT_USAGE;
	struct grw_supp_list supps = {0};
	struct strv traces = {0};
	struct grw_check_result *res = NULL;
	size_t nres = 0;
	bool input_error = false;

	if (load_supps(o, &supps))
		goto out;
	for (size_t i = 0; i < n; i++) {
		struct stat st;
		if (stat(paths[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			struct dirent **list;
			int k = scandir(paths[i], &list, trace_filter, alphasort);
			if (k < 0) {
				fprintf(stderr, "growth check: cannot read directory '%s': %s\n",
					paths[i], strerror(errno));
				input_error = true;
				continue;
			}
			if (k == 0) {
				fprintf(stderr, "growth check: no traces (*.zst) in '%s'\n",
					paths[i]);
				input_error = true;
			}
			for (int j = 0; j < k; j++) {
				char p[8192];
				snprintf(p, sizeof p, "%s/%s", paths[i], list[j]->d_name);
				if (strv_push(&traces, p))
					input_error = true;
				free(list[j]);
			}
			free(list);
		} else if (strv_push(&traces, paths[i])) {
			fprintf(stderr, "growth: out of memory\n");
			goto out;
		}
	}
	res = calloc(traces.n + 1, sizeof *res);
	if (!res) {
		fprintf(stderr, "growth: out of memory\n");
		goto out;
	}
	bool all_pass = true;
	for (size_t i = 0; i < traces.n; i++) {
		if (judge(o, &supps, traces.v[i], &res[nres])) {
			result_free(&res[nres]);
			fprintf(stderr, "growth: out of memory\n");
			goto out;
		}
		if (res[nres].unreadable) {
			input_error = true;
			fprintf(stderr, "%s\n", res[nres].reasons);
		}
		if (!res[nres].passed)
			all_pass = false;
		nres++;
	}
	put_text(out, o, &supps, res, nres);
	fflush(out);
	ret = input_error ? GRW_EXIT_USAGE : all_pass ? GRW_EXIT_OK : GRW_EXIT_FOUND;
	if (o->json_path && write_file(o->json_path, o, &supps, res, nres, all_pass, false))
		ret = GRW_EXIT_USAGE;
	if (o->junit_path && write_file(o->junit_path, o, &supps, res, nres, all_pass, true))
		ret = GRW_EXIT_USAGE;
out:
	for (size_t i = 0; i < nres; i++)
		result_free(&res[i]);
	free(res);
	strv_free(&traces);
	grw_supp_free(&supps);
	return ret;
}

int grw_cmd_check(int argc, char **argv)
{
	static const struct option opts[] = {
		GRW_CHECK_LONG_OPTIONS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct grw_check_opts o;
	int c;
	grw_check_opts_init(&o);
	while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			fputs(grw_check_help, stdout);
			return GRW_EXIT_OK;
		case ':':
			return grw_usage_error("check", "option '%s' needs an argument",
					       argv[optind - 1]);
		case '?':
			return grw_usage_error("check", "unknown option '%s'", argv[optind - 1]);
		default:
			if (grw_check_opt(&o, c, optarg, "check"))
				return GRW_EXIT_USAGE;
		}
	}
	if (optind >= argc)
		return grw_usage_error("check", "missing TRACE or DIR");
	return grw_check_paths(&o, (const char *const *)(argv + optind), (size_t)(argc - optind),
			       stdout);
}
