/* SPDX-License-Identifier: MIT */
/*
 * What the subcommands share (cli.h), kept out of main.c so that unit tests can link the
 * commands without main().
 */
#include <stdarg.h>
#include <stdio.h>

#include "cli.h"

int grw_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "growth%s%s: ", cmd ? " " : "", cmd ? cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'growth%s%s --help')\n", cmd ? " " : "", cmd ? cmd : "");
	return GRW_EXIT_USAGE;
}
