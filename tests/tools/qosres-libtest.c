// SPDX-License-Identifier: GPL-2.0
/*
 * libqosres against the real controller: one named check a run, under
 * the parent cgroup PARENT (a path under the cgroup2 mount) that the
 * caller made with +qosres in its subtree_control.
 *
 *   qosres-libtest CHECK PARENT
 *
 * Prints what failed and exits 1; exits 0 when the check held.
 */
#define _GNU_SOURCE
#include <qosres.h>

#include <errno.h>
#include <sched.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static const char *parent;
static int failures;

static void expect(bool ok, const char *fmt, ...)
{
	va_list ap;

	if (ok)
		return;
	va_start(ap, fmt);
	fputs("FAILED: ", stdout);
	vprintf(fmt, ap);
	putchar('\n');
	va_end(ap);
	failures++;
}

static void expect_ret(int got, int want, const char *what)
{
	expect(got == want, "%s returned %d (%s), expected %d", what, got,
	       got < 0 ? strerror(-got) : "ok", want);
}

/* PARENT/NAME into a static buffer (one in use at a time per slot). */
static const char *child(const char *name)
{
	static char paths[4][512];
	static int slot;
	char *path = paths[slot++ % 4];

	snprintf(path, sizeof(paths[0]), "%s/%s", parent, name);
	return path;
}

static struct qosres_params params(uint64_t budget, uint64_t period,
				   enum qosres_mode mode, const char *feedback)
{
	struct qosres_params p = {
		.budget_us = budget, .period_us = period, .mode = mode,
	};

	snprintf(p.feedback, sizeof(p.feedback), "%s", feedback);
	return p;
}

static void expect_params(const char *path, uint64_t budget, uint64_t period,
			  enum qosres_mode mode, const char *feedback_prefix)
{
	struct qosres_params got;

	expect_ret(qosres_get(path, &got), 0, "qosres_get");
	expect(got.budget_us == budget && got.period_us == period &&
	       got.mode == mode &&
	       !strncmp(got.feedback, feedback_prefix, strlen(feedback_prefix)),
	       "%s holds %llu/%llu %s \"%s\", expected %llu/%llu %s \"%s...\"",
	       path, (unsigned long long)got.budget_us,
	       (unsigned long long)got.period_us,
	       got.mode == QOSRES_SOFT ? "soft" : "hard", got.feedback,
	       (unsigned long long)budget, (unsigned long long)period,
	       mode == QOSRES_SOFT ? "soft" : "hard", feedback_prefix);
}

static void check_create(void)
{
	struct qosres_params p = params(20000, 100000, QOSRES_SOFT, "");
	struct qosres_params bad = params(20000, 5, QOSRES_HARD, "");
	struct qosres_stats stats;

	expect_ret(qosres_create(child("a"), &p), 0, "create");
	expect_params(child("a"), 20000, 100000, QOSRES_SOFT, "off");
	expect_ret(qosres_create(child("a"), &p), -EEXIST, "create again");
	expect_ret(qosres_create(child("bad"), &bad), -EINVAL,
		   "create with period 5");
	expect(qosres_nr_threads(child("bad")) == -ENOENT,
	       "a refused create left its cgroup behind");
	expect_ret(qosres_stats(parent, &stats), 0, "stats of the parent");
	expect(stats.reserved_bw_ppm == 200000,
	       "parent reserves %llu ppm, expected 200000",
	       (unsigned long long)stats.reserved_bw_ppm);
}

/* A refused change leaves every field as it was. */
static void check_set_atomic(void)
{
	struct qosres_params p = params(20000, 100000, QOSRES_HARD, "");
	struct qosres_params big = params(50000, 100000, QOSRES_SOFT,
					  "kernel window=4");
	struct qosres_events ev;
	struct qosres_room room;

	expect_ret(qosres_create(child("a"), &p), 0, "create");
	expect_ret(qosres_set_max(parent, 30000, 100000), 0, "set_max");
	expect_ret(qosres_set(child("a"), &big), -EBUSY, "set over the cap");
	expect_params(child("a"), 20000, 100000, QOSRES_HARD, "off");
	expect_ret(qosres_events(child("a"), &ev), 0, "events");
	expect(ev.admission_denied == 1, "admission_denied is %llu",
	       (unsigned long long)ev.admission_denied);
	expect_ret(qosres_room(child("a"), &room), 0, "room");
	expect(!strcmp(room.cap_path, parent) && room.cap_ppm == 300000 &&
	       room.left_ppm == 100000,
	       "room: cap %s %llu ppm, %llu left; expected %s 300000, 100000",
	       room.cap_path, (unsigned long long)room.cap_ppm,
	       (unsigned long long)room.left_ppm, parent);
}

static void check_set(void)
{
	struct qosres_params p = params(20000, 100000, QOSRES_HARD, "");
	struct qosres_params q = params(25000, 50000, QOSRES_SOFT,
					"kernel window=4");
	struct qosres_params bad = params(30000, 100000, QOSRES_HARD,
					  "kernel bogus=1");

	expect_ret(qosres_create(child("a"), &p), 0, "create");
	expect_ret(qosres_set(child("a"), &q), 0, "set");
	expect_params(child("a"), 25000, 50000, QOSRES_SOFT,
		      "kernel predictor=");
	expect_ret(qosres_set(child("a"), &bad), -EINVAL, "bad feedback");
	expect_params(child("a"), 25000, 50000, QOSRES_SOFT,
		      "kernel predictor=");
	expect_ret(qosres_set_max(child("a"), 0, 0), 0, "max back to max");
}

/* A cgroup made by someone else, with no qosres files yet. */
static void check_set_unmanaged(void)
{
	struct qosres_params p = params(20000, 100000, QOSRES_HARD, "");
	char full[1024];

	snprintf(full, sizeof(full), "%s%s", qosres_mount(), child("plain"));
	expect(!mkdir(full, 0755), "mkdir %s", full);
	strcat(full, "/svc");
	expect(!mkdir(full, 0755), "mkdir %s", full);
	expect_ret(qosres_set(child("plain/svc"), &p), 0, "set");
	expect_params(child("plain/svc"), 20000, 100000, QOSRES_HARD, "off");
}

static pid_t spinner(void)
{
	pid_t pid = fork();

	if (pid == 0)
		for (;;)
			;
	return pid;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The CPU time PID has had (utime + stime), in seconds; -1 if unknown. */
static double cpu_time_s(pid_t pid)
{
	unsigned long long utime, stime;
	char path[64], buf[1024], *p;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return -1;
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	p = strrchr(buf, ')');
	/* After the name: state, then 10 fields before utime and stime. */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &utime, &stime) != 2)
		return -1;
	return (double)(utime + stime) / sysconf(_SC_CLK_TCK);
}

/*
 * The window over which check_attach measures a share, and the band it
 * must fall in, per mille of one CPU. A hog in a hard reservation of 20 ms
 * every 100 ms on an otherwise idle guest gets its whole budget every
 * period and not a microsecond more: 200. Over 4 s (40 periods) the
 * window's ends cut into a period, +-20 ms at most, +-5; /proc's clock
 * ticks add +-10 ms a reading, +-5 more. The rest is TCG's timers firing
 * late, which can only cost the hog time (a replenishment comes late),
 * never give it more: 200 -30/+15. 15% or 25% of a CPU, a budget a
 * quarter off, fails.
 */
#define ATTACH_WINDOW_S	4
#define ATTACH_MIN	170
#define ATTACH_MAX	215

/* The budget holds the hog to 20%, measured over a window as sched.bats does. */
static void check_attach(void)
{
	struct qosres_params p = params(20000, 100000, QOSRES_HARD, "");
	struct sched_param rt = { .sched_priority = 90 };
	struct qosres_stats s0, s1;
	double t0, t1, c0, c1;
	long usage, cpu;
	pid_t pid = spinner();
	char where[512];

	expect_ret(qosres_create(child("a"), &p), 0, "create");
	expect_ret(qosres_attach(child("a"), pid), 0, "attach");
	expect_ret(qosres_cgroup_of(pid, where, sizeof(where)), 0, "cgroup_of");
	expect(!strcmp(where, child("a")), "spinner is in %s", where);
	expect(qosres_nr_threads(child("a")) == 1, "threads: %d",
	       qosres_nr_threads(child("a")));
	/*
	 * One process reads the clock and the counters, real-time, so that
	 * the window is the same for all; the hog has settled in first.
	 */
	sched_setscheduler(0, SCHED_FIFO, &rt);
	sleep(1);
	t0 = now_s();
	expect_ret(qosres_stats(child("a"), &s0), 0, "stats");
	c0 = cpu_time_s(pid);
	sleep(ATTACH_WINDOW_S);
	t1 = now_s();
	expect_ret(qosres_stats(child("a"), &s1), 0, "stats");
	c1 = cpu_time_s(pid);
	stop(pid);
	usage = (long)((s1.usage_usec - s0.usage_usec) / 1e3 / (t1 - t0) + 0.5);
	cpu = (long)((c1 - c0) * 1e3 / (t1 - t0) + 0.5);
	printf("# 20 ms every 100 ms, hard: usage_usec %ld, /proc %ld per mille of a CPU over %.2f s\n",
	       usage, cpu, t1 - t0);
	expect(usage >= ATTACH_MIN && usage <= ATTACH_MAX,
	       "usage_usec: %ld per mille over %.2f s, outside [%d, %d]",
	       usage, t1 - t0, ATTACH_MIN, ATTACH_MAX);
	expect(c0 >= 0 && c1 >= 0 && cpu >= ATTACH_MIN && cpu <= ATTACH_MAX,
	       "/proc/%d/stat: %ld per mille over %.2f s, outside [%d, %d]",
	       (int)pid, cpu, t1 - t0, ATTACH_MIN, ATTACH_MAX);
	expect(s1.budget_usec == 20000 && s1.nr_servers == 1 &&
	       s1.cpus[0], "stats: budget %llu, %u servers on \"%s\"",
	       (unsigned long long)s1.budget_usec, s1.nr_servers,
	       s1.cpus);
	expect(s1.nr_throttled > s0.nr_throttled,
	       "a hog at 20%% was never throttled in the window");
}

struct spin {
	volatile bool	stop;
	volatile pid_t	tid;
};

static void *spin_thread(void *arg)
{
	struct spin *spin = arg;

	spin->tid = gettid();
	while (!spin->stop)
		;
	return NULL;
}

static void read_line(const char *path, const char *file, char *buf,
		      size_t size)
{
	char full[1024];
	FILE *f;

	snprintf(full, sizeof(full), "%s%s/%s", qosres_mount(), path, file);
	buf[0] = '\0';
	f = fopen(full, "re");
	if (!f)
		return;
	if (fgets(buf, size, f))
		buf[strcspn(buf, "\n")] = '\0';
	fclose(f);
}

/* One thread of this process in a reservation, the others not. */
static void check_thread(void)
{
	struct qosres_params p = params(20000, 100000, QOSRES_HARD, "");
	struct spin spin = { 0 };
	char where[512], type[32], self[512];
	pthread_t thread;

	expect_ret(qosres_cgroup_of(0, self, sizeof(self)), 0, "own cgroup");
	expect_ret(qosres_attach(parent, 0), 0, "move self into parent");
	expect_ret(qosres_create(child("thr"), &p), 0, "create");
	pthread_create(&thread, NULL, spin_thread, &spin);
	while (!spin.tid)
		usleep(1000);
	expect_ret(qosres_attach_thread(child("thr"), spin.tid), 0,
		   "attach thread");
	qosres_cgroup_of(spin.tid, where, sizeof(where));
	expect(!strcmp(where, child("thr")), "thread is in %s", where);
	qosres_cgroup_of(gettid(), where, sizeof(where));
	expect(!strcmp(where, parent), "main thread is in %s", where);
	read_line(child("thr"), "cgroup.type", type, sizeof(type));
	expect(!strcmp(type, "threaded"), "cgroup.type is %s", type);
	expect(qosres_nr_threads(child("thr")) == 1, "threads: %d",
	       qosres_nr_threads(child("thr")));
	expect_ret(qosres_detach_thread(child("thr"), spin.tid), 0, "detach");
	qosres_cgroup_of(spin.tid, where, sizeof(where));
	expect(!strcmp(where, parent), "detached thread is in %s", where);
	spin.stop = true;
	pthread_join(thread, NULL);
	expect_ret(qosres_destroy(child("thr")), 0, "destroy");
	expect_ret(qosres_attach(self, 0), 0, "move self back");
}

/* A change to qosres.events wakes a waiter; no change times out. */
static void check_events(void)
{
	struct qosres_params p = params(20000, 100000, QOSRES_HARD, "");
	struct qosres_params q = params(30000, 100000, QOSRES_HARD, "");
	int fd;

	expect_ret(qosres_create(child("a"), &p), 0, "create");
	fd = qosres_events_fd(child("a"));
	expect(fd >= 0, "events_fd: %d", fd);
	expect_ret(qosres_wait(fd, 300), 0, "wait with no change");
	expect_ret(qosres_set(child("a"), &q), 0, "set");
	expect_ret(qosres_wait(fd, 5000), 1, "wait after budget change");
	expect_ret(qosres_wait(fd, 300), 0, "wait again, no change");
	close(fd);
	expect_ret(qosres_events_fd(child("none")), -ENOENT,
		   "events_fd of a missing cgroup");
}

struct visits {
	char	seen[8][512];
	int	count;
};

static int visit(const char *path, void *arg)
{
	struct visits *v = arg;

	if (v->count < 8)
		snprintf(v->seen[v->count], sizeof(v->seen[0]), "%s", path);
	v->count++;
	return 0;
}

static void check_foreach(void)
{
	struct qosres_params p = params(10000, 100000, QOSRES_HARD, "");
	struct qosres_params none = params(0, 100000, QOSRES_HARD, "");
	struct visits v = { .count = 0 };

	expect_ret(qosres_create(child("x"), &p), 0, "create x");
	expect_ret(qosres_create(child("x/y"), &p), 0, "create x/y");
	expect_ret(qosres_create(child("z"), &none), 0, "create z, no budget");
	expect_ret(qosres_foreach(parent, visit, &v), 0, "foreach");
	expect(v.count == 2 && !strcmp(v.seen[0], child("x")) &&
	       !strcmp(v.seen[1], child("x/y")),
	       "foreach saw %d: %s, %s", v.count, v.seen[0], v.seen[1]);
}

/* Destroying moves the tasks up and returns the bandwidth. */
static void check_destroy(void)
{
	struct qosres_params p = params(20000, 100000, QOSRES_HARD, "");
	struct qosres_stats stats;
	pid_t pid = spinner();
	char where[512];

	expect_ret(qosres_create(child("a"), &p), 0, "create");
	expect_ret(qosres_create(child("a/b"), &p), 0, "create a/b");
	expect_ret(qosres_attach(child("a"), pid), 0, "attach");
	expect_ret(qosres_destroy(child("a")), -EBUSY, "destroy with a child");
	expect_ret(qosres_destroy(child("a/b")), 0, "destroy a/b");
	expect_ret(qosres_destroy(child("a")), 0, "destroy a");
	/* $T's child a held it: no-internal-process sends it to the root. */
	qosres_cgroup_of(pid, where, sizeof(where));
	expect(!strcmp(where, "/"), "task moved to %s", where);
	stop(pid);
	expect_ret(qosres_stats(parent, &stats), 0, "stats of the parent");
	expect(stats.reserved_bw_ppm == 0, "parent still reserves %llu ppm",
	       (unsigned long long)stats.reserved_bw_ppm);
	expect_ret(qosres_destroy(child("a")), -ENOENT, "destroy again");
}

static void check_parse_time(void)
{
	static const struct {
		const char *text;
		int ret;
		uint64_t us;
	} cases[] = {
		{ "20ms", 0, 20000 }, { "1.5s", 0, 1500000 },
		{ "500us", 0, 500 }, { "250", 0, 250 }, { "0.25ms", 0, 250 },
		{ "abc", -EINVAL, 0 }, { "-5", -EINVAL, 0 },
		{ "5m", -EINVAL, 0 }, { "", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t us = 0;
		int ret = qosres_parse_time(cases[i].text, &us);

		expect(ret == cases[i].ret && (ret || us == cases[i].us),
		       "parse_time(\"%s\") = %d, %llu us", cases[i].text, ret,
		       (unsigned long long)us);
	}
}

static const struct {
	const char *name;
	void (*run)(void);
} checks[] = {
	{ "create", check_create }, { "set-atomic", check_set_atomic },
	{ "set", check_set }, { "set-unmanaged", check_set_unmanaged },
	{ "attach", check_attach },
	{ "thread", check_thread }, { "events", check_events },
	{ "foreach", check_foreach }, { "destroy", check_destroy },
	{ "parse-time", check_parse_time },
};

int main(int argc, char **argv)
{
	size_t i;

	if (argc != 3) {
		fprintf(stderr, "usage: qosres-libtest CHECK PARENT\n");
		return 2;
	}
	parent = argv[2];
	for (i = 0; i < sizeof(checks) / sizeof(checks[0]); i++) {
		if (!strcmp(argv[1], checks[i].name)) {
			checks[i].run();
			return failures ? 1 : 0;
		}
	}
	fprintf(stderr, "qosres-libtest: no check %s\n", argv[1]);
	return 2;
}
