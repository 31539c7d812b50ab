/* SPDX-License-Identifier: MIT */
/*
 * The report formats beyond text and JSON: a self-contained HTML page, folded stacks for flame
 * graph tools, and a gzip-compressed pprof profile; plus what they share (a frame's display
 * name). Each writer returns 0, -ENOMEM, or -EIO on a write error.
 */
#ifndef GRW_REPORT_FORMATS_H
#define GRW_REPORT_FORMATS_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"
#include "report.h"
#include "symbolize.h"

enum grw_folded_metric {
	GRW_FOLDED_END = 0,    /* live bytes at the end (or at `at_s`) */
	GRW_FOLDED_PEAK = 1,   /* the site's peak live bytes */
	GRW_FOLDED_GROWTH = 2, /* live bytes at the end (or at `at_s`) minus the site's minimum */
};

struct grw_folded_opts {
	enum grw_folded_metric metric;
	double at_s; /* < 0: the end of the trace */
};

/* One line per site with a non-zero value: "outer;...;inner BYTES", outermost frame first. */
int grw_report_folded(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		      const struct grw_folded_opts *o);

/* A gzip-compressed profile.proto (go tool pprof) with inuse_space, inuse_objects,
 * alloc_space and alloc_objects; inuse_space is the default sample type. */
int grw_report_pprof(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym);

/* A self-contained HTML page (no network): charts of RSS, tracked memory and the top sites,
 * then the top sites with their stacks. top_n: how many sites get a chart line and a stack. */
int grw_report_html(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		    const struct grw_report_opts *o, size_t top_n);

/* A frame's display name into buf: its function, else "module+0xOFFSET", else "0xADDRESS".
 * Untrusted bytes are copied as they are. Returns buf. */
const char *grw_frame_name(const struct grw_sym_frame *fr, char *buf, size_t len);

/* Live bytes of a site at time t_s (the last point at or before t_s; 0 before the first). */
uint64_t grw_site_live_at(const struct grw_model_site *s, double t_s);

#endif
