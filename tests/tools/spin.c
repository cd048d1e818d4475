// SPDX-License-Identifier: GPL-2.0
/*
 * spin: the work a CPU-bound thread gets done in a given wall time.
 *
 *   spin SECONDS
 *
 * Runs a fixed loop for SECONDS by CLOCK_MONOTONIC and prints "loops
 * cpu_us": the loops done and the CPU time the thread was given meanwhile
 * (CLOCK_THREAD_CPUTIME_ID; not what exec and the loader took before).
 * Loops count only what ran in user space, so time a scheduler charges to
 * the thread without letting it run its code shows as fewer loops for the
 * same CPU time. Compare runs in one boot: under TCG a loop's speed
 * changes with the host.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define NSEC_PER_SEC 1000000000LL
#define NSEC_PER_USEC 1000LL

static int64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	volatile unsigned long sink = 0;
	unsigned long long loops = 0;
	int64_t end_ns, cpu_ns;
	char *stop = NULL;
	long seconds;

	errno = 0;
	seconds = argc == 2 ? strtol(argv[1], &stop, 10) : 0;
	if (argc != 2 || errno || *stop != '\0' || seconds < 1) {
		fprintf(stderr, "usage: spin SECONDS (an integer, at least 1)\n");
		return 2;
	}
	cpu_ns = clock_ns(CLOCK_THREAD_CPUTIME_ID);
	end_ns = clock_ns(CLOCK_MONOTONIC) + seconds * NSEC_PER_SEC;
	while (clock_ns(CLOCK_MONOTONIC) < end_ns) {
		for (int i = 0; i < 1000; i++)
			sink += i;
		loops++;
	}
	printf("%llu %lld\n", loops,
	       (long long)((clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_ns) /
			   NSEC_PER_USEC));
	return 0;
}
