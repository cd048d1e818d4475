// SPDX-License-Identifier: GPL-2.0
/*
 * rcu-gp: RCU readers in a reservation, and how long a grace period waits.
 *
 *   rcu-gp walk DIR SECONDS   stat() a deep path under DIR, over and over:
 *                             most of that time is path walk, in RCU
 *                             read-side sections
 *   rcu-gp wait DIR SECONDS   mount and unmount a tmpfs on DIR, over and
 *                             over; each unmount waits for a grace period
 *                             (synchronize_rcu_expedited()). Prints the
 *                             longest cycle in ms and the number of cycles.
 *
 * A reader preempted inside a read-side section holds up every grace
 * period until it runs again; "wait" shows how long that can be.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <time.h>

#define WALK_DEPTH 24

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int make_deep_path(const char *dir, char *path, size_t size)
{
	size_t len = (size_t)snprintf(path, size, "%s", dir);

	for (int level = 0; level < WALK_DEPTH; level++) {
		if (len + 3 >= size)
			return -1;
		len += (size_t)snprintf(path + len, size - len, "/d");
		if (mkdir(path, 0755) && errno != EEXIST)
			return -1;
	}
	return 0;
}

static int walk(const char *dir, double seconds)
{
	char path[PATH_MAX];
	double end = now_ms() + seconds * 1e3;
	unsigned long walks = 0;
	struct stat st;

	if (make_deep_path(dir, path, sizeof(path))) {
		perror("rcu-gp: mkdir");
		return 1;
	}
	while (now_ms() < end) {
		if (stat(path, &st)) {
			perror("rcu-gp: stat");
			return 1;
		}
		walks++;
	}
	printf("walks %lu\n", walks);
	return 0;
}

static int wait_gp(const char *dir, double seconds)
{
	double end = now_ms() + seconds * 1e3, longest = 0;
	unsigned long cycles = 0;

	while (now_ms() < end) {
		double start = now_ms(), took;

		if (mount("rcu-gp", dir, "tmpfs", 0, NULL) || umount(dir)) {
			perror("rcu-gp: mount");
			return 1;
		}
		took = now_ms() - start;
		if (took > longest)
			longest = took;
		cycles++;
	}
	printf("longest_ms %.0f\ncycles %lu\n", longest, cycles);
	return 0;
}

int main(int argc, char **argv)
{
	double seconds;

	if (argc != 4 || (seconds = atof(argv[3])) <= 0) {
		fprintf(stderr, "usage: rcu-gp walk|wait DIR SECONDS\n");
		return 2;
	}
	if (!strcmp(argv[1], "walk"))
		return walk(argv[2], seconds);
	if (!strcmp(argv[1], "wait"))
		return wait_gp(argv[2], seconds);
	fprintf(stderr, "rcu-gp: unknown mode %s\n", argv[1]);
	return 2;
}
