// SPDX-License-Identifier: GPL-2.0
/*
 * qosres-churn: reservations created and destroyed as fast as the kernel
 * takes them, while tasks migrate through them or exit inside them.
 *
 *   qosres-churn [-n CYCLES] [-j WORKERS] [-s SEED] migrate|exit|write CGROUP
 *
 * CGROUP has qosres enabled for its children. Each of WORKERS processes
 * runs CYCLES / WORKERS cycles, each on a new child cgroup: make it, give
 * it a random hard or soft reservation (0.1-5 ms every 10-100 ms; 2-5 ms
 * in exit mode), then
 *   migrate: move the worker's busy task in, try to remove the cgroup
 *            (must fail with EBUSY), move the task back out, remove it;
 *   exit:    start 1 to 3 tasks inside that busy-loop for up to 2 ms and
 *            exit, and remove the cgroup in a loop until they are gone
 *            (EBUSY until then), reaping them only after;
 *   write:   start a task that holds qosres.budget open and writes a
 *            budget and 0 in turn until the file is gone (ENODEV), and
 *            remove the cgroup within 2 ms of its first write.
 * A budget write may fail with EBUSY (no room); every other call must
 * succeed. In migrate mode the busy tasks must still be running at the
 * end. Prints the counts and exits 0, or names the first call that failed
 * and exits 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PATH_LEN	512
#define EXIT_TASKS_MAX	3
#define SPIN_NS_MAX	2000000

enum mode { M_MIGRATE, M_EXIT, M_WRITE };

/* What one worker did; the workers report through a pipe. */
struct counts {
	unsigned long cycles;
	unsigned long admitted;
	unsigned long denied;
	unsigned long moves;
	unsigned long rmdir_busy;
	unsigned long exits;
	unsigned long writers;
};

static const char *parent;
static enum mode mode;

static int fail(const char *what, const char *path, int err)
{
	fprintf(stderr, "qosres-churn: %s %s: %s\n", what, path, strerror(err));
	return -1;
}

static int write_file(const char *dir, const char *name, const char *text)
{
	char path[PATH_LEN];
	ssize_t ret;
	int fd, err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -errno;
	ret = write(fd, text, strlen(text));
	err = errno;
	close(fd);
	return ret < 0 ? -err : 0;
}

static int move_task(const char *dir, pid_t pid)
{
	char text[32];
	int err;

	snprintf(text, sizeof(text), "%d", (int)pid);
	err = write_file(dir, "cgroup.procs", text);
	return err ? fail("move into", dir, -err) : 0;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/*
 * A child that busy-loops forever, at the lowest priority: it is there to
 * be moved around, not to slow the churn down.
 */
static pid_t start_busy(void)
{
	pid_t pid = fork();

	if (pid)
		return pid;
	if (nice(19) < 0)
		_exit(1);
	for (;;)
		;
}

/* Spin for up to @ns_max ns: a random moment to act at. */
static void spin_random(long long ns_max)
{
	long long end = now_ns() + random() % ns_max;

	while (now_ns() < end)
		;
}

/*
 * A child that moves itself into @dir, says so on @ready, busy-loops for
 * up to 2 ms and exits: it lives and dies inside the reservation.
 */
static pid_t start_short(const char *dir, int ready)
{
	pid_t pid = fork();
	char moved;

	if (pid)
		return pid;
	moved = write_file(dir, "cgroup.procs", "0") ? 'x' : 'm';
	if (write(ready, &moved, 1) != 1)
		_exit(1);
	spin_random(SPIN_NS_MAX);
	_exit(0);
}

/*
 * A random reservation: 0.1-5 ms every 10-100 ms, hard or soft. In exit
 * mode 2-5 ms: the tasks there must get through their exit, and with
 * 0.1 ms a period a debug kernel under TCG holds each for seconds (an
 * exit while throttled is a test of its own in faults.bats).
 */
static int reserve(const char *dir, struct counts *c)
{
	char text[64];
	unsigned long budget_min = mode == M_EXIT ? 2000 : 100;
	unsigned long period = 10000 + random() % 90001;
	unsigned long budget = budget_min + random() % (5001 - budget_min);
	int err;

	err = write_file(dir, "qosres.mode", random() % 2 ? "hard" : "soft");
	if (err)
		return fail("mode of", dir, -err);
	snprintf(text, sizeof(text), "%lu %lu", budget, period);
	err = write_file(dir, "qosres.budget", text);
	if (err == -EBUSY) {
		c->denied++;
		return 0;
	}
	if (err)
		return fail("budget of", dir, -err);
	c->admitted++;
	return 0;
}

/* Removes @dir, retrying while tasks are still leaving it. */
static int remove_when_empty(const char *dir, struct counts *c)
{
	while (rmdir(dir)) {
		if (errno != EBUSY)
			return fail("rmdir", dir, errno);
		c->rmdir_busy++;
	}
	return 0;
}

static int cycle_migrate(const char *dir, const char *home, pid_t busy,
			 struct counts *c)
{
	if (move_task(dir, busy))
		return -1;
	c->moves++;
	if (!rmdir(dir))
		return fail("rmdir of a populated", dir, 0);
	if (errno != EBUSY)
		return fail("rmdir of a populated", dir, errno);
	c->rmdir_busy++;
	if (move_task(home, busy))
		return -1;
	c->moves++;
	return remove_when_empty(dir, c);
}

/* Starts 1 to 3 short tasks in @dir; 0 once all of them are inside. */
static int start_exiting(const char *dir, pid_t *tasks, int n)
{
	int fds[2], i, moved = 0;
	char c;

	if (pipe(fds))
		return fail("pipe for", dir, errno);
	for (i = 0; i < n; i++)
		tasks[i] = start_short(dir, fds[1]);
	close(fds[1]);
	for (i = 0; i < n && tasks[i] > 0; i++)
		if (read(fds[0], &c, 1) == 1 && c == 'm')
			moved++;
	close(fds[0]);
	return moved == n ? 0 : fail("tasks moving into", dir, EIO);
}

static int cycle_exit(const char *dir, struct counts *c)
{
	pid_t tasks[EXIT_TASKS_MAX];
	int n = 1 + random() % EXIT_TASKS_MAX, i, ret;

	ret = start_exiting(dir, tasks, n);
	if (!ret)
		ret = remove_when_empty(dir, c);
	for (i = 0; i < n; i++)
		if (tasks[i] > 0)
			waitpid(tasks[i], NULL, 0);
	c->exits += n;
	return ret;
}

/*
 * A child that writes a budget and 0 in turn to @dir's qosres.budget
 * until the file goes with its cgroup. It says 'w' on @ready before it
 * starts. Exits 0 when the file went (ENODEV), 1 on any other error.
 */
static pid_t start_writer(const char *dir, int ready)
{
	static const char *const texts[] = { "2000 100000", "0" };
	char path[PATH_LEN];
	unsigned long n;
	pid_t pid = fork();
	int fd;

	if (pid)
		return pid;
	if (snprintf(path, sizeof(path), "%s/qosres.budget", dir) >= PATH_LEN)
		_exit(1);
	fd = open(path, O_WRONLY);
	if (fd < 0 || write(ready, "w", 1) != 1)
		_exit(1);
	for (n = 0;; n++) {
		const char *text = texts[n % 2];

		if (write(fd, text, strlen(text)) < 0 && errno != EBUSY)
			_exit(errno == ENODEV ? 0 : 1);
	}
}

static int cycle_write(const char *dir, struct counts *c)
{
	int fds[2], status, ret = 0;
	pid_t writer;
	char ready;

	if (pipe(fds))
		return fail("pipe for", dir, errno);
	writer = start_writer(dir, fds[1]);
	close(fds[1]);
	if (writer < 0 || read(fds[0], &ready, 1) != 1)
		ret = fail("writer in", dir, EIO);
	close(fds[0]);
	if (!ret) {
		spin_random(SPIN_NS_MAX);
		ret = remove_when_empty(dir, c);
	}
	if (writer > 0 && (waitpid(writer, &status, 0) != writer ||
			   !WIFEXITED(status) || WEXITSTATUS(status)))
		ret = ret ? ret : fail("writer on", dir, EIO);
	c->writers++;
	return ret;
}

/* CPU time of @pid so far, in clock ticks. */
static long long cpu_ticks(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long utime, stime;
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return -1;
	buf[len] = '\0';
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu",
			 &utime, &stime) != 2)
		return -1;
	return utime + stime;
}

/* The busy task still gets CPU time: it was not lost in a freed server. */
static int still_runs(pid_t busy)
{
	long long before = cpu_ticks(busy);
	int tries;

	for (tries = 0; tries < 50; tries++) {
		usleep(100000);
		if (cpu_ticks(busy) > before)
			return 0;
	}
	fprintf(stderr, "qosres-churn: busy task %d got no CPU for 5 s\n",
		(int)busy);
	return -1;
}

/* Names its cgroups after its pid: other runs may share the parent. */
static int worker(unsigned long cycles, struct counts *c)
{
	char home[PATH_LEN], dir[PATH_LEN];
	pid_t busy = 0;
	unsigned long i;
	int ret = 0;

	snprintf(home, sizeof(home), "%s/home%d", parent, (int)getpid());
	if (mkdir(home, 0755) && errno != EEXIST)
		return fail("mkdir", home, errno);
	if (mode == M_MIGRATE) {
		busy = start_busy();
		if (busy < 0 || move_task(home, busy))
			return -1;
	}
	for (i = 0; i < cycles && !ret; i++) {
		snprintf(dir, sizeof(dir), "%s/w%d-%lu", parent, (int)getpid(), i);
		if (mkdir(dir, 0755)) {
			ret = fail("mkdir", dir, errno);
			break;
		}
		ret = reserve(dir, c);
		if (!ret && mode == M_MIGRATE)
			ret = cycle_migrate(dir, home, busy, c);
		else if (!ret && mode == M_EXIT)
			ret = cycle_exit(dir, c);
		else if (!ret)
			ret = cycle_write(dir, c);
		c->cycles++;
	}
	if (busy > 0) {
		if (!ret)
			ret = still_runs(busy);
		kill(busy, SIGKILL);
		waitpid(busy, NULL, 0);
	}
	if (!ret && rmdir(home))
		ret = fail("rmdir", home, errno);
	return ret;
}

static void add_counts(struct counts *sum, const struct counts *c)
{
	sum->cycles += c->cycles;
	sum->admitted += c->admitted;
	sum->denied += c->denied;
	sum->moves += c->moves;
	sum->rmdir_busy += c->rmdir_busy;
	sum->exits += c->exits;
	sum->writers += c->writers;
}

static int run_workers(int workers, unsigned long cycles, unsigned int seed)
{
	struct counts sum = { 0 }, c;
	int fds[2], i, status, failed = 0;

	if (pipe(fds))
		return fail("pipe", "", errno);
	for (i = 0; i < workers; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return fail("fork", "worker", errno);
		if (!pid) {
			struct counts mine = { 0 };
			int ret;

			close(fds[0]);
			srandom(seed + i);
			ret = worker(cycles / workers, &mine);
			if (write(fds[1], &mine, sizeof(mine)) != sizeof(mine))
				ret = -1;
			_exit(ret ? 1 : 0);
		}
	}
	close(fds[1]);
	while (read(fds[0], &c, sizeof(c)) == sizeof(c))
		add_counts(&sum, &c);
	close(fds[0]);
	while (wait(&status) > 0)
		if (!WIFEXITED(status) || WEXITSTATUS(status))
			failed = 1;
	printf("%lu cycles: %lu admitted, %lu denied (EBUSY), %lu moves, %lu rmdir EBUSY, %lu tasks exited inside, %lu writers raced rmdir\n",
	       sum.cycles, sum.admitted, sum.denied, sum.moves, sum.rmdir_busy,
	       sum.exits, sum.writers);
	return failed ? -1 : 0;
}

static int usage(void)
{
	fprintf(stderr,
		"usage: qosres-churn [-n CYCLES] [-j WORKERS] [-s SEED] migrate|exit|write CGROUP\n");
	return 2;
}

int main(int argc, char **argv)
{
	unsigned long cycles = 10000;
	unsigned int seed = 1;
	int workers = 4, opt;

	while ((opt = getopt(argc, argv, "n:j:s:")) != -1) {
		switch (opt) {
		case 'n':
			cycles = strtoul(optarg, NULL, 10);
			break;
		case 'j':
			workers = atoi(optarg);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 10);
			break;
		default:
			return usage();
		}
	}
	if (argc - optind != 2 || workers < 1)
		return usage();
	if (!strcmp(argv[optind], "migrate"))
		mode = M_MIGRATE;
	else if (!strcmp(argv[optind], "exit"))
		mode = M_EXIT;
	else if (!strcmp(argv[optind], "write"))
		mode = M_WRITE;
	else
		return usage();
	parent = argv[optind + 1];
	return run_workers(workers, cycles, seed) ? 1 : 0;
}
