// SPDX-License-Identifier: GPL-2.0
/* qosresctl: the help texts. docs/man/qosresctl.1.md says it at length. */
#include "ctl.h"

#include <string.h>

struct command_help {
	const char	*name;
	bool		takes_times;
	const char	*text;
};

static const struct command_help helps[] = {
	{ "run", true,
	  "usage: qosresctl run [-b BUDGET] [-p PERIOD] [--soft] "
	  "[--feedback SPEC]\n"
	  "                     [--cgroup PATH] [--keep] -- CMD [ARGS...]\n"
	  "Run CMD in a new reservation: a child qosresctl-run-PID of this\n"
	  "process's cgroup, or PATH; removed when CMD ends unless --keep.\n"
	  "An existing PATH is joined as it is. Exits with CMD's status\n"
	  "(128+N if killed by signal N; 125 if qosresctl failed, 126/127 if\n"
	  "CMD could not be run). SIGINT, SIGTERM, SIGHUP and SIGQUIT are\n"
	  "passed on to CMD.\n"
	  "  -b, --budget TIME   CPU time per period (default with --feedback:\n"
	  "                      10% of the period)\n"
	  "  -p, --period TIME   default 100ms; 1ms..10s\n"
	  "  --soft, --hard      past the budget run as normal tasks, or not\n"
	  "                      at all (default: hard)\n"
	  "  --feedback SPEC     kernel|agent|off [key=value...], e.g.\n"
	  "                      \"agent predictor=max window=3\"\n"
	  "  --cgroup PATH       the reservation's cgroup\n"
	  "  --keep              leave the cgroup when CMD ends\n" },
	{ "set", true,
	  "usage: qosresctl set PATH|--self|--slice NAME [-b BUDGET] "
	  "[-p PERIOD]\n"
	  "                     [--soft|--hard] [--feedback SPEC] "
	  "[--max BUDGET/PERIOD|max]\n"
	  "Change the given settings of a reservation at once (all or none);\n"
	  "with -b, create the cgroup if it does not exist. --self: the\n"
	  "cgroup of qosresctl itself (e.g. a systemd ExecStartPre=+);\n"
	  "--slice NAME: the cgroup of the systemd slice NAME (a-b.slice).\n"
	  "-b 0 ends the reservation. --max caps what the subtree may reserve.\n" },
	{ "show", false,
	  "usage: qosresctl show PATH [--json]\n"
	  "Settings, cap, room, statistics and events of one reservation;\n"
	  "of /, the per-CPU limit and what is reserved and free on each CPU.\n" },
	{ "list", false,
	  "usage: qosresctl list [ROOT] [--json]\n"
	  "A table of every reservation at or under ROOT (default /).\n" },
	{ "top", false,
	  "usage: qosresctl top [ROOT] [-d SECONDS] [-n ITERATIONS] [--json]\n"
	  "Every reservation with its use over the last interval: % of a CPU,\n"
	  "% of its budget, periods throttled. Redraws in place on a terminal\n"
	  "(q or Ctrl-C quits), else prints one block (or JSON line) per\n"
	  "interval. -d: seconds between frames (default 2); -n: frames to\n"
	  "print, then exit.\n" },
	{ "attach", false,
	  "usage: qosresctl attach [--thread] PATH ID...\n"
	  "Move processes (all their threads), or with --thread single\n"
	  "threads, into the reservation PATH.\n" },
	{ "destroy", false,
	  "usage: qosresctl destroy PATH...\n"
	  "End the reservation and remove its cgroup; its processes move to\n"
	  "the parent cgroup.\n" },
};

#define NR_HELPS	(sizeof(helps) / sizeof(helps[0]))

int command_help(const char *cmd)
{
	for (size_t i = 0; i < NR_HELPS; i++) {
		if (!strcmp(helps[i].name, cmd)) {
			fputs(helps[i].text, stdout);
			if (helps[i].takes_times)
				fputs("Times: 20ms, 1.5s, 500us; a plain number "
				      "is microseconds.\n", stdout);
			return 0;
		}
	}
	return usage_error(NULL, "no command '%s'", cmd);
}

void print_help(FILE *out)
{
	fputs("usage: qosresctl COMMAND [OPTIONS] [ARGS]\n"
	      "Adaptive CPU reservations (the qosres cgroup controller).\n\n"
	      "commands:\n"
	      "  run [-b BUDGET] [-p PERIOD] [--soft] [--feedback SPEC] "
	      "-- CMD...\n"
	      "                 run a command in a reservation of its own\n"
	      "  set PATH|--self|--slice NAME [-b BUDGET] [-p PERIOD] "
	      "[--soft|--hard]\n"
	      "      [--feedback SPEC] [--max BUDGET/PERIOD|max]\n"
	      "                 create or change a reservation, atomically\n"
	      "  show PATH [--json]    one reservation in full\n"
	      "  list [ROOT] [--json]  a table of every reservation\n"
	      "  top [ROOT] [-d SECONDS] [-n N] [--json]\n"
	      "                 every reservation's use, live\n"
	      "  attach [--thread] PATH ID...  move processes or threads in\n"
	      "  destroy PATH...       end a reservation, remove its cgroup\n"
	      "  help [COMMAND]        this text, or a command's\n\n"
	      "PATH is a cgroup, as /a/b (under the cgroup2 mount) or\n"
	      "/sys/fs/cgroup/a/b. Times: 20ms, 1.5s, 500us; a plain number is\n"
	      "microseconds. Exit status: 0 ok, 1 refused or failed, 2 usage.\n"
	      "See qosresctl(1).\n", out);
}
