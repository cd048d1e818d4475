/* SPDX-License-Identifier: GPL-2.0 */
/* qosresctl: what the command files share. */
#ifndef QOSRESCTL_H
#define QOSRESCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "qosres.h"

#define QOSRESCTL_VERSION	"1.0"
#define QOSRES_INTERFACE	"1.2"

/* Exit statuses. */
#define EXIT_RUNTIME	1
#define EXIT_USAGE	2
#define EXIT_RUN_FAILED	125	/* run: qosresctl itself failed */
#define EXIT_NO_EXEC	126	/* run: the command is not executable */
#define EXIT_NOT_FOUND	127	/* run: the command was not found */

#define PPM_PER_CPU	UINT64_C(1000000)
#define CG_PATH_MAX	4096

/* The options of run and set that describe a reservation. */
struct rsv_opts {
	bool		have_budget, have_period, have_mode, have_feedback;
	uint64_t	budget_us, period_us;
	enum qosres_mode mode;
	char		feedback[QOSRES_FEEDBACK_MAX];
};

#define RSV_LONGOPTS \
	{ "budget", required_argument, NULL, 'b' }, \
	{ "period", required_argument, NULL, 'p' }, \
	{ "soft", no_argument, NULL, 's' }, \
	{ "hard", no_argument, NULL, 'H' }, \
	{ "feedback", required_argument, NULL, 'f' }

/* One command: its name and its entry point, which returns the status. */
struct command {
	const char	*name;
	int		(*run)(int argc, char **argv);
};

/* util.c */
void error_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warning_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int usage_error(const char *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int parse_time_arg(const char *cmd, const char *what, const char *text,
		   uint64_t *us);
int parse_max_arg(const char *cmd, const char *text, uint64_t *budget_us,
		  uint64_t *period_us);
int feedback_spec(const char *cmd, const char *text, char *out, size_t size);
int rsv_option(const char *cmd, struct rsv_opts *o, int opt);
int option_error(const char *cmd, int opt, char **argv);
int cgroup_arg(const char *text, char *path, size_t size);
int self_cgroup(char *path, size_t size);
int slice_cgroup(const char *name, char *path, size_t size);
void format_time(uint64_t us, char *buf, size_t size);
void format_cpus(uint64_t ppm, char *buf, size_t size);
uint64_t bandwidth_ppm(uint64_t budget_us, uint64_t period_us);
unsigned int possible_cpus(void);
bool agent_running(void);
bool cpulist_has(const char *list, unsigned int cpu);
int read_cgroup_file(const char *path, const char *file, char *buf,
		     size_t size);
int stat_value(const char *text, const char *key, uint64_t *value);

/* errors.c: messages for what the library refused. */
struct change {
	const char	*path;
	uint64_t	old_ppm;	/* what the cgroup held before */
	struct qosres_params params;	/* what was asked */
	bool		feedback_given;
};
void report_error(const char *path, const char *action, int err);
void report_refused(const struct change *change, int err);
void report_max_refused(const char *path, uint64_t budget_us,
			uint64_t period_us, int err);

/* rsv.c: every reservation under a root, read once. */
struct rsv_info {
	char			path[CG_PATH_MAX];
	struct qosres_params	params;
	struct qosres_stats	stats;
};

struct rsv_list {
	struct rsv_info	*items;
	size_t		count, capacity;
};

int rsv_collect(const char *root, struct rsv_list *list);
void rsv_list_free(struct rsv_list *list);
void feedback_mode(const char *feedback, char *buf, size_t size);
const char *mode_name(enum qosres_mode mode);

/* The commands. */
int cmd_run(int argc, char **argv);
int cmd_set(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_attach(int argc, char **argv);
int cmd_destroy(int argc, char **argv);

/* help.c */
void print_help(FILE *out);
int command_help(const char *cmd);

#endif /* QOSRESCTL_H */
