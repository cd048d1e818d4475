// SPDX-License-Identifier: GPL-2.0
/*
 * periodic: a periodic real-time-style job for demos and measurements.
 *
 *   periodic PERIOD_US RUN_US SECONDS STATS_FILE
 *
 * Every PERIOD_US a job is released that runs for RUN_US, by the clock, as
 * rt-app's "runtime" event does (a loop count would need more or less CPU
 * time as TCG's speed varies with the host); its deadline is the next
 * release. Once a second, and at the end, STATS_FILE is replaced by one
 * line: "periods jobs missed worst_response_us", where a period whose job
 * ended late or never started counts as missed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NSEC_PER_USEC 1000LL
#define NSEC_PER_SEC 1000000000LL

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

/* Run on the CPU for @run_ns from now. */
static void burn(int64_t run_ns)
{
	int64_t end = clock_ns(CLOCK_MONOTONIC) + run_ns;
	volatile unsigned long sink = 0;

	while (clock_ns(CLOCK_MONOTONIC) < end)
		for (int i = 0; i < 1000; i++)
			sink += i;
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

static long long parse_positive(const char *text, const char *what)
{
	char *end;
	long long value = strtoll(text, &end, 10);

	if (*text == '\0' || *end != '\0' || value <= 0) {
		fprintf(stderr, "periodic: %s must be a positive integer\n", what);
		exit(2);
	}
	return value;
}

int main(int argc, char **argv)
{
	struct stats st = { 0 };
	int64_t period, run, end, release, next_report;

	if (argc != 5) {
		fprintf(stderr, "usage: periodic PERIOD_US RUN_US SECONDS STATS_FILE\n");
		return 2;
	}
	period = parse_positive(argv[1], "PERIOD_US") * NSEC_PER_USEC;
	run = parse_positive(argv[2], "RUN_US") * NSEC_PER_USEC;
	release = clock_ns(CLOCK_MONOTONIC);
	end = release + parse_positive(argv[3], "SECONDS") * NSEC_PER_SEC;
	next_report = release + NSEC_PER_SEC;

	while (release < end) {
		int64_t done, response;

		st.periods++;
		burn(run);
		done = clock_ns(CLOCK_MONOTONIC);
		response = done - release;
		st.jobs++;
		if (response > period)
			st.missed++;
		if (response > st.worst_ns)
			st.worst_ns = response;
		release += period;
		/* Periods that went by while this job ran late got no job. */
		while (release + period <= done && release < end) {
			st.periods++;
			st.missed++;
			release += period;
		}
		if (done >= next_report) {
			if (write_stats(argv[4], &st) != 0) {
				perror("periodic: stats file");
				return 1;
			}
			next_report += NSEC_PER_SEC;
		}
		sleep_until(release);
	}
	if (write_stats(argv[4], &st) != 0) {
		perror("periodic: stats file");
		return 1;
	}
	return 0;
}
