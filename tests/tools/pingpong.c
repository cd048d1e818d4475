// SPDX-License-Identifier: GPL-2.0
/*
 * pingpong: the cost of a context switch, as perf bench sched pipe does.
 *
 *   pingpong [-c CPU] [-d RUNTIME_US/PERIOD_US] ROUNDS
 *
 * Two processes pass a byte back and forth over two pipes ROUNDS times;
 * each round is two wake-ups and two context switches. Prints the mean
 * nanoseconds of one switch. -c pins both to CPU, so that the switches are
 * local; -d makes each a SCHED_DEADLINE task with that runtime and period
 * (such tasks may not fork, so each sets its own policy after the fork).
 */
#define _GNU_SOURCE
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct sched_attr_dl {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
};

struct options {
	long rounds;
	int cpu;		/* -1: not pinned */
	uint64_t dl_runtime_ns;	/* 0: keep the inherited policy */
	uint64_t dl_period_ns;
};

static int set_deadline(const struct options *opt)
{
	struct sched_attr_dl attr = {
		.size = sizeof(attr),
		.sched_policy = 6,	/* SCHED_DEADLINE */
		.sched_runtime = opt->dl_runtime_ns,
		.sched_deadline = opt->dl_period_ns,
		.sched_period = opt->dl_period_ns,
	};

	if (!opt->dl_runtime_ns)
		return 0;
	if (syscall(SYS_sched_setattr, 0, &attr, 0)) {
		perror("pingpong: sched_setattr");
		return -1;
	}
	return 0;
}

/* Read a byte from @in and write it to @out, @rounds times. */
static int bounce(int in, int out, long rounds, int first)
{
	char byte = 0;

	for (long i = 0; i < rounds; i++) {
		if (first && write(out, &byte, 1) != 1)
			return -1;
		if (read(in, &byte, 1) != 1)
			return -1;
		if (!first && write(out, &byte, 1) != 1)
			return -1;
	}
	return 0;
}

static int parse(int argc, char **argv, struct options *opt)
{
	unsigned long long runtime, period;
	int c;

	*opt = (struct options){ .cpu = -1 };
	while ((c = getopt(argc, argv, "c:d:")) != -1) {
		if (c == 'c') {
			opt->cpu = atoi(optarg);
		} else if (c == 'd' &&
			   sscanf(optarg, "%llu/%llu", &runtime, &period) == 2) {
			opt->dl_runtime_ns = runtime * 1000;
			opt->dl_period_ns = period * 1000;
		} else {
			return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	opt->rounds = atol(argv[optind]);
	return opt->rounds > 0 ? 0 : -1;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	struct options opt;
	int ping[2], pong[2], status;
	double start;
	pid_t child;

	if (parse(argc, argv, &opt)) {
		fprintf(stderr, "usage: pingpong [-c CPU] [-d RUNTIME_US/PERIOD_US] ROUNDS\n");
		return 2;
	}
	if (opt.cpu >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(opt.cpu, &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			perror("pingpong: sched_setaffinity");
			return 1;
		}
	}
	if (pipe(ping) || pipe(pong)) {
		perror("pingpong: pipe");
		return 1;
	}
	child = fork();
	if (child < 0) {
		perror("pingpong: fork");
		return 1;
	}
	if (child == 0)
		_exit(set_deadline(&opt) || bounce(ping[0], pong[1], opt.rounds, 0));
	if (set_deadline(&opt))
		return 1;
	start = now_ns();
	if (bounce(pong[0], ping[1], opt.rounds, 1) ||
	    waitpid(child, &status, 0) != child || status) {
		fprintf(stderr, "pingpong: the other side failed\n");
		return 1;
	}
	printf("%.0f\n", (now_ns() - start) / (2.0 * opt.rounds));
	return 0;
}
