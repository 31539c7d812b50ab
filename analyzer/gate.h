/* SPDX-License-Identifier: MIT */
/*
 * The CI gate behind `growth check` and `growth run --check`: criteria, evaluation of traces
 * into per-trace results, and the JUnit writer (report_junit.c). Not thread-safe.
 */
#ifndef GRW_GATE_H
#define GRW_GATE_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define GRW_CHECK_MAX_SUPP_FILES 64

struct grw_check_opts {
	uint64_t max_leak_bytes;  /* leaks at a clean exit above this fail (default 0) */
	bool fail_on_growth;      /* a growing, unsuppressed site fails (default true) */
	double max_rss_bps;       /* RSS growth above this fails; < 0 = off (default) */
	bool default_supps;       /* add the built-in runtime suppressions (default true) */
	const char *supp_files[GRW_CHECK_MAX_SUPP_FILES]; /* --suppressions, in order */
	size_t nsupp_files;
	const char *json_path;    /* --json FILE, or NULL */
	const char *junit_path;   /* --junit FILE, or NULL */
};

/* One trace's verdict, rendered while its model was loaded. */
struct grw_check_result {
	char *trace;        /* path as given (or found in a directory) */
	char *exe;          /* NULL when unreadable */
	uint64_t pid;
	double duration_s;
	bool unreadable;    /* could not be read: counts as a usage/input error (exit 2) */
	bool passed;
	char *reasons;      /* one line per failure reason (or the read error), "" when passed */
	char *details;      /* culprit stacks, text, "" when none */
	char *json;         /* this trace's JSON object */
};

/* getopt_long entries shared by check and run --check; codes are GRW_CHECK_OPT_BASE and up. */
#define GRW_CHECK_OPT_BASE 0x200
#define GRW_CHECK_LONG_OPTIONS                                                   \
	{"max-leak", required_argument, NULL, GRW_CHECK_OPT_BASE + 0},           \
	{"fail-on-growth", no_argument, NULL, GRW_CHECK_OPT_BASE + 1},           \
	{"no-fail-on-growth", no_argument, NULL, GRW_CHECK_OPT_BASE + 2},        \
	{"max-rss-rate", required_argument, NULL, GRW_CHECK_OPT_BASE + 3},       \
	{"suppressions", required_argument, NULL, GRW_CHECK_OPT_BASE + 4},       \
	{"no-default-suppressions", no_argument, NULL, GRW_CHECK_OPT_BASE + 5},  \
	{"json", required_argument, NULL, GRW_CHECK_OPT_BASE + 6},               \
	{"junit", required_argument, NULL, GRW_CHECK_OPT_BASE + 7}
#define GRW_CHECK_OPT_COUNT 8

/* Defaults: max-leak 0, fail on growth, no RSS bound, default suppressions. */
void grw_check_opts_init(struct grw_check_opts *o);

/* Applies one option (code from GRW_CHECK_LONG_OPTIONS). Returns 0, or prints a usage error
 * naming cmd and returns GRW_EXIT_USAGE. */
int grw_check_opt(struct grw_check_opts *o, int code, const char *arg, const char *cmd);

/*
 * Evaluates the traces (a directory means every trace file in it: *.zst and *.zst.N), writes
 * the text report to out and the --json/--junit files. Returns the exit status: 0 all pass,
 * 1 the gate fails, 2 a bad suppression file, an unreadable trace or an unwritable output.
 */
int grw_check_paths(const struct grw_check_opts *o, const char *const *paths, size_t n,
		    FILE *out);

/* Writes the JUnit XML of the results (one testcase per trace). Returns 0 or -EIO. */
int grw_report_junit(FILE *f, const struct grw_check_result *r, size_t n);

/* Writes s with XML escaping for text and attribute values: & < > " ' as entities, characters
 * XML 1.0 forbids and invalid UTF-8 as '?'. */
void grw_xml_escape(FILE *f, const char *s);

#endif
