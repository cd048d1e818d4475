// SPDX-License-Identifier: GPL-2.0
/*
 * EDF reservation scheduler (qosres): Constant Bandwidth Servers,
 * partitioned per CPU, between SCHED_DEADLINE and SCHED_FIFO/RR.
 *
 * Placement. A reservation of bandwidth U = budget / period becomes
 * ceil(U / limit) per-CPU servers, limit being the per-CPU bound that
 * SCHED_DEADLINE uses too (sched_rt_runtime_us / sched_rt_period_us).
 *
 * Admission rule, on every CPU c that holds servers:
 *
 *	qos(c) + fair(c) + dl(rd) <= limit
 *
 * qos(c) is the bandwidth of the servers on c, fair(c) that of c's fair
 * server and dl(rd) that of all SCHED_DEADLINE tasks of c's root domain:
 * a SCHED_DEADLINE task may run on any CPU of its root domain and preempts
 * the servers there, so each such CPU keeps room for all of them. CPUs
 * without servers are left to SCHED_DEADLINE's own (global) test.
 * SCHED_DEADLINE task admission asks edf_rr_dl_overflow(), so the rule
 * holds whichever side comes last.
 *
 * qosres counts bandwidth in millionths of a CPU (ppm), exact for the
 * microsecond budgets users write; SCHED_DEADLINE's BW_SHIFT figures are
 * converted at the boundary, its usage rounded up.
 *
 * Locking: a root domain's dl_bw.lock, then edf_rr_bw_lock, which guards
 * the per-CPU sums and the servers' bandwidth. Callers serialize placements
 * of one reservation.
 *
 * Scheduling. Each CPU keeps the servers placed on it that have tasks to
 * run and budget left in an EDF queue ordered by deadline. The class picks
 * the earliest server and, in it, its first RT-priority task, else the first
 * of the others, which take turns every EDF_RR_SLICE (round robin).
 *
 * CBS rules, as in deadline.c. Wake-up: a server that gets tasks again keeps
 * its deadline and runtime unless that would exceed its bandwidth, else it
 * starts a period, deadline = now + P, runtime = Q. Running charges the
 * runtime (update_curr_edf_rr()); at zero the server is throttled until its
 * deadline, when a timer adds Q and moves the deadline by P (hard CBS).
 *
 * Hard mode: the tasks of a throttled server wait, but only at the return
 * to user space, where they hold no lock and no RCU read-side section: a
 * task preempted or woken in the kernel runs in the background until then
 * (a task_work parks it), as CFS bandwidth control throttles upstream.
 * Soft mode: they go to the background, in the class their policy gives
 * them without qosres (CFS for SCHED_NORMAL), until a server of the
 * reservation has budget again.
 * A task also goes to the background when no server of its reservation is
 * on a CPU it may use. The scheduler cannot change a task's class in the
 * middle of its own paths: such tasks are listed per CPU and an irq_work
 * moves them with their pi_lock and rq lock, as sched_setscheduler() does.
 *
 * SMP, partitioned: a waking task goes to a CPU with a server of its
 * reservation that has budget, preferring the one it ran on; a task waiting
 * behind a busy or throttled server is pushed to a sibling server that has
 * budget and nothing to run, and such a server pulls one when its last task
 * leaves.
 */
#include <linux/qosres.h>
#include <linux/sort.h>
#include <linux/task_work.h>
#include <asm/irq_regs.h>

#define PPM	1000000ULL

/* Bits of sched_edf_rr_entity.pending. */
#define EDF_RR_SWITCHING	0	/* on a CPU's switching list */
#define EDF_RR_PARKING		1	/* park_work queued */

static DEFINE_RAW_SPINLOCK(edf_rr_bw_lock);
/* Bandwidth of the servers placed on each CPU, ppm. */
static DEFINE_PER_CPU(u64, edf_rr_cpu_ppm);

/* A candidate CPU for a server; budgets in us per period. */
struct edf_rr_slot {
	int	cpu;
	u64	room;		/* most budget the CPU can take */
	u64	cur;		/* the reservation's budget there now */
	u64	budget;		/* chosen budget */
};

static u64 edf_rr_ppm(u64 runtime, u64 period)
{
	return mul_u64_u64_div_u64(runtime, PPM, period);
}

/* The per-CPU limit in ppm, from dl_bw.bw; no limit is a whole CPU. */
static u64 edf_rr_limit(u64 bw)
{
	if (bw == (u64)-1)
		return PPM;
	return (bw * PPM + BW_UNIT / 2) >> BW_SHIFT;
}

/* What @limit leaves after the fair server, deadline tasks and servers. */
static u64 edf_rr_room(u64 limit, u64 fair, u64 dl, u64 qos)
{
	u64 used = fair + dl + qos;

	return used < limit ? limit - used : 0;
}

/*
 * The fair server's bandwidth on @cpu, ppm. Until it first starts it has
 * none yet; count the default dl_server_start() will give it.
 */
static u64 edf_rr_fair_ppm(int cpu)
{
	struct sched_dl_entity *fs = &cpu_rq(cpu)->fair_server;

	if (!dl_server(fs))
		return edf_rr_ppm(50 * NSEC_PER_MSEC, NSEC_PER_SEC);
	return fs->dl_period ? edf_rr_ppm(fs->dl_runtime, fs->dl_period) : 0;
}

/*
 * Bandwidth of @rd's SCHED_DEADLINE tasks, ppm rounded up, with @extra
 * (BW_SHIFT) more: its total less the fair servers that started. The
 * total can dip below zero: a root domain rebuild recounts live tasks
 * only, and a dead task's bandwidth is taken off later, at its 0-lag
 * time. SCHED_DEADLINE's own checks wrap around it; here it counts as 0.
 */
static u64 edf_rr_dl_ppm(struct root_domain *rd, u64 extra)
{
	u64 fair = 0;
	s64 tasks;
	int cpu;

	for_each_cpu_and(cpu, rd->span, cpu_active_mask)
		if (dl_server(&cpu_rq(cpu)->fair_server))
			fair += cpu_rq(cpu)->fair_server.dl_bw;
	tasks = rd->dl_bw.total_bw - fair + extra;
	return tasks > 0 ? ((u64)tasks * PPM + BW_UNIT - 1) >> BW_SHIFT : 0;
}

/* Does a CPU of @rd holding servers break the rule with @dl ppm? */
static bool edf_rr_rd_overflow(struct root_domain *rd, u64 limit, u64 dl)
{
	int cpu;

	lockdep_assert_held(&edf_rr_bw_lock);
	for_each_cpu_and(cpu, rd->span, cpu_active_mask) {
		u64 qos = per_cpu(edf_rr_cpu_ppm, cpu);

		if (qos && edf_rr_room(limit, edf_rr_fair_ppm(cpu), dl, 0) < qos)
			return true;
	}
	return false;
}

/*
 * Called by SCHED_DEADLINE task admission under @dl_b->lock: would its
 * tasks going from @old_bw to @new_bw take room that servers hold?
 */
bool edf_rr_dl_overflow(struct dl_bw *dl_b, u64 old_bw, u64 new_bw)
{
	struct root_domain *rd = container_of(dl_b, struct root_domain, dl_bw);

	if (new_bw <= old_bw || dl_b->bw == (u64)-1)
		return false;
	guard(raw_spinlock)(&edf_rr_bw_lock);
	return edf_rr_rd_overflow(rd, edf_rr_limit(dl_b->bw),
				  edf_rr_dl_ppm(rd, new_bw - old_bw));
}

/* A new per-CPU limit (sched_rt_runtime_us) must keep every server. */
int edf_rr_global_validate(u64 limit_bw)
{
	u64 limit = edf_rr_limit(limit_bw);
	unsigned long flags;
	struct root_domain *rd;
	int cpu, ret = 0;

	for_each_online_cpu(cpu) {
		rcu_read_lock_sched();
		rd = cpu_rq(cpu)->rd;
		raw_spin_lock_irqsave(&rd->dl_bw.lock, flags);
		raw_spin_lock(&edf_rr_bw_lock);
		if (edf_rr_room(limit, edf_rr_fair_ppm(cpu),
				edf_rr_dl_ppm(rd, 0), 0) <
		    per_cpu(edf_rr_cpu_ppm, cpu))
			ret = -EBUSY;
		raw_spin_unlock(&edf_rr_bw_lock);
		raw_spin_unlock_irqrestore(&rd->dl_bw.lock, flags);
		rcu_read_unlock_sched();
		if (ret)
			break;
	}
	return ret;
}

/* Round-robin time slice of the tasks of one server. */
#define EDF_RR_SLICE	(4 * NSEC_PER_MSEC)

/* Per-CPU state of the class, under the CPU's rq lock. */
struct edf_rr_rq {
	struct rb_root_cached	queue;		/* active servers, by deadline */
	struct list_head	switching;	/* tasks to change class */
	struct irq_work		switch_work;
	struct balance_callback	push_cb;	/* edf_rr_push_throttled() */
	struct task_struct	*push_task;	/* its task, referenced */
	int			cpu;
};

static DEFINE_PER_CPU(struct edf_rr_rq, edf_rr_rqs);
DEFINE_STATIC_KEY_FALSE(edf_rr_used);

static struct edf_rr_rq *edf_rr_rq(struct rq *rq)
{
	return &per_cpu(edf_rr_rqs, cpu_of(rq));
}

static struct task_struct *edf_rr_task_of(struct sched_edf_rr_entity *se)
{
	return container_of(se, struct task_struct, edf_rr);
}

static struct edf_rr_server *edf_rr_node_srv(const struct rb_node *node)
{
	return rb_entry(node, struct edf_rr_server, node);
}

/*
 * CBS wake-up rule: would a server keeping @srv->runtime until
 * @srv->deadline exceed its bandwidth at @now? Both sides scaled down by
 * 2^DL_SCALE, as dl_entity_overflow() does, so that 10 s periods in ns
 * cannot overflow.
 */
static bool edf_rr_cbs_overflow(const struct edf_rr_server *srv, u64 now)
{
	u64 left, right;

	if (!dl_time_before(now, srv->deadline) || srv->runtime <= 0)
		return true;
	left = (srv->dl_period >> DL_SCALE) * ((u64)srv->runtime >> DL_SCALE);
	right = ((srv->deadline - now) >> DL_SCALE) *
		(srv->dl_runtime >> DL_SCALE);
	return dl_time_before(right, left);
}

/* A new period from @now: full budget, deadline one period away. */
static void edf_rr_cbs_renew(struct edf_rr_server *srv, u64 now)
{
	srv->deadline = now + srv->dl_period;
	srv->runtime = srv->dl_runtime;
	srv->nr_periods++;
}

/* Wake-up rule: keep the current deadline and runtime if they fit. */
static void edf_rr_cbs_wakeup(struct edf_rr_server *srv, u64 now)
{
	if (edf_rr_cbs_overflow(srv, now))
		edf_rr_cbs_renew(srv, now);
}

/*
 * Hard CBS replenishment at the deadline: one budget and one period per
 * period used up (an overrun is paid back), and a fresh period if the
 * deadline fell behind @now meanwhile.
 */
static void edf_rr_cbs_replenish(struct edf_rr_server *srv, u64 now)
{
	while (srv->runtime <= 0) {
		srv->deadline += srv->dl_period;
		srv->runtime += srv->dl_runtime;
		srv->nr_periods++;
	}
	if (dl_time_before(srv->deadline, now))
		edf_rr_cbs_renew(srv, now);
}

/*
 * Can @srv serve @p, now or after its replenishment? A throttled server
 * only holds the tasks of a hard reservation parked at the user boundary.
 */
static bool edf_rr_serves(const struct edf_rr_server *srv,
			  struct task_struct *p)
{
	if (!srv->dl_runtime || (p->flags & PF_EXITING))
		return false;
	return !srv->throttled || (!READ_ONCE(srv->rsv->soft) && p->edf_rr.parked);
}

static bool edf_rr_srv_less(struct rb_node *a, const struct rb_node *b)
{
	return dl_time_before(edf_rr_node_srv(a)->deadline,
			      edf_rr_node_srv(b)->deadline);
}

static void edf_rr_queue_srv(struct edf_rr_rq *er, struct edf_rr_server *srv)
{
	if (srv->on_queue)
		return;
	rb_add_cached(&srv->node, &er->queue, edf_rr_srv_less);
	srv->on_queue = true;
}

static void edf_rr_unqueue_srv(struct edf_rr_rq *er, struct edf_rr_server *srv)
{
	if (!srv->on_queue)
		return;
	rb_erase_cached(&srv->node, &er->queue);
	srv->on_queue = false;
}

static struct edf_rr_server *edf_rr_first_srv(struct edf_rr_rq *er)
{
	struct rb_node *left = rb_first_cached(&er->queue);

	return left ? edf_rr_node_srv(left) : NULL;
}

/*
 * The wake-up rule for a server that may be queued already, after its
 * budget or period changed: a new deadline is a new key, so the server
 * leaves the EDF queue and comes back in its place.
 */
static void edf_rr_wakeup_srv(struct edf_rr_rq *er, struct edf_rr_server *srv,
			      u64 now)
{
	edf_rr_unqueue_srv(er, srv);
	edf_rr_cbs_wakeup(srv, now);
	edf_rr_queue_srv(er, srv);
}

/* The first task of a server: RT priorities first, then round robin. */
static struct task_struct *edf_rr_first_task(struct edf_rr_server *srv)
{
	struct sched_edf_rr_entity *se;

	se = list_first_entry_or_null(&srv->rt_tasks,
				      struct sched_edf_rr_entity, run_node);
	if (!se)
		se = list_first_entry_or_null(&srv->tasks,
					      struct sched_edf_rr_entity,
					      run_node);
	return se ? edf_rr_task_of(se) : NULL;
}

/* Should a task of server @a run before one of server @b? */
static bool edf_rr_srv_before(const struct edf_rr_server *a,
			      const struct edf_rr_server *b)
{
	if (!b || !b->on_queue)
		return a->on_queue;
	return a->on_queue && dl_time_before(a->deadline, b->deadline);
}

static void edf_rr_check_preempt(struct rq *rq, struct task_struct *p)
{
	struct task_struct *curr = rq->curr;
	struct edf_rr_server *srv = p->edf_rr.srv, *cur_srv;

	if (sched_class_above(&edf_rr_sched_class, curr->sched_class)) {
		if (srv->on_queue)
			resched_curr(rq);
		return;
	}
	if (curr->sched_class != &edf_rr_sched_class)
		return;
	cur_srv = curr->edf_rr.srv;
	if (srv == cur_srv ? p->prio < curr->prio :
			     edf_rr_srv_before(srv, cur_srv))
		resched_curr(rq);
}

/*
 * Enforce the budget to the microsecond, whatever the HRTICK features say:
 * at the tick, a hard server overruns by up to a tick and pays it back out
 * of its next period, and round robin drifts by as much.
 */
static void edf_rr_start_hrtick(struct rq *rq, struct task_struct *p)
{
#ifdef CONFIG_SCHED_HRTICK
	struct edf_rr_server *srv = p->edf_rr.srv;
	u64 left;

	if (!hrtick_enabled(rq) || !srv->dl_runtime || srv->runtime <= 0)
		return;
	left = srv->runtime;
	if (p->policy != SCHED_FIFO)
		left = min(left, p->edf_rr.slice);
	hrtick_start(rq, left);
#endif
}

/*
 * Ask for @p to be put in the right class, and on a CPU with a server,
 * from the irq_work: not from here, in the middle of the scheduler.
 */
void edf_rr_request_switch(struct rq *rq, struct task_struct *p)
{
	struct edf_rr_rq *er = edf_rr_rq(rq);

	lockdep_assert_rq_held(rq);
	if (test_and_set_bit(EDF_RR_SWITCHING, &p->edf_rr.pending))
		return;
	get_task_struct(p);
	list_add_tail(&p->edf_rr.switch_node, &er->switching);
	irq_work_queue(&er->switch_work);
}

/* Re-examine every task queued on @srv. */
static void edf_rr_evict(struct rq *rq, struct edf_rr_server *srv)
{
	struct sched_edf_rr_entity *se;

	list_for_each_entry(se, &srv->rt_tasks, run_node)
		edf_rr_request_switch(rq, edf_rr_task_of(se));
	list_for_each_entry(se, &srv->tasks, run_node)
		edf_rr_request_switch(rq, edf_rr_task_of(se));
}

/* Re-examine the tasks of @rsv waiting in the background. */
static void edf_rr_recall(struct rq *rq, struct edf_rr_rsv *rsv)
{
	struct sched_edf_rr_entity *se;

	guard(raw_spinlock)(&rsv->lock);
	list_for_each_entry(se, &rsv->background, bg_node)
		edf_rr_request_switch(rq, edf_rr_task_of(se));
}

static void edf_rr_account(struct edf_rr_server *srv, u64 now, u64 delta)
{
	int slot;

	if (now >= srv->hist_end) {
		srv->hist_cur = div64_u64(now, srv->dl_period);
		srv->hist_end = (srv->hist_cur + 1) * srv->dl_period;
		slot = srv->hist_cur % QOSRES_HISTORY;
		srv->hist_period[slot] = srv->hist_cur;
		srv->hist_usage[slot] = 0;
	}
	srv->hist_usage[srv->hist_cur % QOSRES_HISTORY] += delta;
	srv->usage += delta;
}

/* Arm the replenishment timer at the deadline; false if it is past. */
static bool edf_rr_start_timer(struct rq *rq, struct edf_rr_server *srv)
{
	ktime_t now, act;

	now = hrtimer_cb_get_time(&srv->timer);
	act = ktime_add_ns(ns_to_ktime(srv->deadline),
			   ktime_to_ns(now) - rq_clock(rq));
	if (ktime_before(act, now))
		return false;
	hrtimer_start(&srv->timer, act, HRTIMER_MODE_ABS_HARD);
	return true;
}

/* A replenished server's tasks may run: none of them is parked any more. */
static void edf_rr_unpark(struct edf_rr_server *srv)
{
	struct sched_edf_rr_entity *se;

	list_for_each_entry(se, &srv->rt_tasks, run_node)
		se->parked = 0;
	list_for_each_entry(se, &srv->tasks, run_node)
		se->parked = 0;
}

/*
 * The tasks of a throttled server cannot run: they leave rq->nr_running,
 * as CFS bandwidth control takes out a throttled group's, so that the CPU
 * counts as idle, CFS's fast pick path and newidle balance stay open, and
 * load figures hold what can run. Enqueue and dequeue count a task only
 * while its server is not throttled.
 */
static void edf_rr_set_throttled(struct rq *rq, struct edf_rr_server *srv,
				 bool throttled)
{
	if (srv->throttled == throttled)
		return;
	srv->throttled = throttled;
	if (throttled)
		sub_nr_running(rq, srv->nr_queued);
	else
		add_nr_running(rq, srv->nr_queued);
}

static void edf_rr_unthrottle(struct rq *rq, struct edf_rr_server *srv)
{
	u64 now = rq_clock(rq);

	edf_rr_set_throttled(rq, srv, false);
	srv->throttled_time += now - srv->throttled_at;
	edf_rr_cbs_replenish(srv, now);
	edf_rr_unpark(srv);
	if (srv->nr_queued) {
		edf_rr_queue_srv(edf_rr_rq(rq), srv);
		edf_rr_check_preempt(rq, edf_rr_first_task(srv));
	}
	edf_rr_recall(rq, srv->rsv);
}

/*
 * Out of budget: off the queue until the deadline (hard CBS). Its tasks
 * not parked yet go to the background, to be parked or served elsewhere.
 */
static void edf_rr_throttle(struct rq *rq, struct edf_rr_server *srv)
{
	edf_rr_unqueue_srv(edf_rr_rq(rq), srv);
	edf_rr_set_throttled(rq, srv, true);
	srv->throttled_at = rq_clock(rq);
	srv->nr_throttled++;
	irq_work_queue(&srv->rsv->notify);
	if (!edf_rr_start_timer(rq, srv)) {
		edf_rr_unthrottle(rq, srv);
		return;
	}
	edf_rr_evict(rq, srv);
}

static void edf_rr_pull(struct rq *rq, struct edf_rr_server *srv);

static enum hrtimer_restart edf_rr_timer_fn(struct hrtimer *timer)
{
	struct edf_rr_server *srv = container_of(timer, struct edf_rr_server,
						 timer);
	struct rq *rq = cpu_rq(srv->cpu);
	struct rq_flags rf;

	rq_lock(rq, &rf);
	update_rq_clock(rq);
	/*
	 * The server may have been released, placed again and throttled
	 * anew while this expiry waited for the lock: the timer is then
	 * armed again, and that later expiry ends the new throttle.
	 */
	if (srv->throttled && srv->dl_runtime && !hrtimer_is_queued(timer)) {
		edf_rr_unthrottle(rq, srv);
		/*
		 * Replenished with nothing to serve: a task of the reservation
		 * may wait behind a throttled sibling, and would wait out that
		 * sibling's period while this budget goes unused. As
		 * dl_task_timer() pushes, nothing here needs the lock held
		 * throughout.
		 */
		if (!srv->nr_queued) {
			rq_unpin_lock(rq, &rf);
			edf_rr_pull(rq, srv);
			rq_repin_lock(rq, &rf);
		}
	}
	rq_unlock(rq, &rf);
	return HRTIMER_NORESTART;
}

/*
 * Interrupted in user space, @rq's current task is preempted, if at all, on
 * its way back there: at the user boundary, parked already. The interrupted
 * context is this CPU's: of another CPU's task (a remote wake-up or
 * dequeue charging it) nothing is known, and it is taken as in the kernel.
 */
static bool edf_rr_in_user(struct rq *rq)
{
	struct pt_regs *regs = get_irq_regs();

	return cpu_of(rq) == smp_processor_id() && in_hardirq() && regs &&
	       user_mode(regs);
}

static void edf_rr_defer_park(struct task_struct *p, struct edf_rr_rsv *rsv);

/*
 * Out of budget inside the kernel, a user task of a hard reservation runs
 * on in its server to the user boundary, where it parks and throttles the
 * server (edf_rr_park_current()), as upstream CFS bandwidth control lets a
 * throttled task run to the boundary. Sent to the background there and
 * then, it would wait in CFS at nice 0 behind any nice -20 hogs, whose
 * turns EEVDF gives first for hundreds of ms. The overrun is charged, and
 * paid back at replenishment; a task still in the kernel a tick past the
 * budget goes to the background.
 */
static bool edf_rr_drains(struct task_struct *p, struct edf_rr_server *srv)
{
	if (-srv->runtime >= TICK_NSEC)
		return false;
	edf_rr_defer_park(p, srv->rsv);
	return test_bit(EDF_RR_PARKING, &p->edf_rr.pending);
}

/* Out of budget, not throttled yet: it just ran out, or it drains. */
static bool edf_rr_overdrawn(const struct edf_rr_server *srv)
{
	return srv->dl_runtime && !srv->throttled && srv->runtime <= 0;
}

/*
 * @delta of CPU time at @freq (SCHED_CAPACITY_SCALE: the top frequency)
 * in time at the top frequency, as dl_scaled_delta_exec() scales a
 * runtime: a budget is the work of that much time at full speed, and
 * schedutil keeps the CPU fast enough for the servers placed on it
 * (edf_rr_cpu_bw()). Not scaled by the CPU's capacity: admission counts
 * time on each CPU.
 */
static s64 edf_rr_scale_freq(s64 delta, unsigned long freq)
{
	return cap_scale(delta, freq);
}

/**
 * edf_rr_cpu_bw - bandwidth the qosres servers placed on a CPU hold
 * @cpu: the CPU
 *
 * For schedutil, beside cpu_bw_dl(): the least utilization at which the
 * budgets of @cpu's servers are the work they promise. All servers placed
 * there count, those with nothing queued too, as a budget's work is due
 * from the moment a task wakes.
 *
 * Return: capacity units, SCHED_CAPACITY_SCALE being the whole CPU.
 */
unsigned long edf_rr_cpu_bw(int cpu)
{
	return div64_u64(READ_ONCE(per_cpu(edf_rr_cpu_ppm, cpu)) *
			 SCHED_CAPACITY_SCALE, PPM);
}

/* Charge @delta of CPU time to @srv, as time at the top frequency. */
static void edf_rr_charge(struct rq *rq, struct edf_rr_server *srv, u64 delta)
{
	edf_rr_account(srv, rq_clock(rq), delta);
	srv->runtime -= edf_rr_scale_freq(delta,
					  arch_scale_freq_capacity(cpu_of(rq)));
}

/* Throttle @srv, on @rq's CPU, if it is out of budget. */
static void edf_rr_throttle_overdrawn(struct rq *rq, struct edf_rr_server *srv)
{
	if (edf_rr_overdrawn(srv)) {
		edf_rr_throttle(rq, srv);
		resched_curr(rq);
	}
}

/*
 * Charge the running task's server; throttle it when it runs out. An
 * overrun before the throttle (a late hrtick, a drain in the kernel) is
 * charged, and paid back at replenishment. The time from the throttle to
 * the switch away is the scheduler's: as update_curr_dl() once the entity
 * has left its dl_rq, nothing is charged for it, to the server or to the
 * task. Under TCG that path took half of a 1 ms budget.
 */
static void update_curr_edf_rr(struct rq *rq)
{
	struct task_struct *curr = rq->curr;
	struct edf_rr_server *srv;
	s64 delta;

	if (curr->sched_class != &edf_rr_sched_class)
		return;
	srv = curr->edf_rr.srv;
	/* Dropped, not deferred: a replenishment before the switch away. */
	if (srv->throttled) {
		curr->se.exec_start = rq_clock_task(rq);
		return;
	}
	delta = update_curr_common(rq);
	if (delta <= 0)
		return;
	curr->edf_rr.slice -= min_t(u64, curr->edf_rr.slice, delta);
	if (!srv->dl_runtime)
		return;
	edf_rr_charge(rq, srv, delta);
	if (edf_rr_overdrawn(srv)) {
		bool at_user = curr->edf_rr.parked || edf_rr_in_user(rq);

		if (!at_user && edf_rr_drains(curr, srv))
			return;
		curr->edf_rr.parked = at_user;
		edf_rr_throttle(rq, srv);
		resched_curr(rq);
	}
}

/* Queue @p on @srv: RT tasks by priority, the others at the tail. */
static void edf_rr_queue_task(struct edf_rr_server *srv, struct task_struct *p,
			      bool head)
{
	struct list_head *pos;

	if (!rt_prio(p->prio)) {
		if (head)
			list_add(&p->edf_rr.run_node, &srv->tasks);
		else
			list_add_tail(&p->edf_rr.run_node, &srv->tasks);
		return;
	}
	list_for_each(pos, &srv->rt_tasks) {
		struct task_struct *q = edf_rr_task_of(list_entry(pos,
				struct sched_edf_rr_entity, run_node));

		if (head ? q->prio >= p->prio : q->prio > p->prio)
			break;
	}
	list_add_tail(&p->edf_rr.run_node, pos);
}

static void enqueue_task_edf_rr(struct rq *rq, struct task_struct *p,
				int flags)
{
	struct edf_rr_server *srv = per_cpu_ptr(p->edf_rr.rsv->srv, cpu_of(rq));

	p->edf_rr.srv = srv;
	if ((flags & ENQUEUE_WAKEUP) || !p->edf_rr.slice)
		p->edf_rr.slice = EDF_RR_SLICE;
	edf_rr_queue_task(srv, p, flags & ENQUEUE_HEAD);
	if (!srv->throttled)
		add_nr_running(rq, 1);
	if (!srv->nr_queued++ && srv->dl_runtime && !srv->throttled) {
		edf_rr_wakeup_srv(edf_rr_rq(rq), srv, rq_clock(rq));
		cpufreq_update_util(rq, 0);
	}
	if (!edf_rr_serves(srv, p))
		edf_rr_request_switch(rq, p);
}

static bool dequeue_task_edf_rr(struct rq *rq, struct task_struct *p,
				int flags)
{
	struct edf_rr_server *srv = p->edf_rr.srv;

	update_curr_edf_rr(rq);
	list_del_init(&p->edf_rr.run_node);
	if (!srv->throttled)
		sub_nr_running(rq, 1);
	if (!--srv->nr_queued) {
		edf_rr_unqueue_srv(edf_rr_rq(rq), srv);
		/*
		 * Out of budget in the kernel (edf_rr_drains()) and blocked
		 * there: hard CBS throttles it until its deadline, else the
		 * wake-up rule would give it a new budget at once.
		 */
		if (edf_rr_overdrawn(srv))
			edf_rr_throttle(rq, srv);
	}
	return true;
}

/* Behind the peers of its priority on its server. */
static void edf_rr_requeue(struct task_struct *p)
{
	list_del(&p->edf_rr.run_node);
	edf_rr_queue_task(p->edf_rr.srv, p, false);
}

static void yield_task_edf_rr(struct rq *rq)
{
	edf_rr_requeue(rq->curr);
}

static void wakeup_preempt_edf_rr(struct rq *rq, struct task_struct *p,
				  int flags)
{
	edf_rr_check_preempt(rq, p);
}

static struct task_struct *pick_task_edf_rr(struct rq *rq)
{
	struct edf_rr_server *srv;
	struct task_struct *p;

	if (!static_branch_unlikely(&edf_rr_used))
		return NULL;
	srv = edf_rr_first_srv(edf_rr_rq(rq));
	if (!srv)
		return NULL;
	/* Back to run: it will be in the kernel again. */
	p = edf_rr_first_task(srv);
	p->edf_rr.parked = 0;
	return p;
}

static void edf_rr_queue_push(struct rq *rq, struct task_struct *p);

/*
 * __schedule() clears the hrtick only under the HRTICK features, off by
 * default: left armed, it would tick the next task. Not waiting for a
 * callback that is running already, which needs this rq's lock: that one
 * ticks the next task once.
 */
static void edf_rr_clear_hrtick(struct rq *rq)
{
#ifdef CONFIG_SCHED_HRTICK
	hrtimer_try_to_cancel(&rq->hrtick_timer);
#endif
}

/*
 * Without @next it is a change (class, affinity, cgroup), outside
 * __schedule(), which runs no balance callback: a push queued then would
 * still be pending at the next pin. The switch away that follows pushes.
 */
static void put_prev_task_edf_rr(struct rq *rq, struct task_struct *p,
				 struct task_struct *next)
{
	update_curr_edf_rr(rq);
	edf_rr_clear_hrtick(rq);
	if (!task_on_rq_queued(p))
		return;
	if (!edf_rr_serves(p->edf_rr.srv, p))
		edf_rr_request_switch(rq, p);
	else if (next && p->edf_rr.srv->throttled)
		edf_rr_queue_push(rq, p);
}

static void set_next_task_edf_rr(struct rq *rq, struct task_struct *p,
				 bool first)
{
	p->se.exec_start = rq_clock_task(rq);
	edf_rr_start_hrtick(rq, p);
}

static void task_tick_edf_rr(struct rq *rq, struct task_struct *p, int queued)
{
	struct list_head *peers;

	update_curr_edf_rr(rq);
	cpufreq_update_util(rq, 0);
	if (p->policy != SCHED_FIFO && !p->edf_rr.slice) {
		p->edf_rr.slice = EDF_RR_SLICE;
		peers = rt_prio(p->prio) ? &p->edf_rr.srv->rt_tasks :
					   &p->edf_rr.srv->tasks;
		if (!list_is_singular(peers)) {
			p->edf_rr.parked = edf_rr_in_user(rq);
			edf_rr_requeue(p);
			resched_curr(rq);
			return;
		}
	}
	edf_rr_start_hrtick(rq, p);
}

static void prio_changed_edf_rr(struct rq *rq, struct task_struct *p,
				int oldprio)
{
	if (!task_on_rq_queued(p) || p->prio == oldprio)
		return;
	edf_rr_requeue(p);
	if (task_current(rq, p)) {
		if (p->prio > oldprio)
			resched_curr(rq);
	} else {
		edf_rr_check_preempt(rq, p);
	}
}

/*
 * @p may be current without being queued: it is blocking, and its CPU
 * dropped the lock to balance. set_next_task() and update_curr() then look
 * at its server before any enqueue: make it one of its reservation's.
 */
static void switching_to_edf_rr(struct rq *rq, struct task_struct *p)
{
	p->edf_rr.srv = per_cpu_ptr(p->edf_rr.rsv->srv, cpu_of(rq));
}

static void switched_to_edf_rr(struct rq *rq, struct task_struct *p)
{
	if (task_on_rq_queued(p) && !task_current(rq, p))
		edf_rr_check_preempt(rq, p);
}

static unsigned int get_rr_interval_edf_rr(struct rq *rq,
					   struct task_struct *p)
{
	return p->policy == SCHED_FIFO ? 0 : nsecs_to_jiffies(EDF_RR_SLICE);
}

/*
 * A CPU where @rsv has a server that can serve @p: @prefer if it can,
 * else one not throttled with the fewest tasks, or -1.
 */
static int edf_rr_find_cpu(struct task_struct *p, struct edf_rr_rsv *rsv,
			   int prefer)
{
	struct edf_rr_server *srv;
	unsigned int best_load = UINT_MAX;
	int cpu, best = -1;

	for_each_cpu_and(cpu, rsv->cpus, p->cpus_ptr) {
		unsigned int load;

		if (!cpu_active(cpu))
			continue;
		srv = per_cpu_ptr(rsv->srv, cpu);
		if (!edf_rr_serves(srv, p))
			continue;
		load = READ_ONCE(srv->nr_queued) * 2 + READ_ONCE(srv->throttled);
		if (cpu == prefer && !READ_ONCE(srv->throttled))
			return cpu;
		if (load < best_load) {
			best_load = load;
			best = cpu;
		}
	}
	return best;
}

static int select_task_rq_edf_rr(struct task_struct *p, int cpu, int flags)
{
	struct edf_rr_rsv *rsv = p->edf_rr.rsv;
	int best;

	if (!rsv)
		return cpu;
	best = edf_rr_find_cpu(p, rsv, cpu);
	return best < 0 ? cpu : best;
}

/* Move queued, not running @p from @src to @dst; both locked. */
static void edf_rr_move(struct rq *src, struct task_struct *p, struct rq *dst)
{
	deactivate_task(src, p, 0);
	set_task_cpu(p, cpu_of(dst));
	activate_task(dst, p, 0);
	wakeup_preempt(dst, p, 0);
}

static bool edf_rr_can_move(struct rq *rq, struct task_struct *p, int cpu)
{
	return task_rq(p) == rq && task_on_rq_queued(p) &&
	       !task_current(rq, p) && !is_migration_disabled(p) &&
	       p->sched_class == &edf_rr_sched_class &&
	       cpumask_test_cpu(cpu, p->cpus_ptr) && cpu_active(cpu);
}

/*
 * Move @p to @cpu with @rq, its current rq, locked and unpinned. The lock
 * may be dropped meanwhile, so check again once both are held.
 */
static void edf_rr_push_to(struct rq *rq, struct task_struct *p, int cpu)
{
	struct rq *dst = cpu_rq(cpu);

	double_lock_balance(rq, dst);
	if (edf_rr_can_move(rq, p, cpu))
		edf_rr_move(rq, p, dst);
	double_unlock_balance(rq, dst);
}

/* A sibling of @srv with budget and nothing to run, for @p; or -1. */
static int edf_rr_idle_sibling(struct edf_rr_server *srv, struct task_struct *p)
{
	struct edf_rr_rsv *rsv = srv->rsv;
	struct edf_rr_server *sib;
	int cpu;

	for_each_cpu_and(cpu, rsv->cpus, p->cpus_ptr) {
		sib = per_cpu_ptr(rsv->srv, cpu);
		if (sib != srv && cpu_active(cpu) && sib->dl_runtime &&
		    !READ_ONCE(sib->throttled) && !READ_ONCE(sib->nr_queued))
			return cpu;
	}
	return -1;
}

/* Is @p queued behind another task, or behind a throttled server? */
static bool edf_rr_waiting(struct rq *rq, struct task_struct *p)
{
	struct edf_rr_server *srv = p->edf_rr.srv;

	return !task_current(rq, p) && (srv->throttled || srv->nr_queued > 1);
}

static void task_woken_edf_rr(struct rq *rq, struct task_struct *p)
{
	int cpu;

	if (!edf_rr_waiting(rq, p))
		return;
	cpu = edf_rr_idle_sibling(p->edf_rr.srv, p);
	if (cpu >= 0)
		edf_rr_push_to(rq, p, cpu);
}

/* A waiting task of @srv's reservation from another CPU, moved here. */
static void edf_rr_pull(struct rq *rq, struct edf_rr_server *srv)
{
	struct edf_rr_rsv *rsv = srv->rsv;
	struct sched_edf_rr_entity *se;
	struct edf_rr_server *src_srv;
	struct rq *src;
	int cpu;

	for_each_online_cpu(cpu) {
		src_srv = per_cpu_ptr(rsv->srv, cpu);
		if (cpu == cpu_of(rq) || READ_ONCE(src_srv->nr_queued) <
		    (READ_ONCE(src_srv->throttled) ? 1 : 2))
			continue;
		src = cpu_rq(cpu);
		double_lock_balance(rq, src);
		list_for_each_entry(se, &src_srv->tasks, run_node) {
			struct task_struct *p = edf_rr_task_of(se);

			if (srv->nr_queued || !edf_rr_can_move(src, p, cpu_of(rq)))
				continue;
			edf_rr_move(src, p, rq);
			break;
		}
		double_unlock_balance(rq, src);
		if (srv->nr_queued)
			return;
	}
}

/* Push the waiting tasks of a throttled @srv to siblings with budget. */
static void edf_rr_push_waiting(struct rq *rq, struct edf_rr_server *srv)
{
	struct sched_edf_rr_entity *se, *next;
	int cpu;

	list_for_each_entry_safe(se, next, &srv->tasks, run_node) {
		struct task_struct *p = edf_rr_task_of(se);

		if (task_current(rq, p))
			continue;
		cpu = edf_rr_idle_sibling(srv, p);
		if (cpu < 0)
			return;
		edf_rr_push_to(rq, p, cpu);
		/* The lock may have been dropped: start over next time. */
		return;
	}
}

/*
 * After the switch away from @rq's push_task, whose server ran out of
 * budget: it moves to a sibling server with budget to spare, as the tasks
 * waiting behind it do from balance_edf_rr(), where it was still current.
 * Alone in a reservation split over CPUs, it would otherwise wait out the
 * period of one server and get that server's share only.
 */
static void edf_rr_push_throttled(struct rq *rq)
{
	struct edf_rr_rq *erq = edf_rr_rq(rq);
	struct task_struct *p = erq->push_task;
	int cpu;

	erq->push_task = NULL;
	if (task_rq(p) == rq && task_on_rq_queued(p) &&
	    p->sched_class == &edf_rr_sched_class &&
	    READ_ONCE(p->edf_rr.srv->throttled)) {
		cpu = edf_rr_idle_sibling(p->edf_rr.srv, p);
		if (cpu >= 0)
			edf_rr_push_to(rq, p, cpu);
	}
	put_task_struct(p);
}

static void edf_rr_queue_push(struct rq *rq, struct task_struct *p)
{
	struct edf_rr_rq *erq = edf_rr_rq(rq);

	if (erq->push_task)
		return;
	queue_balance_callback(rq, &erq->push_cb, edf_rr_push_throttled);
	if (rq->balance_callback == &erq->push_cb)
		erq->push_task = get_task_struct(p);
}

static int balance_edf_rr(struct rq *rq, struct task_struct *prev,
			  struct rq_flags *rf)
{
	struct edf_rr_server *srv = prev->edf_rr.srv;

	if (prev->sched_class == &edf_rr_sched_class && srv->dl_runtime) {
		rq_unpin_lock(rq, rf);
		if (srv->throttled && srv->nr_queued > 1)
			edf_rr_push_waiting(rq, srv);
		else if (!srv->throttled && !srv->nr_queued)
			edf_rr_pull(rq, srv);
		rq_repin_lock(rq, rf);
	}
	return sched_stop_runnable(rq) || sched_dl_runnable(rq) ||
	       !RB_EMPTY_ROOT(&edf_rr_rq(rq)->queue.rb_root);
}

DEFINE_SCHED_CLASS(edf_rr) = {
	.enqueue_task		= enqueue_task_edf_rr,
	.dequeue_task		= dequeue_task_edf_rr,
	.yield_task		= yield_task_edf_rr,
	.wakeup_preempt		= wakeup_preempt_edf_rr,
	.pick_task		= pick_task_edf_rr,
	.put_prev_task		= put_prev_task_edf_rr,
	.set_next_task		= set_next_task_edf_rr,
	.balance		= balance_edf_rr,
	.select_task_rq		= select_task_rq_edf_rr,
	.set_cpus_allowed	= set_cpus_allowed_common,
	.task_woken		= task_woken_edf_rr,
	.task_tick		= task_tick_edf_rr,
	.get_rr_interval	= get_rr_interval_edf_rr,
	.prio_changed		= prio_changed_edf_rr,
	.switching_to		= switching_to_edf_rr,
	.switched_to		= switched_to_edf_rr,
	.update_curr		= update_curr_edf_rr,
};

/*
 * Moving tasks in and out of the class.
 */

/*
 * Membership of the background list follows @p->edf_rr.bg. A task sent
 * there out of budget (@owes: hard, in the kernel) owes the CPU time it
 * takes there, and pays it at the user boundary (edf_rr_pay_debt()):
 * else one long syscall past the budget escapes it.
 */
static void edf_rr_set_bg(struct task_struct *p, bool bg, bool owes)
{
	struct sched_edf_rr_entity *se = &p->edf_rr;
	struct edf_rr_rsv *rsv = se->rsv;

	if (se->bg == bg)
		return;
	se->bg = bg;
	if (bg) {
		se->owes = owes;
		se->bg_exec = p->se.sum_exec_runtime;
	} else if (se->owes) {
		se->owes = 0;
		se->debt += p->se.sum_exec_runtime - se->bg_exec;
	}
	guard(raw_spinlock)(&rsv->lock);
	if (bg)
		list_add_tail(&p->edf_rr.bg_node, &rsv->background);
	else
		list_del_init(&p->edf_rr.bg_node);
}

static void edf_rr_set_rsv(struct task_struct *p, struct edf_rr_rsv *rsv)
{
	if (p->edf_rr.rsv == rsv)
		return;
	if (p->edf_rr.rsv)
		edf_rr_set_bg(p, false, false);
	p->edf_rr.rsv = rsv;
	p->edf_rr.debt = 0;
}

/* The class change of __sched_setscheduler(), without new parameters. */
static void edf_rr_change_class(struct rq *rq, struct task_struct *p,
				const struct sched_class *next_class)
{
	const struct sched_class *prev_class = p->sched_class;
	int flags = DEQUEUE_SAVE | DEQUEUE_MOVE | DEQUEUE_NOCLOCK;
	bool queued, running;

	if (p->se.sched_delayed)
		dequeue_task(rq, p, DEQUEUE_SLEEP | DEQUEUE_DELAYED |
				    DEQUEUE_NOCLOCK);
	queued = task_on_rq_queued(p);
	running = task_current(rq, p);
	if (queued)
		dequeue_task(rq, p, flags);
	if (running)
		put_prev_task(rq, p);
	p->sched_class = next_class;
	check_class_changing(rq, p, prev_class);
	if (queued)
		enqueue_task(rq, p, flags);
	if (running)
		set_next_task(rq, p);
	check_class_changed(rq, p, prev_class, p->prio);
}

static void edf_rr_park_fn(struct callback_head *work);

/*
 * A user task of a hard reservation in the background waits for its
 * budget once back at the user boundary: edf_rr_park_fn() then.
 */
static void edf_rr_defer_park(struct task_struct *p, struct edf_rr_rsv *rsv)
{
	if (READ_ONCE(rsv->soft) || (p->flags & (PF_KTHREAD | PF_EXITING)) ||
	    test_and_set_bit(EDF_RR_PARKING, &p->edf_rr.pending))
		return;
	init_task_work(&p->edf_rr.park_work, edf_rr_park_fn);
	/* No allocation: the rq lock is held. */
	if (task_work_add(p, &p->edf_rr.park_work, TWA_RESUME | TWAF_NO_ALLOC))
		clear_bit(EDF_RR_PARKING, &p->edf_rr.pending);
}

/*
 * Is @p, of a hard reservation, out of budget on @rq's CPU and not parked
 * yet? It goes to the background until it parks, not to a sibling with
 * budget: the tasks of a busy server would pile up there, and leave their
 * own server idle after its replenishment.
 */
static bool edf_rr_out_of_budget(struct rq *rq, struct task_struct *p,
				 struct edf_rr_rsv *rsv)
{
	struct edf_rr_server *here = per_cpu_ptr(rsv->srv, cpu_of(rq));

	return here->throttled && !READ_ONCE(rsv->soft) && !p->edf_rr.parked;
}

/*
 * Put @p in the class it belongs in now: its reservation from its cgroup,
 * the class from that and whether a server can serve it. @rq is its rq,
 * locked, with @p->pi_lock. Return: a CPU whose server should take @p
 * from here, or -1.
 */
static int edf_rr_settle_locked(struct rq *rq, struct task_struct *p)
{
	struct edf_rr_rsv *rsv = NULL;
	const struct sched_class *class;
	struct edf_rr_server *srv;
	int cpu = -1;

	if (!(p->flags & PF_EXITING))
		rsv = qosres_task_rsv(p);
	edf_rr_set_rsv(p, rsv);
	if (rsv) {
		bool owes = edf_rr_out_of_budget(rq, p, rsv);

		cpu = owes ? -1 : edf_rr_find_cpu(p, rsv, cpu_of(rq));
		/* The debt of its background time to the ns: it runs in CFS. */
		if (p->edf_rr.owes && cpu >= 0 && task_current(rq, p))
			p->sched_class->update_curr(rq);
		edf_rr_set_bg(p, cpu < 0, owes);
		if (cpu < 0 && !p->edf_rr.parked)
			edf_rr_defer_park(p, rsv);
	}
	/*
	 * Parked only while it waits for a throttled server: one running on
	 * a server of its reservation waits on that one until the switch
	 * away pushes it to @cpu's, else it would go to the background in
	 * between.
	 */
	srv = cpu >= 0 ? per_cpu_ptr(rsv->srv, cpu) : NULL;
	if (srv && task_current(rq, p) &&
	    p->sched_class == &edf_rr_sched_class &&
	    p->edf_rr.srv->rsv == rsv && p->edf_rr.srv->dl_runtime)
		srv = p->edf_rr.srv;
	if (!srv || !READ_ONCE(srv->throttled))
		p->edf_rr.parked = 0;

	class = __setscheduler_class(p, p->policy, p->prio);
	if (class != p->sched_class)
		edf_rr_change_class(rq, p, class);

	if (p->sched_class != &edf_rr_sched_class || cpu < 0)
		return -1;
	if (task_current(rq, p) && p->edf_rr.srv->throttled)
		resched_curr(rq);	/* it parked itself */
	if (cpu == cpu_of(rq) || !task_on_rq_queued(p))
		return -1;
	if (task_current(rq, p)) {
		/* Pushed once it is off the CPU (put_prev_task_edf_rr()). */
		resched_curr(rq);
		return -1;
	}
	return cpu;
}

/*
 * Current @p at the user boundary: parked, and if it ran its server out in
 * the kernel (edf_rr_drains()), the server throttles now.
 */
static void edf_rr_park_current(struct rq *rq, struct task_struct *p)
{
	struct edf_rr_server *srv = p->edf_rr.srv;

	p->edf_rr.parked = 1;
	if (p->sched_class != &edf_rr_sched_class)
		return;
	update_curr_edf_rr(rq);
	edf_rr_throttle_overdrawn(rq, srv);
}

/*
 * Current @p, back at the user boundary, pays for its background time out
 * of budget (edf_rr_set_bg()) to the server it is on now, as if it had run
 * there: an overrun, paid back out of the server's next periods (hard
 * CBS). Only here: a thread that never returns to user space would have
 * its server throttled for good while it runs on in the background.
 */
static void edf_rr_pay_debt(struct rq *rq, struct task_struct *p)
{
	struct edf_rr_server *srv = p->edf_rr.srv;

	if (!p->edf_rr.debt || p->sched_class != &edf_rr_sched_class ||
	    !srv->dl_runtime)
		return;
	edf_rr_charge(rq, srv, p->edf_rr.debt);
	p->edf_rr.debt = 0;
	edf_rr_throttle_overdrawn(rq, srv);
}

/* Settle @p; @park: it is current, at the return to user space. */
static void edf_rr_settle(struct task_struct *p, bool park)
{
	struct balance_callback *head;
	struct rq_flags rf;
	struct rq *rq;
	int cpu;

	rq = task_rq_lock(p, &rf);
	update_rq_clock(rq);
	if (park)
		edf_rr_park_current(rq, p);
	cpu = edf_rr_settle_locked(rq, p);
	if (park)
		edf_rr_pay_debt(rq, p);
	/*
	 * The class change may have queued balance callbacks; take them
	 * off before a push can drop the lock, and run them after.
	 */
	head = splice_balance_callbacks(rq);
	if (cpu >= 0) {
		rq_unpin_lock(rq, &rf);
		edf_rr_push_to(rq, p, cpu);
		rq_repin_lock(rq, &rf);
	}
	task_rq_unlock(rq, p, &rf);
	balance_callbacks(rq, head);
}

static void edf_rr_switch_fn(struct irq_work *work)
{
	struct edf_rr_rq *er = container_of(work, struct edf_rr_rq,
					    switch_work);
	struct sched_edf_rr_entity *se, *next;
	struct rq *rq = cpu_rq(er->cpu);
	struct rq_flags rf;
	LIST_HEAD(todo);

	rq_lock_irqsave(rq, &rf);
	list_splice_init(&er->switching, &todo);
	rq_unlock_irqrestore(rq, &rf);

	list_for_each_entry_safe(se, next, &todo, switch_node) {
		struct task_struct *p = edf_rr_task_of(se);

		list_del_init(&se->switch_node);
		clear_bit_unlock(EDF_RR_SWITCHING, &se->pending);
		edf_rr_settle(p, false);
		put_task_struct(p);
	}
}

/* At the return to user space, unless on the way to die of a signal. */
static void edf_rr_park_fn(struct callback_head *work)
{
	clear_bit(EDF_RR_PARKING, &current->edf_rr.pending);
	if (!fatal_signal_pending(current))
		edf_rr_settle(current, true);
}

/**
 * edf_rr_task_update - follow a change of @p's reservation
 * @p: a task whose cgroup, or whose cgroup's reservation, changed
 *
 * Process context, no scheduler locks held.
 */
void edf_rr_task_update(struct task_struct *p)
{
	edf_rr_settle(p, false);
}

/* A task on its way out leaves its reservation for good. */
void edf_rr_task_exit(struct task_struct *p)
{
	if (READ_ONCE(p->edf_rr.rsv))
		edf_rr_settle(p, false);
}

/* Before a new task becomes visible: nothing inherited from the parent. */
void edf_rr_fork(struct task_struct *p)
{
	memset(&p->edf_rr, 0, sizeof(p->edf_rr));
	INIT_LIST_HEAD(&p->edf_rr.run_node);
	INIT_LIST_HEAD(&p->edf_rr.bg_node);
	INIT_LIST_HEAD(&p->edf_rr.switch_node);
}

bool edf_rr_in_use(void)
{
	return static_branch_unlikely(&edf_rr_used);
}

/* Reservations exist (@on) or the last one ended; CPU hotplug lock held. */
void edf_rr_use(bool on)
{
	if (on)
		static_branch_inc_cpuslocked(&edf_rr_used);
	else
		static_branch_dec_cpuslocked(&edf_rr_used);
}

/* After a placement: make the servers on each CPU what admission chose. */
static void edf_rr_apply_server(struct edf_rr_rsv *rsv, int cpu)
{
	struct edf_rr_server *srv = per_cpu_ptr(rsv->srv, cpu);
	u64 runtime = READ_ONCE(srv->budget) * NSEC_PER_USEC;
	u64 period = rsv->period * NSEC_PER_USEC;
	struct rq *rq = cpu_rq(cpu);
	struct rq_flags rf;

	rq_lock_irqsave(rq, &rf);
	update_rq_clock(rq);
	if (runtime == srv->dl_runtime && period == srv->dl_period)
		goto unlock;
	/* What ran until now is charged under the old parameters. */
	update_curr_edf_rr(rq);
	if (!runtime) {
		edf_rr_unqueue_srv(edf_rr_rq(rq), srv);
		hrtimer_try_to_cancel(&srv->timer);
		edf_rr_set_throttled(rq, srv, false);
		srv->dl_runtime = 0;
		edf_rr_evict(rq, srv);
		goto unlock;
	}
	if (!srv->dl_runtime) {
		edf_rr_set_throttled(rq, srv, false);
		srv->runtime = 0;
		srv->deadline = 0;
	}
	/* A new period is a new grid of history slots; a budget is not. */
	if (period != srv->dl_period)
		srv->hist_end = 0;
	srv->dl_runtime = runtime;
	srv->dl_period = period;
	srv->runtime = min_t(s64, srv->runtime, runtime);
	if (srv->nr_queued && !srv->throttled) {
		edf_rr_wakeup_srv(edf_rr_rq(rq), srv, rq_clock(rq));
		edf_rr_check_preempt(rq, edf_rr_first_task(srv));
	}
	/* A running task's enforcement follows the new runtime. */
	if (rq->curr->sched_class == &edf_rr_sched_class &&
	    rq->curr->edf_rr.srv == srv)
		edf_rr_start_hrtick(rq, rq->curr);
	edf_rr_recall(rq, rsv);
unlock:
	rq_unlock_irqrestore(rq, &rf);
}

static void edf_rr_apply(struct edf_rr_rsv *rsv)
{
	int cpu;

	for_each_possible_cpu(cpu)
		edf_rr_apply_server(rsv, cpu);
}

/* Hard or soft: tasks in and out of the background follow at once. */
void edf_rr_set_soft(struct edf_rr_rsv *rsv, bool soft)
{
	struct rq_flags rf;
	int cpu;

	WRITE_ONCE(rsv->soft, soft);
	for_each_possible_cpu(cpu) {
		struct edf_rr_server *srv = per_cpu_ptr(rsv->srv, cpu);
		struct rq *rq = cpu_rq(cpu);

		rq_lock_irqsave(rq, &rf);
		if (soft && srv->throttled)
			edf_rr_evict(rq, srv);
		if (!soft)
			edf_rr_recall(rq, rsv);
		rq_unlock_irqrestore(rq, &rf);
	}
}

static void edf_rr_notify_fn(struct irq_work *work)
{
	qosres_throttled(container_of(work, struct edf_rr_rsv, notify));
}

static int __init edf_rr_init(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct edf_rr_rq *er = &per_cpu(edf_rr_rqs, cpu);

		er->queue = RB_ROOT_CACHED;
		er->cpu = cpu;
		INIT_LIST_HEAD(&er->switching);
		er->switch_work = IRQ_WORK_INIT_HARD(edf_rr_switch_fn);
	}
	return 0;
}
early_initcall(edf_rr_init);

int edf_rr_rsv_init(struct edf_rr_rsv *rsv)
{
	int cpu;

	if (!zalloc_cpumask_var(&rsv->cpus, GFP_KERNEL))
		return -ENOMEM;
	rsv->srv = alloc_percpu(struct edf_rr_server);
	if (!rsv->srv) {
		free_cpumask_var(rsv->cpus);
		return -ENOMEM;
	}
	raw_spin_lock_init(&rsv->lock);
	INIT_LIST_HEAD(&rsv->background);
	init_irq_work(&rsv->notify, edf_rr_notify_fn);
	for_each_possible_cpu(cpu) {
		struct edf_rr_server *srv = per_cpu_ptr(rsv->srv, cpu);

		srv->rsv = rsv;
		srv->cpu = cpu;
		RB_CLEAR_NODE(&srv->node);
		INIT_LIST_HEAD(&srv->rt_tasks);
		INIT_LIST_HEAD(&srv->tasks);
		hrtimer_init(&srv->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_HARD);
		srv->timer.function = edf_rr_timer_fn;
	}
	return 0;
}

void edf_rr_rsv_free(struct edf_rr_rsv *rsv)
{
	int cpu;

	for_each_possible_cpu(cpu)
		hrtimer_cancel(&per_cpu_ptr(rsv->srv, cpu)->timer);
	irq_work_sync(&rsv->notify);
	free_percpu(rsv->srv);
	free_cpumask_var(rsv->cpus);
}

/* CPUs holding the reservation first, then most room, then lowest id. */
static int edf_rr_cmp_keep(const void *a, const void *b)
{
	const struct edf_rr_slot *x = a, *y = b;

	if (!x->cur != !y->cur)
		return x->cur ? -1 : 1;
	if (x->room != y->room)
		return x->room > y->room ? -1 : 1;
	return x->cpu - y->cpu;
}

/* Most room first, then lowest id. */
static int edf_rr_cmp_room(const void *a, const void *b)
{
	const struct edf_rr_slot *x = a, *y = b;

	if (x->room != y->room)
		return x->room > y->room ? -1 : 1;
	return x->cpu - y->cpu;
}

/*
 * Split @budget over @slots[0..n), sorted by room, most first: water
 * filling from the CPU with the least room, so the servers get even shares
 * unless a CPU has less room than its share.
 */
static int edf_rr_fill(struct edf_rr_slot *slots, int n, u64 budget)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		u64 share = div64_u64(budget + i, i + 1);

		slots[i].budget = min(slots[i].room, share);
		if (slots[i].budget < QOSRES_BUDGET_MIN)
			return -EBUSY;
		budget -= slots[i].budget;
	}
	return budget ? -EBUSY : 0;
}

/*
 * edf_rr_split - choose the servers of a reservation
 * @slots: the CPUs allowed, with their room and the reservation's budget
 * @nr: number of slots
 * @budget: budget to place, us per period
 * @cpu_max: the most budget one CPU may hold (limit x period)
 *
 * A reservation gets ceil(@budget / @cpu_max) servers. The CPUs it holds
 * now are kept when it still fits there, so that a budget change does not
 * move it; otherwise the CPUs with the most room are taken, which spreads
 * reservations. Return: the number of servers, their CPUs and budgets in
 * @slots[0..n), or -EBUSY when no placement fits.
 */
static int edf_rr_split(struct edf_rr_slot *slots, int nr, u64 budget,
			u64 cpu_max)
{
	u64 rem, n;

	if (!budget || !cpu_max)
		return -EBUSY;
	n = div64_u64_rem(budget, cpu_max, &rem) + !!rem;
	if (n > nr)
		return -EBUSY;

	sort(slots, nr, sizeof(*slots), edf_rr_cmp_keep, NULL);
	sort(slots, n, sizeof(*slots), edf_rr_cmp_room, NULL);
	if (!edf_rr_fill(slots, n, budget))
		return n;

	/* If the CPUs with the most room cannot take it, no set can. */
	sort(slots, nr, sizeof(*slots), edf_rr_cmp_room, NULL);
	return edf_rr_fill(slots, n, budget) ?: n;
}

static void edf_rr_set_server(struct edf_rr_rsv *rsv, int cpu, u64 budget,
			      u64 period)
{
	struct edf_rr_server *srv = per_cpu_ptr(rsv->srv, cpu);

	lockdep_assert_held(&edf_rr_bw_lock);
	per_cpu(edf_rr_cpu_ppm, cpu) -= srv->ppm;
	srv->budget = budget;
	srv->ppm = budget ? edf_rr_ppm(budget, period) : 0;
	per_cpu(edf_rr_cpu_ppm, cpu) += srv->ppm;
	if (budget)
		cpumask_set_cpu(cpu, rsv->cpus);
	else
		cpumask_clear_cpu(cpu, rsv->cpus);
}

static void edf_rr_clear_servers(struct edf_rr_rsv *rsv)
{
	int cpu;

	for_each_cpu(cpu, rsv->cpus)
		edf_rr_set_server(rsv, cpu, 0, 0);
	rsv->nr_servers = 0;
}

/* Fill @slots with the CPUs of @allowed in @rd; returns how many. */
static int edf_rr_slots(struct edf_rr_rsv *rsv, struct root_domain *rd,
			const struct cpumask *allowed, u64 period,
			struct edf_rr_slot *slots)
{
	u64 limit = edf_rr_limit(rd->dl_bw.bw);
	u64 dl = edf_rr_dl_ppm(rd, 0);
	int cpu, nr = 0;

	for_each_cpu_and(cpu, allowed, rd->span) {
		struct edf_rr_server *srv = per_cpu_ptr(rsv->srv, cpu);
		u64 others = per_cpu(edf_rr_cpu_ppm, cpu) - srv->ppm;
		u64 room;

		if (!cpu_active(cpu))
			continue;
		room = edf_rr_room(limit, edf_rr_fair_ppm(cpu), dl, others);
		slots[nr++] = (struct edf_rr_slot) {
			.cpu	= cpu,
			.room	= div64_u64(room * period, PPM),
			.cur	= srv->budget,
		};
	}
	return nr;
}

/**
 * edf_rr_place - admit a reservation and place its servers
 * @rsv: the reservation
 * @budget: us per @period in all, non-zero
 * @period: us
 * @allowed: CPUs the servers may use
 *
 * The servers stay within the root domain of @allowed's first active CPU.
 * Return: 0, -EBUSY when no placement fits (nothing changes), -ENOMEM.
 */
int edf_rr_place(struct edf_rr_rsv *rsv, u64 budget, u64 period,
		 const struct cpumask *allowed)
{
	struct edf_rr_slot *slots;
	struct root_domain *rd;
	unsigned long flags;
	int cpu, i, n, nr;

	slots = kmalloc_array(nr_cpu_ids, sizeof(*slots), GFP_KERNEL);
	if (!slots)
		return -ENOMEM;

	rcu_read_lock_sched();
	cpu = cpumask_first_and(allowed, cpu_active_mask);
	if (cpu >= nr_cpu_ids) {
		n = -EBUSY;
		goto unlock_rcu;
	}
	rd = cpu_rq(cpu)->rd;
	raw_spin_lock_irqsave(&rd->dl_bw.lock, flags);
	raw_spin_lock(&edf_rr_bw_lock);

	nr = edf_rr_slots(rsv, rd, allowed, period, slots);
	n = edf_rr_split(slots, nr, budget,
			 div64_u64(edf_rr_limit(rd->dl_bw.bw) * period, PPM));
	if (n > 0) {
		edf_rr_clear_servers(rsv);
		for (i = 0; i < n; i++)
			edf_rr_set_server(rsv, slots[i].cpu, slots[i].budget,
					  period);
		rsv->nr_servers = n;
		rsv->period = period;
	}

	raw_spin_unlock(&edf_rr_bw_lock);
	raw_spin_unlock_irqrestore(&rd->dl_bw.lock, flags);
unlock_rcu:
	rcu_read_unlock_sched();
	kfree(slots);
	if (n < 0)
		return n;
	edf_rr_apply(rsv);
	return 0;
}

/* Give back a reservation's servers. */
void edf_rr_release(struct edf_rr_rsv *rsv)
{
	scoped_guard(raw_spinlock_irqsave, &edf_rr_bw_lock)
		edf_rr_clear_servers(rsv);
	edf_rr_apply(rsv);
}

/* qosres.stat of a reservation: where its servers are. */
void edf_rr_show_servers(struct seq_file *sf, struct edf_rr_rsv *rsv)
{
	int cpu;

	guard(raw_spinlock_irqsave)(&edf_rr_bw_lock);
	seq_printf(sf, "nr_servers %u\n", rsv->nr_servers);
	seq_printf(sf, "cpus %*pbl\n", cpumask_pr_args(rsv->cpus));
	for_each_cpu(cpu, rsv->cpus) {
		struct edf_rr_server *srv = per_cpu_ptr(rsv->srv, cpu);

		seq_printf(sf, "cpu%d_budget_usec %llu\n", cpu, srv->budget);
		seq_printf(sf, "cpu%d_usage_usec %llu\n", cpu,
			   div_u64(READ_ONCE(srv->usage), NSEC_PER_USEC));
	}
}

/*
 * The CPU time, in us, the reservation had in each of the QOSRES_HISTORY
 * periods of @period us before the current one, oldest first, into
 * @usage; returns the current period's index. Periods count from boot so
 * that all servers share them. Read without the servers' locks, as other
 * scheduler statistics are.
 */
u64 edf_rr_history(struct edf_rr_rsv *rsv, u64 period, u64 *usage)
{
	u64 cur = div64_u64(local_clock(), period * NSEC_PER_USEC);
	int cpu, i;

	for (i = 0; i < QOSRES_HISTORY; i++) {
		u64 idx = cur - QOSRES_HISTORY + i, sum = 0;
		int slot = idx % QOSRES_HISTORY;

		for_each_possible_cpu(cpu) {
			struct edf_rr_server *srv = per_cpu_ptr(rsv->srv, cpu);

			if (READ_ONCE(srv->hist_period[slot]) == idx)
				sum += READ_ONCE(srv->hist_usage[slot]);
		}
		usage[i] = div_u64(sum, NSEC_PER_USEC);
	}
	return cur;
}

/*
 * Time a server spent throttled, ns, the throttling going on included:
 * after an overrun a server can stay throttled for several periods.
 */
static u64 edf_rr_srv_throttled_time(struct edf_rr_server *srv)
{
	u64 time = READ_ONCE(srv->throttled_time);
	u64 at = READ_ONCE(srv->throttled_at), now = local_clock();

	if (READ_ONCE(srv->throttled) && now > at)
		time += now - at;
	return time;
}

/* qosres.stat of a reservation: what its servers ran, and its history. */
void edf_rr_show_usage(struct seq_file *sf, struct edf_rr_rsv *rsv, u64 period)
{
	u64 usage = 0, periods = 0, throttled = 0, throttled_time = 0;
	unsigned int running = 0, background = 0;
	struct sched_edf_rr_entity *se;
	u64 history[QOSRES_HISTORY];
	int cpu, i;

	for_each_possible_cpu(cpu) {
		struct edf_rr_server *srv = per_cpu_ptr(rsv->srv, cpu);

		usage += READ_ONCE(srv->usage);
		periods += READ_ONCE(srv->nr_periods);
		throttled += READ_ONCE(srv->nr_throttled);
		throttled_time += edf_rr_srv_throttled_time(srv);
		running += READ_ONCE(srv->nr_queued);
	}
	scoped_guard(raw_spinlock_irqsave, &rsv->lock)
		list_for_each_entry(se, &rsv->background, bg_node)
			background++;

	seq_printf(sf, "usage_usec %llu\n", div_u64(usage, NSEC_PER_USEC));
	seq_printf(sf, "nr_periods %llu\n", periods);
	seq_printf(sf, "nr_throttled %llu\n", throttled);
	seq_printf(sf, "throttled_usec %llu\n",
		   div_u64(throttled_time, NSEC_PER_USEC));
	seq_printf(sf, "nr_running %u\n", running);
	seq_printf(sf, "nr_background %u\n", background);

	seq_printf(sf, "period_seq %llu\n",
		   edf_rr_history(rsv, period, history));
	seq_puts(sf, "period_usage_usec");
	for (i = 0; i < QOSRES_HISTORY; i++)
		seq_printf(sf, " %llu", history[i]);
	seq_putc(sf, '\n');
}

/* Times any server of the reservation ran out of budget. */
u64 edf_rr_nr_throttled(struct edf_rr_rsv *rsv)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(rsv->srv, cpu)->nr_throttled);
	return sum;
}

/* qosres.stat of the root: the limit, what is reserved and free per CPU. */
void edf_rr_show_cpus(struct seq_file *sf)
{
	unsigned long flags;
	struct root_domain *rd;
	u64 limit, qos, free;
	int cpu;

	for_each_online_cpu(cpu) {
		rcu_read_lock_sched();
		rd = cpu_rq(cpu)->rd;
		raw_spin_lock_irqsave(&rd->dl_bw.lock, flags);
		raw_spin_lock(&edf_rr_bw_lock);
		limit = edf_rr_limit(rd->dl_bw.bw);
		qos = per_cpu(edf_rr_cpu_ppm, cpu);
		free = edf_rr_room(limit, edf_rr_fair_ppm(cpu),
				   edf_rr_dl_ppm(rd, 0), qos);
		raw_spin_unlock(&edf_rr_bw_lock);
		raw_spin_unlock_irqrestore(&rd->dl_bw.lock, flags);
		rcu_read_unlock_sched();

		if (cpu == cpumask_first(cpu_online_mask))
			seq_printf(sf, "limit_bw_ppm %llu\n", limit);
		seq_printf(sf, "cpu%d_reserved_bw_ppm %llu\n", cpu, qos);
		seq_printf(sf, "cpu%d_free_bw_ppm %llu\n", cpu, free);
	}
}

#ifdef CONFIG_QOSRES_KUNIT_TEST
#include "edf_rr_test.c"
#endif
