/* SPDX-License-Identifier: MIT */
/*
 * The subcommands of the growth CLI and what they share: exit codes and the one-line usage
 * error. Each grw_cmd_* takes the arguments after "growth" (argv[0] is the subcommand name),
 * parses them with getopt_long and returns the process exit status; none calls exit().
 */
#ifndef GRW_CLI_H
#define GRW_CLI_H

enum grw_exit {
	GRW_EXIT_OK = 0,    /* clean */
	GRW_EXIT_FOUND = 1, /* growth found (check) */
	GRW_EXIT_USAGE = 2, /* usage error or unreadable input */
};

int grw_cmd_run(int argc, char **argv);
int grw_cmd_report(int argc, char **argv);
int grw_cmd_dump(int argc, char **argv);
int grw_cmd_check(int argc, char **argv);
int grw_cmd_diff(int argc, char **argv);

/* --help texts, with worked examples. */
extern const char grw_run_help[];
extern const char grw_report_help[];
extern const char grw_dump_help[];
extern const char grw_check_help[];
extern const char grw_diff_help[];

/* Prints "growth CMD: MESSAGE (see 'growth CMD --help')" to stderr; returns GRW_EXIT_USAGE. */
int grw_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
