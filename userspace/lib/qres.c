// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * AQuoSA's qres_* calls on libqosres. Server ids live in this process: a
 * table maps each to its cgroup and keeps what qosres has no file for
 * (Q_min, the flags, the timeout).
 */
#include "aquosa/qres_lib.h"
#include "qosres.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define MAX_SERVERS	64

struct server {
	qres_sid_t	sid;		/* QRES_SID_NULL: a free slot */
	char		path[PATH_MAX];
	qres_time_t	q_min;
	unsigned int	flags;
	qres_time_t	timeout;
	unsigned int	nr_threads;	/* attached through this table */
};

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct server servers[MAX_SERVERS];
static qres_sid_t last_sid;
static char base[PATH_MAX];	/* the cgroup servers are made in */

static qos_rv from_errno(int err)
{
	switch (err) {
	case 0:
		return QOS_OK;
	case -EINVAL:
	case -ERANGE:
		return QOS_E_INVALID_PARAM;
	case -EPERM:
	case -EACCES:
		return QOS_E_UNAUTHORIZED;
	case -EBUSY:
		return QOS_E_SYSTEM_OVERLOAD;
	case -ENOMEM:
		return QOS_E_NO_MEMORY;
	case -ENOENT:
	case -ESRCH:
		return QOS_E_NOT_FOUND;
	case -ENODEV:
		return QOS_E_MISSING_COMPONENT;
	default:
		return QOS_E_GENERIC;
	}
}

/*
 * AQuoSA told a user's own limit (UNAUTHORIZED) from a full system
 * (SYSTEM_OVERLOAD): a qosres.max above that cannot fit Q is the former.
 */
static qos_rv refused(const char *path, const qres_params_t *p)
{
	struct qosres_room room;
	unsigned long long need_ppm = 1000000ULL * p->Q / p->P;

	if (!qosres_room(path, &room) && room.cap_path[0] &&
	    room.left_ppm < need_ppm)
		return QOS_E_UNAUTHORIZED;
	return QOS_E_SYSTEM_OVERLOAD;
}

/* What a create or set of PATH with P that returned RET tells the caller. */
static qos_rv outcome(int ret, const char *path, const qres_params_t *p)
{
	return ret == -EBUSY ? refused(path, p) : from_errno(ret);
}

static qos_rv valid(const qres_params_t *p)
{
	if (!p || p->Q <= 0 || p->P <= 0 || p->Q_min < 0 || p->Q_min > p->Q)
		return QOS_E_INVALID_PARAM;
	if (p->flags & QOS_F_DEFAULT)
		return QOS_E_UNAUTHORIZED;
	return QOS_OK;
}

static struct server *find(qres_sid_t sid)
{
	int i;

	for (i = 0; i < MAX_SERVERS; i++)
		if (sid != QRES_SID_NULL && servers[i].sid == sid)
			return &servers[i];
	return NULL;
}

static void to_params(const qres_params_t *p, struct qosres_params *rp)
{
	memset(rp, 0, sizeof(*rp));
	rp->budget_us = p->Q;
	rp->period_us = p->P;
	rp->mode = p->flags & QOS_F_SOFT ? QOSRES_SOFT : QOSRES_HARD;
}

qos_rv qres_init(void)
{
	int ret;

	if (qres_module_exists() != QOS_OK)
		return QOS_E_MISSING_COMPONENT;
	pthread_mutex_lock(&table_lock);
	ret = qosres_cgroup_of(0, base, sizeof(base));
	pthread_mutex_unlock(&table_lock);
	return from_errno(ret);
}

qos_rv qres_module_exists(void)
{
	struct qosres_stats stats;

	return qosres_stats("/", &stats) ? QOS_E_GENERIC : QOS_OK;
}

qos_rv qres_cleanup(void)
{
	qos_rv rv = QOS_OK;
	int i;

	pthread_mutex_lock(&table_lock);
	for (i = 0; i < MAX_SERVERS; i++) {
		if (servers[i].sid == QRES_SID_NULL)
			continue;
		if (qosres_destroy(servers[i].path))
			rv = QOS_E_GENERIC;
		servers[i].sid = QRES_SID_NULL;
	}
	pthread_mutex_unlock(&table_lock);
	return rv;
}

static struct server *free_slot(void)
{
	int i;

	for (i = 0; i < MAX_SERVERS; i++)
		if (servers[i].sid == QRES_SID_NULL)
			return &servers[i];
	return NULL;
}

qos_rv qres_create_server(qres_params_t *p_params, qres_sid_t *p_sid)
{
	struct qosres_params rp;
	struct server *srv;
	qos_rv rv = valid(p_params);
	int ret;

	if (rv != QOS_OK)
		return rv;
	if (!base[0])
		return QOS_E_MISSING_COMPONENT;
	pthread_mutex_lock(&table_lock);
	srv = free_slot();
	if (!srv) {
		pthread_mutex_unlock(&table_lock);
		return QOS_E_FULL;
	}
	if (snprintf(srv->path, sizeof(srv->path), "%s/qres-%d-%d",
		     strcmp(base, "/") ? base : "", (int)getpid(),
		     last_sid + 1) >= (int)sizeof(srv->path)) {
		pthread_mutex_unlock(&table_lock);
		return QOS_E_INTERNAL_ERROR;
	}
	to_params(p_params, &rp);
	ret = qosres_create(srv->path, &rp);
	if (!ret) {
		srv->sid = ++last_sid;
		srv->q_min = p_params->Q_min;
		srv->flags = p_params->flags;
		srv->timeout = p_params->timeout;
		srv->nr_threads = 0;
		*p_sid = srv->sid;
	}
	/* Under the lock: a free slot's path is anyone's once it is let go. */
	rv = outcome(ret, srv->path, p_params);
	pthread_mutex_unlock(&table_lock);
	return rv;
}

qos_rv qres_destroy_server(qres_sid_t sid)
{
	struct server *srv;
	int ret = -ENOENT;

	pthread_mutex_lock(&table_lock);
	srv = find(sid);
	if (srv) {
		ret = qosres_destroy(srv->path);
		if (!ret)
			srv->sid = QRES_SID_NULL;
	}
	pthread_mutex_unlock(&table_lock);
	return srv ? from_errno(ret) : QOS_E_NOSERVER;
}

/* AQuoSA's (pid, tid) pair: zeros mean the caller. */
static pid_t thread_of(pid_t pid, tid_t tid)
{
	if (tid)
		return tid;
	return pid ? pid : gettid();
}

qos_rv qres_attach_thread(qres_sid_t sid, pid_t pid, tid_t tid)
{
	struct server *srv;
	qos_rv rv = QOS_E_NOSERVER;

	pthread_mutex_lock(&table_lock);
	srv = find(sid);
	if (srv && (srv->flags & QOS_F_NOMULTI) && srv->nr_threads) {
		rv = QOS_E_FULL;
	} else if (srv) {
		rv = from_errno(qosres_attach_thread(srv->path,
						     thread_of(pid, tid)));
		if (rv == QOS_OK)
			srv->nr_threads++;
	}
	pthread_mutex_unlock(&table_lock);
	return rv;
}

qos_rv qres_detach_thread(qres_sid_t sid, pid_t pid, tid_t tid)
{
	struct server *srv;
	qos_rv rv = QOS_E_NOSERVER;

	pthread_mutex_lock(&table_lock);
	srv = find(sid);
	if (srv) {
		rv = from_errno(qosres_detach_thread(srv->path,
						     thread_of(pid, tid)));
		if (rv == QOS_OK && srv->nr_threads)
			srv->nr_threads--;
		/* AQuoSA destroys a server its last thread leaves. */
		if (rv == QOS_OK && !(srv->flags & QOS_F_PERSISTENT) &&
		    qosres_nr_threads(srv->path) == 0 &&
		    !qosres_destroy(srv->path))
			srv->sid = QRES_SID_NULL;
	}
	pthread_mutex_unlock(&table_lock);
	return rv;
}

qos_rv qres_get_sid(pid_t pid, tid_t tid, qres_sid_t *p_sid)
{
	char path[PATH_MAX];
	qos_rv rv = QOS_E_NOT_FOUND;
	int i;

	if (qosres_cgroup_of(thread_of(pid, tid), path, sizeof(path)))
		return QOS_E_NOT_FOUND;
	pthread_mutex_lock(&table_lock);
	for (i = 0; i < MAX_SERVERS; i++) {
		if (servers[i].sid != QRES_SID_NULL &&
		    !strcmp(servers[i].path, path)) {
			*p_sid = servers[i].sid;
			rv = QOS_OK;
			break;
		}
	}
	pthread_mutex_unlock(&table_lock);
	return rv;
}

qos_rv qres_set_params(qres_sid_t sid, qres_params_t *p_params)
{
	struct qosres_params rp;
	struct server *srv;
	qos_rv rv = valid(p_params);
	int ret;

	if (rv != QOS_OK)
		return rv;
	pthread_mutex_lock(&table_lock);
	srv = find(sid);
	rv = QOS_E_NOSERVER;
	if (srv) {
		to_params(p_params, &rp);
		ret = qosres_set(srv->path, &rp);
		if (!ret) {
			srv->q_min = p_params->Q_min;
			srv->flags = p_params->flags;
			srv->timeout = p_params->timeout;
		}
		rv = outcome(ret, srv->path, p_params);
	}
	pthread_mutex_unlock(&table_lock);
	return rv;
}

qos_rv qres_get_params(qres_sid_t sid, qres_params_t *p_params)
{
	struct qosres_params rp;
	struct server *srv;
	int ret = -ENOENT;

	pthread_mutex_lock(&table_lock);
	srv = find(sid);
	if (srv)
		ret = qosres_get(srv->path, &rp);
	if (!ret) {
		p_params->Q = rp.budget_us;
		p_params->P = rp.period_us;
		p_params->Q_min = srv->q_min < p_params->Q ?
				  srv->q_min : p_params->Q;
		p_params->flags = (srv->flags & ~QOS_F_SOFT) |
				  (rp.mode == QOSRES_SOFT ? QOS_F_SOFT : 0);
		p_params->timeout = srv->timeout;
	}
	pthread_mutex_unlock(&table_lock);
	return srv ? from_errno(ret) : QOS_E_NOSERVER;
}

qos_rv qres_set_bandwidth(qres_sid_t sid, qos_bw_t bw)
{
	qres_params_t params;
	qos_rv rv = qres_get_params(sid, &params);

	if (rv != QOS_OK)
		return rv;
	params.Q = (qres_time_t)(((unsigned long long)bw * params.P) >>
				 QOS_BW_BITS);
	if (params.Q_min > params.Q)
		params.Q_min = params.Q;
	return qres_set_params(sid, &params);
}

qos_rv qres_get_bandwidth(qres_sid_t sid, float *bw)
{
	qres_params_t params;
	qos_rv rv = qres_get_params(sid, &params);

	if (rv == QOS_OK)
		*bw = (float)params.Q / (float)params.P;
	return rv;
}

/* The stats of server SID, under the table lock. */
static qos_rv server_stats(qres_sid_t sid, struct qosres_stats *stats)
{
	struct server *srv;
	int ret = -ENOENT;

	pthread_mutex_lock(&table_lock);
	srv = find(sid);
	if (srv)
		ret = qosres_stats(srv->path, stats);
	pthread_mutex_unlock(&table_lock);
	return srv ? from_errno(ret) : QOS_E_NOSERVER;
}

qos_rv qres_get_exec_time(qres_sid_t sid, qres_time_t *exec_time,
			  qres_atime_t *abs_time)
{
	struct qosres_stats stats;
	struct timespec now;
	qos_rv rv = server_stats(sid, &stats);

	if (rv != QOS_OK)
		return rv;
	clock_gettime(CLOCK_MONOTONIC, &now);
	if (exec_time)
		*exec_time = stats.usage_usec;
	if (abs_time)
		*abs_time = now.tv_sec * 1000000LL + now.tv_nsec / 1000;
	return QOS_OK;
}

/* qosres grants what admission accepted: no compression, no ramp. */
static qos_rv granted_budget(qres_sid_t sid, qres_time_t *budget)
{
	struct qosres_stats stats;
	qos_rv rv = server_stats(sid, &stats);

	if (rv == QOS_OK)
		*budget = stats.budget_usec;
	return rv;
}

qos_rv qres_get_next_budget(qres_sid_t sid, qres_time_t *next_budget)
{
	return granted_budget(sid, next_budget);
}

qos_rv qres_get_appr_budget(qres_sid_t sid, qres_time_t *appr_budget)
{
	return granted_budget(sid, appr_budget);
}

/* qosres shows no server's budget left or deadline, nor weights. */
qos_rv qres_get_curr_budget(qres_sid_t sid, qres_time_t *curr_budget)
{
	(void)sid;
	(void)curr_budget;
	return QOS_E_UNIMPLEMENTED;
}

qos_rv qres_get_deadline(qres_sid_t sid, struct timespec *p_deadline)
{
	(void)sid;
	(void)p_deadline;
	return QOS_E_UNIMPLEMENTED;
}

qos_rv qres_set_weight(qres_sid_t sid, unsigned int weight)
{
	(void)sid;
	(void)weight;
	return QOS_E_UNIMPLEMENTED;
}

qos_rv qres_get_weight(qres_sid_t sid, unsigned int *p_weight)
{
	(void)sid;
	(void)p_weight;
	return QOS_E_UNIMPLEMENTED;
}

qos_rv qres_get_servers(qres_sid_t *sids, size_t *p_num_sids)
{
	size_t found = 0;
	int i;

	pthread_mutex_lock(&table_lock);
	for (i = 0; i < MAX_SERVERS && found < *p_num_sids; i++)
		if (servers[i].sid != QRES_SID_NULL)
			sids[found++] = servers[i].sid;
	pthread_mutex_unlock(&table_lock);
	*p_num_sids = found;
	return QOS_OK;
}

const char *qos_strerror(qos_rv err)
{
	static const char *const text[] = {
		"success", "generic error", "out of memory",
		"invalid parameter", "unauthorized (over a qosres.max cap)",
		"unimplemented", "qosres is not available",
		"inconsistent state", "system overloaded (no CPU has room)",
		"internal error", "not found", "full", "empty",
		"no such server",
	};

	if (err > 0 || -err >= (int)(sizeof(text) / sizeof(text[0])))
		return "unknown error";
	return text[-err];
}
