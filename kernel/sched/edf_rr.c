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
 */
#include <linux/qosres.h>
#include <linux/sort.h>

#define PPM	1000000ULL

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
 * (BW_SHIFT) more: its total less the fair servers that started.
 */
static u64 edf_rr_dl_ppm(struct root_domain *rd, u64 extra)
{
	u64 fair = 0, tasks;
	int cpu;

	for_each_cpu_and(cpu, rd->span, cpu_active_mask)
		if (dl_server(&cpu_rq(cpu)->fair_server))
			fair += cpu_rq(cpu)->fair_server.dl_bw;
	tasks = rd->dl_bw.total_bw > fair ? rd->dl_bw.total_bw - fair : 0;
	return ((tasks + extra) * PPM + BW_UNIT - 1) >> BW_SHIFT;
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
	return n < 0 ? n : 0;
}

/* Give back a reservation's servers. */
void edf_rr_release(struct edf_rr_rsv *rsv)
{
	guard(raw_spinlock_irqsave)(&edf_rr_bw_lock);
	edf_rr_clear_servers(rsv);
}

int edf_rr_rsv_init(struct edf_rr_rsv *rsv)
{
	if (!zalloc_cpumask_var(&rsv->cpus, GFP_KERNEL))
		return -ENOMEM;
	rsv->srv = alloc_percpu(struct edf_rr_server);
	if (!rsv->srv) {
		free_cpumask_var(rsv->cpus);
		return -ENOMEM;
	}
	return 0;
}

void edf_rr_rsv_free(struct edf_rr_rsv *rsv)
{
	free_percpu(rsv->srv);
	free_cpumask_var(rsv->cpus);
}

/* qosres.stat of a reservation: where its servers are. */
void edf_rr_show_servers(struct seq_file *sf, struct edf_rr_rsv *rsv)
{
	int cpu;

	guard(raw_spinlock_irqsave)(&edf_rr_bw_lock);
	seq_printf(sf, "nr_servers %u\n", rsv->nr_servers);
	seq_printf(sf, "cpus %*pbl\n", cpumask_pr_args(rsv->cpus));
	for_each_cpu(cpu, rsv->cpus)
		seq_printf(sf, "cpu%d_budget_usec %llu\n", cpu,
			   per_cpu_ptr(rsv->srv, cpu)->budget);
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
