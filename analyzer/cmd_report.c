/* SPDX-License-Identifier: MIT */
/*
 * `growth report [--format text|json|html|folded|pprof] [-o FILE] [--all] TRACE`: reads the
 * trace into the model, symbolizes the sites it shows, and writes the report in the chosen
 * format. A truncated or partly corrupt trace still gives a report (exit 0) that says where the
 * data ends.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "model.h"
#include "progress.h"
#include "report.h"
#include "report_formats.h"
#include "symbolize.h"

const char grw_report_help[] =
	"usage: growth report [--format text|json|html|folded|pprof] [-o FILE] [--all]\n"
	"                     [--top N] [--at SECONDS] [--metric end|peak|growth] TRACE\n\n"
	"Analyses a growth trace: which allocation sites kept growing (slope, when growth would\n"
	"have been flagged, time until the memory limit), with their symbolized stacks (function,\n"
	"file:line, inlined frames), and the sites holding the most memory at the end (the leaks\n"
	"at exit when the program exited normally). A trace without an end record (the program was\n"
	"killed or crashed) is analysed up to its last flush and marked truncated.\n\n"
	"options:\n"
	"  -f, --format FMT   text (default), json, html (one self-contained page with charts,\n"
	"                     no network needed), folded (flame graph stacks: flamegraph.pl,\n"
	"                     inferno, speedscope) or pprof (gzipped profile.proto for go tool pprof)\n"
	"  -o, --output FILE  write the report to FILE instead of standard output\n"
	"  -a, --all          text: list every site with its pattern, not only the largest\n"
	"  -n, --top N        html: sites charted and listed with their stacks (default 20)\n"
	"      --at SECONDS   folded: live bytes at this time since the start (default: the end)\n"
	"      --metric M     folded: end (live bytes, default), peak (each site's peak) or growth\n"
	"                     (live bytes minus the site's minimum)\n"
	"  -h, --help         this help\n\n"
	"JSON: {\"version\":1, \"process\":{\"pid\",\"exe\",\"argv\"}, \"duration_s\", \"truncated\",\n"
	"  \"end_reason\", \"memory_limit_bytes\", \"rss\":{\"peak_bytes\",\"end_bytes\"}, \"sites\":[{\"id\",\n"
	"  \"kind\", \"go_runtime\", \"growing\", \"pattern\", \"flagged_at_s\", \"slope_bytes_per_s\",\n"
	"  \"live_bytes_end\", \"peak_live_bytes\", \"reserved_bytes_end\", \"allocs\", \"frees\", \"alloc_bytes\",\n"
	"  \"time_to_limit_s\", \"frames\":[{\"function\",\"file\",\"line\",\"module\",\"address\"}]}]},\n"
	"  sites growing first (steepest first), then by live bytes; frames innermost first.\n"
	"  flagged_at_s is the earliest time at which the report of the trace cut there would have\n"
	"  flagged the site (checked at most once per second of trace time); a site that grew and\n"
	"  then levelled off keeps it while \"growing\" is false. time_to_limit_s: from the RSS at the\n"
	"  end, the site's slope and the memory limit (null when either is unknown).\n\n"
	"examples:\n"
	"  growth report growth.server.1234.zst\n"
	"  growth report --all growth.server.1234.zst | less\n"
	"  growth report --format json -o report.json growth.server.1234.zst\n"
	"  growth report --format json growth.server.1234.zst | jq '.sites[] | select(.growing)'\n"
	"  growth report --format html -o report.html growth.server.1234.zst\n"
	"  growth report --format folded growth.server.1234.zst | flamegraph.pl > live.svg\n"
	"  growth report --format pprof -o live.pb.gz growth.server.1234.zst && go tool pprof -top live.pb.gz\n\n"
	"exit status: 0 when a report was written (also for a truncated trace), 2 on a usage error\n"
	"or a trace that cannot be read.\n";

int grw_cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"all", no_argument, NULL, 'a'},
		{"top", required_argument, NULL, 'n'},
		{"at", required_argument, NULL, 'T'},
		{"metric", required_argument, NULL, 'M'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *format = "text", *out_path = NULL;
	struct grw_report_opts ro = {0};
	struct grw_folded_opts fo = {GRW_FOLDED_END, -1};
	size_t top_n = 20;
	char *endp;
	int c;

	while ((c = getopt_long(argc, argv, ":f:o:an:h", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			format = optarg;
			break;
		case 'o':
			out_path = optarg;
			break;
		case 'a':
			ro.all = true;
			break;
		case 'n':
			top_n = (size_t)strtoul(optarg, &endp, 10);
			if (*endp || !*optarg || top_n == 0 || optarg[0] == '-')
				return grw_usage_error("report", "bad --top '%s' (a count >= 1)", optarg);
			break;
		case 'T':
			fo.at_s = strtod(optarg, &endp);
			if (*endp || !*optarg || !isfinite(fo.at_s) || fo.at_s < 0)
				return grw_usage_error("report", "bad --at '%s' (seconds >= 0)", optarg);
			break;
		case 'M':
			if (strcmp(optarg, "end") == 0)
				fo.metric = GRW_FOLDED_END;
			else if (strcmp(optarg, "peak") == 0)
				fo.metric = GRW_FOLDED_PEAK;
			else if (strcmp(optarg, "growth") == 0)
				fo.metric = GRW_FOLDED_GROWTH;
			else
				return grw_usage_error("report", "unknown metric '%s' (end, peak or growth)",
						       optarg);
			break;
		case 'h':
			fputs(grw_report_help, stdout);
			return GRW_EXIT_OK;
		case ':':
			return grw_usage_error("report", "option '%s' needs an argument",
					       argv[optind - 1]);
		default:
			return grw_usage_error("report", "unknown option '%s'", argv[optind - 1]);
		}
	}
	static const char *const formats[] = {"text", "json", "html", "folded", "pprof"};
	size_t fmt = 0;
	while (fmt < sizeof formats / sizeof formats[0] && strcmp(format, formats[fmt]) != 0)
		fmt++;
	if (fmt == sizeof formats / sizeof formats[0])
		return grw_usage_error("report", "unknown format '%s' (text, json, html, folded, pprof)",
				       format);
	if (optind >= argc)
		return grw_usage_error("report", "missing TRACE");
	if (fmt == 4 && !out_path && isatty(STDOUT_FILENO))
		return grw_usage_error("report", "pprof output is binary: use -o FILE or a redirection");
	if (optind + 1 < argc)
		return grw_usage_error("report", "unexpected argument '%s'", argv[optind + 1]);
	ro.trace_path = argv[optind];

	int ret = GRW_EXIT_USAGE;
	struct grw_model m;
	char err[768];
	if (grw_progress_model_load(&m, ro.trace_path, err, sizeof err)) {
		fprintf(stderr, "%s\n", err);
		return GRW_EXIT_USAGE;
	}
	if (m.read.end == GRW_READ_CORRUPT)
		fprintf(stderr, "growth: %s: warning: %s\n", ro.trace_path, m.ending);

	struct grw_symbolizer *sym = grw_sym_new(&m, stderr);
	if (!sym) {
		fprintf(stderr, "growth: out of memory\n");
		goto out_model;
	}
	FILE *out = stdout;
	if (out_path) {
		out = fopen(out_path, "w");
		if (!out) {
			fprintf(stderr, "growth report: cannot write '%s': %s\n", out_path,
				strerror(errno));
			goto out_sym;
		}
	}
	int e;
	switch (fmt) {
	case 1:
		e = grw_report_json(out, &m, sym, &ro);
		break;
	case 2:
		e = grw_report_html(out, &m, sym, &ro, top_n);
		break;
	case 3:
		e = grw_report_folded(out, &m, sym, &fo);
		break;
	case 4:
		e = grw_report_pprof(out, &m, sym);
		break;
	default:
		e = grw_report_text(out, &m, sym, &ro);
		break;
	}
	if (fflush(out) && !e)
		e = -EIO;
	if (out != stdout && fclose(out) && !e)
		e = -EIO;
	if (e) {
		fprintf(stderr, "growth report: %s: %s\n", out_path ? out_path : "standard output",
			e == -ENOMEM ? "out of memory" : "write error");
		goto out_sym;
	}
	ret = GRW_EXIT_OK;
out_sym:
	grw_sym_free(sym);
out_model:
	grw_model_free(&m);
	return ret;
}
