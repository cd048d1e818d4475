// SPDX-License-Identifier: GPL-2.0
/* qosresctl set, attach and destroy: the commands that change things. */
#include "ctl.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#define PARSE_HELP	(-1)	/* --help was printed: exit 0 */

struct set_opts {
	char		path[CG_PATH_MAX];
	struct rsv_opts	rsv;
	bool		have_max;
	uint64_t	max_budget_us, max_period_us;
	bool		self;		/* --self */
	const char	*slice;		/* --slice NAME */
};

static int set_option(struct set_opts *o, int opt)
{
	switch (opt) {
	case 'm':
		o->have_max = true;
		return parse_max_arg("set", optarg, &o->max_budget_us,
				     &o->max_period_us);
	case 'S':
		o->self = true;
		return 0;
	case 'L':
		o->slice = optarg;
		return 0;
	case 'h':
		command_help("set");
		return PARSE_HELP;
	default:
		return rsv_option("set", &o->rsv, opt);
	}
}

static int set_target(struct set_opts *o, int nargs, char **args)
{
	if ((o->self || o->slice) + (nargs > 0) > 1 || (o->self && o->slice))
		return usage_error("set", "give one of PATH, --self, --slice");
	if (nargs > 1)
		return usage_error("set", "one PATH only");
	if (o->self)
		return self_cgroup(o->path, sizeof(o->path)) ? EXIT_RUNTIME : 0;
	if (o->slice)
		return slice_cgroup(o->slice, o->path, sizeof(o->path)) ?
		       usage_error("set", "%s is not a slice name", o->slice) :
		       0;
	if (!nargs)
		return usage_error("set", "missing PATH (or --self, --slice)");
	if (cgroup_arg(args[0], o->path, sizeof(o->path)))
		return usage_error("set", "PATH is too long");
	return 0;
}

static int parse_set(int argc, char **argv, struct set_opts *o)
{
	static const struct option longopts[] = {
		RSV_LONGOPTS,
		{ "max", required_argument, NULL, 'm' },
		{ "self", no_argument, NULL, 'S' },
		{ "slice", required_argument, NULL, 'L' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt, ret;

	optind = 0;
	while ((opt = getopt_long(argc, argv, ":b:p:f:h", longopts,
				  NULL)) != -1) {
		if (opt == ':' || opt == '?')
			return option_error("set", opt, argv);
		ret = set_option(o, opt);
		if (ret)
			return ret;
	}
	if (!o->rsv.have_budget && !o->rsv.have_period && !o->rsv.have_mode &&
	    !o->rsv.have_feedback && !o->have_max)
		return usage_error("set", "nothing to set: give -b, -p, "
				   "--soft, --hard, --feedback or --max");
	return set_target(o, argc - optind, argv + optind);
}

/* The reservation as the options change it; feedback "" leaves it be. */
static void merge(const struct set_opts *o, struct qosres_params *p)
{
	if (o->rsv.have_budget)
		p->budget_us = o->rsv.budget_us;
	if (o->rsv.have_period)
		p->period_us = o->rsv.period_us;
	if (o->rsv.have_mode)
		p->mode = o->rsv.mode;
	if (o->rsv.have_feedback)
		snprintf(p->feedback, sizeof(p->feedback), "%s", o->rsv.feedback);
	else
		p->feedback[0] = '\0';
}

static int set_max(const struct set_opts *o)
{
	int ret = qosres_set_max(o->path, o->max_budget_us, o->max_period_us);

	if (ret < 0)
		report_max_refused(o->path, o->max_budget_us, o->max_period_us,
				   ret);
	return ret;
}

/* A new reservation: made whole, with its cap, or not at all. */
static int create_reservation(const struct set_opts *o)
{
	struct qosres_params p = {
		.period_us = QOSRES_DEFAULT_PERIOD_US,
		.mode = QOSRES_HARD,
	};
	struct change change = { .path = o->path, .feedback_given =
				 o->rsv.have_feedback };
	bool adopted = false;
	int ret;

	if (!o->rsv.have_budget) {
		error_msg("%s: no such cgroup; give -b BUDGET to create it",
			  o->path);
		return EXIT_RUNTIME;
	}
	merge(o, &p);
	change.params = p;
	ret = qosres_create(o->path, &p);
	/* A cgroup made without the qosres files (a systemd unit's, say). */
	if (ret == -EEXIST) {
		adopted = true;
		ret = qosres_set(o->path, &p);
	}
	if (ret < 0) {
		report_refused(&change, ret);
		return EXIT_RUNTIME;
	}
	if (o->have_max && set_max(o) < 0) {
		if (adopted) {
			p.budget_us = 0;
			qosres_set(o->path, &p);
		} else {
			qosres_destroy(o->path);
		}
		return EXIT_RUNTIME;
	}
	return 0;
}

static bool params_changed(const struct set_opts *o)
{
	return o->rsv.have_budget || o->rsv.have_period || o->rsv.have_mode ||
	       o->rsv.have_feedback;
}

/*
 * Change an existing reservation. With --max too, the cap goes first when
 * the bandwidth grows and last when it shrinks, so that neither step is
 * refused for the other's sake; when the second step is refused, the first
 * is undone.
 */
static int change_reservation(const struct set_opts *o,
			      const struct qosres_params *old)
{
	struct qosres_params p = *old;
	struct change change = { .path = o->path, .feedback_given =
				 o->rsv.have_feedback };
	uint64_t old_max_b = 0, old_max_p = 0;
	bool max_first;
	int ret;

	change.old_ppm = old->budget_us ?
		bandwidth_ppm(old->budget_us, old->period_us) : 0;
	merge(o, &p);
	change.params = p;
	max_first = bandwidth_ppm(p.budget_us, p.period_us) > change.old_ppm;
	if (o->have_max) {
		ret = qosres_get_max(o->path, &old_max_b, &old_max_p);
		if (ret < 0) {
			report_error(o->path, "read qosres.max", ret);
			return EXIT_RUNTIME;
		}
	}
	if (o->have_max && max_first && set_max(o) < 0)
		return EXIT_RUNTIME;
	if (params_changed(o)) {
		ret = qosres_set(o->path, &p);
		if (ret < 0) {
			report_refused(&change, ret);
			if (o->have_max && max_first)
				qosres_set_max(o->path, old_max_b, old_max_p);
			return EXIT_RUNTIME;
		}
	}
	if (o->have_max && !max_first && set_max(o) < 0) {
		if (params_changed(o))
			qosres_set(o->path, old);
		return EXIT_RUNTIME;
	}
	return 0;
}

int cmd_set(int argc, char **argv)
{
	struct set_opts o = { 0 };
	struct qosres_params old;
	int ret = parse_set(argc, argv, &o);

	if (ret)
		return ret == PARSE_HELP ? 0 : ret;
	ret = qosres_get(o.path, &old);
	if (ret == -ENOENT)
		return create_reservation(&o);
	if (ret < 0) {
		report_error(o.path, "read the reservation", ret);
		return EXIT_RUNTIME;
	}
	return change_reservation(&o, &old);
}

static int parse_id(const char *text, pid_t *id)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (errno || end == text || *end || value <= 0 || value > INT_MAX)
		return -1;
	*id = (pid_t)value;
	return 0;
}

static int attach_one(const char *path, const char *text, bool thread)
{
	const char *what = thread ? "thread" : "process";
	char action[64];
	pid_t id;
	int ret;

	if (parse_id(text, &id))
		return usage_error("attach", "invalid %s id '%s'", what, text);
	ret = thread ? qosres_attach_thread(path, id) : qosres_attach(path, id);
	if (ret == -ESRCH) {
		error_msg("%s: no such %s: %d", path, what, id);
		return EXIT_RUNTIME;
	}
	if (ret < 0) {
		snprintf(action, sizeof(action), "attach %s %d", what, id);
		report_error(path, action, ret);
		return EXIT_RUNTIME;
	}
	return 0;
}

int cmd_attach(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "thread", no_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	char path[CG_PATH_MAX];
	bool thread = false;
	int opt, i, status = 0, ret;

	optind = 0;
	while ((opt = getopt_long(argc, argv, ":th", longopts, NULL)) != -1) {
		if (opt == 'h')
			return command_help("attach");
		if (opt != 't')
			return option_error("attach", opt, argv);
		thread = true;
	}
	if (argc - optind < 2)
		return usage_error("attach", "give PATH and at least one %s",
				   thread ? "TID" : "PID");
	if (cgroup_arg(argv[optind], path, sizeof(path)))
		return usage_error("attach", "PATH is too long");
	for (i = optind + 1; i < argc; i++) {
		ret = attach_one(path, argv[i], thread);
		if (ret > status)
			status = ret;
	}
	return status;
}

int cmd_destroy(int argc, char **argv)
{
	char path[CG_PATH_MAX];
	int i, ret, status = 0;

	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")))
		return command_help("destroy");
	if (argc < 2)
		return usage_error("destroy", "missing PATH");
	for (i = 1; i < argc; i++) {
		if (argv[i][0] == '-')
			return usage_error("destroy", "unknown option '%s'",
					   argv[i]);
		if (cgroup_arg(argv[i], path, sizeof(path)))
			return usage_error("destroy", "PATH is too long");
		ret = qosres_destroy(path);
		if (ret == -EBUSY)
			error_msg("%s: cannot destroy: it has child cgroups; "
				  "destroy them first", path);
		else if (ret < 0)
			report_error(path, "destroy", ret);
		if (ret < 0)
			status = EXIT_RUNTIME;
	}
	return status;
}
