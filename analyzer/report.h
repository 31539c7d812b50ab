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

#endif
