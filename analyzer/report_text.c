/* SPDX-License-Identifier: MIT */
/*
 * The text report and the short summary of `growth run`: what a person reads first. The
 * truncation note comes before anything else; then the growing sites with their symbolized
 * stacks; then the largest remaining sites ("live at end" are the leaks at exit when the trace
 * ended with a clean exit).
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "sparkline.h"
#include "util.h"

#define TEXT_FRAMES 16   /* frames shown per growing site */
#define TEXT_OTHERS 10   /* largest remaining sites shown without --all */
#define TEXT_GROWING 20  /* growing sites shown with their stacks without --all */
#define SUMMARY_SITES 5  /* growing sites in `growth run`'s summary */
#define TEXT_SPARK 48    /* cells of a sparkline */
#define TEXT_PEAK 8      /* sites listed under PEAK */

uint64_t grw_report_live_total(const struct grw_model *m, size_t *nsites)
{
	uint64_t total = 0;
	size_t n = 0;
	for (size_t i = 0; i < m->nsites; i++) {
		if (m->sites[i].live_bytes) {
			total += m->sites[i].live_bytes;
			n++;
		}
	}
	if (nsites)
		*nsites = n;
	return total;
}

static const char *base_name(const char *path)
{
	const char *s = path ? strrchr(path, '/') : NULL;
	return s ? s + 1 : path;
}

static char *fmt_dur(char *buf, size_t len, double s)
{
	if (s < 0 || !isfinite(s))
		snprintf(buf, len, "unknown");
	else if (s < 120)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.1f min", s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%.1f h", s / 3600);
	else
		snprintf(buf, len, "%.1f days", s / 86400);
	return buf;
}

void grw_report_frame(FILE *f, const struct grw_sym_frame *fr)
{
	if (fr->function)
		fputs(fr->function, f);
	else
		fprintf(f, "0x%" PRIx64, fr->address);
	if (fr->file)
		fprintf(f, " (%s:%d)", fr->file, fr->line);
	else if (fr->module && fr->function)
		fprintf(f, " (%s)", base_name(fr->module));
	else if (fr->module)
		fprintf(f, " (%s+0x%" PRIx64 ")", base_name(fr->module), fr->offset);
	if (fr->inlined)
		fputs(" [inlined]", f);
}

static int put_stack(FILE *f, struct grw_symbolizer *sym, const struct grw_model_site *s,
		     const char *indent)
{
	return grw_report_stack(f, sym, s, indent, TEXT_FRAMES);
}

int grw_report_stack(FILE *f, struct grw_symbolizer *sym, const struct grw_model_site *s,
		     const char *indent, size_t max_frames)
{
	const struct grw_sym_frame *fr;
	size_t n;
	int e = grw_sym_site(sym, s, &fr, &n);
	if (e)
		return e;
	if (n == 0)
		fprintf(f, "%s(no frames)\n", indent);
	for (size_t i = 0; i < n && i < max_frames; i++) {
		fprintf(f, "%s", indent);
		grw_report_frame(f, &fr[i]);
		fputc('\n', f);
	}
	if (n > max_frames)
		fprintf(f, "%s... %zu more frames\n", indent, n - max_frames);
	return 0;
}

/* The one-line name of a site: its best frame. */
static int put_site_name(FILE *f, struct grw_symbolizer *sym, const struct grw_model_site *s)
{
	const struct grw_sym_frame *fr;
	size_t n;
	int e = grw_sym_site(sym, s, &fr, &n);
	if (e)
		return e;
	const struct grw_sym_frame *b = grw_sym_best(fr, n);
	if (b)
		grw_report_frame(f, b);
	else
		fputs("(no frames)", f);
	return 0;
}

/* "LABEL ▁▂▄█ (0.1-5.0 s)": a series as a sparkline with the span it covers. */
static void put_spark(FILE *f, const char *label, const struct grw_series *se)
{
	struct grw_point pts[TEXT_SPARK * 2];
	char line[TEXT_SPARK * 4 + 1];
	size_t n = grw_model_downsample(se, pts, TEXT_SPARK * 2);
	if (n < 2)
		return;
	grw_spark_draw(line, sizeof line, pts, n, TEXT_SPARK, grw_spark_utf8());
	fprintf(f, "%s%s (%.1f-%.1f s)\n", label, line, pts[0].t_s, pts[n - 1].t_s);
}

/* A share of RSS as a percentage, "?" when RSS is unknown. */
static char *fmt_share(char *buf, size_t len, uint64_t part, uint64_t rss)
{
	if (!rss)
		snprintf(buf, len, "?");
	else
		snprintf(buf, len, "%.0f%%", 100.0 * (double)part / (double)rss);
	return buf;
}

/*
 * Not every OOM is a leak: when the trace was killed or RSS came within 10% of the limit, lead
 * with what held the memory at the RSS peak (a snapshot of that moment, not a trend).
 */
static int put_peak(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym)
{
	char b1[32], b2[32], pc[16];
	size_t *order = NULL, n = 0;
	if (!grw_model_peak_matters(m))
		return 0;
	int e = grw_model_peak_sites(m, TEXT_PEAK, &order, &n);
	if (e)
		return e;
	fprintf(f, "PEAK: RSS reached %s at %.1f s (%s). What held the memory then (a peak, not "
		   "growth):\n",
		grw_fmt_bytes(b1, sizeof b1, (double)m->rss.peak_bytes), m->rss_peak_t_s,
		!m->end_seen ? "the process was killed or crashed; no end record"
			     : "within 10% of the memory limit");
	for (size_t k = 0; k < n; k++) {
		const struct grw_model_site *s = &m->sites[order[k]];
		fprintf(f, "  %-11s %4s of RSS  %-8s site %-5" PRIu64 " ",
			grw_fmt_bytes(b1, sizeof b1, (double)s->live_at_rss_peak),
			fmt_share(pc, sizeof pc, s->live_at_rss_peak, m->rss.peak_bytes),
			grw_pattern_name(s->verdict.pattern), s->id);
		e = put_site_name(f, sym, s);
		if (e)
			goto out_free;
		fputc('\n', f);
	}
	fprintf(f, "  tracked sites held %s (%s of RSS) at the peak\n\n",
		grw_fmt_bytes(b2, sizeof b2, (double)m->tracked_at_rss_peak),
		fmt_share(pc, sizeof pc, m->tracked_at_rss_peak, m->rss.peak_bytes));
out_free:
	free(order);
	return e;
}

static void put_header(FILE *f, const struct grw_model *m, const struct grw_report_opts *o)
{
	char b1[32], b2[32], d[32];
	fprintf(f, "growth report for %s (pid %" PRIu64 ")\n", m->exe, m->hdr.pid);
	if (o->trace_path)
		fprintf(f, "  trace:     %s\n", o->trace_path);
	fputs("  command:  ", f);
	for (uint64_t i = 0; i < m->argc; i++) {
		fputc(' ', f);
		grw_fput_quoted(f, m->argv[i], strlen(m->argv[i]));
	}
	fputc('\n', f);
	const char *why = grw_model_end_reason(m);
	fprintf(f, "  duration:  %s (%s)\n", fmt_dur(d, sizeof d, m->duration_s),
		!why                     ? "no end record"
		: strcmp(why, "exit") == 0 ? "ended with exit"
		: strcmp(why, "exec") == 0 ? "ended with exec: the new image has its own trace"
		: strcmp(why, "cap") == 0  ? "the trace reached GROWTH_MAX_TRACE and stopped early"
		: strcmp(why, "disabled") == 0 ? "growth disabled itself: see the notes"
					       : "unknown end reason");
	fprintf(f, "  RSS:       peak %s, end %s", grw_fmt_bytes(b1, sizeof b1, (double)m->rss.peak_bytes),
		grw_fmt_bytes(b2, sizeof b2, (double)m->rss.end_bytes));
	if (m->rss.verdict.growing)
		fprintf(f, " (growing %.2f MiB/min)", m->rss.verdict.slope_bps * 60 / 1048576);
	fputc('\n', f);
	put_spark(f, "  RSS trend: ", &m->rss.series);
	if (m->rss.peak_bytes) {
		char p1[16], p2[16];
		fprintf(f,
			"  explained: tracked heap + resident mmap = %s (%s of RSS) at the RSS peak, "
			"%s (%s) at end; the rest is outside malloc and mmap (stacks, code, other "
			"allocators such as Go's heap) or fragmentation\n",
			grw_fmt_bytes(b1, sizeof b1, (double)m->tracked_at_rss_peak),
			fmt_share(p1, sizeof p1, m->tracked_at_rss_peak, m->rss.peak_bytes),
			grw_fmt_bytes(b2, sizeof b2, (double)m->total.end_bytes),
			fmt_share(p2, sizeof p2, m->total.end_bytes, m->rss.end_bytes));
	}
	static const char *sources[] = {"", " (cgroup v2 memory.max)", " (cgroup v1 limit)",
					 " (MemTotal)", " (GROWTH_LIMIT)"};
	uint64_t src = m->hdr.mem_limit_source;
	if (grw_model_limit(m))
		fprintf(f, "  limit:     %s%s\n",
			grw_fmt_bytes(b1, sizeof b1, (double)grw_model_limit(m)),
			src < sizeof sources / sizeof sources[0] ? sources[src] : "");
	else
		fputs("  limit:     unknown\n", f);
	fprintf(f, "  tracked:   %zu sites, %s live at end (peak %s)\n", m->nsites,
		grw_fmt_bytes(b1, sizeof b1, (double)m->total.end_bytes),
		grw_fmt_bytes(b2, sizeof b2, (double)m->total.peak_bytes));
	if (m->hdr.flags & GRW_HDR_FLAG_SAMPLED)
		fprintf(f, "  sampled:   every %" PRIu64 " bytes; counts are estimates\n",
			m->hdr.sample_bytes);
	if (m->untracked_allocs)
		fprintf(f, "  untracked: %" PRIu64 " allocations, %s (growth ran out of memory)\n",
			m->untracked_allocs,
			grw_fmt_bytes(b1, sizeof b1, (double)m->untracked_bytes));
	for (size_t i = 0; i < m->nnotes; i++) {
		fprintf(f, "  note at %.1f s: ", m->notes[i].t_s);
		grw_fput_quoted(f, m->notes[i].text, strlen(m->notes[i].text));
		fputc('\n', f);
	}
	fputc('\n', f);
}

static int put_growing(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		       const size_t *order, size_t ngrowing, bool all)
{
	char b1[32], b2[32], d[32];
	if (ngrowing == 0) {
		fputs("No growing site.\n\n", f);
		return 0;
	}
	fprintf(f, "GROWING: %zu site%s\n\n", ngrowing, ngrowing == 1 ? "" : "s");
	for (size_t k = 0; k < ngrowing; k++) {
		const struct grw_model_site *s = &m->sites[order[k]];
		double bps = s->verdict.slope_bps;
		if (!all && k == TEXT_GROWING) {
			fprintf(f, "... %zu more growing sites (--all shows them)\n\n", ngrowing - k);
			break;
		}
		fprintf(f, "#%zu site %" PRIu64 " (%s): +%.2f MiB/min (%.0f B/s), %s live, peak %s\n",
			k + 1, s->id, s->kind == GRW_KIND_MMAP ? "mmap" : "heap",
			bps * 60 / 1048576, bps, grw_fmt_bytes(b1, sizeof b1, (double)s->live_bytes),
			grw_fmt_bytes(b2, sizeof b2, (double)s->peak_live_bytes));
		uint64_t count = s->allocs >= s->frees ? s->allocs - s->frees : 0;
		fprintf(f, "   live now %s in %" PRIu64 " objects",
			grw_fmt_bytes(b1, sizeof b1, (double)s->live_bytes), count);
		if (s->allocs)
			fprintf(f, " (mean %s)",
				grw_fmt_bytes(b2, sizeof b2, (double)s->alloc_bytes / (double)s->allocs));
		fprintf(f, "; %" PRIu64 " allocs, %" PRIu64 " frees\n   ", s->allocs, s->frees);
		if (s->verdict.growth_start_s >= 0)
			fprintf(f, "growing since %.1f s", s->verdict.growth_start_s);
		else
			fputs("growing", f);
		if (s->flagged_at_s >= 0)
			fprintf(f, ", flagged at %.1f s", s->flagged_at_s);
		if (s->time_to_limit_s >= 0)
			fprintf(f, "; memory limit in %s", fmt_dur(d, sizeof d, s->time_to_limit_s));
		else if (!grw_model_limit(m))
			fputs("; memory limit unknown", f);
		fputc('\n', f);
		put_spark(f, "   live ", &s->series);
		int e = put_stack(f, sym, s, "     ");
		if (e)
			return e;
		fputc('\n', f);
	}
	return 0;
}

static int put_table(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		     const size_t *order, size_t from, size_t count, bool all)
{
	char b1[32], b2[32];
	fprintf(f, "  %-11s %-11s %10s %10s  %-8s %6s  %s\n", "live", "peak", "allocs", "frees",
		"pattern", "site", "where");
	for (size_t k = from; k < from + count && k < m->nsites; k++) {
		const struct grw_model_site *s = &m->sites[order[k]];
		if (!all && s->live_bytes == 0)
			break; /* sorted by live bytes: the rest hold nothing */
		fprintf(f, "  %-11s %-11s %10" PRIu64 " %10" PRIu64 "  %-8s %6" PRIu64 "  ",
			grw_fmt_bytes(b1, sizeof b1, (double)s->live_bytes),
			grw_fmt_bytes(b2, sizeof b2, (double)s->peak_live_bytes), s->allocs, s->frees,
			grw_pattern_name(s->verdict.pattern), s->id);
		int e = put_site_name(f, sym, s);
		if (e)
			return e;
		if (s->verdict.pattern == GRW_PAT_BURST && s->verdict.growth_start_s >= 0)
			fprintf(f, "  [burst at %.1f s, then stopped]", s->verdict.growth_start_s);
		fputc('\n', f);
	}
	return 0;
}

int grw_report_text(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		    const struct grw_report_opts *o)
{
	size_t *order = NULL;
	int e = grw_model_sort_sites(m, &order);
	if (e)
		return e;
	size_t ngrowing = 0;
	while (ngrowing < m->nsites && m->sites[order[ngrowing]].verdict.growing)
		ngrowing++;

	if (m->ending[0])
		fprintf(f, "%s: %s\n\n", m->truncated ? "TRUNCATED" : "note", m->ending);
	e = put_peak(f, m, sym);
	if (e)
		goto out_free;
	put_header(f, m, o);
	e = put_growing(f, m, sym, order, ngrowing, o->all);
	if (e)
		goto out_free;

	bool leaks = m->end_seen && m->end_reason == GRW_END_EXIT;
	if (o->all) {
		fprintf(f, "ALL SITES (%zu)%s\n", m->nsites,
			leaks ? ": live at end = leaks at exit" : "");
		e = put_table(f, m, sym, order, 0, m->nsites, true);
	} else if (ngrowing < m->nsites && m->sites[order[ngrowing]].live_bytes) {
		size_t rest = 0;
		uint64_t rest_bytes = 0;
		for (size_t k = ngrowing; k < m->nsites; k++) {
			if (m->sites[order[k]].live_bytes) {
				rest++;
				rest_bytes += m->sites[order[k]].live_bytes;
			}
		}
		char b[32];
		fprintf(f, "LARGEST OTHER SITES (%zu hold %s; live at %s)\n", rest,
			grw_fmt_bytes(b, sizeof b, (double)rest_bytes),
			leaks ? "end = leaks at exit" : "the end of the trace");
		e = put_table(f, m, sym, order, ngrowing, TEXT_OTHERS, false);
		if (!e && rest > TEXT_OTHERS)
			fprintf(f, "  ... %zu more (--all lists every site)\n", rest - TEXT_OTHERS);
	}
	if (ferror(f) && !e)
		e = -EIO;
out_free:
	free(order);
	return e;
}

int grw_report_summary(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		       const struct grw_report_opts *o)
{
	size_t *order = NULL;
	char b1[32], d[32];
	int e = grw_model_sort_sites(m, &order);
	if (e)
		return e;
	size_t ngrowing = 0;
	while (ngrowing < m->nsites && m->sites[order[ngrowing]].verdict.growing)
		ngrowing++;

	if (m->ending[0])
		fprintf(f, "growth: %s\n", m->ending);
	fprintf(f, "growth: %s ran %s, RSS peak %s; trace %s\n", base_name(m->exe),
		fmt_dur(d, sizeof d, m->duration_s),
		grw_fmt_bytes(b1, sizeof b1, (double)m->rss.peak_bytes), o->trace_path);
	if (grw_model_peak_matters(m)) {
		size_t *peak = NULL, npeak = 0;
		char pc[16];
		e = grw_model_peak_sites(m, 1, &peak, &npeak);
		if (e)
			goto out_free;
		fprintf(f, "growth: at the RSS peak (%s at %.1f s)",
			grw_fmt_bytes(b1, sizeof b1, (double)m->rss.peak_bytes), m->rss_peak_t_s);
		if (npeak) {
			const struct grw_model_site *s = &m->sites[peak[0]];
			fprintf(f, " the largest holder had %s (%s of RSS): ",
				grw_fmt_bytes(b1, sizeof b1, (double)s->live_at_rss_peak),
				fmt_share(pc, sizeof pc, s->live_at_rss_peak, m->rss.peak_bytes));
			e = put_site_name(f, sym, s);
		}
		fputc('\n', f);
		free(peak);
		if (e)
			goto out_free;
	}
	if (ngrowing == 0)
		fputs("growth: no growing site\n", f);
	else
		fprintf(f, "growth: %zu growing site%s:\n", ngrowing, ngrowing == 1 ? "" : "s");
	for (size_t k = 0; k < ngrowing && k < SUMMARY_SITES; k++) {
		const struct grw_model_site *s = &m->sites[order[k]];
		fprintf(f, "growth:   +%.2f MiB/min, %s live  ", s->verdict.slope_bps * 60 / 1048576,
			grw_fmt_bytes(b1, sizeof b1, (double)s->live_bytes));
		e = put_site_name(f, sym, s);
		if (e)
			goto out_free;
		fputc('\n', f);
	}
	if (ngrowing > SUMMARY_SITES)
		fprintf(f, "growth:   ... and %zu more\n", ngrowing - SUMMARY_SITES);
	size_t nleak = 0;
	uint64_t live = grw_report_live_total(m, &nleak);
	if (m->end_seen && m->end_reason == GRW_END_EXIT)
		fprintf(f, "growth: leaks at exit: %s in %zu site%s\n",
			grw_fmt_bytes(b1, sizeof b1, (double)live), nleak, nleak == 1 ? "" : "s");
	else
		fprintf(f, "growth: live at the end of the trace: %s in %zu site%s\n",
			grw_fmt_bytes(b1, sizeof b1, (double)live), nleak, nleak == 1 ? "" : "s");
	fprintf(f, "growth: full report: growth report %s\n", o->trace_path);
	if (ferror(f))
		e = -EIO;
out_free:
	free(order);
	return e;
}
