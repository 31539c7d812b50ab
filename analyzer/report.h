/* SPDX-License-Identifier: MIT */
/*
 * Report writers over a finished model: the JSON report (a fixed contract, see
 * docs/format.md and `growth report --help`), the text report, and the short summary that
 * `growth run` prints. Each writes to a FILE and returns 0, -ENOMEM, or -EIO on a write error.
 */
#ifndef GRW_REPORT_H
#define GRW_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "model.h"
#include "symbolize.h"

struct grw_report_opts {
	const char *trace_path; /* shown in the report */
	bool all;               /* text: list every site with its pattern */
};

int grw_report_json(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		    const struct grw_report_opts *o);
int grw_report_text(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		    const struct grw_report_opts *o);
/* A few lines for `growth run`, each prefixed "growth: ". */
int grw_report_summary(FILE *f, const struct grw_model *m, struct grw_symbolizer *sym,
		       const struct grw_report_opts *o);

/* Sum of live bytes over all sites at the end of the trace, and how many sites hold some. */
uint64_t grw_report_live_total(const struct grw_model *m, size_t *nsites);

/* Writes one frame: "func (file:line)", "func (module)", or "0xaddr (module+0xoff)". */
void grw_report_frame(FILE *f, const struct grw_sym_frame *fr);
/* Writes a site's symbolized stack, one frame per line after indent, at most max_frames of them
 * and then "... N more frames". Returns 0 or -ENOMEM. */
int grw_report_stack(FILE *f, struct grw_symbolizer *sym, const struct grw_model_site *s,
		     const char *indent, size_t max_frames);
/* Writes s as a JSON string (escaped; invalid UTF-8 as \u00XX), or null when s is NULL. */
void grw_report_json_str(FILE *f, const char *s);

#endif
