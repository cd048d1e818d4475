// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libqosres: reservations are cgroups. libcgroup finds the mount, makes
 * cgroups with the controller enabled on the way down and moves processes;
 * the qosres files themselves are written here, one write(2) each, so the
 * kernel's errno reaches the caller unchanged.
 */
#include "qosres.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libcgroup.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONTROLLER	"qosres"
#define PPM		1000000ULL

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_error;
static char mount_point[PATH_MAX] = "/sys/fs/cgroup";

static void init_libcgroup(void)
{
	char *mnt = NULL;
	int ret = cgroup_init();

	if (!ret)
		ret = cgroup_get_subsys_mount_point(CONTROLLER, &mnt);
	if (ret) {
		init_error = -ENODEV;
		return;
	}
	snprintf(mount_point, sizeof(mount_point), "%s", mnt);
	free(mnt);
}

static int lib_init(void)
{
	pthread_once(&init_once, init_libcgroup);
	return init_error;
}

/* libcgroup's own codes back to the errno they stand for. */
static int lcg_errno(int ret)
{
	switch (ret) {
	case 0:
		return 0;
	case ECGOTHER:
		return cgroup_get_last_errno() ? -cgroup_get_last_errno() : -EIO;
	case ECGROUPNOTOWNER:
		return -EPERM;
	case ECGROUPNOTEXIST:
		return -ENOENT;
	case ECGROUPNOTALLOWED:
		return -EACCES;
	case ECGROUPNOTMOUNTED:
	case ECGROUPSUBSYSNOTMOUNTED:
		return -ENODEV;
	case ECGNONEMPTY:
		return -EBUSY;
	default:
		return -EIO;
	}
}

const char *qosres_mount(void)
{
	lib_init();
	return mount_point;
}

/* PATH without its leading slashes: the name libcgroup expects. */
static const char *rel_path(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

static int file_path(char *out, size_t size, const char *path,
		     const char *file)
{
	const char *rel = rel_path(path);
	int len;

	len = snprintf(out, size, "%s%s%s%s%s", qosres_mount(),
		       *rel ? "/" : "", rel, file ? "/" : "", file ? file : "");
	return len < 0 || (size_t)len >= size ? -ENAMETOOLONG : 0;
}

/* The parent of PATH, as a path under the mount ("/" for the top). */
static int parent_path(const char *path, char *out, size_t size)
{
	const char *rel = rel_path(path);
	const char *slash = strrchr(rel, '/');
	size_t len = slash ? (size_t)(slash - rel) : 0;

	if (!*rel)
		return -EINVAL;
	if (len + 2 > size)
		return -ENAMETOOLONG;
	/* OUT may be PATH itself. */
	memmove(out + 1, rel, len);
	out[0] = '/';
	out[len + 1] = '\0';
	return 0;
}

/* FILE of the cgroup PATH, opened with FLAGS: a descriptor or -errno. */
static int open_file(const char *path, const char *file, int flags)
{
	char full[PATH_MAX];
	int fd, ret;

	ret = file_path(full, sizeof(full), path, file);
	if (ret)
		return ret;
	fd = open(full, flags | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* A whole cgroup file: one read(2) returns all of it. */
static int read_file(const char *path, const char *file, char *buf,
		     size_t size)
{
	int fd = open_file(path, file, O_RDONLY);
	ssize_t len;

	if (fd < 0)
		return fd;
	len = read(fd, buf, size - 1);
	if (len < 0)
		len = -errno;
	close(fd);
	if (len < 0)
		return len;
	buf[len] = '\0';
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return 0;
}

static int write_file(const char *path, const char *file, const char *text)
{
	int fd = open_file(path, file, O_WRONLY);
	size_t len = strlen(text);
	int ret;

	if (fd < 0)
		return fd;
	ret = write(fd, text, len) == (ssize_t)len ? 0 : -errno;
	close(fd);
	return ret;
}

static int read_u64(const char *path, const char *file, uint64_t *value)
{
	char buf[64], *end;
	int ret = read_file(path, file, buf, sizeof(buf));

	if (ret)
		return ret;
	errno = 0;
	*value = strtoull(buf, &end, 10);
	return errno || end == buf ? -EIO : 0;
}

/* The value of KEY in flat-keyed TEXT, or -ENOENT. */
static int keyed_u64(const char *text, const char *key, uint64_t *value)
{
	size_t key_len = strlen(key);
	const char *line;

	for (line = text; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, key, key_len) && line[key_len] == ' ') {
			*value = strtoull(line + key_len + 1, NULL, 10);
			return 0;
		}
	}
	return -ENOENT;
}

int qosres_cgroup_of(pid_t pid, char *path, size_t size)
{
	char file[64], line[PATH_MAX + 8];
	int ret = -ENOENT;
	FILE *f;

	if (pid)
		snprintf(file, sizeof(file), "/proc/%d/cgroup", (int)pid);
	else
		snprintf(file, sizeof(file), "/proc/self/cgroup");
	f = fopen(file, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		/* The unified hierarchy's line is "0::/path". */
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		ret = snprintf(path, size, "%s", line + 3) < (int)size ?
		      0 : -ENAMETOOLONG;
		break;
	}
	fclose(f);
	return ret;
}

/* A libcgroup handle on PATH with the qosres controller. */
static struct cgroup *lcg_handle(const char *path)
{
	struct cgroup *cg = cgroup_new_cgroup(rel_path(path));

	if (cg && !cgroup_add_controller(cg, CONTROLLER)) {
		cgroup_free(&cg);
		return NULL;
	}
	return cg;
}

static int valid_params(const struct qosres_params *params)
{
	if (params->mode != QOSRES_HARD && params->mode != QOSRES_SOFT)
		return -EINVAL;
	if (memchr(params->feedback, '\0', sizeof(params->feedback)) == NULL)
		return -EINVAL;
	return 0;
}

/*
 * libcgroup 2.0.2 enables the controller from the root's children down,
 * but in the root itself only for a cgroup right under it.
 */
static int enable_in_root(const char *path)
{
	char controllers[256];
	int ret;

	if (!strchr(rel_path(path), '/'))
		return 0;
	ret = read_file("/", "cgroup.subtree_control", controllers,
			sizeof(controllers));
	if (ret || strstr(controllers, CONTROLLER))
		return ret;
	return write_file("/", "cgroup.subtree_control", "+" CONTROLLER);
}

/*
 * Make PATH, or leave it as it is if it exists, with the controller
 * enabled in the subtree_control of every ancestor.
 */
static int make_cgroup(const char *path)
{
	struct cgroup *cg;
	int ret;

	ret = enable_in_root(path);
	if (ret)
		return ret;
	cg = lcg_handle(path);
	if (!cg)
		return -ENOMEM;
	/* Leave ownership as the kernel made it: the creator's. */
	ret = lcg_errno(cgroup_create_cgroup(cg, 1));
	cgroup_free(&cg);
	return ret;
}

static int enable_controller(const char *path)
{
	char full[PATH_MAX];
	struct stat st;
	int ret;

	ret = file_path(full, sizeof(full), path, NULL);
	if (ret || stat(full, &st))
		return ret ?: -errno;
	return make_cgroup(path);
}

int qosres_create(const char *path, const struct qosres_params *params)
{
	char full[PATH_MAX];
	struct stat st;
	int ret;

	ret = lib_init() ?: valid_params(params) ?:
	      file_path(full, sizeof(full), path, NULL);
	if (ret)
		return ret;
	if (!*rel_path(path))
		return -EINVAL;
	if (!stat(full, &st))
		return -EEXIST;
	ret = make_cgroup(path);
	if (!ret) {
		ret = qosres_set(path, params);
		if (ret)
			rmdir(full);
	}
	return ret;
}

/*
 * Move every task listed in FILE of PATH up: to the parent or, where
 * cgroup v2's no-internal-process rule refuses it (EBUSY), to the closest
 * ancestor that takes it; the root always does.
 */
static int move_up(const char *path, const char *file)
{
	char to[PATH_MAX], full[PATH_MAX], pid[16];
	int ret, moved;
	FILE *list;

	ret = parent_path(path, to, sizeof(to)) ?:
	      file_path(full, sizeof(full), path, file);
	if (ret)
		return ret;
	do {
		list = fopen(full, "re");
		if (!list)
			return -errno;
		moved = 0;
		while (!ret && fgets(pid, sizeof(pid), list)) {
			pid[strcspn(pid, "\n")] = '\0';
			ret = write_file(to, file, pid);
			while (ret == -EBUSY && to[1])
				ret = parent_path(to, to, sizeof(to)) ?:
				      write_file(to, file, pid);
			/* A task that exited meanwhile is no error. */
			if (ret == -ESRCH)
				ret = 0;
			moved += !ret;
		}
		fclose(list);
	} while (!ret && moved);
	return ret;
}

static bool has_children(const char *path)
{
	char full[PATH_MAX];
	struct dirent *entry;
	bool found = false;
	DIR *dir;

	if (file_path(full, sizeof(full), path, NULL))
		return false;
	dir = opendir(full);
	if (!dir)
		return false;
	while (!found && (entry = readdir(dir)))
		found = entry->d_type == DT_DIR && entry->d_name[0] != '.';
	closedir(dir);
	return found;
}

int qosres_destroy(const char *path)
{
	char type[32];
	struct cgroup *cg;
	int ret;

	ret = lib_init() ?: read_file(path, "cgroup.type", type, sizeof(type));
	if (ret)
		return ret;
	if (has_children(path))
		return -EBUSY;
	ret = move_up(path, strcmp(type, "threaded") ?
		      "cgroup.procs" : "cgroup.threads");
	if (ret)
		return ret;
	cg = lcg_handle(path);
	if (!cg)
		return -ENOMEM;
	ret = lcg_errno(cgroup_delete_cgroup_ext(cg, CGFLAG_DELETE_EMPTY_ONLY));
	cgroup_free(&cg);
	return ret;
}

int qosres_attach(const char *path, pid_t pid)
{
	struct cgroup *cg;
	int ret;

	ret = lib_init();
	if (ret)
		return ret;
	cg = lcg_handle(path);
	if (!cg)
		return -ENOMEM;
	ret = lcg_errno(cgroup_attach_task_pid(cg, pid ? pid : getpid()));
	cgroup_free(&cg);
	return ret;
}

static int write_tid(const char *path, pid_t tid)
{
	char text[16];

	snprintf(text, sizeof(text), "%d", (int)(tid ? tid : gettid()));
	return write_file(path, "cgroup.threads", text);
}

int qosres_attach_thread(const char *path, pid_t tid)
{
	char type[32];
	int ret;

	ret = lib_init() ?: read_file(path, "cgroup.type", type, sizeof(type));
	if (ret)
		return ret;
	if (strcmp(type, "threaded")) {
		ret = write_file(path, "cgroup.type", "threaded");
		if (ret)
			return ret;
	}
	return write_tid(path, tid);
}

int qosres_detach_thread(const char *path, pid_t tid)
{
	char parent[PATH_MAX];
	int ret;

	ret = lib_init() ?: parent_path(path, parent, sizeof(parent));
	return ret ?: write_tid(parent, tid);
}

int qosres_nr_threads(const char *path)
{
	char full[PATH_MAX], line[16];
	int count = 0, ret;
	FILE *list;

	ret = lib_init() ?: file_path(full, sizeof(full), path,
				       "cgroup.threads");
	if (ret)
		return ret;
	list = fopen(full, "re");
	if (!list)
		return -errno;
	while (fgets(line, sizeof(line), list))
		count++;
	fclose(list);
	return count;
}

int qosres_get(const char *path, struct qosres_params *params)
{
	char mode[16];
	int ret;

	ret = lib_init() ?:
	      read_u64(path, "qosres.budget", &params->budget_us) ?:
	      read_u64(path, "qosres.period", &params->period_us) ?:
	      read_file(path, "qosres.mode", mode, sizeof(mode)) ?:
	      read_file(path, "qosres.feedback", params->feedback,
			sizeof(params->feedback));
	if (ret)
		return ret;
	params->mode = strcmp(mode, "soft") ? QOSRES_HARD : QOSRES_SOFT;
	return 0;
}

static const char *mode_name(enum qosres_mode mode)
{
	return mode == QOSRES_SOFT ? "soft" : "hard";
}

static int write_budget(const char *path, uint64_t budget, uint64_t period)
{
	char text[48];

	snprintf(text, sizeof(text), "%llu %llu", (unsigned long long)budget,
		 (unsigned long long)(period ? period :
				      QOSRES_DEFAULT_PERIOD_US));
	return write_file(path, "qosres.budget", text);
}

/*
 * The feedback line can be refused as malformed and the budget by
 * admission: write them in that order and put the feedback back when the
 * budget is refused. The mode write cannot fail on good input.
 */
int qosres_set(const char *path, const struct qosres_params *params)
{
	struct qosres_params old;
	int ret;

	ret = lib_init() ?: valid_params(params) ?: qosres_get(path, &old);
	/* A cgroup someone else made, systemd say, may lack the files. */
	if (ret == -ENOENT)
		ret = enable_controller(path) ?: qosres_get(path, &old);
	if (ret)
		return ret;
	if (params->feedback[0]) {
		ret = write_file(path, "qosres.feedback", params->feedback);
		if (ret)
			return ret;
	}
	ret = write_budget(path, params->budget_us, params->period_us);
	if (ret) {
		if (params->feedback[0])
			write_file(path, "qosres.feedback", old.feedback);
		return ret;
	}
	return write_file(path, "qosres.mode", mode_name(params->mode));
}

int qosres_stats(const char *path, struct qosres_stats *stats)
{
	static const struct {
		const char *key;
		size_t offset;
	} keys[] = {
#define KEY(field) { #field, offsetof(struct qosres_stats, field) }
		KEY(usage_usec), KEY(nr_periods), KEY(nr_throttled),
		KEY(throttled_usec), KEY(budget_usec), KEY(period_usec),
		KEY(reserved_bw_ppm),
#undef KEY
	};
	char text[4096], *cpus;
	uint64_t count;
	size_t i;
	int ret;

	ret = lib_init() ?: read_file(path, "qosres.stat", text, sizeof(text));
	if (ret)
		return ret;
	memset(stats, 0, sizeof(*stats));
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		keyed_u64(text, keys[i].key,
			  (uint64_t *)((char *)stats + keys[i].offset));
	if (!keyed_u64(text, "nr_servers", &count))
		stats->nr_servers = count;
	if (!keyed_u64(text, "nr_running", &count))
		stats->nr_running = count;
	cpus = strstr(text, "\ncpus ");
	if (cpus)
		sscanf(cpus + 6, "%63s", stats->cpus);
	return 0;
}

int qosres_events(const char *path, struct qosres_events *events)
{
	char text[512];
	int ret;

	ret = lib_init() ?: read_file(path, "qosres.events", text, sizeof(text));
	if (ret)
		return ret;
	memset(events, 0, sizeof(*events));
	keyed_u64(text, "throttled", &events->throttled);
	keyed_u64(text, "admission_denied", &events->admission_denied);
	keyed_u64(text, "budget_changed", &events->budget_changed);
	return 0;
}

int qosres_events_fd(const char *path)
{
	char buf[512];
	int fd, ret;

	ret = lib_init();
	if (ret)
		return ret;
	fd = open_file(path, "qosres.events", O_RDONLY);
	if (fd < 0)
		return fd;
	/* kernfs signals changes made after the last read. */
	if (read(fd, buf, sizeof(buf)) < 0) {
		ret = -errno;
		close(fd);
		return ret;
	}
	return fd;
}

int qosres_wait(int events_fd, int timeout_ms)
{
	struct pollfd pfd = { .fd = events_fd, .events = POLLPRI };
	char buf[512];
	int ret;

	do {
		ret = poll(&pfd, 1, timeout_ms);
	} while (ret < 0 && errno == EINTR);
	if (ret <= 0)
		return ret ? -errno : 0;
	/* Read it again so the next change wakes the next wait. */
	if (lseek(events_fd, 0, SEEK_SET) < 0 ||
	    read(events_fd, buf, sizeof(buf)) < 0)
		return -errno;
	return 1;
}

int qosres_set_max(const char *path, uint64_t budget_us, uint64_t period_us)
{
	char text[48];

	if (!budget_us)
		snprintf(text, sizeof(text), "max");
	else
		snprintf(text, sizeof(text), "%llu %llu",
			 (unsigned long long)budget_us,
			 (unsigned long long)(period_us ? period_us :
					      QOSRES_DEFAULT_PERIOD_US));
	return lib_init() ?: write_file(path, "qosres.max", text);
}

int qosres_get_max(const char *path, uint64_t *budget_us, uint64_t *period_us)
{
	unsigned long long budget, period;
	char text[64];
	int ret;

	ret = lib_init() ?: read_file(path, "qosres.max", text, sizeof(text));
	if (ret)
		return ret;
	if (!strcmp(text, "max")) {
		*budget_us = *period_us = 0;
		return 0;
	}
	if (sscanf(text, "%llu %llu", &budget, &period) != 2)
		return -EIO;
	*budget_us = budget;
	*period_us = period;
	return 0;
}

/* Keep in ROOM the cap at PATH (a "/"-rooted path) if it is the tightest. */
static void tighter_cap(const char *path, struct qosres_room *room)
{
	struct qosres_stats stats;
	uint64_t budget, period, cap, left;

	if (qosres_get_max(path, &budget, &period) || !budget ||
	    qosres_stats(path, &stats))
		return;
	cap = budget * PPM / period;
	left = cap > stats.reserved_bw_ppm ? cap - stats.reserved_bw_ppm : 0;
	if (room->cap_path[0] && left >= room->left_ppm)
		return;
	snprintf(room->cap_path, sizeof(room->cap_path), "%s", path);
	room->cap_ppm = cap;
	room->left_ppm = left;
}

int qosres_room(const char *path, struct qosres_room *room)
{
	char at[PATH_MAX];
	int ret;

	ret = lib_init();
	if (ret)
		return ret;
	memset(room, 0, sizeof(*room));
	snprintf(at, sizeof(at), "/%s", rel_path(path));
	/* The root has no qosres.max: the walk stops below it. */
	while (at[1]) {
		tighter_cap(at, room);
		ret = parent_path(at, at, sizeof(at));
		if (ret)
			return ret;
	}
	return 0;
}

static int walk(char *path, size_t size,
		int (*fn)(const char *path, void *arg), void *arg)
{
	size_t len = strlen(path);
	struct dirent *entry;
	uint64_t budget;
	char full[PATH_MAX];
	int ret;
	DIR *dir;

	if (!read_u64(path, "qosres.budget", &budget) && budget) {
		ret = fn(path, arg);
		if (ret)
			return ret;
	}
	ret = file_path(full, sizeof(full), path, NULL);
	if (ret)
		return ret;
	dir = opendir(full);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((entry = readdir(dir)) && !ret) {
		if (entry->d_type != DT_DIR || entry->d_name[0] == '.')
			continue;
		if (snprintf(path + len, size - len, "%s%s",
			     len > 1 ? "/" : "", entry->d_name) >=
		    (int)(size - len)) {
			ret = -ENAMETOOLONG;
			break;
		}
		ret = walk(path, size, fn, arg);
		path[len] = '\0';
	}
	closedir(dir);
	return ret;
}

int qosres_foreach(const char *root,
		   int (*fn)(const char *path, void *arg), void *arg)
{
	char path[PATH_MAX];
	int ret = lib_init();

	if (ret)
		return ret;
	snprintf(path, sizeof(path), "/%s", rel_path(root));
	return walk(path, sizeof(path), fn, arg);
}

int qosres_parse_time(const char *text, uint64_t *us)
{
	static const struct {
		const char *unit;
		double mult;
	} units[] = {
		{ "", 1 }, { "us", 1 }, { "ms", 1e3 }, { "s", 1e6 },
	};
	double value;
	char *end;
	size_t i;

	if (!text || *text < '0' || *text > '9')
		return -EINVAL;
	errno = 0;
	value = strtod(text, &end);
	if (errno)
		return -EINVAL;
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(end, units[i].unit))
			continue;
		value = round(value * units[i].mult);
		if (value > (double)UINT64_MAX / 2)
			return -EINVAL;
		*us = (uint64_t)value;
		return 0;
	}
	return -EINVAL;
}
