// SPDX-License-Identifier: GPL-2.0
/*
 * qosresctl: what to tell the user when the kernel refuses. EBUSY says
 * which limit is in the way and how much room it leaves; EINVAL says
 * which value is out of range and what the ranges are.
 */
#include "ctl.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define FEEDBACK_SYNTAX "off, agent or kernel, then key=value words: " \
	"predictor=mavg|perc|max controller=track|pi window=1..64 " \
	"quantile=50..100 margin=0..100 min=TIME max=TIME|max"

/* The parent of PATH ("/a/b" -> "/a", "/a" -> "/"). */
static void parent_of(const char *path, char *parent, size_t size)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash && slash != path ? (size_t)(slash - path) : 1;

	if (len >= size)
		len = size - 1;
	memcpy(parent, path, len);
	parent[len] = '\0';
}

void report_error(const char *path, const char *action, int err)
{
	switch (err) {
	case -EACCES:
	case -EPERM:
		error_msg("%s: cannot %s: permission denied: it is outside the "
			  "cgroups delegated to you", path, action);
		break;
	case -ENOENT:
		error_msg("%s: cannot %s: no such cgroup, or the qosres "
			  "controller is not enabled above it", path, action);
		break;
	default:
		error_msg("%s: cannot %s: %s", path, action, strerror(-err));
	}
}

/* "0.60 CPUs refused" and, for a change, how much of it is new. */
static void describe_request(const struct change *c, char *buf, size_t size)
{
	uint64_t want = bandwidth_ppm(c->params.budget_us, c->params.period_us);
	char want_s[32], more_s[32], old_s[32];

	format_cpus(want, want_s, sizeof(want_s));
	if (!c->old_ppm || want <= c->old_ppm) {
		snprintf(buf, size, "%s CPUs refused", want_s);
		return;
	}
	format_cpus(want - c->old_ppm, more_s, sizeof(more_s));
	format_cpus(c->old_ppm, old_s, sizeof(old_s));
	snprintf(buf, size, "%s CPUs refused (%s more than the %s it holds)",
		 want_s, more_s, old_s);
}

/* The cap above PATH, or above its parent when PATH was not created. */
static int room_of(const char *path, struct qosres_room *room)
{
	char parent[CG_PATH_MAX];

	if (qosres_room(path, room) == 0)
		return 0;
	parent_of(path, parent, sizeof(parent));
	return qosres_room(parent, room);
}

/* The CPUs PATH may use: its cpuset, or its parent's if it is not there. */
static void cpus_of(const char *path, char *cpus, size_t size)
{
	char parent[CG_PATH_MAX];

	if (read_cgroup_file(path, "cpuset.cpus.effective", cpus, size) > 0)
		goto out;
	parent_of(path, parent, sizeof(parent));
	if (read_cgroup_file(parent, "cpuset.cpus.effective", cpus, size) > 0)
		goto out;
	if (read_cgroup_file("/", "cpuset.cpus.effective", cpus, size) > 0)
		goto out;
	cpus[0] = '\0';
	return;
out:
	cpus[strcspn(cpus, "\n")] = '\0';
}

/* "cpu0 0.35, cpu1 0.10" from the root's qosres.stat, CPUs in CPUS only. */
static void free_per_cpu(const char *stat, const char *cpus, char *buf,
			 size_t size)
{
	char key[32], value[32];
	size_t used = 0;
	uint64_t ppm;

	buf[0] = '\0';
	for (unsigned int cpu = 0; cpu < 4096 && used < size; cpu++) {
		snprintf(key, sizeof(key), "cpu%u_free_bw_ppm", cpu);
		if (stat_value(stat, key, &ppm))
			continue;
		if (cpus[0] && !cpulist_has(cpus, cpu))
			continue;
		format_cpus(ppm, value, sizeof(value));
		used += snprintf(buf + used, size - used, "%scpu%u %s",
				 used ? ", " : "", cpu, value);
	}
}

/* No placement of the servers fits the CPUs' free bandwidth. */
static void explain_no_cpu(const struct change *c, const char *request)
{
	char stat[8192], cpus[256], free_s[1024], limit_s[32];
	uint64_t limit = 0;

	cpus_of(c->path, cpus, sizeof(cpus));
	if (read_cgroup_file("/", "qosres.stat", stat, sizeof(stat)) < 0 ||
	    stat_value(stat, "limit_bw_ppm", &limit)) {
		error_msg("%s: %s: no CPU%s%s has room for a server of that "
			  "size", c->path, request, cpus[0] ? "s " : "", cpus);
		return;
	}
	free_per_cpu(stat, cpus, free_s, sizeof(free_s));
	format_cpus(limit, limit_s, sizeof(limit_s));
	error_msg("%s: %s: no placement on CPU%s %s fits: free per CPU %s "
		  "(limit %s per CPU, shared with SCHED_DEADLINE; see "
		  "qosres.stat of the root cgroup)", c->path, request,
		  strchr(cpus, ',') || strchr(cpus, '-') ? "s" : "",
		  cpus[0] ? cpus : "?", free_s, limit_s);
}

static void explain_busy(const struct change *c)
{
	uint64_t want = bandwidth_ppm(c->params.budget_us, c->params.period_us);
	uint64_t more = want > c->old_ppm ? want - c->old_ppm : 0;
	char request[160], cap_s[32], left_s[32];
	struct qosres_room room;

	describe_request(c, request, sizeof(request));
	if (room_of(c->path, &room) == 0 && room.cap_path[0] &&
	    more > room.left_ppm) {
		format_cpus(room.cap_ppm, cap_s, sizeof(cap_s));
		format_cpus(room.left_ppm, left_s, sizeof(left_s));
		error_msg("%s: %s: the cap at %s (qosres.max %s CPUs) has %s "
			  "CPUs left", c->path, request, room.cap_path, cap_s,
			  left_s);
		return;
	}
	explain_no_cpu(c, request);
}

/* Which of budget and period is out of range, into MSG; false if none. */
static bool bad_budget_period(uint64_t budget, uint64_t period, char *msg,
			      size_t size)
{
	unsigned int cpus = possible_cpus();
	char b[32], p[32], lim[32];

	format_time(budget, b, sizeof(b));
	format_time(period, p, sizeof(p));
	if (period < QOSRES_PERIOD_MIN_US || period > QOSRES_PERIOD_MAX_US) {
		snprintf(msg, size, "period %s is out of range: it must be "
			 "1ms..10s (%llu..%llu us)", p, QOSRES_PERIOD_MIN_US,
			 QOSRES_PERIOD_MAX_US);
		return true;
	}
	if (budget && budget < QOSRES_BUDGET_MIN_US) {
		snprintf(msg, size, "budget %s is below the minimum, %lluus "
			 "(0 ends the reservation)", b, QOSRES_BUDGET_MIN_US);
		return true;
	}
	if (budget > period * cpus) {
		format_time(period * cpus, lim, sizeof(lim));
		snprintf(msg, size, "budget %s is more than period x CPUs "
			 "(%s x %u = %s)", b, p, cpus, lim);
		return true;
	}
	return false;
}

static void explain_invalid(const struct change *c)
{
	uint64_t period = c->params.period_us ?: QOSRES_DEFAULT_PERIOD_US;
	char msg[256];

	if (bad_budget_period(c->params.budget_us, period, msg, sizeof(msg)))
		error_msg("%s: %s", c->path, msg);
	else if (c->feedback_given)
		error_msg("%s: feedback '%s' refused: expected " FEEDBACK_SYNTAX,
			  c->path, c->params.feedback);
	else
		error_msg("%s: invalid argument: a period is 1ms..10s, a "
			  "budget at least %lluus and at most period x %u CPUs",
			  c->path, QOSRES_BUDGET_MIN_US, possible_cpus());
}

void report_refused(const struct change *c, int err)
{
	if (err == -EBUSY)
		explain_busy(c);
	else if (err == -EINVAL)
		explain_invalid(c);
	else
		report_error(c->path, "set the reservation", err);
}

void report_max_refused(const char *path, uint64_t budget_us,
			uint64_t period_us, int err)
{
	struct qosres_stats stats = { 0 };
	char cap_s[32], used_s[32], msg[256];

	if (err == -EBUSY && qosres_stats(path, &stats) == 0) {
		format_cpus(bandwidth_ppm(budget_us, period_us), cap_s,
			    sizeof(cap_s));
		format_cpus(stats.reserved_bw_ppm, used_s, sizeof(used_s));
		error_msg("%s: qosres.max %s CPUs refused: its subtree already "
			  "reserves %s CPUs", path, cap_s, used_s);
	} else if (err == -EINVAL &&
		   bad_budget_period(budget_us, period_us, msg, sizeof(msg))) {
		error_msg("%s: qosres.max refused: %s", path, msg);
	} else {
		report_error(path, "set qosres.max", err);
	}
}
