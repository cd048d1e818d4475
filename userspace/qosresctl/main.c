// SPDX-License-Identifier: GPL-2.0
/*
 * qosresctl: the command-line tool for qosres reservations, on libqosres.
 *
 *   qosresctl run|set|show|list|top|attach|destroy ...
 */
#include "ctl.h"

#include <getopt.h>
#include <string.h>

static const struct command commands[] = {
	{ "run", cmd_run },
	{ "set", cmd_set },
	{ "show", cmd_show },
	{ "list", cmd_list },
	{ "top", cmd_top },
	{ "attach", cmd_attach },
	{ "destroy", cmd_destroy },
};

#define NR_COMMANDS	(sizeof(commands) / sizeof(commands[0]))

static int help(int argc, char **argv)
{
	if (argc > 1)
		return command_help(argv[1]);
	print_help(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *name = argc > 1 ? argv[1] : NULL;

	opterr = 0;	/* the commands say what is wrong themselves */
	if (!name)
		return usage_error(NULL, "missing command");
	if (!strcmp(name, "--help") || !strcmp(name, "-h") ||
	    !strcmp(name, "help"))
		return help(argc - 1, argv + 1);
	if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		printf("qosresctl %s (qosres interface %s)\n",
		       QOSRESCTL_VERSION, QOSRES_INTERFACE);
		return 0;
	}
	for (size_t i = 0; i < NR_COMMANDS; i++)
		if (!strcmp(name, commands[i].name))
			return commands[i].run(argc - 1, argv + 1);
	if (name[0] == '-')
		return usage_error(NULL, "unknown option %s", name);
	return usage_error(NULL, "unknown command '%s'", name);
}
