/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_SCHED_EDF_RR_H
#define _LINUX_SCHED_EDF_RR_H

#include <linux/list.h>
#include <linux/types.h>

struct edf_rr_rsv;
struct edf_rr_server;

/*
 * A task's link to the qosres reservation serving it (kernel/sched/edf_rr.c).
 * @rsv changes under the task's pi_lock and rq lock, @bg_node under the
 * reservation's lock, @switch_node under the rq lock of the CPU whose list
 * holds it, @pending atomic, @park_work the task's own (task_work), the
 * rest under the task's rq lock.
 */
struct sched_edf_rr_entity {
	struct list_head	run_node;	/* on its server's queue */
	struct list_head	bg_node;	/* background tasks of @rsv */
	struct list_head	switch_node;	/* waiting to change class */
	struct edf_rr_rsv	*rsv;		/* serving reservation, or NULL */
	struct edf_rr_server	*srv;		/* server it is queued on */
	u64			slice;		/* round-robin time left, ns */
	struct callback_head	park_work;	/* at the return to user space */
	unsigned long		pending;	/* switch_node, park_work queued */
	u64			bg_exec;	/* CPU time when it went out of budget */
	u64			debt;		/* background time not charged, ns */
	unsigned int		bg:1;		/* in the background */
	unsigned int		owes:1;		/* there out of budget */
	unsigned int		parked:1;	/* throttled at the user boundary */
};

#endif /* _LINUX_SCHED_EDF_RR_H */
