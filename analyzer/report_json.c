/* SPDX-License-Identifier: MIT */
/*
 * The JSON report. Field names and types are a contract (tests and users parse them): add
 * fields freely, never rename or retype one. Strings from the trace are untrusted bytes:
 * control characters are \u-escaped, valid UTF-8 passes through, each invalid byte becomes
 * \u00XX (its Latin-1 reading), so the output is always valid JSON.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "util.h"

static void jstr_n(FILE *f, const char *str, size_t n)
{
	grw_fput_escaped(f, str, n, true);
}

void grw_report_json_str(FILE *f, const char *s)
{
	if (s)
		jstr_n(f, s, strlen(s));
	else
		fputs("null", f);
}

/* A finite number, or null. */
static void jnum(FILE *f, double v, const char *fmt)
{
	if (isfinite(v))
		fprintf(f, fmt, v);
	else
		fputs("null", f);
}

/* A time or duration that is negative when unknown: null then. */
static void jtime(FILE *f, double v)
{
	if (v < 0 || !isfinite(v))
		fputs("null", f);
	else
		fprintf(f, "%.3f", v);
}

#define JSON_PEAK_SITES 10    /* sites listed in the `peak` object at most */
#define JSON_SERIES_POINTS 64 /* points of each `series` array at most */

/* A downsampled series as [[t_s, bytes], ...]; bytes is the largest value of its stretch. */
static void jpoints(FILE *f, const struct grw_series *s)
{
	struct grw_point pts[JSON_SERIES_POINTS];
	size_t n = grw_model_downsample(s, pts, JSON_SERIES_POINTS);
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		double v = pts[i].vmax > pts[i].v ? pts[i].vmax : pts[i].v;
		fprintf(f, "%s[%.3f,%.0f]", i ? "," : "", pts[i].t_s, v);
	}
	fputc(']', f);
}

/* Tracked bytes against RSS at one moment: how much of RSS the sites explain. */
static void jexplained(FILE *f, double t_s, uint64_t rss, uint64_t tracked)
{
	fputs("{\"t_s\":", f);
	jtime(f, t_s);
	fprintf(f, ",\"rss_bytes\":%" PRIu64 ",\"tracked_bytes\":%" PRIu64 ",\"untracked_share\":",
		rss, tracked);
	if (rss)
		fprintf(f, "%.4f", tracked >= rss ? 0.0 : (double)(rss - tracked) / (double)rss);
	else
		fputs("null", f);
	fputc('}', f);
}

static void jseries(FILE *f, const struct grw_model_series *s)
{
	fprintf(f, "{\"peak_bytes\":%" PRIu64 ",\"end_bytes\":%" PRIu64 ",\"growing\":%s,",
		s->peak_bytes, s->end_bytes, s->verdict.growing ? "true" : "false");
	fputs("\"pattern\":", f);
	grw_report_json_str(f, grw_pattern_name(s->verdict.pattern));
	fputs(",\"slope_bytes_per_s\":", f);
	jnum(f, s->verdict.slope_bps, "%.3f");
	fputs(",\"series\":", f);
	jpoints(f, &s->series);
	fputc('}', f);
}

static void jargv(FILE *f, const struct grw_model *m)
{
	fputc('[', f);
	for (uint64_t i = 0; i < m->argc; i++) {
		if (i)
			fputc(',', f);
		grw_report_json_str(f, m->argv[i]);
	}
	fputc(']', f);
}

static int jsite(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		 const struct grw_model_site *s)
{
	const struct grw_sym_frame *fr;
	size_t n;
	int e = grw_sym_site(sym, s, &fr, &n);
	if (e)
		return e;
	fprintf(f, "{\"id\":%" PRIu64 ",\"kind\":\"%s\",\"go_runtime\":%s,\"growing\":%s,\"pattern\":",
		s->id, s->kind == GRW_KIND_MMAP ? "mmap" : "heap", s->go_runtime ? "true" : "false",
		s->verdict.growing ? "true" : "false");
	grw_report_json_str(f, grw_pattern_name(s->verdict.pattern));
	fputs(",\"flagged_at_s\":", f);
	jtime(f, s->flagged_at_s);
	fputs(",\"growth_start_s\":", f);
	bool started = s->verdict.growing || s->verdict.pattern == GRW_PAT_BURST;
	jtime(f, started ? s->verdict.growth_start_s : -1);
	fputs(",\"slope_bytes_per_s\":", f);
	jnum(f, s->verdict.slope_bps, "%.3f");
	fprintf(f,
		",\"live_bytes_end\":%" PRIu64 ",\"peak_live_bytes\":%" PRIu64
		",\"reserved_bytes_end\":%" PRIu64 ",\"allocs\":%" PRIu64 ",\"frees\":%" PRIu64
		",\"alloc_bytes\":%" PRIu64 ",\"first_seen_s\":",
		s->live_bytes, s->peak_live_bytes, s->reserved_bytes, s->allocs, s->frees,
		s->alloc_bytes);
	jtime(f, s->defined ? s->first_t_s : -1);
	fputs(",\"time_to_limit_s\":", f);
	jtime(f, s->time_to_limit_s);
	fprintf(f, ",\"live_count_end\":%" PRIu64 ",\"mean_object_bytes\":",
		s->allocs >= s->frees ? s->allocs - s->frees : 0);
	if (s->allocs)
		fprintf(f, "%.1f", (double)s->alloc_bytes / (double)s->allocs);
	else
		fputs("null", f);
	fprintf(f, ",\"live_at_rss_peak_bytes\":%" PRIu64 ",\"series\":", s->live_at_rss_peak);
	jpoints(f, &s->series);
	fputs(",\"frames\":[", f);
	for (size_t i = 0; i < n; i++) {
		if (i)
			fputc(',', f);
		fputs("{\"function\":", f);
		grw_report_json_str(f, fr[i].function);
		fputs(",\"file\":", f);
		grw_report_json_str(f, fr[i].file);
		fputs(",\"line\":", f);
		if (fr[i].line > 0)
			fprintf(f, "%d", fr[i].line);
		else
			fputs("null", f);
		fputs(",\"module\":", f);
		grw_report_json_str(f, fr[i].module);
		fprintf(f, ",\"address\":\"0x%" PRIx64 "\"", fr[i].address);
		if (fr[i].module)
			fprintf(f, ",\"offset\":\"0x%" PRIx64 "\"", fr[i].offset);
		fprintf(f, ",\"inlined\":%s}", fr[i].inlined ? "true" : "false");
	}
	fputs("]}", f);
	(void)m;
	return 0;
}

/* What held the memory at the RSS peak, when the trace was killed or came near its limit. */
static int jpeak(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym)
{
	if (!grw_model_peak_matters(m)) {
		fputs("null", f);
		return 0;
	}
	size_t *order = NULL, n = 0;
	int e = grw_model_peak_sites(m, JSON_PEAK_SITES, &order, &n);
	if (e)
		return e;
	fputs("{\"t_s\":", f);
	jtime(f, m->rss_peak_t_s);
	fprintf(f,
		",\"rss_bytes\":%" PRIu64 ",\"tracked_bytes\":%" PRIu64
		",\"reason\":\"%s\",\"sites\":[",
		m->rss.peak_bytes, m->tracked_at_rss_peak,
		m->end_seen ? "near_limit" : "killed");
	for (size_t k = 0; k < n; k++) {
		const struct grw_model_site *s = &m->sites[order[k]];
		const struct grw_sym_frame *fr;
		size_t nf;
		e = grw_sym_site(sym, s, &fr, &nf);
		if (e)
			goto out_free;
		const struct grw_sym_frame *b = grw_sym_best(fr, nf);
		double share = m->rss.peak_bytes
				       ? (double)s->live_at_rss_peak / (double)m->rss.peak_bytes
				       : 0.0;
		fprintf(f,
			"%s{\"id\":%" PRIu64 ",\"live_bytes\":%" PRIu64
			",\"share_of_rss\":%.4f,\"pattern\":",
			k ? "," : "", s->id, s->live_at_rss_peak, share);
		grw_report_json_str(f, grw_pattern_name(s->verdict.pattern));
		fputs(",\"function\":", f);
		grw_report_json_str(f, b ? b->function : NULL);
		fputc('}', f);
	}
	fputs("]}", f);
out_free:
	free(order);
	return e;
}

int grw_report_json(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		    const struct grw_report_opts *o)
{
	size_t *order = NULL;
	int e = grw_model_sort_sites(m, &order);
	if (e)
		return e;

	fputs("{\"version\":1,\"growth_version\":", f);
	grw_report_json_str(f, m->growth_version);
	fputs(",\"trace\":", f);
	grw_report_json_str(f, o->trace_path);
	fprintf(f, ",\"process\":{\"pid\":%" PRIu64 ",\"ppid\":%" PRIu64 ",\"exe\":", m->hdr.pid,
		m->hdr.ppid);
	grw_report_json_str(f, m->exe);
	fputs(",\"argv\":", f);
	jargv(f, m);
	fprintf(f, ",\"start_unix_ns\":%" PRIu64 "},\"argv\":", m->hdr.start_unix_ns);
	jargv(f, m);
	fputs(",\"duration_s\":", f);
	jnum(f, m->duration_s, "%.3f");
	fprintf(f, ",\"truncated\":%s,\"truncation\":", m->truncated ? "true" : "false");
	grw_report_json_str(f, m->ending[0] ? m->ending : NULL);
	fputs(",\"end_reason\":", f);
	grw_report_json_str(f, grw_model_end_reason(m));
	fputs(",\"memory_limit_bytes\":", f);
	if (grw_model_limit(m))
		fprintf(f, "%" PRIu64, grw_model_limit(m));
	else
		fputs("null", f);
	fputs(",\"memory_limit_source\":", f);
	grw_report_json_str(f, grw_model_limit(m) ? grw_limit_source_name(m->hdr.mem_limit_source) : NULL);
	fprintf(f,
		",\"interval_ms\":%" PRIu64 ",\"sampled\":%s,\"snapshots\":%" PRIu64
		",\"rss\":",
		m->hdr.interval_ms, m->hdr.flags & GRW_HDR_FLAG_SAMPLED ? "true" : "false",
		m->snapshots);
	jseries(f, &m->rss);
	fputs(",\"tracked\":", f);
	jseries(f, &m->total);
	fprintf(f, ",\"untracked\":{\"allocs\":%" PRIu64 ",\"bytes\":%" PRIu64 "}",
		m->untracked_allocs, m->untracked_bytes);
	fputs(",\"rss_explained\":{\"at_peak\":", f);
	jexplained(f, m->rss_peak_t_s, m->rss.peak_bytes, m->tracked_at_rss_peak);
	fputs(",\"at_end\":", f);
	jexplained(f, m->snapshots ? m->last_snapshot_t_s : -1, m->rss.end_bytes, m->total.end_bytes);
	fputs("},\"peak\":", f);
	e = jpeak(f, m, sym);
	if (e)
		goto out_free;
	size_t nleak = 0;
	uint64_t live = grw_report_live_total(m, &nleak);
	fputs(",\"leaks_at_exit_bytes\":", f);
	if (m->end_seen && m->end_reason == GRW_END_EXIT)
		fprintf(f, "%" PRIu64, live);
	else
		fputs("null", f);
	fputs(",\"notes\":[", f);
	for (size_t i = 0; i < m->nnotes; i++) {
		fprintf(f, "%s{\"t_s\":%.3f,\"text\":", i ? "," : "", m->notes[i].t_s);
		grw_report_json_str(f, m->notes[i].text);
		fputc('}', f);
	}
	fputs("],\"warnings\":[", f);
	for (size_t i = 0; i < m->nwarns; i++) {
		const struct grw_model_warn *w = &m->warns[i];
		fprintf(f,
			"%s{\"t_s\":%.3f,\"site\":%" PRIu64 ",\"live_bytes\":%" PRIu64
			",\"slope_bytes_per_s\":%" PRId64 ",\"time_to_limit_s\":",
			i ? "," : "", w->t_s, w->site_id, w->live_bytes, w->slope_bytes_per_s);
		if (w->time_to_limit_s)
			fprintf(f, "%" PRIu64, w->time_to_limit_s);
		else
			fputs("null", f);
		fputc('}', f);
	}
	fputs("],\"sites\":[", f);
	for (size_t i = 0; i < m->nsites; i++) {
		if (i)
			fputc(',', f);
		e = jsite(f, m, sym, &m->sites[order[i]]);
		if (e)
			goto out_free;
	}
	fputs("]}\n", f);
	if (ferror(f))
		e = -EIO;
out_free:
	free(order);
	return e;
}
