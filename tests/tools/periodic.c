// SPDX-License-Identifier: GPL-2.0
/*
 * periodic: a periodic real-time-style job whose demand is known exactly.
 *
 *   periodic [-l JOB_LOG] [-b BUDGET_FILE [-m MARGIN]] [-S START_US]
 *            [-c CGROUP] PERIOD_US RUN_US SECONDS STATS_FILE
 *
 * Every PERIOD_US a job is released that needs RUN_US of the thread's own
 * CPU time (CLOCK_THREAD_CPUTIME_ID): it burns until that clock has moved
 * by RUN_US since the previous job ended, so that waking up, logging and
 * going to sleep are part of the job and the thread takes exactly RUN_US
 * (and the few us of the last loop) a period; under TCG that work around
 * the loop is hundreds of us. Under QEMU TCG a vCPU stall is charged to
 * the task that was running, so neither a time by the clock nor a loop
 * count is a known demand; CPU time is what the scheduler accounts and a
 * reservation's budget gives, whatever the host does. A job's deadline is
 * the next release. The run ends after SECONDS.
 *
 * RUN_US may be a schedule of steps, "RUN_USxPERIODS,RUN_USxPERIODS,...":
 * each level for that many periods; a last level without "xPERIODS" lasts
 * until SECONDS, else the run ends with the schedule (or at SECONDS).
 *
 * Once a second, and at the end, STATS_FILE is replaced by one line:
 * "periods jobs missed worst_response_us", where a period whose job ended
 * late or never started counts as missed.
 *
 * -l JOB_LOG: one line per period, "release_us run_us response_us cpu_us
 * late stall_us start_us": the release (CLOCK_MONOTONIC), the job's
 * demand, the time from release to its end, the CPU time the thread took
 * since the job before ended (the demand and a little more), 1 if it
 * ended after its deadline, the longest step of its CPU clock while it
 * burned (a vCPU stall charged to it, see burn()), and the time from
 * release to the job's start (its wake-up, or the end of the job before).
 * A period that went by while the job before ran late has no job:
 * response, cpu_us, stall_us and start_us -1, late 1.
 *
 * -b BUDGET_FILE: an oracle that knows the schedule. Before the first job
 * of each level, write RUN_US plus MARGIN percent (-m, default 0) to
 * BUDGET_FILE, the qosres.budget of its own reservation.
 *
 * -S START_US: the first release at START_US of CLOCK_REALTIME (the
 * microseconds since the epoch), not at once: jobs started apart then
 * share their releases, and run side by side through the same stalls.
 *
 * -c CGROUP: move into CGROUP at the first release. Until then the exec
 * and the wait for -S are not its reservation's: under TCG an exec is
 * tens of ms of CPU time, and a task asleep in an adapted reservation
 * shows it no demand.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define NSEC_PER_USEC 1000LL
#define NSEC_PER_SEC 1000000000LL
#define MAX_LEVELS 64

struct level {
	int64_t run_ns;
	long long periods;	/* 0: until the end */
};

struct options {
	const char *job_log;
	const char *budget_file;
	long long margin;	/* percent, for the budget file */
	long long start_us;	/* CLOCK_REALTIME of the first release, or 0 */
	const char *cgroup;	/* to move into at the first release */
	int64_t period_ns;
	int64_t seconds;
	const char *stats_file;
	struct level levels[MAX_LEVELS];
	int nr_levels;
};

struct stats {
	long long periods;	/* released so far */
	long long jobs;		/* run to completion */
	long long missed;	/* late or never started */
	long long worst_ns;	/* longest release-to-end time */
};

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

static void sleep_until(int64_t when_ns)
{
	struct timespec ts = {
		.tv_sec = when_ns / NSEC_PER_SEC,
		.tv_nsec = when_ns % NSEC_PER_SEC,
	};

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/*
 * Run on the CPU until this thread's CPU clock is at @until_ns; returns
 * the clock then. Time stolen from the vCPU while it runs counts, as it
 * does for the reservation that serves it: *@stall_ns is the longest step
 * of the clock between two of its reads, a few us of work apart, so a
 * step of milliseconds is such a stall.
 */
static int64_t burn(int64_t until_ns, int64_t *stall_ns)
{
	volatile unsigned long sink = 0;
	int64_t now = clock_ns(CLOCK_THREAD_CPUTIME_ID), before;

	*stall_ns = 0;
	while (now < until_ns) {
		for (int i = 0; i < 1000; i++)
			sink += i;
		before = now;
		now = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		if (now - before > *stall_ns)
			*stall_ns = now - before;
	}
	return now;
}

static int write_stats(const char *path, const struct stats *st)
{
	char tmp[4096];
	FILE *f;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return -1;
	fprintf(f, "%lld %lld %lld %lld\n", st->periods, st->jobs, st->missed,
		st->worst_ns / NSEC_PER_USEC);
	if (fclose(f) != 0)
		return -1;
	return rename(tmp, path);
}

static void usage_exit(void)
{
	fprintf(stderr, "usage: periodic [-l JOB_LOG] [-b BUDGET_FILE [-m MARGIN]]"
		" [-S START_US]\n"
		"                [-c CGROUP] PERIOD_US RUN_US[xPERIODS][,RUN_US[xPERIODS]...]"
		" SECONDS STATS_FILE\n");
	exit(2);
}

/* A number of @text up to *@end (NULL: all of it), at least @low. */
static long long parse_number(const char *text, char **end, long long low,
			      const char *what)
{
	char *stop;
	long long value;

	errno = 0;
	value = strtoll(text, &stop, 10);
	if (stop == text || errno || value < low || (!end && *stop != '\0')) {
		fprintf(stderr, "periodic: %s must be an integer of at least %lld\n",
			what, low);
		exit(2);
	}
	if (end)
		*end = stop;
	return value;
}

/* "RUN_US[xPERIODS],...": only the last level may go without a count. */
static void parse_levels(const char *text, struct options *o)
{
	char *at = (char *)text;

	for (;;) {
		struct level *l = &o->levels[o->nr_levels];

		if (o->nr_levels == MAX_LEVELS) {
			fprintf(stderr, "periodic: more than %d levels\n", MAX_LEVELS);
			exit(2);
		}
		l->run_ns = parse_number(at, &at, 1, "RUN_US") * NSEC_PER_USEC;
		l->periods = 0;
		if (*at == 'x')
			l->periods = parse_number(at + 1, &at, 1, "PERIODS");
		o->nr_levels++;
		if (*at == '\0')
			return;
		if (*at != ',' || !l->periods)
			usage_exit();
		at++;
	}
}

static void parse_args(int argc, char **argv, struct options *o)
{
	int opt;

	while ((opt = getopt(argc, argv, "l:b:m:S:c:")) != -1) {
		switch (opt) {
		case 'l':
			o->job_log = optarg;
			break;
		case 'b':
			o->budget_file = optarg;
			break;
		case 'm':
			o->margin = parse_number(optarg, NULL, 0, "MARGIN");
			break;
		case 'S':
			o->start_us = parse_number(optarg, NULL, 1, "START_US");
			break;
		case 'c':
			o->cgroup = optarg;
			break;
		default:
			usage_exit();
		}
	}
	if (argc - optind != 4)
		usage_exit();
	o->period_ns = parse_number(argv[optind], NULL, 1, "PERIOD_US") *
		       NSEC_PER_USEC;
	parse_levels(argv[optind + 1], o);
	o->seconds = parse_number(argv[optind + 2], NULL, 1, "SECONDS");
	o->stats_file = argv[optind + 3];
}

/* The level of period @n (from 0), or NULL when the schedule is over. */
static const struct level *level_of(const struct options *o, long long n)
{
	for (int i = 0; i < o->nr_levels; i++) {
		const struct level *l = &o->levels[i];

		if (!l->periods || n < l->periods)
			return l;
		n -= l->periods;
	}
	return NULL;
}

/* Write @value and a newline to the file at @path (a cgroup file). */
static int write_number(const char *path, long long value)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%lld\n", value);
	return fclose(f) != 0 ? -1 : 0;
}

/* The oracle: the budget for @l, written before its first job runs. */
static int set_budget(const struct options *o, const struct level *l)
{
	return write_number(o->budget_file,
			    l->run_ns / NSEC_PER_USEC * (100 + o->margin) / 100);
}

struct run {
	const struct options *o;
	struct stats st;
	FILE *log;
	const struct level *level;	/* of the last period released */
	int64_t release;		/* of the current period */
	int64_t cpu_mark;		/* CPU clock when the last job ended */
};

/* The line of one period in the job log: @cpu < 0 for no job. */
static void log_period(struct run *r, const struct level *l, int64_t start,
		       int64_t response, int64_t cpu, int late, int64_t stall)
{
	if (!r->log)
		return;
	fprintf(r->log, "%lld %lld %lld %lld %d %lld %lld\n",
		(long long)(r->release / NSEC_PER_USEC),
		(long long)(l->run_ns / NSEC_PER_USEC),
		(long long)(response < 0 ? -1 : response / NSEC_PER_USEC),
		(long long)(cpu < 0 ? -1 : cpu / NSEC_PER_USEC), late,
		(long long)(stall < 0 ? -1 : stall / NSEC_PER_USEC),
		(long long)(start < 0 ? -1 : start / NSEC_PER_USEC));
}

/* Run the job of the current period; false when the schedule is over. */
static int run_job(struct run *r)
{
	const struct level *l = level_of(r->o, r->st.periods);
	int64_t start, cpu, response, stall;

	if (!l)
		return 0;
	if (r->o->budget_file && l != r->level && set_budget(r->o, l) != 0) {
		perror("periodic: budget file");
		exit(1);
	}
	r->level = l;
	r->st.periods++;
	start = clock_ns(CLOCK_MONOTONIC) - r->release;
	cpu = burn(r->cpu_mark + l->run_ns, &stall) - r->cpu_mark;
	r->cpu_mark += cpu;
	response = clock_ns(CLOCK_MONOTONIC) - r->release;
	r->st.jobs++;
	if (response > r->o->period_ns)
		r->st.missed++;
	if (response > r->st.worst_ns)
		r->st.worst_ns = response;
	log_period(r, l, start, response, cpu, response > r->o->period_ns, stall);
	return 1;
}

/* Periods that went by while the last job ran late: none had a job. */
static void skip_missed(struct run *r, int64_t now, int64_t end)
{
	const struct level *l;

	r->release += r->o->period_ns;
	while (r->release + r->o->period_ns <= now && r->release < end &&
	       (l = level_of(r->o, r->st.periods))) {
		r->st.periods++;
		r->st.missed++;
		log_period(r, l, -1, -1, -1, 1, -1);
		r->release += r->o->period_ns;
	}
}

static int report(struct run *r)
{
	if (r->log && fflush(r->log) != 0) {
		perror("periodic: job log");
		return -1;
	}
	if (write_stats(r->o->stats_file, &r->st) != 0) {
		perror("periodic: stats file");
		return -1;
	}
	return 0;
}

/* The first release on CLOCK_MONOTONIC, waited for if -S set one. */
static int64_t first_release(const struct options *o)
{
	int64_t now = clock_ns(CLOCK_MONOTONIC), release;

	if (!o->start_us)
		return now;
	release = now + o->start_us * NSEC_PER_USEC - clock_ns(CLOCK_REALTIME);
	if (release < now) {
		fprintf(stderr, "periodic: the start time -S has passed\n");
		exit(2);
	}
	sleep_until(release);
	return release;
}

/* Into @cgroup, the whole process. */
static int move_into(const char *cgroup)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/cgroup.procs", cgroup);
	return write_number(path, getpid());
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	struct run r = { .o = &o };
	int64_t end, next_report;

	parse_args(argc, argv, &o);
	if (o.job_log && !(r.log = fopen(o.job_log, "w"))) {
		perror("periodic: job log");
		return 1;
	}
	r.release = first_release(&o);
	if (o.cgroup && move_into(o.cgroup) != 0) {
		perror("periodic: -c");
		return 1;
	}
	r.cpu_mark = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	end = r.release + o.seconds * NSEC_PER_SEC;
	next_report = r.release + NSEC_PER_SEC;

	while (r.release < end && run_job(&r)) {
		int64_t now = clock_ns(CLOCK_MONOTONIC);

		skip_missed(&r, now, end);
		if (now >= next_report) {
			if (report(&r) != 0)
				return 1;
			next_report += NSEC_PER_SEC;
		}
		sleep_until(r.release);
	}
	if (report(&r) != 0 || (r.log && fclose(r.log) != 0))
		return 1;
	return 0;
}
