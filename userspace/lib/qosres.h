/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libqosres: adaptive CPU reservations from C.
 *
 * A reservation is a cgroup with the qosres controller: its threads
 * together get budget_us of CPU time every period_us (see qosres(7) and
 * docs/interface.md). The library creates, configures, fills, reads and
 * removes such cgroups. A PATH names a cgroup: absolute under the cgroup2
 * mount ("/user.slice/audio") or relative to it ("user.slice/audio").
 *
 * Every function returns 0 (or a count) on success and a negative errno
 * on failure; none prints, exits or aborts. The errno values are the
 * kernel's: -EINVAL for a value out of range, -EBUSY when admission
 * refuses the bandwidth, -EACCES/-EPERM outside one's delegation, -ENOENT
 * for a cgroup that does not exist.
 */
#ifndef QOSRES_H
#define QOSRES_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define QOSRES_DEFAULT_PERIOD_US	100000
/* What the kernel accepts (a budget is also at most period x CPUs). */
#define QOSRES_PERIOD_MIN_US		1000ULL
#define QOSRES_PERIOD_MAX_US		10000000ULL
#define QOSRES_BUDGET_MIN_US		100ULL
#define QOSRES_FEEDBACK_MAX		256

enum qosres_mode {
	QOSRES_HARD = 0,	/* no CPU past the budget in a period */
	QOSRES_SOFT = 1,	/* past the budget, run as a normal task */
};

/* What a reservation is given. */
struct qosres_params {
	uint64_t	budget_us;	/* 0: no reservation */
	uint64_t	period_us;	/* 0: QOSRES_DEFAULT_PERIOD_US */
	enum qosres_mode mode;
	/*
	 * The qosres.feedback line: "off", "kernel" or "agent", then
	 * optional key=value pairs. Empty: leave the loop as it is.
	 */
	char		feedback[QOSRES_FEEDBACK_MAX];
};

/* What qosres.stat reports; a field the kernel did not show is 0. */
struct qosres_stats {
	uint64_t	usage_usec;	/* CPU time used, all servers */
	uint64_t	nr_periods;
	uint64_t	nr_throttled;	/* periods that ran out of budget */
	uint64_t	throttled_usec;
	uint64_t	budget_usec;
	uint64_t	period_usec;
	uint64_t	reserved_bw_ppm; /* the subtree's, in 1e-6 CPUs */
	unsigned int	nr_servers;
	unsigned int	nr_running;
	char		cpus[64];	/* where the servers sit: "0-1" */
};

/* qosres.events: counters that only grow. */
struct qosres_events {
	uint64_t	throttled;
	uint64_t	admission_denied;
	uint64_t	budget_changed;
};

/* Where more bandwidth would be refused: the tightest qosres.max above. */
struct qosres_room {
	char		cap_path[4096];	/* "" when no ancestor sets a cap */
	uint64_t	cap_ppm;	/* that cap, 1e-6 CPUs */
	uint64_t	left_ppm;	/* what its subtree has not reserved */
};

/* The cgroup2 mount point, "/sys/fs/cgroup" unless found elsewhere. */
const char *qosres_mount(void);

/* The cgroup of process PID (0: the caller), e.g. "/user.slice". */
int qosres_cgroup_of(pid_t pid, char *path, size_t size);

/*
 * Make the cgroup PATH and give it PARAMS, enabling the controller in
 * every ancestor on the way. When PARAMS are refused, the new cgroup is
 * removed again.
 */
int qosres_create(const char *path, const struct qosres_params *params);

/*
 * End the reservation at PATH and remove the cgroup; -EBUSY if it has
 * child cgroups. Its tasks move up first: a thread to the parent, a
 * process to the closest ancestor that may hold processes (cgroup v2
 * keeps processes out of a cgroup whose children hold some: often that
 * is the root).
 */
int qosres_destroy(const char *path);

/* Move process PID (0: the caller), all its threads, into PATH. */
int qosres_attach(const char *path, pid_t pid);

/*
 * Move the single thread TID (0: the calling thread) into PATH, which
 * must be a child of the cgroup its process lives in; PATH becomes a
 * threaded cgroup (cgroup v2 keeps a process's threads in one subtree).
 */
int qosres_attach_thread(const char *path, pid_t tid);

/* Move thread TID (0: the calling thread) back to PATH's parent. */
int qosres_detach_thread(const char *path, pid_t tid);

/* How many threads PATH holds. */
int qosres_nr_threads(const char *path);

/*
 * Change budget, period, mode and feedback together: either all take
 * effect or, when one is refused, none does and the old ones stay. On a
 * cgroup made elsewhere (a systemd unit's, say) without the qosres files,
 * the controller is enabled in its ancestors first.
 */
int qosres_set(const char *path, const struct qosres_params *params);
int qosres_get(const char *path, struct qosres_params *params);

int qosres_stats(const char *path, struct qosres_stats *stats);
int qosres_events(const char *path, struct qosres_events *events);

/*
 * A file descriptor that polls POLLPRI when qosres.events of PATH
 * changes; close it when done. qosres_wait() waits on it for up to
 * TIMEOUT_MS (-1: forever) and returns 1 on a change, 0 on timeout.
 */
int qosres_events_fd(const char *path);
int qosres_wait(int events_fd, int timeout_ms);

/* The cap on PATH's subtree; budget_us 0 means "max", no cap. */
int qosres_set_max(const char *path, uint64_t budget_us, uint64_t period_us);
int qosres_get_max(const char *path, uint64_t *budget_us, uint64_t *period_us);

/* The tightest cap on PATH or above it, and what it leaves unreserved. */
int qosres_room(const char *path, struct qosres_room *room);

/*
 * Call FN(path, arg) for each reservation (budget > 0) at or under ROOT
 * ("/" for all), parents before children; a non-zero return stops the
 * walk and is returned.
 */
int qosres_foreach(const char *root,
		   int (*fn)(const char *path, void *arg), void *arg);

/* "20ms", "1.5s", "500us", "250" (us) into microseconds; -EINVAL. */
int qosres_parse_time(const char *text, uint64_t *us);

#ifdef __cplusplus
}
#endif

#endif /* QOSRES_H */
