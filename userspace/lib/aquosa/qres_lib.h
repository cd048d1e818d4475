/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * AQuoSA's resource reservation API (qres_lib.h) on top of libqosres, so
 * programs written for AQuoSA build and run unchanged: link with
 * `pkg-config --libs qosres`.
 *
 * A server is a cgroup, qres-PID-SID, made under the cgroup the calling
 * process lives in, so that single threads of it can be attached (cgroup
 * v2 keeps a process's threads in one subtree). See qres_lib(3) in
 * docs/man/ for how each call maps onto qosres.
 */
#ifndef QRES_LIB_H
#define QRES_LIB_H

#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef long qres_time_t;		/* microseconds */
typedef long long qres_atime_t;		/* microseconds since boot */
typedef int qres_sid_t;
typedef pid_t tid_t;
typedef int qos_rv;
/* A bandwidth in CPUs, fixed point: QOS_BW_ONE is one whole CPU. */
typedef unsigned long qos_bw_t;

#define QRES_SID_NULL	((qres_sid_t)0)
#define QRES_TIME_FMT	"%ld"
#define QRES_ATIME_FMT	"%lld"
#define QRES_SID_FMT	"%d"
#define QOS_BW_BITS	20
#define QOS_BW_ONE	(1UL << QOS_BW_BITS)

/* Flags of qres_params_t. */
#define QOS_F_SOFT		0x01	/* past the budget, run as normal */
#define QOS_F_NOMULTI		0x02	/* one thread at most */
#define QOS_F_PERSISTENT	0x04	/* survives its last thread */
#define QOS_F_DEFAULT		0x08	/* AQuoSA's default server: refused */

/* Return codes: QOS_OK or one of the negative QOS_E_*. */
#define QOS_OK				0
#define QOS_E_GENERIC			(-1)
#define QOS_E_NO_MEMORY			(-2)
#define QOS_E_INVALID_PARAM		(-3)
#define QOS_E_UNAUTHORIZED		(-4)
#define QOS_E_UNIMPLEMENTED		(-5)
#define QOS_E_MISSING_COMPONENT		(-6)
#define QOS_E_INCONSISTENT_STATE	(-7)
#define QOS_E_SYSTEM_OVERLOAD		(-8)
#define QOS_E_INTERNAL_ERROR		(-9)
#define QOS_E_NOT_FOUND			(-10)
#define QOS_E_FULL			(-11)
#define QOS_E_EMPTY			(-12)
#define QOS_E_NOSERVER			(-13)

typedef struct qres_params_t {
	qres_time_t	Q_min;	/* the guaranteed budget, us */
	qres_time_t	Q;	/* the budget asked for, us */
	qres_time_t	P;	/* the period, us */
	unsigned int	flags;	/* QOS_F_* */
	qres_time_t	timeout; /* kept for QOS_F_PERSISTENT; not enforced */
} qres_params_t;

qos_rv qres_init(void);
qos_rv qres_cleanup(void);
qos_rv qres_module_exists(void);

qos_rv qres_create_server(qres_params_t *p_params, qres_sid_t *p_sid);
qos_rv qres_destroy_server(qres_sid_t sid);
qos_rv qres_attach_thread(qres_sid_t sid, pid_t pid, tid_t tid);
qos_rv qres_detach_thread(qres_sid_t sid, pid_t pid, tid_t tid);
qos_rv qres_get_sid(pid_t pid, tid_t tid, qres_sid_t *p_sid);

qos_rv qres_set_params(qres_sid_t sid, qres_params_t *p_params);
qos_rv qres_get_params(qres_sid_t sid, qres_params_t *p_params);
qos_rv qres_set_bandwidth(qres_sid_t sid, qos_bw_t bw);
qos_rv qres_get_bandwidth(qres_sid_t sid, float *bw);

qos_rv qres_get_exec_time(qres_sid_t sid, qres_time_t *exec_time,
			  qres_atime_t *abs_time);
qos_rv qres_get_curr_budget(qres_sid_t sid, qres_time_t *curr_budget);
qos_rv qres_get_next_budget(qres_sid_t sid, qres_time_t *next_budget);
qos_rv qres_get_appr_budget(qres_sid_t sid, qres_time_t *appr_budget);
qos_rv qres_get_deadline(qres_sid_t sid, struct timespec *p_deadline);
qos_rv qres_set_weight(qres_sid_t sid, unsigned int weight);
qos_rv qres_get_weight(qres_sid_t sid, unsigned int *p_weight);
qos_rv qres_get_servers(qres_sid_t *sids, size_t *p_num_sids);

const char *qos_strerror(qos_rv err);

#ifdef __cplusplus
}
#endif

#endif /* QRES_LIB_H */
