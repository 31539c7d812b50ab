/* SPDX-License-Identifier: MIT */
/* `growth report`: placeholder until the model lands. */
#include "cli.h"

const char grw_report_help[] = "usage: growth report [--format text|json] [-o FILE] [--all] TRACE\n";

int grw_cmd_report(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return grw_usage_error("report", "not implemented yet");
}
