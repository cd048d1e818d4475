/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qosres: CPU reservations, the interface between the cgroup controller
 * (kernel/cgroup/qosres.c) and the reservation scheduler
 * (kernel/sched/edf_rr.c).
 */
#ifndef _LINUX_QOSRES_H
#define _LINUX_QOSRES_H

#include <linux/cpumask.h>
#include <linux/types.h>

struct seq_file;

/* Interface limits, in microseconds. */
#define QOSRES_PERIOD_MIN	1000ULL
#define QOSRES_PERIOD_MAX	10000000ULL
#define QOSRES_PERIOD_DFL	100000ULL
/* Below this a server's budget is mostly scheduling overhead. */
#define QOSRES_BUDGET_MIN	100ULL

/* A reservation's Constant Bandwidth Server on one CPU. */
struct edf_rr_server {
	u64			budget;		/* us per period, 0: none */
	u64			ppm;		/* budget / period, 1e-6 CPU */
};

/* The scheduler's side of a reservation. */
struct edf_rr_rsv {
	u64			period;		/* us */
	unsigned int		nr_servers;
	cpumask_var_t		cpus;		/* CPUs holding a server */
	struct edf_rr_server __percpu *srv;
};

int edf_rr_rsv_init(struct edf_rr_rsv *rsv);
void edf_rr_rsv_free(struct edf_rr_rsv *rsv);
int edf_rr_place(struct edf_rr_rsv *rsv, u64 budget, u64 period,
		 const struct cpumask *allowed);
void edf_rr_release(struct edf_rr_rsv *rsv);
void edf_rr_show_servers(struct seq_file *sf, struct edf_rr_rsv *rsv);
void edf_rr_show_cpus(struct seq_file *sf);

#endif /* _LINUX_QOSRES_H */
