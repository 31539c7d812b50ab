/* SPDX-License-Identifier: MIT */
/*
 * growth: the command line. A table of subcommands, global --help and --version; each
 * subcommand parses its own options (cmd_*.c). Exit codes: 0 clean, 1 growth found (check),
 * 2 usage error or unreadable input.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

struct subcmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
	const char *help;
};

static const struct subcmd subcmds[] = {
	{"run", grw_cmd_run, "run a command under growth, then print a short report", grw_run_help},
	{"report", grw_cmd_report, "analyse a trace: growing sites, leaks at exit (text, JSON, HTML, "
				   "folded, pprof)",
	 grw_report_help},
	{"check", grw_cmd_check, "CI gate: fail on leaks at exit, growing sites, RSS growth",
	 grw_check_help},
	{"diff", grw_cmd_diff, "compare two traces: which sites grew or shrank (text or JSON)",
	 grw_diff_help},
	{"dump", grw_cmd_dump, "print every record of a trace as text", grw_dump_help},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: growth [--help] [--version] COMMAND [ARGS...]\n\n"
		   "growth finds the allocation sites whose memory keeps growing.\n\n"
		   "commands:\n");
	for (size_t i = 0; i < sizeof subcmds / sizeof subcmds[0]; i++)
		fprintf(f, "  %-8s %s\n", subcmds[i].name, subcmds[i].summary);
	fprintf(f, "\nexamples:\n"
		   "  growth run -- ./server --port 8080     # profile until it exits, print a summary\n"
		   "  growth report growth.server.1234.zst   # the full report of a trace\n"
		   "  growth report --format json -o r.json growth.server.1234.zst\n"
		   "  growth report --format html -o r.html growth.server.1234.zst  # charts, offline\n"
		   "  growth check --junit growth.xml traces/ # CI gate: exit 1 on leaks or growth\n"
		   "  growth diff before.zst after.zst       # which sites a fix shrank\n"
		   "  growth dump growth.server.1234.zst     # every record, for debugging\n\n"
		   "'growth COMMAND --help' describes one command.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{NULL, 0, NULL, 0},
	};
	int c;

	/* "+": stop at the subcommand; its options are its own. */
	opterr = 0;
	while ((c = getopt_long(argc, argv, "+hV", opts, NULL)) != -1) {
		switch (c) {
		case 'h':
			usage(stdout);
			return GRW_EXIT_OK;
		case 'V':
			printf("growth %s\n", GRW_VERSION);
			return GRW_EXIT_OK;
		default:
			return grw_usage_error(NULL, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return grw_usage_error(NULL, "missing command (run, report, check, diff, dump)");

	const char *name = argv[optind];
	if (strcmp(name, "help") == 0) {
		if (optind + 1 >= argc) {
			usage(stdout);
			return GRW_EXIT_OK;
		}
		name = argv[optind + 1];
		for (size_t i = 0; i < sizeof subcmds / sizeof subcmds[0]; i++) {
			if (strcmp(subcmds[i].name, name) == 0) {
				fputs(subcmds[i].help, stdout);
				return GRW_EXIT_OK;
			}
		}
		return grw_usage_error(NULL, "unknown command '%s'", name);
	}
	for (size_t i = 0; i < sizeof subcmds / sizeof subcmds[0]; i++) {
		if (strcmp(subcmds[i].name, name) == 0) {
			int sub_argc = argc - optind;
			char **sub_argv = argv + optind;
			optind = 0; /* glibc: 0 fully re-initialises getopt for the subcommand */
			opterr = 0; /* subcommands print their own one-line usage errors */
			return subcmds[i].fn(sub_argc, sub_argv);
		}
	}
	return grw_usage_error(NULL, "unknown command '%s'", name);
}
