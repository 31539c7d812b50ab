/* SPDX-License-Identifier: MIT */
/*
 * Folded stacks ("outer;mid;inner BYTES", one line per site) for flamegraph.pl, inferno and
 * speedscope, with each site's live bytes at the end, at a chosen time, at its peak, or its
 * growth. Frame names are untrusted: ';' (the separator) and control characters are replaced
 * so that a name can never split a frame or a line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"
#include "report_formats.h"

const char *grw_frame_name(const struct grw_sym_frame *fr, char *buf, size_t len)
{
	if (fr->function) {
		snprintf(buf, len, "%s", fr->function);
	} else if (fr->module) {
		const char *base = strrchr(fr->module, '/');
		snprintf(buf, len, "%s+0x%" PRIx64, base ? base + 1 : fr->module, fr->offset);
	} else {
		snprintf(buf, len, "0x%" PRIx64, fr->address);
	}
	return buf;
}

uint64_t grw_site_live_at(const struct grw_model_site *s, double t_s)
{
	uint64_t v = 0;
	for (uint32_t i = 0; i < s->series.n; i++) {
		if (s->series.pts[i].t_s > t_s)
			break;
		v = (uint64_t)s->series.pts[i].v;
	}
	return v;
}

static uint64_t site_value(const struct grw_model_site *s, const struct grw_folded_opts *o)
{
	uint64_t now = o->at_s < 0 ? s->live_bytes : grw_site_live_at(s, o->at_s);
	switch (o->metric) {
	case GRW_FOLDED_PEAK:
		return s->peak_live_bytes;
	case GRW_FOLDED_GROWTH:
		return now > s->min_live_bytes ? now - s->min_live_bytes : 0;
	case GRW_FOLDED_END:
		break;
	}
	return now;
}

static void put_frame(FILE *f, const struct grw_sym_frame *fr)
{
	char buf[1024];
	for (const unsigned char *p = (const unsigned char *)grw_frame_name(fr, buf, sizeof buf);
	     *p; p++)
		fputc(*p == ';' ? ':' : *p < 0x20 || *p == 0x7f ? '?' : *p, f);
}

int grw_report_folded(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		      const struct grw_folded_opts *o)
{
	struct grw_progress pr;
	grw_progress_start(&pr, "folding sites", m->nsites);
	for (size_t i = 0; i < m->nsites; i++) {
		grw_progress_update(&pr, i);
		const struct grw_model_site *s = &m->sites[i];
		uint64_t v = site_value(s, o);
		if (v == 0)
			continue;
		const struct grw_sym_frame *fr;
		size_t n;
		int e = grw_sym_site(sym, s, &fr, &n);
		if (e) {
			grw_progress_end(&pr);
			return e;
		}
		if (n == 0)
			fputs("[unknown]", f);
		for (size_t k = n; k-- > 0;) {
			put_frame(f, &fr[k]);
			if (k)
				fputc(';', f);
		}
		fprintf(f, " %" PRIu64 "\n", v);
	}
	grw_progress_end(&pr);
	return ferror(f) ? -EIO : 0;
}
