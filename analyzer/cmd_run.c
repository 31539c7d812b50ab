/* SPDX-License-Identifier: MIT */
/* `growth run`: placeholder until it lands. */
#include "cli.h"

const char grw_run_help[] = "usage: growth run [-o TEMPLATE] [--] CMD [ARGS...]\n";

int grw_cmd_run(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return grw_usage_error("run", "not implemented yet");
}
