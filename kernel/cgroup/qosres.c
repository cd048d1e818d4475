// SPDX-License-Identifier: GPL-2.0-only
/*
 * qosres: CPU reservations as a cgroup v2 controller.
 *
 * A cgroup whose qosres.budget is non-zero is a reservation: its tasks
 * together get qosres.budget microseconds of CPU every qosres.period, from
 * the EDF reservation scheduler (kernel/sched/edf_rr.c), which also decides
 * where the reservation's per-CPU servers go. This file is the interface:
 * parsing, the per-subtree caps of qosres.max, the events and the stats,
 * and the kernel's own QoS manager for qosres.feedback mode "kernel".
 *
 * Bandwidth in the hierarchy is counted in millionths of a CPU (ppm), so
 * the sums shown in qosres.stat add up exactly.
 *
 * Locking: cpus_read_lock(), then cpuset_lock() (the cgroup's effective
 * CPUs), then qosres_mutex, which guards every field below and the list
 * of admitted reservations.
 */
#include <linux/cgroup.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/cpuset.h>
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/parser.h>
#include <linux/qosres.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/sched/clock.h>
#include <linux/string.h>

#include "cpuset-internal.h"
#include "qosres_fb.h"

#define PPM_PER_CPU	1000000ULL

enum qosres_event {
	QOSRES_EV_ADMISSION_DENIED,
	QOSRES_EV_BUDGET_CHANGED,
	NR_QOSRES_EVENTS,
};

static const char * const qosres_event_names[NR_QOSRES_EVENTS] = {
	[QOSRES_EV_ADMISSION_DENIED]	= "admission_denied",
	[QOSRES_EV_BUDGET_CHANGED]	= "budget_changed",
};

enum qosres_fb_mode { QOSRES_FB_OFF, QOSRES_FB_AGENT, QOSRES_FB_KERNEL };

static const char * const qosres_fb_modes[] = { "off", "agent", "kernel" };

#define QOSRES_QUANTILE_MIN	50
#define QOSRES_MARGIN_MAX	100

/*
 * Settings of the feedback loop that adapts qosres.budget; max 0 means no
 * bound but the caps.
 */
struct qosres_feedback {
	enum qosres_fb_mode		mode;
	struct qosres_fb_params		params;
};

static const struct qosres_feedback qosres_fb_default = {
	.mode	= QOSRES_FB_OFF,
	.params	= {
		.predictor	= 1,	/* perc */
		.controller	= 0,	/* track */
		.window		= 16,
		.quantile	= 95,
		.margin		= 10,
	},
};

struct qosres {
	struct cgroup_subsys_state	css;
	struct edf_rr_rsv		rsv;

	u64				budget;		/* us, 0: none */
	u64				period;		/* us */
	bool				soft;
	struct qosres_feedback		fb;

	/* The kernel's QoS manager, for feedback mode "kernel". */
	struct kthread_delayed_work	fb_work;
	struct qosres_fb_state		fb_state;
	u64				fb_seq;		/* period last adapted to */
	u64				fb_start;	/* period it began */
	u64				fb_request_ppm;	/* what it last asked */
	u64				fb_throttled;	/* throttles seen */

	/* qosres.max; max_period == 0 means "max" */
	u64				max_budget;
	u64				max_period;

	/* Bandwidth reserved in this subtree, this cgroup included. */
	u64				subtree_ppm;

	struct list_head		admitted;	/* on qosres_admitted */
	bool				dying;		/* no budget from now */
	u64				events[NR_QOSRES_EVENTS];
	struct cgroup_file		events_file;
};

static DEFINE_MUTEX(qosres_mutex);
static LIST_HEAD(qosres_admitted);
static struct cpumask qosres_allowed;	/* scratch, under qosres_mutex */

static struct qosres *css_qosres(struct cgroup_subsys_state *css)
{
	return container_of(css, struct qosres, css);
}

static struct qosres *parent_qosres(struct qosres *qr)
{
	return qr->css.parent ? css_qosres(qr->css.parent) : NULL;
}

/* Bandwidth in millionths of a CPU; callers bound budget first. */
static u64 qosres_ppm(u64 budget, u64 period)
{
	return div64_u64(budget * PPM_PER_CPU, period);
}

static u64 qosres_cap_ppm(const struct qosres *qr)
{
	if (!qr->max_period)
		return U64_MAX;
	return qosres_ppm(qr->max_budget, qr->max_period);
}

/* Largest budget a period allows: one full period on every CPU. */
static u64 qosres_budget_limit(u64 period)
{
	return period * num_possible_cpus();
}

static bool qosres_period_valid(u64 period)
{
	return period >= QOSRES_PERIOD_MIN && period <= QOSRES_PERIOD_MAX;
}

static bool qosres_budget_valid(u64 budget, u64 period)
{
	return !budget || (budget >= QOSRES_BUDGET_MIN &&
			   budget <= qosres_budget_limit(period));
}

/* A write with an embedded NUL would be parsed only up to it: refuse. */
static bool qosres_whole_text(const char *buf, size_t nbytes)
{
	return strnlen(buf, nbytes) == nbytes;
}

static int qosres_parse_u64(const char *s, u64 *v)
{
	return kstrtou64(s, 10, v) ? -EINVAL : 0;
}

/*
 * Parse "A" or "A B" (decimal, blank separated). Returns how many numbers
 * were given; *b is left alone when there was one.
 */
static int qosres_parse_pair(char *buf, u64 *a, u64 *b)
{
	u64 *dst[] = { a, b };
	int n = 0;
	char *tok;

	while ((tok = strsep(&buf, " \t\n"))) {
		if (!*tok)
			continue;
		if (n == ARRAY_SIZE(dst) || qosres_parse_u64(tok, dst[n]))
			return -EINVAL;
		n++;
	}
	return n ?: -EINVAL;
}

/* "max" or "BUDGET PERIOD"; *period = 0 stands for "max". */
static int qosres_parse_max(char *buf, u64 *budget, u64 *period)
{
	if (sysfs_streq(buf, "max")) {
		*budget = 0;
		*period = 0;
		return 0;
	}
	if (qosres_parse_pair(buf, budget, period) != 2)
		return -EINVAL;
	if (!qosres_period_valid(*period) ||
	    *budget > qosres_budget_limit(*period))
		return -EINVAL;
	return 0;
}

enum {
	FB_PREDICTOR, FB_CONTROLLER, FB_WINDOW, FB_QUANTILE, FB_MARGIN, FB_MIN,
	FB_MAX, FB_ERR,
};

static const match_table_t qosres_fb_tokens = {
	{ FB_PREDICTOR,	"predictor=%s" },
	{ FB_CONTROLLER, "controller=%s" },
	{ FB_WINDOW,	"window=%s" },
	{ FB_QUANTILE,	"quantile=%s" },
	{ FB_MARGIN,	"margin=%s" },
	{ FB_MIN,	"min=%s" },
	{ FB_MAX,	"max=%s" },
	{ FB_ERR,	NULL },
};

static int qosres_match_u64(substring_t *arg, u64 *v)
{
	char num[24];

	if (match_strlcpy(num, arg, sizeof(num)) >= sizeof(num))
		return -EINVAL;
	return qosres_parse_u64(num, v);
}

static int qosres_match_uint(substring_t *arg, unsigned int lo,
			     unsigned int hi, unsigned int *v)
{
	u64 n;

	if (qosres_match_u64(arg, &n) || n < lo || n > hi)
		return -EINVAL;
	*v = n;
	return 0;
}

static bool qosres_match_is(substring_t *arg, const char *name)
{
	size_t len = arg->to - arg->from;

	return strlen(name) == len && !strncmp(name, arg->from, len);
}

/* An index from qosres_fb_{predictor,controller}_index(), -1 for none. */
static int qosres_set_index(int index, unsigned int *v)
{
	if (index < 0)
		return -EINVAL;
	*v = index;
	return 0;
}

static int qosres_parse_fb_key(char *tok, struct qosres_fb_params *p)
{
	substring_t args[MAX_OPT_ARGS];

	switch (match_token(tok, qosres_fb_tokens, args)) {
	case FB_PREDICTOR:
		return qosres_set_index(qosres_fb_predictor_index(args[0].from,
					args[0].to - args[0].from), &p->predictor);
	case FB_CONTROLLER:
		return qosres_set_index(qosres_fb_controller_index(args[0].from,
					args[0].to - args[0].from), &p->controller);
	case FB_WINDOW:
		return qosres_match_uint(&args[0], 1, QOSRES_FB_WINDOW_MAX,
					 &p->window);
	case FB_QUANTILE:
		return qosres_match_uint(&args[0], QOSRES_QUANTILE_MIN, 100,
					 &p->quantile);
	case FB_MARGIN:
		return qosres_match_uint(&args[0], 0, QOSRES_MARGIN_MAX,
					 &p->margin);
	case FB_MIN:
		return qosres_match_u64(&args[0], &p->min);
	case FB_MAX:
		if (qosres_match_is(&args[0], "max")) {
			p->max = 0;
			return 0;
		}
		return qosres_match_u64(&args[0], &p->max);
	default:
		return -EINVAL;
	}
}

/*
 * "off", "agent" or "kernel", then key=value pairs. Keys not given keep
 * their value in @fb, which holds the result only if the whole text is
 * valid.
 */
static int qosres_parse_feedback(char *buf, struct qosres_feedback *fb)
{
	struct qosres_feedback new = *fb;
	u64 limit = qosres_budget_limit(QOSRES_PERIOD_MAX);
	bool have_mode = false;
	char *tok;
	int i;

	while ((tok = strsep(&buf, " \t\n"))) {
		if (!*tok)
			continue;
		if (!have_mode) {
			i = match_string(qosres_fb_modes,
					 ARRAY_SIZE(qosres_fb_modes), tok);
			if (i < 0)
				return -EINVAL;
			new.mode = i;
			have_mode = true;
			continue;
		}
		if (qosres_parse_fb_key(tok, &new.params))
			return -EINVAL;
	}
	if (!have_mode || new.params.min > limit || new.params.max > limit ||
	    (new.params.max && (new.params.max < QOSRES_BUDGET_MIN ||
				new.params.min > new.params.max)))
		return -EINVAL;
	*fb = new;
	return 0;
}

static void qosres_event(struct qosres *qr, enum qosres_event ev)
{
	qr->events[ev]++;
	cgroup_file_notify(&qr->events_file);
}

/* The CPUs the cgroup's servers may use: its effective cpuset, online. */
static void qosres_allowed_cpus(struct qosres *qr, struct cpumask *mask)
{
#ifdef CONFIG_CPUSETS
	struct cgroup_subsys_state *css;

	rcu_read_lock();
	css = cgroup_e_css(qr->css.cgroup, &cpuset_cgrp_subsys);
	cpumask_and(mask, css_cs(css)->effective_cpus, cpu_active_mask);
	rcu_read_unlock();
#else
	cpumask_copy(mask, cpu_active_mask);
#endif
}

static void qosres_lock(void)
{
	cpus_read_lock();
	cpuset_lock();
	mutex_lock(&qosres_mutex);
}

static void qosres_unlock(void)
{
	mutex_unlock(&qosres_mutex);
	cpuset_unlock();
	cpus_read_unlock();
}

/* Would adding @delta ppm to @qr's subtree pass every ancestor's cap? */
static bool qosres_within_caps(struct qosres *qr, u64 delta)
{
	for (; qr; qr = parent_qosres(qr))
		if (qr->subtree_ppm + delta > qosres_cap_ppm(qr))
			return false;
	return true;
}

static void qosres_account(struct qosres *qr, u64 old_ppm, u64 new_ppm)
{
	for (; qr; qr = parent_qosres(qr))
		qr->subtree_ppm = qr->subtree_ppm - old_ppm + new_ppm;
}

/*
 * The tasks whose reservation @qr is, or would be if it had a budget:
 * those of its subtree but below descendants that are reservations
 * themselves. Each follows its reservation, as qosres_task_rsv() now
 * finds it.
 */
static void qosres_update_tasks(struct qosres *qr)
{
	struct cgroup_subsys_state *pos;
	struct css_task_iter it;
	struct task_struct *task;

	rcu_read_lock();
	css_for_each_descendant_pre(pos, &qr->css) {
		if (pos != &qr->css && READ_ONCE(css_qosres(pos)->budget)) {
			pos = css_rightmost_descendant(pos);
			continue;
		}
		if (!css_tryget_online(pos))
			continue;
		rcu_read_unlock();
		css_task_iter_start(pos, 0, &it);
		while ((task = css_task_iter_next(&it)))
			edf_rr_task_update(task);
		css_task_iter_end(&it);
		rcu_read_lock();
		css_put(pos);
	}
	rcu_read_unlock();
}

/*
 * Make @budget/@period the reservation of @qr: check the caps, place the
 * servers, account, and move the tasks in or out of the reservation when
 * it starts or ends. Nothing changes on error: -EBUSY when a cap or the
 * per-CPU room refuses it, -ENODEV when the cgroup is going. CPU hotplug
 * lock held.
 */
static int qosres_admit(struct qosres *qr, u64 budget, u64 period)
{
	u64 old_ppm = qosres_ppm(qr->budget, qr->period);
	u64 new_ppm = qosres_ppm(budget, period);
	bool starts = budget && !qr->budget, ends = !budget && qr->budget;
	int ret;

	lockdep_assert_held(&qosres_mutex);
	lockdep_assert_cpus_held();
	if (budget && qr->dying)
		return -ENODEV;
	if (new_ppm > old_ppm && !qosres_within_caps(qr, new_ppm - old_ppm))
		return -EBUSY;

	if (budget) {
		qosres_allowed_cpus(qr, &qosres_allowed);
		ret = edf_rr_place(&qr->rsv, budget, period, &qosres_allowed);
		if (ret)
			return ret;
	} else if (qr->budget) {
		edf_rr_release(&qr->rsv);
	}
	qosres_account(qr, old_ppm, new_ppm);
	WRITE_ONCE(qr->budget, budget);
	qr->period = period;

	if (starts) {
		list_add(&qr->admitted, &qosres_admitted);
		edf_rr_use(true);
	}
	if (starts || ends)
		qosres_update_tasks(qr);
	if (ends) {
		list_del_init(&qr->admitted);
		edf_rr_use(false);
	}
	return 0;
}

/*
 * The kernel's QoS manager: work that runs just after each period boundary
 * of a reservation in feedback mode "kernel", runs the predictor and
 * controller of qosres_fb.c on the usage history, and sets the budget the
 * supervisor allows. Its worker is SCHED_FIFO: real-time load must not
 * delay the adaptation of the reservations above it.
 */
static struct kthread_worker *qosres_fb_worker;

/*
 * Just after the next period boundary: 2 ms after, so that the CPU time of
 * the period's last tick is in its history slot.
 */
static void qosres_fb_arm(struct qosres *qr)
{
	u64 period = qr->period * NSEC_PER_USEC, now = local_clock();
	u64 next = (div64_u64(now, period) + 1) * period + 2 * NSEC_PER_MSEC;

	kthread_queue_delayed_work(qosres_fb_worker, &qr->fb_work,
				   nsecs_to_jiffies(next - now) + 1);
}

/* (Re)start the loop, its history from now, if it is to run. */
static void qosres_fb_start(struct qosres *qr)
{
	lockdep_assert_held(&qosres_mutex);
	if (qr->fb.mode != QOSRES_FB_KERNEL || !qr->budget || !qosres_fb_worker)
		return;
	qr->fb_start = div64_u64(local_clock(), qr->period * NSEC_PER_USEC);
	qr->fb_seq = qr->fb_start;
	qr->fb_state = (struct qosres_fb_state){ };
	qr->fb_request_ppm = qosres_ppm(qr->budget, qr->period);
	qr->fb_throttled = edf_rr_nr_throttled(&qr->rsv);
	qosres_fb_arm(qr);
}

/* What the feedback members under @cap's qosres.max leave @qr. */
static u64 qosres_fb_grant(struct qosres *cap, struct qosres *qr, u64 min_ppm)
{
	u64 fixed = 0, requests = 0, mins = 0, room, cap_ppm = qosres_cap_ppm(cap);
	struct cgroup_subsys_state *pos;

	rcu_read_lock();
	css_for_each_descendant_pre(pos, &cap->css) {
		struct qosres *d = css_qosres(pos);
		u64 ppm = qosres_ppm(d->budget, d->period), dmin;

		if (!d->budget)
			continue;
		if (d->fb.mode != QOSRES_FB_KERNEL) {
			fixed += ppm;
			continue;
		}
		dmin = qosres_ppm(max(d->fb.params.min, QOSRES_BUDGET_MIN),
				  d->period);
		requests += d->fb_request_ppm;
		mins += min(dmin, d->fb_request_ppm);
	}
	rcu_read_unlock();
	room = cap_ppm > fixed ? cap_ppm - fixed : 0;
	return qosres_fb_share(qr->fb_request_ppm, min_ppm, requests, mins,
			       room);
}

/* The supervisor: the request compressed under every capped ancestor. */
static u64 qosres_fb_supervise(struct qosres *qr, u64 min)
{
	u64 grant = qr->fb_request_ppm, min_ppm = qosres_ppm(min, qr->period);
	struct qosres *cap;

	for (cap = qr; cap; cap = parent_qosres(cap))
		if (cap->max_period)
			grant = min(grant, qosres_fb_grant(cap, qr, min_ppm));
	return max(div_u64(grant * qr->period, PPM_PER_CPU), QOSRES_BUDGET_MIN);
}

static void qosres_fb_adapt(struct qosres *qr, const u64 *usage,
			    unsigned int n)
{
	struct qosres_fb_params p = qr->fb.params;
	u64 want, budget, old = qr->budget;
	u64 throttled = edf_rr_nr_throttled(&qr->rsv);

	p.min = max(p.min, QOSRES_BUDGET_MIN);
	p.max = min_not_zero(p.max, qosres_budget_limit(qr->period));
	p.min = min(p.min, p.max);
	want = qosres_fb_budget(&p, &qr->fb_state, usage, n, qr->budget,
				throttled != qr->fb_throttled);
	qr->fb_throttled = throttled;
	qr->fb_request_ppm = qosres_ppm(want, qr->period);
	budget = qosres_fb_supervise(qr, p.min);
	/*
	 * Growth that a cap or the per-CPU room refuses: as much of it as
	 * fits. Others under a cap shrink to their share at their next
	 * period, and this one grows again at its own.
	 */
	while (budget != old && qosres_admit(qr, budget, qr->period)) {
		if (budget < old || budget - old < QOSRES_BUDGET_MIN)
			return;
		budget = old + (budget - old) / 2;
	}
	if (budget != old)
		qosres_event(qr, QOSRES_EV_BUDGET_CHANGED);
}

static void qosres_fb_workfn(struct kthread_work *work)
{
	struct qosres *qr = container_of(work, struct qosres, fb_work.work);
	u64 usage[QOSRES_HISTORY], seq;
	unsigned int n;

	qosres_lock();
	if (qr->fb.mode == QOSRES_FB_KERNEL && qr->budget) {
		seq = edf_rr_history(&qr->rsv, qr->period, usage);
		/*
		 * No task, no demand to measure: the history starts with the
		 * first whole period a task can be in.
		 */
		if (!cgroup_is_populated(qr->css.cgroup))
			qr->fb_start = seq + 1;
		n = seq > qr->fb_start ?
		    min(seq - qr->fb_start, QOSRES_HISTORY) : 0;
		if (!n)
			qr->fb_throttled = edf_rr_nr_throttled(&qr->rsv);
		else if (seq != qr->fb_seq)
			qosres_fb_adapt(qr, usage + QOSRES_HISTORY - n, n);
		qr->fb_seq = seq;
		qosres_fb_arm(qr);
	}
	qosres_unlock();
}

/* Set budget and period (NULL: keep the current value) as one change. */
static int qosres_set(struct qosres *qr, const u64 *new_budget,
		      const u64 *new_period)
{
	u64 budget, period;
	bool changed, restart;
	int ret = 0;

	qosres_lock();
	budget = new_budget ? *new_budget : qr->budget;
	period = new_period ? *new_period : qr->period;
	if (!qosres_period_valid(period) ||
	    !qosres_budget_valid(budget, period)) {
		ret = -EINVAL;
		goto out;
	}
	if (budget == qr->budget && period == qr->period)
		goto out;

	changed = budget != qr->budget;
	restart = !qr->budget || period != qr->period;
	ret = qosres_admit(qr, budget, period);
	if (ret == -EBUSY)
		qosres_event(qr, QOSRES_EV_ADMISSION_DENIED);
	else if (!ret && changed)
		qosres_event(qr, QOSRES_EV_BUDGET_CHANGED);
	if (!ret && restart)
		qosres_fb_start(qr);
out:
	qosres_unlock();
	return ret;
}

static struct cgroup_subsys_state *
qosres_css_alloc(struct cgroup_subsys_state *parent)
{
	struct qosres *qr;

	qr = kzalloc(sizeof(*qr), GFP_KERNEL);
	if (!qr)
		return ERR_PTR(-ENOMEM);
	if (edf_rr_rsv_init(&qr->rsv)) {
		kfree(qr);
		return ERR_PTR(-ENOMEM);
	}
	qr->period = QOSRES_PERIOD_DFL;
	qr->fb = qosres_fb_default;
	kthread_init_delayed_work(&qr->fb_work, qosres_fb_workfn);
	INIT_LIST_HEAD(&qr->admitted);
	return &qr->css;
}

/*
 * Removal, or disabling the controller, ends the reservation at once: the
 * bandwidth is free when rmdir returns. The files are still there until
 * cgroup core removes them after this, and a write may be waiting for the
 * mutex: it must not start the reservation again, or the freed cgroup
 * would stay on qosres_admitted.
 */
static void qosres_css_killed(struct cgroup_subsys_state *css)
{
	struct qosres *qr = css_qosres(css);

	cpus_read_lock();
	mutex_lock(&qosres_mutex);
	qr->dying = true;
	if (qr->budget)
		WARN_ON_ONCE(qosres_admit(qr, 0, qr->period));
	mutex_unlock(&qosres_mutex);
	cpus_read_unlock();
}

/* Tasks that join a cgroup follow its reservation, or leave theirs. */
static void qosres_attach(struct cgroup_taskset *tset)
{
	struct cgroup_subsys_state *css;
	struct task_struct *task;

	if (!edf_rr_in_use())
		return;
	cgroup_taskset_for_each(task, css, tset)
		edf_rr_task_update(task);
}

static int qosres_can_fork(struct task_struct *task, struct css_set *cset)
{
	edf_rr_fork(task);
	return 0;
}

/* A new task joins its parent's reservation, as its cgroup says. */
static void qosres_fork(struct task_struct *task)
{
	if (edf_rr_in_use())
		edf_rr_task_update(task);
}

static void qosres_exit(struct task_struct *task)
{
	edf_rr_task_exit(task);
}

/* The reservation serving @p: its cgroup's, or the closest ancestor's. */
struct edf_rr_rsv *qosres_task_rsv(struct task_struct *p)
{
	struct edf_rr_rsv *rsv = NULL;
	struct qosres *qr;

	rcu_read_lock();
	for (qr = css_qosres(task_css(p, qosres_cgrp_id)); qr;
	     qr = parent_qosres(qr)) {
		if (READ_ONCE(qr->budget)) {
			rsv = &qr->rsv;
			break;
		}
	}
	rcu_read_unlock();
	return rsv;
}

/* A server ran out of budget: wake qosres.events pollers. */
void qosres_throttled(struct edf_rr_rsv *rsv)
{
	cgroup_file_notify(&container_of(rsv, struct qosres, rsv)->events_file);
}

static void qosres_css_free(struct cgroup_subsys_state *css)
{
	struct qosres *qr = css_qosres(css);

	kthread_cancel_delayed_work_sync(&qr->fb_work);
	edf_rr_rsv_free(&qr->rsv);
	kfree(qr);
}

static int qosres_budget_show(struct seq_file *sf, void *v)
{
	struct qosres *qr = css_qosres(seq_css(sf));

	seq_printf(sf, "%llu\n", READ_ONCE(qr->budget));
	return 0;
}

static ssize_t qosres_budget_write(struct kernfs_open_file *of, char *buf,
				   size_t nbytes, loff_t off)
{
	u64 budget, period;
	int n, ret;

	if (!qosres_whole_text(buf, nbytes))
		return -EINVAL;
	n = qosres_parse_pair(buf, &budget, &period);
	if (n < 0)
		return n;
	ret = qosres_set(css_qosres(of_css(of)), &budget,
			 n == 2 ? &period : NULL);
	return ret ?: nbytes;
}

static int qosres_period_show(struct seq_file *sf, void *v)
{
	struct qosres *qr = css_qosres(seq_css(sf));

	seq_printf(sf, "%llu\n", READ_ONCE(qr->period));
	return 0;
}

static ssize_t qosres_period_write(struct kernfs_open_file *of, char *buf,
				   size_t nbytes, loff_t off)
{
	u64 period;
	int ret;

	if (!qosres_whole_text(buf, nbytes) ||
	    qosres_parse_u64(strstrip(buf), &period))
		return -EINVAL;
	ret = qosres_set(css_qosres(of_css(of)), NULL, &period);
	return ret ?: nbytes;
}

static int qosres_mode_show(struct seq_file *sf, void *v)
{
	struct qosres *qr = css_qosres(seq_css(sf));

	seq_puts(sf, READ_ONCE(qr->soft) ? "soft\n" : "hard\n");
	return 0;
}

static ssize_t qosres_mode_write(struct kernfs_open_file *of, char *buf,
				 size_t nbytes, loff_t off)
{
	struct qosres *qr = css_qosres(of_css(of));
	bool soft;

	if (!qosres_whole_text(buf, nbytes))
		return -EINVAL;
	if (sysfs_streq(buf, "soft"))
		soft = true;
	else if (sysfs_streq(buf, "hard"))
		soft = false;
	else
		return -EINVAL;
	mutex_lock(&qosres_mutex);
	if (soft != qr->soft) {
		WRITE_ONCE(qr->soft, soft);
		edf_rr_set_soft(&qr->rsv, soft);
	}
	mutex_unlock(&qosres_mutex);
	return nbytes;
}

static int qosres_feedback_show(struct seq_file *sf, void *v)
{
	struct qosres *qr = css_qosres(seq_css(sf));
	struct qosres_feedback fb;

	mutex_lock(&qosres_mutex);
	fb = qr->fb;
	mutex_unlock(&qosres_mutex);

	seq_printf(sf, "%s predictor=%s window=%u quantile=%u margin=%u min=%llu max=",
		   qosres_fb_modes[fb.mode],
		   qosres_fb_predictors[fb.params.predictor].name,
		   fb.params.window, fb.params.quantile, fb.params.margin,
		   fb.params.min);
	if (fb.params.max)
		seq_printf(sf, "%llu", fb.params.max);
	else
		seq_puts(sf, "max");
	seq_printf(sf, " controller=%s\n",
		   qosres_fb_controllers[fb.params.controller].name);
	return 0;
}

static ssize_t qosres_feedback_write(struct kernfs_open_file *of, char *buf,
				     size_t nbytes, loff_t off)
{
	struct qosres *qr = css_qosres(of_css(of));
	bool was_kernel;
	int ret;

	if (!qosres_whole_text(buf, nbytes))
		return -EINVAL;
	mutex_lock(&qosres_mutex);
	was_kernel = qr->fb.mode == QOSRES_FB_KERNEL;
	ret = qosres_parse_feedback(buf, &qr->fb);
	if (!ret && !was_kernel)
		qosres_fb_start(qr);
	mutex_unlock(&qosres_mutex);
	return ret ?: nbytes;
}

static int qosres_max_show(struct seq_file *sf, void *v)
{
	struct qosres *qr = css_qosres(seq_css(sf));

	mutex_lock(&qosres_mutex);
	if (qr->max_period)
		seq_printf(sf, "%llu %llu\n", qr->max_budget, qr->max_period);
	else
		seq_puts(sf, "max\n");
	mutex_unlock(&qosres_mutex);
	return 0;
}

static ssize_t qosres_max_write(struct kernfs_open_file *of, char *buf,
				size_t nbytes, loff_t off)
{
	struct qosres *qr = css_qosres(of_css(of));
	u64 budget, period;
	int ret = 0;

	if (!qosres_whole_text(buf, nbytes) ||
	    qosres_parse_max(buf, &budget, &period))
		return -EINVAL;

	mutex_lock(&qosres_mutex);
	if (period && qosres_ppm(budget, period) < qr->subtree_ppm) {
		ret = -EBUSY;
	} else {
		qr->max_budget = budget;
		qr->max_period = period;
	}
	mutex_unlock(&qosres_mutex);
	return ret ?: nbytes;
}

static int qosres_stat_show(struct seq_file *sf, void *v)
{
	struct qosres *qr = css_qosres(seq_css(sf));

	mutex_lock(&qosres_mutex);
	if (parent_qosres(qr)) {
		edf_rr_show_usage(sf, &qr->rsv, qr->period);
		seq_printf(sf, "budget_usec %llu\n", qr->budget);
		seq_printf(sf, "period_usec %llu\n", qr->period);
	}
	seq_printf(sf, "reserved_bw_ppm %llu\n", qr->subtree_ppm);
	if (parent_qosres(qr))
		edf_rr_show_servers(sf, &qr->rsv);
	else
		edf_rr_show_cpus(sf);
	mutex_unlock(&qosres_mutex);
	return 0;
}

static int qosres_events_show(struct seq_file *sf, void *v)
{
	struct qosres *qr = css_qosres(seq_css(sf));
	int i;

	mutex_lock(&qosres_mutex);
	seq_printf(sf, "throttled %llu\n", edf_rr_nr_throttled(&qr->rsv));
	for (i = 0; i < NR_QOSRES_EVENTS; i++)
		seq_printf(sf, "%s %llu\n", qosres_event_names[i],
			   qr->events[i]);
	mutex_unlock(&qosres_mutex);
	return 0;
}

static struct cftype qosres_files[] = {
	{
		.name = "budget",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = qosres_budget_show,
		.write = qosres_budget_write,
	},
	{
		.name = "period",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = qosres_period_show,
		.write = qosres_period_write,
	},
	{
		.name = "mode",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = qosres_mode_show,
		.write = qosres_mode_write,
	},
	{
		.name = "feedback",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = qosres_feedback_show,
		.write = qosres_feedback_write,
	},
	{
		.name = "max",
		.flags = CFTYPE_NOT_ON_ROOT,
		.seq_show = qosres_max_show,
		.write = qosres_max_write,
	},
	{
		.name = "stat",
		.seq_show = qosres_stat_show,
	},
	{
		.name = "events",
		.flags = CFTYPE_NOT_ON_ROOT,
		.file_offset = offsetof(struct qosres, events_file),
		.seq_show = qosres_events_show,
	},
	{ }	/* terminate */
};

struct cgroup_subsys qosres_cgrp_subsys = {
	.css_alloc	= qosres_css_alloc,
	.css_killed	= qosres_css_killed,
	.css_free	= qosres_css_free,
	.attach		= qosres_attach,
	.can_fork	= qosres_can_fork,
	.fork		= qosres_fork,
	.exit		= qosres_exit,
	.dfl_cftypes	= qosres_files,
	.threaded	= true,
};

/*
 * Move the reservation's servers that are no longer on CPUs it may use,
 * leaving out @gone, a CPU about to go, if not -1. With no such CPU left,
 * any active CPU will do, as cpuset falls back to the parent's.
 */
static int qosres_follow(struct qosres *qr, int gone)
{
	lockdep_assert_held(&qosres_mutex);
	qosres_allowed_cpus(qr, &qosres_allowed);
	if (gone >= 0)
		cpumask_clear_cpu(gone, &qosres_allowed);
	if (cpumask_subset(qr->rsv.cpus, &qosres_allowed))
		return 0;
	if (cpumask_empty(&qosres_allowed))
		cpumask_copy(&qosres_allowed, cpu_active_mask);
	if (gone >= 0)
		cpumask_clear_cpu(gone, &qosres_allowed);
	return edf_rr_place(&qr->rsv, qr->budget, qr->period, &qosres_allowed);
}

/*
 * Before a CPU goes, its servers move to other CPUs. If one does not fit,
 * the CPU stays (-EBUSY): an admitted reservation is a guarantee. Suspend
 * takes the CPUs down with tasks frozen and brings them back; servers stay
 * where they are then.
 */
static int qosres_cpu_down(unsigned int cpu)
{
	struct qosres *qr;
	int ret = 0;

	if (cpuhp_tasks_frozen)
		return 0;
	cpuset_lock();
	mutex_lock(&qosres_mutex);
	list_for_each_entry(qr, &qosres_admitted, admitted) {
		ret = qosres_follow(qr, cpu);
		if (ret)
			break;
	}
	mutex_unlock(&qosres_mutex);
	cpuset_unlock();
	return ret;
}

#ifdef CONFIG_CPUSETS
/*
 * The effective CPUs of the cpuset @cpuset_css changed (cpuset_mutex
 * held): the servers of the reservations it governs follow. cpuset walks
 * the hierarchy top down and calls this for each cpuset once its own mask
 * is set, so only those reservations see their final mask now. The change
 * is done already; a reservation that no longer fits inside keeps its
 * servers where they are and says so in the kernel log. A CPU on its way
 * down is inactive but still online: qosres_cpu_down() comes next and
 * either places the rest or refuses the offline, so no warning then.
 */
void qosres_cpuset_changed(struct cgroup_subsys_state *cpuset_css)
{
	struct cgroup_subsys_state *governing;
	struct qosres *qr;
	int misfits = 0;

	mutex_lock(&qosres_mutex);
	list_for_each_entry(qr, &qosres_admitted, admitted) {
		rcu_read_lock();
		governing = cgroup_e_css(qr->css.cgroup, &cpuset_cgrp_subsys);
		rcu_read_unlock();
		if (governing == cpuset_css && qosres_follow(qr, -1))
			misfits++;
	}
	if (misfits && cpumask_equal(cpu_active_mask, cpu_online_mask))
		pr_warn_ratelimited("qosres: %d reservations do not fit their new cpuset, servers left in place\n",
				    misfits);
	mutex_unlock(&qosres_mutex);
}
#endif

static int __init qosres_init(void)
{
	int ret;

	qosres_fb_worker = kthread_create_worker(0, "qosres_fb");
	if (IS_ERR(qosres_fb_worker)) {
		ret = PTR_ERR(qosres_fb_worker);
		qosres_fb_worker = NULL;
		return ret;
	}
	sched_set_fifo(qosres_fb_worker->task);
	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "cgroup/qosres",
					NULL, qosres_cpu_down);
	return ret < 0 ? ret : 0;
}
late_initcall(qosres_init);

#ifdef CONFIG_QOSRES_KUNIT_TEST
#include "qosres_test.c"
#endif
