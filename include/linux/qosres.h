/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qosres: CPU reservations, the interface between the cgroup controller
 * (kernel/cgroup/qosres.c) and the reservation scheduler
 * (kernel/sched/edf_rr.c).
 */
#ifndef _LINUX_QOSRES_H
#define _LINUX_QOSRES_H

#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/irq_work.h>
#include <linux/list.h>
#include <linux/rbtree.h>
#include <linux/spinlock.h>
#include <linux/types.h>

struct cgroup_subsys_state;
struct seq_file;
struct task_struct;

/* Interface limits, in microseconds. */
#define QOSRES_PERIOD_MIN	1000ULL
#define QOSRES_PERIOD_MAX	10000000ULL
#define QOSRES_PERIOD_DFL	100000ULL
/* Below this a server's budget is mostly scheduling overhead. */
#define QOSRES_BUDGET_MIN	100ULL

/* Periods of usage history kept for the feedback loop. */
#define QOSRES_HISTORY		64

/* A reservation's Constant Bandwidth Server on one CPU. */
struct edf_rr_server {
	/* Placement, under edf_rr_bw_lock. */
	u64			budget;		/* us per period, 0: none */
	u64			ppm;		/* budget / period, 1e-6 CPU */

	/* Scheduling, under the rq lock of @cpu. */
	struct edf_rr_rsv	*rsv;
	int			cpu;
	u64			dl_runtime;	/* ns per period, 0: none */
	u64			dl_period;	/* ns */
	s64			runtime;	/* left in this period, ns */
	u64			deadline;	/* absolute, rq clock, ns */
	struct rb_node		node;		/* in the CPU's EDF queue */
	struct list_head	rt_tasks;	/* by priority, then FIFO */
	struct list_head	tasks;		/* the others, round robin */
	unsigned int		nr_queued;
	bool			on_queue;
	bool			throttled;
	struct hrtimer		timer;		/* replenishment */

	/* Statistics, ns, read without the lock. */
	u64			usage;
	u64			nr_periods;
	u64			nr_throttled;
	u64			throttled_time;
	u64			throttled_at;
	u64			hist_cur;	/* period index, from boot */
	u64			hist_end;	/* ns, end of hist_cur */
	u64			hist_usage[QOSRES_HISTORY];
	u64			hist_period[QOSRES_HISTORY];
};

/* The scheduler's side of a reservation. */
struct edf_rr_rsv {
	u64			period;		/* us */
	unsigned int		nr_servers;
	bool			soft;
	cpumask_var_t		cpus;		/* CPUs holding a server */
	struct edf_rr_server __percpu *srv;
	raw_spinlock_t		lock;		/* for @background */
	struct list_head	background;	/* tasks out of budget */
	struct irq_work		notify;		/* a server ran out */
};

int edf_rr_rsv_init(struct edf_rr_rsv *rsv);
void edf_rr_rsv_free(struct edf_rr_rsv *rsv);
int edf_rr_place(struct edf_rr_rsv *rsv, u64 budget, u64 period,
		 const struct cpumask *allowed);
void edf_rr_release(struct edf_rr_rsv *rsv);
void edf_rr_set_soft(struct edf_rr_rsv *rsv, bool soft);
void edf_rr_show_servers(struct seq_file *sf, struct edf_rr_rsv *rsv);
u64 edf_rr_history(struct edf_rr_rsv *rsv, u64 period, u64 *usage);
void edf_rr_show_usage(struct seq_file *sf, struct edf_rr_rsv *rsv, u64 period);
void edf_rr_show_cpus(struct seq_file *sf);
u64 edf_rr_nr_throttled(struct edf_rr_rsv *rsv);

void edf_rr_use(bool on);
bool edf_rr_in_use(void);
void edf_rr_fork(struct task_struct *p);
void edf_rr_task_update(struct task_struct *p);
void edf_rr_task_exit(struct task_struct *p);

/* Provided by the controller for the scheduler and cpuset. */
struct edf_rr_rsv *qosres_task_rsv(struct task_struct *p);
void qosres_throttled(struct edf_rr_rsv *rsv);
#ifdef CONFIG_CGROUP_QOSRES
void qosres_cpuset_changed(struct cgroup_subsys_state *cpuset_css);
#else
static inline void qosres_cpuset_changed(struct cgroup_subsys_state *cpuset_css) { }
#endif

#endif /* _LINUX_QOSRES_H */
