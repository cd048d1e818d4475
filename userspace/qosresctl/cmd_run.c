// SPDX-License-Identifier: GPL-2.0
/*
 * qosresctl run: a command in a reservation of its own, as qres-wrap and
 * systemd-run do it. The child joins the reservation before it execs, so
 * not one instruction of the command runs outside it.
 */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PARSE_HELP	(-1)

struct run_opts {
	struct rsv_opts	rsv;
	bool		have_cgroup, keep;
	char		path[CG_PATH_MAX];
	char		**command;
};

/* What the child tells the parent through the pipe when it fails. */
struct child_failure {
	int	stage;		/* STAGE_* */
	int	err;		/* errno, positive */
};

enum { STAGE_ATTACH, STAGE_EXEC };

#define NR_FORWARDED	4
static const int forwarded_signals[NR_FORWARDED] = {
	SIGINT, SIGTERM, SIGHUP, SIGQUIT
};
/* The dispositions run found, which the command gets back. */
static struct sigaction saved_actions[NR_FORWARDED];
static volatile sig_atomic_t child_pid;

static int run_option(struct run_opts *o, int opt)
{
	switch (opt) {
	case 'c':
		o->have_cgroup = true;
		if (cgroup_arg(optarg, o->path, sizeof(o->path)))
			return usage_error("run", "--cgroup PATH is too long");
		return 0;
	case 'k':
		o->keep = true;
		return 0;
	case 'h':
		command_help("run");
		return PARSE_HELP;
	default:
		return rsv_option("run", &o->rsv, opt);
	}
}

static int parse_run(int argc, char **argv, struct run_opts *o)
{
	static const struct option longopts[] = {
		RSV_LONGOPTS,
		{ "cgroup", required_argument, NULL, 'c' },
		{ "keep", no_argument, NULL, 'k' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt, ret;

	optind = 0;
	/* '+': options end at the command, whose own options are its own. */
	while ((opt = getopt_long(argc, argv, "+:b:p:h", longopts,
				  NULL)) != -1) {
		if (opt == ':' || opt == '?')
			return option_error("run", opt, argv);
		ret = run_option(o, opt);
		if (ret)
			return ret;
	}
	if (optind >= argc)
		return usage_error("run", "missing the command to run");
	o->command = argv + optind;
	return 0;
}

static bool params_given(const struct run_opts *o)
{
	return o->rsv.have_budget || o->rsv.have_period || o->rsv.have_mode ||
	       o->rsv.have_feedback;
}

/* The new reservation. Without -b, a feedback loop starts it at 10%. */
static int initial_params(const struct run_opts *o, struct qosres_params *p)
{
	*p = (struct qosres_params){
		.period_us = o->rsv.have_period ? o->rsv.period_us :
			     QOSRES_DEFAULT_PERIOD_US,
		.mode = o->rsv.have_mode ? o->rsv.mode : QOSRES_HARD,
	};
	if (o->rsv.have_feedback)
		snprintf(p->feedback, sizeof(p->feedback), "%s", o->rsv.feedback);
	if (o->rsv.have_budget) {
		p->budget_us = o->rsv.budget_us;
		return 0;
	}
	if (!o->rsv.have_feedback || !strncmp(o->rsv.feedback, "off", 3))
		return usage_error("run", "give -b BUDGET (or --feedback, "
				   "which starts from 10%% of the period)");
	p->budget_us = p->period_us / 10;
	if (p->budget_us < QOSRES_BUDGET_MIN_US)
		p->budget_us = QOSRES_BUDGET_MIN_US;
	return 0;
}

/*
 * Make the reservation, or find the one --cgroup names. *created says
 * whether run made it (and so removes it afterwards).
 */
static int prepare_cgroup(struct run_opts *o, bool *created)
{
	struct qosres_params p;
	struct change change = { .path = o->path };
	int ret;

	*created = false;
	if (o->have_cgroup && qosres_get(o->path, &p) == 0) {
		if (!params_given(o))
			return 0;
		error_msg("%s exists: run joins it as it is without -b, -p, "
			  "--soft or --feedback; change it with 'qosresctl "
			  "set'", o->path);
		return EXIT_RUN_FAILED;
	}
	ret = initial_params(o, &p);
	if (ret)
		return ret;
	change.params = p;
	change.feedback_given = o->rsv.have_feedback;
	ret = qosres_create(o->path, &p);
	if (ret < 0) {
		report_refused(&change, ret);
		return EXIT_RUN_FAILED;
	}
	*created = true;
	return 0;
}

static int default_cgroup(struct run_opts *o)
{
	char own[CG_PATH_MAX];
	int n;

	if (self_cgroup(own, sizeof(own)))
		return EXIT_RUN_FAILED;
	n = snprintf(o->path, sizeof(o->path), "%s/qosresctl-run-%d",
		     strcmp(own, "/") ? own : "", (int)getpid());
	if (n < 0 || (size_t)n >= sizeof(o->path)) {
		error_msg("%s: cgroup path too long", own);
		return EXIT_RUN_FAILED;
	}
	return 0;
}

/*
 * SIGINT, SIGTERM, SIGHUP, SIGQUIT: passed on to the command. Those the
 * terminal sent (si_code SI_KERNEL) reached the command's process group
 * already and are not sent twice.
 */
static void forward_signal(int sig, siginfo_t *info, void *ctx)
{
	int saved = errno;

	(void)ctx;
	if (child_pid > 0 && info->si_code != SI_KERNEL)
		kill(child_pid, sig);
	errno = saved;
}

/* Forward the signals, keeping what was there for the command. */
static void start_forwarding(void)
{
	struct sigaction sa = { 0 };
	int i;

	sigemptyset(&sa.sa_mask);
	sa.sa_sigaction = forward_signal;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	for (i = 0; i < NR_FORWARDED; i++)
		sigaction(forwarded_signals[i], &sa, &saved_actions[i]);
}

static void restore_signals(void)
{
	int i;

	for (i = 0; i < NR_FORWARDED; i++)
		sigaction(forwarded_signals[i], &saved_actions[i], NULL);
}

static void block_forwarded(int how, sigset_t *old)
{
	sigset_t set;
	int i;

	sigemptyset(&set);
	for (i = 0; i < NR_FORWARDED; i++)
		sigaddset(&set, forwarded_signals[i]);
	sigprocmask(how, &set, old);
}

/* In the child: join the reservation, then become the command. */
static void __attribute__((noreturn))
child(const struct run_opts *o, int report_fd, const sigset_t *mask)
{
	struct child_failure f = { .stage = STAGE_ATTACH };
	int ret;

	restore_signals();
	sigprocmask(SIG_SETMASK, mask, NULL);
	ret = qosres_attach(o->path, 0);
	if (ret < 0) {
		f.err = -ret;
	} else {
		execvp(o->command[0], o->command);
		f.stage = STAGE_EXEC;
		f.err = errno;
	}
	if (write(report_fd, &f, sizeof(f)) < 0)
		_exit(EXIT_RUN_FAILED);
	_exit(EXIT_RUN_FAILED);
}

static int wait_child(pid_t pid)
{
	int status;

	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return EXIT_RUN_FAILED;
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

/* The child could not attach or exec: say why, as a shell would. */
static int child_failed(const struct run_opts *o, const struct child_failure *f)
{
	if (f->stage == STAGE_ATTACH) {
		report_error(o->path, "move the command into it", -f->err);
		return EXIT_RUN_FAILED;
	}
	error_msg("%s: %s", o->command[0], strerror(f->err));
	return f->err == ENOENT ? EXIT_NOT_FOUND : EXIT_NO_EXEC;
}

/* Fork the command into the reservation; its exit status. */
static int spawn_and_wait(const struct run_opts *o)
{
	struct child_failure f;
	sigset_t old_mask;
	int pipefd[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		error_msg("pipe: %s", strerror(errno));
		return EXIT_RUN_FAILED;
	}
	block_forwarded(SIG_BLOCK, &old_mask);
	start_forwarding();
	pid = fork();
	if (pid == 0)
		child(o, pipefd[1], &old_mask);
	close(pipefd[1]);
	if (pid < 0) {
		error_msg("fork: %s", strerror(errno));
		close(pipefd[0]);
		sigprocmask(SIG_SETMASK, &old_mask, NULL);
		return EXIT_RUN_FAILED;
	}
	child_pid = pid;
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	do
		n = read(pipefd[0], &f, sizeof(f));
	while (n < 0 && errno == EINTR);
	close(pipefd[0]);
	status = wait_child(pid);
	return n == sizeof(f) ? child_failed(o, &f) : status;
}

int cmd_run(int argc, char **argv)
{
	struct run_opts o = { 0 };
	bool created;
	int ret = parse_run(argc, argv, &o);

	if (ret)
		return ret == PARSE_HELP ? 0 : ret;
	if (!o.have_cgroup && default_cgroup(&o))
		return EXIT_RUN_FAILED;
	ret = prepare_cgroup(&o, &created);
	if (ret)
		return ret;
	if (o.rsv.have_feedback && !strncmp(o.rsv.feedback, "agent", 5) &&
	    !agent_running())
		warning_msg("no qosres-agent process is running: nothing will "
			    "adapt the budget of %s", o.path);
	ret = spawn_and_wait(&o);
	if (created && !o.keep) {
		int err = qosres_destroy(o.path);

		if (err < 0)
			report_error(o.path, "remove the reservation", err);
	} else if (created) {
		fprintf(stderr, "qosresctl: kept %s\n", o.path);
	}
	return ret;
}
