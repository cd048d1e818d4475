// SPDX-License-Identifier: GPL-2.0
/*
 * Finding the reservations in feedback mode "agent" and adapting their
 * budgets each period, with the algorithms the kernel runs for mode
 * "kernel" (kernel/cgroup/qosres_fb.c) and the same supervisor: requests
 * compressed under every capped ancestor, bounded by the room caps leave.
 */
#include "agent.h"
#include "cgfile.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>

#define PPM		1000000ULL
#define BUDGET_MIN	100ULL
#define HISTORY		64

static void log_msg(const struct agent *ag, const char *fmt, ...)
{
	va_list args;

	if (!ag->verbose)
		return;
	va_start(args, fmt);
	vfprintf(stderr, fmt, args);
	va_end(args);
}

static int parse_key(const char *key, const char *value,
		     struct qosres_fb_params *params)
{
	int index;

	if (!strcmp(key, "predictor")) {
		index = qosres_fb_predictor_index(value, strlen(value));
		if (index < 0)
			return -EINVAL;
		params->predictor = index;
	} else if (!strcmp(key, "controller")) {
		index = qosres_fb_controller_index(value, strlen(value));
		if (index < 0)
			return -EINVAL;
		params->controller = index;
	} else if (!strcmp(key, "window")) {
		params->window = strtoul(value, NULL, 10);
	} else if (!strcmp(key, "quantile")) {
		params->quantile = strtoul(value, NULL, 10);
	} else if (!strcmp(key, "margin")) {
		params->margin = strtoul(value, NULL, 10);
	} else if (!strcmp(key, "min")) {
		params->min = strtoull(value, NULL, 10);
	} else if (!strcmp(key, "max")) {
		params->max = strcmp(value, "max") ? strtoull(value, NULL, 10) : 0;
	}
	return 0;
}

/*
 * qosres.feedback as the kernel normalizes it: "agent key=value...".
 * Returns 1 for mode agent, 0 for another mode, negative on bad text.
 */
int agent_parse_feedback(const char *text, struct qosres_fb_params *params)
{
	char buf[256], *save, *tok, *eq;

	if (snprintf(buf, sizeof(buf), "%s", text) >= (int)sizeof(buf))
		return -EINVAL;
	tok = strtok_r(buf, " \n", &save);
	if (!tok || strcmp(tok, "agent"))
		return 0;
	memset(params, 0, sizeof(*params));
	while ((tok = strtok_r(NULL, " \n", &save))) {
		eq = strchr(tok, '=');
		if (!eq)
			return -EINVAL;
		*eq = '\0';
		if (parse_key(tok, eq + 1, params))
			return -EINVAL;
	}
	if (!params->window || params->window > QOSRES_FB_WINDOW_MAX)
		return -EINVAL;
	return 1;
}

static struct rsv *find(struct agent *ag, const char *path)
{
	struct rsv *r;

	for (r = ag->list; r; r = r->next)
		if (!strcmp(r->path, path))
			return r;
	return NULL;
}

/* Call @fn on @dir and every cgroup below it, parents first. */
static void walk(const char *dir, void (*fn)(const char *, void *), void *ctx)
{
	char sub[PATH_MAX];
	struct dirent *de;
	DIR *d;

	fn(dir, ctx);
	d = opendir(dir);
	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_type != DT_DIR || de->d_name[0] == '.')
			continue;
		if (snprintf(sub, sizeof(sub), "%s/%s", dir, de->d_name) <
		    (int)sizeof(sub))
			walk(sub, fn, ctx);
	}
	closedir(d);
}

struct scan {
	struct agent	*ag;
	int		inotify_fd;
};

static void scan_one(const char *dir, void *ctx)
{
	struct scan *scan = ctx;
	struct qosres_fb_params params;
	char text[256];
	struct rsv *r;

	/* Creations and feedback changes below @dir trigger a new scan. */
	if (scan->inotify_fd >= 0)
		inotify_add_watch(scan->inotify_fd, dir,
				  IN_CREATE | IN_DELETE | IN_MODIFY);
	if (cg_read(dir, "qosres.feedback", text, sizeof(text)) ||
	    agent_parse_feedback(text, &params) != 1)
		return;
	r = find(scan->ag, dir);
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return;
		snprintf(r->path, sizeof(r->path), "%s", dir);
		r->next = scan->ag->list;
		scan->ag->list = r;
		log_msg(scan->ag, "qosres-agent: adapting %s\n", dir);
	}
	r->params = params;
	r->seen = true;
}

/* Find the reservations in mode "agent"; forget those no longer so. */
void agent_scan(struct agent *ag, int inotify_fd)
{
	struct scan scan = { ag, inotify_fd };
	struct rsv **link = &ag->list, *r;

	for (r = ag->list; r; r = r->next)
		r->seen = false;
	walk(ag->root, scan_one, &scan);
	while ((r = *link)) {
		if (r->seen) {
			link = &r->next;
			continue;
		}
		log_msg(ag, "qosres-agent: no longer adapting %s\n",
			r->path);
		*link = r->next;
		free(r);
	}
}

/* Bandwidth of the reservations under a capped cgroup, by kind. */
struct usage_under {
	struct agent	*ag;
	uint64_t	fixed;		/* not adapted by the agent */
	uint64_t	requests;	/* what the adapted ones ask */
	uint64_t	mins;		/* their guaranteed minimums */
};

static void add_usage(const char *dir, void *ctx)
{
	struct usage_under *u = ctx;
	uint64_t budget, period, ppm, min;
	struct rsv *r;

	if (cg_read_u64(dir, "qosres.budget", &budget) || !budget ||
	    cg_read_u64(dir, "qosres.period", &period) || !period)
		return;
	ppm = budget * PPM / period;
	r = find(u->ag, dir);
	if (!r) {
		u->fixed += ppm;
		return;
	}
	min = (r->params.min > BUDGET_MIN ? r->params.min : BUDGET_MIN) *
	      PPM / period;
	u->requests += r->request_ppm ? r->request_ppm : ppm;
	u->mins += min < r->request_ppm ? min : r->request_ppm;
}

/* The parent cgroup's path in @dir, in place; false at the root. */
static bool up(const struct agent *ag, char *dir)
{
	char *slash = strrchr(dir, '/');

	if (strlen(dir) <= strlen(ag->root) || !slash)
		return false;
	*slash = '\0';
	return strlen(dir) >= strlen(ag->root);
}

/* The request compressed under every capped ancestor, itself included. */
static uint64_t supervise(struct agent *ag, struct rsv *r, uint64_t min_ppm)
{
	uint64_t grant = r->request_ppm, cap;
	char dir[PATH_MAX];

	snprintf(dir, sizeof(dir), "%s", r->path);
	do {
		struct usage_under u = { ag, 0, 0, 0 };

		if (cg_max_ppm(dir, &cap) || cap == UINT64_MAX)
			continue;
		walk(dir, add_usage, &u);
		cap = cap > u.fixed ? cap - u.fixed : 0;
		cap = qosres_fb_share(r->request_ppm, min_ppm, u.requests,
				      u.mins, cap);
		grant = cap < grant ? cap : grant;
	} while (up(ag, dir));
	return grant;
}

/*
 * Write @budget; growth that a cap or the per-CPU room refuses gets as
 * much of it as fits, as the kernel's own loop does.
 */
static void set_budget(struct rsv *r, uint64_t budget, uint64_t now)
{
	char text[32];
	int ret;

	for (;;) {
		snprintf(text, sizeof(text), "%" PRIu64, budget);
		ret = cg_write(r->path, "qosres.budget", text);
		if (ret != -EBUSY || budget < now || budget - now < BUDGET_MIN)
			break;
		budget = now + (budget - now) / 2;
	}
	if (ret && ret != -EBUSY)
		fprintf(stderr, "qosres-agent: %s: cannot set the budget: %s\n",
			r->path, strerror(-ret));
}

static void adapt(struct agent *ag, struct rsv *r)
{
	unsigned long long usage[HISTORY];
	struct qosres_fb_params params = r->params;
	uint64_t seq, budget, period, want, grant, throttled, in_force;
	struct cg_rsv_stat st;
	unsigned int avail;
	int exhausted, n;

	n = cg_rsv_stat(r->path, &st, usage, HISTORY);
	if (n <= 0 || !st.budget || !st.period || st.seq == r->last_seq)
		return;
	seq = st.seq;
	budget = st.budget;
	period = st.period;
	throttled = st.throttled;
	if (period != r->period) {
		/* New, or a new period: the kernel's ring is all it knows. */
		r->start_seq = r->period ? seq : seq - (uint64_t)n;
		r->period = period;
		r->throttled = throttled;
		memset(&r->state, 0, sizeof(r->state));
	}
	/*
	 * The budget the period just ended ran under. The agent wrote its
	 * last one during that period, and a raise gives a running period no
	 * more runtime (the kernel only cuts it): a period that used all of
	 * the old budget is exhausted, although it used less than the new.
	 */
	in_force = budget;
	if (seq == r->last_seq + 1 && r->last_budget < budget)
		in_force = r->last_budget;
	r->last_seq = seq;
	r->last_budget = budget;
	/*
	 * No task, no demand to measure: the history starts with the first
	 * whole period a task can be in.
	 */
	if (cg_populated(r->path) == 0)
		r->start_seq = seq + 1;
	if (seq <= r->start_seq) {
		r->throttled = throttled;
		return;
	}
	avail = seq - r->start_seq < (uint64_t)n ? seq - r->start_seq :
						    (unsigned int)n;

	if (params.min < BUDGET_MIN)
		params.min = BUDGET_MIN;
	if (!params.max || params.max > period * ag->ncpus)
		params.max = period * ag->ncpus;
	if (params.min > params.max)
		params.min = params.max;
	exhausted = throttled != r->throttled ||
		    qosres_fb_exhausted(usage[n - 1], in_force);
	want = qosres_fb_budget(&params, &r->state, usage + n - avail, avail,
				budget, exhausted);
	r->throttled = throttled;
	r->request_ppm = want * PPM / period;
	grant = supervise(ag, r, params.min * PPM / period) * period / PPM;
	if (grant < BUDGET_MIN)
		grant = BUDGET_MIN;
	if (grant != budget)
		set_budget(r, grant, budget);
}

void agent_tick(struct agent *ag)
{
	struct rsv *r;

	for (r = ag->list; r; r = r->next)
		adapt(ag, r);
}

void agent_free(struct agent *ag)
{
	struct rsv *r;

	while ((r = ag->list)) {
		ag->list = r->next;
		free(r);
	}
}
