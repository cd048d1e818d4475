// SPDX-License-Identifier: GPL-2.0-only
/*
 * qosres: CPU reservations as a cgroup v2 controller.
 *
 * A cgroup whose qosres.budget is non-zero is a reservation: its tasks
 * together get qosres.budget microseconds of CPU every qosres.period, from
 * the EDF reservation scheduler (kernel/sched/edf_rr.c), which also decides
 * where the reservation's per-CPU servers go. This file is the interface:
 * parsing, the per-subtree caps of qosres.max, the events and the stats.
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
#include <linux/math64.h>
#include <linux/mutex.h>
#include <linux/parser.h>
#include <linux/qosres.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "cpuset-internal.h"

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
enum qosres_predictor { QOSRES_PRED_MAVG, QOSRES_PRED_PERC, QOSRES_PRED_MAX };

static const char * const qosres_fb_modes[] = { "off", "agent", "kernel" };
static const char * const qosres_predictors[] = { "mavg", "perc", "max" };

#define QOSRES_WINDOW_MAX	64
#define QOSRES_QUANTILE_MIN	50
#define QOSRES_MARGIN_MAX	100

/* Settings of the feedback loop that adapts qosres.budget. */
struct qosres_feedback {
	enum qosres_fb_mode	mode;
	enum qosres_predictor	predictor;
	unsigned int		window;		/* periods */
	unsigned int		quantile;	/* percent */
	unsigned int		margin;		/* percent */
	u64			min;		/* us */
	u64			max;		/* us, 0: no bound but the caps */
};

static const struct qosres_feedback qosres_fb_default = {
	.mode		= QOSRES_FB_OFF,
	.predictor	= QOSRES_PRED_PERC,
	.window		= 16,
	.quantile	= 95,
	.margin		= 10,
};

struct qosres {
	struct cgroup_subsys_state	css;
	struct edf_rr_rsv		rsv;

	u64				budget;		/* us, 0: none */
	u64				period;		/* us */
	bool				soft;
	struct qosres_feedback		fb;

	/* qosres.max; max_period == 0 means "max" */
	u64				max_budget;
	u64				max_period;

	/* Bandwidth reserved in this subtree, this cgroup included. */
	u64				subtree_ppm;

	struct list_head		admitted;	/* on qosres_admitted */
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
	FB_PREDICTOR, FB_WINDOW, FB_QUANTILE, FB_MARGIN, FB_MIN, FB_MAX, FB_ERR,
};

static const match_table_t qosres_fb_tokens = {
	{ FB_PREDICTOR,	"predictor=%s" },
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

static int qosres_match_name(substring_t *arg, const char * const *names,
			     int nr)
{
	char name[16];
	int i;

	if (match_strlcpy(name, arg, sizeof(name)) >= sizeof(name))
		return -EINVAL;
	i = match_string(names, nr, name);
	return i < 0 ? -EINVAL : i;
}

static int qosres_parse_fb_key(char *tok, struct qosres_feedback *fb)
{
	substring_t args[MAX_OPT_ARGS];
	int i;

	switch (match_token(tok, qosres_fb_tokens, args)) {
	case FB_PREDICTOR:
		i = qosres_match_name(&args[0], qosres_predictors,
				      ARRAY_SIZE(qosres_predictors));
		if (i < 0)
			return i;
		fb->predictor = i;
		return 0;
	case FB_WINDOW:
		return qosres_match_uint(&args[0], 1, QOSRES_WINDOW_MAX,
					 &fb->window);
	case FB_QUANTILE:
		return qosres_match_uint(&args[0], QOSRES_QUANTILE_MIN, 100,
					 &fb->quantile);
	case FB_MARGIN:
		return qosres_match_uint(&args[0], 0, QOSRES_MARGIN_MAX,
					 &fb->margin);
	case FB_MIN:
		return qosres_match_u64(&args[0], &fb->min);
	case FB_MAX:
		if (args[0].to - args[0].from == 3 &&
		    !strncmp(args[0].from, "max", 3)) {
			fb->max = 0;
			return 0;
		}
		return qosres_match_u64(&args[0], &fb->max);
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
		if (qosres_parse_fb_key(tok, &new))
			return -EINVAL;
	}
	if (!have_mode || new.min > limit || new.max > limit ||
	    (new.max && (new.max < QOSRES_BUDGET_MIN || new.min > new.max)))
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
 * Make @budget/@period the reservation of @qr: check the caps, place the
 * servers, account. Nothing changes on error: -EBUSY when a cap or the
 * per-CPU room refuses it.
 */
static int qosres_admit(struct qosres *qr, u64 budget, u64 period)
{
	u64 old_ppm = qosres_ppm(qr->budget, qr->period);
	u64 new_ppm = qosres_ppm(budget, period);
	int ret;

	lockdep_assert_held(&qosres_mutex);
	if (new_ppm > old_ppm && !qosres_within_caps(qr, new_ppm - old_ppm))
		return -EBUSY;

	if (budget) {
		qosres_allowed_cpus(qr, &qosres_allowed);
		ret = edf_rr_place(&qr->rsv, budget, period, &qosres_allowed);
		if (ret)
			return ret;
		if (!qr->budget)
			list_add(&qr->admitted, &qosres_admitted);
	} else if (qr->budget) {
		edf_rr_release(&qr->rsv);
		list_del_init(&qr->admitted);
	}
	qosres_account(qr, old_ppm, new_ppm);
	qr->budget = budget;
	qr->period = period;
	return 0;
}

/* Set budget and period (NULL: keep the current value) as one change. */
static int qosres_set(struct qosres *qr, const u64 *new_budget,
		      const u64 *new_period)
{
	u64 budget, period;
	bool changed;
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
	ret = qosres_admit(qr, budget, period);
	if (ret == -EBUSY)
		qosres_event(qr, QOSRES_EV_ADMISSION_DENIED);
	else if (!ret && changed)
		qosres_event(qr, QOSRES_EV_BUDGET_CHANGED);
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
	INIT_LIST_HEAD(&qr->admitted);
	return &qr->css;
}

/*
 * Removal, or disabling the controller, ends the reservation at once: the
 * bandwidth is free when rmdir returns.
 */
static void qosres_css_killed(struct cgroup_subsys_state *css)
{
	struct qosres *qr = css_qosres(css);

	mutex_lock(&qosres_mutex);
	if (qr->budget)
		WARN_ON_ONCE(qosres_admit(qr, 0, qr->period));
	mutex_unlock(&qosres_mutex);
}

static void qosres_css_free(struct cgroup_subsys_state *css)
{
	struct qosres *qr = css_qosres(css);

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
	WRITE_ONCE(qr->soft, soft);
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
		   qosres_fb_modes[fb.mode], qosres_predictors[fb.predictor],
		   fb.window, fb.quantile, fb.margin, fb.min);
	if (fb.max)
		seq_printf(sf, "%llu\n", fb.max);
	else
		seq_puts(sf, "max\n");
	return 0;
}

static ssize_t qosres_feedback_write(struct kernfs_open_file *of, char *buf,
				     size_t nbytes, loff_t off)
{
	struct qosres *qr = css_qosres(of_css(of));
	int ret;

	if (!qosres_whole_text(buf, nbytes))
		return -EINVAL;
	mutex_lock(&qosres_mutex);
	ret = qosres_parse_feedback(buf, &qr->fb);
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
	.dfl_cftypes	= qosres_files,
	.threaded	= true,
};

/*
 * Before a CPU goes, move the servers it holds to the other CPUs their
 * cgroups allow (all others if none is left, as cpuset falls back). If one
 * does not fit, the CPU stays (-EBUSY): an admitted reservation is a
 * guarantee. Suspend takes the CPUs down with tasks frozen and brings them
 * back; servers stay where they are then.
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
		if (!cpumask_test_cpu(cpu, qr->rsv.cpus))
			continue;
		qosres_allowed_cpus(qr, &qosres_allowed);
		cpumask_clear_cpu(cpu, &qosres_allowed);
		if (cpumask_empty(&qosres_allowed))
			cpumask_andnot(&qosres_allowed, cpu_active_mask,
				       cpumask_of(cpu));
		ret = edf_rr_place(&qr->rsv, qr->budget, qr->period,
				   &qosres_allowed);
		if (ret)
			break;
	}
	mutex_unlock(&qosres_mutex);
	cpuset_unlock();
	return ret;
}

static int __init qosres_init(void)
{
	int ret;

	ret = cpuhp_setup_state_nocalls(CPUHP_AP_ONLINE_DYN, "cgroup/qosres",
					NULL, qosres_cpu_down);
	return ret < 0 ? ret : 0;
}
late_initcall(qosres_init);

#ifdef CONFIG_QOSRES_KUNIT_TEST
#include "qosres_test.c"
#endif
