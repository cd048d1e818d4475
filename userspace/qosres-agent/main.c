// SPDX-License-Identifier: GPL-2.0
/*
 * qosres-agent: adapts the budget of every reservation whose
 * qosres.feedback mode is "agent", once per period, as the kernel does for
 * mode "kernel". Runs in the foreground and logs to stderr, as systemd
 * expects; SIGTERM or SIGINT end it cleanly. All its state that matters
 * lives in cgroupfs, so a restart, even after SIGKILL, resumes.
 *
 *   qosres-agent [-c FILE] [-r CGROUP_ROOT] [-i INTERVAL] [-v]
 */
#include "agent.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#define DEFAULT_CONFIG	"/etc/qosres/agent.conf"

struct options {
	char		root[PATH_MAX];
	uint64_t	interval_us;	/* between looks at the usage */
	bool		verbose;
};

/* "20ms", "1s", "500us" or plain microseconds. */
static int parse_time(const char *text, uint64_t *us)
{
	static const struct { const char *unit; uint64_t mult; } units[] = {
		{ "", 1 }, { "us", 1 }, { "ms", 1000 }, { "s", 1000000 },
	};
	char *end;
	size_t i;

	errno = 0;
	*us = strtoull(text, &end, 10);
	if (errno || end == text || *text == '-')
		return -1;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (!strcmp(end, units[i].unit)) {
			*us *= units[i].mult;
			return *us ? 0 : -1;
		}
	}
	return -1;
}

static int set_option(struct options *opt, const char *key, const char *value)
{
	if (!strcmp(key, "root"))
		return snprintf(opt->root, sizeof(opt->root), "%s", value) <
		       (int)sizeof(opt->root) ? 0 : -1;
	if (!strcmp(key, "interval"))
		return parse_time(value, &opt->interval_us);
	if (!strcmp(key, "verbose")) {
		opt->verbose = !strcmp(value, "yes") || !strcmp(value, "1");
		return 0;
	}
	return -1;
}

/* "key = value" lines; '#' starts a comment. */
static int read_config(struct options *opt, const char *path, bool must_exist)
{
	char line[512], key[64], value[PATH_MAX];
	unsigned int lineno = 0;
	FILE *f = fopen(path, "re");

	if (!f) {
		if (!must_exist && errno == ENOENT)
			return 0;
		fprintf(stderr, "qosres-agent: %s: %s\n", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "#\n")] = '\0';
		if (strspn(line, " \t") == strlen(line))
			continue;
		if (sscanf(line, " %63[^= \t] = %4095s", key, value) != 2 ||
		    set_option(opt, key, value)) {
			fprintf(stderr, "qosres-agent: %s:%u: bad line\n", path,
				lineno);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: qosres-agent [-c FILE] [-r CGROUP_ROOT] [-i INTERVAL] [-v]\n"
		"  -c FILE      configuration (default " DEFAULT_CONFIG ", if present)\n"
		"  -r DIR       cgroup2 mount to watch (default /sys/fs/cgroup)\n"
		"  -i INTERVAL  how often to look for finished periods (default 10ms)\n"
		"  -v           log each reservation it starts or stops adapting\n");
}

static int parse_args(int argc, char **argv, struct options *opt)
{
	const char *config = NULL;
	int c;

	while ((c = getopt(argc, argv, "c:r:i:vh")) != -1) {
		if (c == 'c')
			config = optarg;
		else if (c == 'h') {
			usage(stdout);
			exit(0);
		}
	}
	if (read_config(opt, config ? config : DEFAULT_CONFIG, config))
		return -1;
	/* Flags override the file. */
	optind = 1;
	while ((c = getopt(argc, argv, "c:r:i:vh")) != -1) {
		if ((c == 'r' && set_option(opt, "root", optarg)) ||
		    (c == 'i' && set_option(opt, "interval", optarg)) ||
		    c == '?') {
			usage(stderr);
			return -1;
		}
		if (c == 'v')
			opt->verbose = true;
	}
	return optind == argc ? 0 : -1;
}

static int add_fd(int epfd, int fd)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = fd };

	return epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
}

static int open_timer(uint64_t interval_us)
{
	struct itimerspec spec = {
		.it_interval = { interval_us / 1000000,
				 (interval_us % 1000000) * 1000 },
	};
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);

	spec.it_value = spec.it_interval;
	if (fd >= 0 && timerfd_settime(fd, 0, &spec, NULL)) {
		close(fd);
		return -1;
	}
	return fd;
}

static int open_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	if (sigprocmask(SIG_BLOCK, &set, NULL))
		return -1;
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

/* Does a batch of inotify events ask for a new scan? */
static bool needs_scan(int inotify_fd)
{
	char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
	const struct inotify_event *ev;
	bool scan = false;
	ssize_t len;
	char *pos;

	while ((len = read(inotify_fd, buf, sizeof(buf))) > 0) {
		for (pos = buf; pos < buf + len; pos += sizeof(*ev) + ev->len) {
			ev = (const struct inotify_event *)pos;
			if ((ev->mask & (IN_CREATE | IN_DELETE | IN_Q_OVERFLOW)) ||
			    (ev->len && !strcmp(ev->name, "qosres.feedback")))
				scan = true;
		}
	}
	return scan;
}

static int run(struct agent *ag, uint64_t interval_us)
{
	int inotify_fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
	int timer_fd = open_timer(interval_us), signal_fd = open_signals();
	int epfd = epoll_create1(EPOLL_CLOEXEC), ret = 1;
	struct epoll_event ev;
	uint64_t ticks;

	if (inotify_fd < 0 || timer_fd < 0 || signal_fd < 0 || epfd < 0 ||
	    add_fd(epfd, inotify_fd) || add_fd(epfd, timer_fd) ||
	    add_fd(epfd, signal_fd)) {
		perror("qosres-agent");
		goto out;
	}
	agent_scan(ag, inotify_fd);
	for (;;) {
		if (epoll_wait(epfd, &ev, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("qosres-agent: epoll_wait");
			break;
		}
		if (ev.data.fd == signal_fd) {
			ret = 0;
			break;
		}
		if (ev.data.fd == inotify_fd && needs_scan(inotify_fd))
			agent_scan(ag, inotify_fd);
		if (ev.data.fd == timer_fd &&
		    read(timer_fd, &ticks, sizeof(ticks)) == sizeof(ticks))
			agent_tick(ag);
	}
out:
	close(epfd);
	close(signal_fd);
	close(timer_fd);
	close(inotify_fd);
	return ret;
}

int main(int argc, char **argv)
{
	struct options opt = { "/sys/fs/cgroup", 10000, false };
	struct agent ag = { 0 };
	long ncpus = sysconf(_SC_NPROCESSORS_CONF);
	int ret;

	if (parse_args(argc, argv, &opt))
		return 2;
	ag.root = opt.root;
	ag.verbose = opt.verbose;
	ag.ncpus = ncpus > 0 ? (unsigned int)ncpus : 1;
	if (opt.verbose)
		fprintf(stderr, "qosres-agent: watching %s every %llu us\n",
			opt.root, (unsigned long long)opt.interval_us);
	ret = run(&ag, opt.interval_us);
	agent_free(&ag);
	return ret;
}
