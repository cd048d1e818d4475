// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the reservation scheduler's arithmetic and rules.
 * Included by edf_rr.c, so the static helpers are in reach.
 */
#include <kunit/test.h>

static void edf_rr_test_room(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, edf_rr_room(950, 50, 0, 0), 900ULL);
	KUNIT_EXPECT_EQ(test, edf_rr_room(950, 50, 300, 400), 200ULL);
	KUNIT_EXPECT_EQ(test, edf_rr_room(950, 50, 500, 400), 0ULL);
	KUNIT_EXPECT_EQ(test, edf_rr_room(950, 50, 600, 400), 0ULL);
	KUNIT_EXPECT_EQ(test, edf_rr_room(BW_UNIT, 0, 0, 0), (u64)BW_UNIT);
}

/* Slots from rooms given in us per period; cur[] may be NULL. */
static void fill_slots(struct edf_rr_slot *slots, const u64 *room,
		       const u64 *cur, int nr)
{
	int i;

	for (i = 0; i < nr; i++)
		slots[i] = (struct edf_rr_slot) {
			.cpu = i, .room = room[i], .cur = cur ? cur[i] : 0,
		};
}

static u64 budget_on(const struct edf_rr_slot *slots, int n, int cpu)
{
	int i;

	for (i = 0; i < n; i++)
		if (slots[i].cpu == cpu)
			return slots[i].budget;
	return 0;
}

/* One server, on the CPU with the most room. */
static void edf_rr_test_single(struct kunit *test)
{
	static const u64 room[] = { 50000, 90000, 70000, 90000 };
	struct edf_rr_slot slots[4];

	fill_slots(slots, room, NULL, 4);
	KUNIT_ASSERT_EQ(test, edf_rr_split(slots, 4, 30000, 95000), 1);
	KUNIT_EXPECT_EQ(test, slots[0].cpu, 1);
	KUNIT_EXPECT_EQ(test, slots[0].budget, 30000ULL);
}

/* A budget change keeps the CPU while the reservation fits there. */
static void edf_rr_test_keep(struct kunit *test)
{
	static const u64 room[] = { 90000, 40000 };
	static const u64 cur[] = { 0, 20000 };
	struct edf_rr_slot slots[2];

	fill_slots(slots, room, cur, 2);
	KUNIT_ASSERT_EQ(test, edf_rr_split(slots, 2, 40000, 95000), 1);
	KUNIT_EXPECT_EQ(test, slots[0].cpu, 1);

	fill_slots(slots, room, cur, 2);
	KUNIT_ASSERT_EQ(test, edf_rr_split(slots, 2, 40001, 95000), 1);
	KUNIT_EXPECT_EQ(test, slots[0].cpu, 0);
}

/* 1.5 CPUs: two servers, even shares. */
static void edf_rr_test_multi(struct kunit *test)
{
	static const u64 room[] = { 90000, 90000 };
	struct edf_rr_slot slots[2];

	fill_slots(slots, room, NULL, 2);
	KUNIT_ASSERT_EQ(test, edf_rr_split(slots, 2, 150000, 95000), 2);
	KUNIT_EXPECT_EQ(test, budget_on(slots, 2, 0), 75000ULL);
	KUNIT_EXPECT_EQ(test, budget_on(slots, 2, 1), 75000ULL);

	/* Uneven room: the fuller CPU takes what it can, the other the rest. */
	fill_slots(slots, (const u64[]){ 90000, 60000 }, NULL, 2);
	KUNIT_ASSERT_EQ(test, edf_rr_split(slots, 2, 140001, 95000), 2);
	KUNIT_EXPECT_EQ(test, budget_on(slots, 2, 1), 60000ULL);
	KUNIT_EXPECT_EQ(test, budget_on(slots, 2, 0), 80001ULL);
}

/* Room in total is not enough: the servers must fit CPU by CPU. */
static void edf_rr_test_busy(struct kunit *test)
{
	static const u64 room[] = { 50000, 50000 };
	struct edf_rr_slot slots[2];

	fill_slots(slots, room, NULL, 2);
	KUNIT_EXPECT_EQ(test, edf_rr_split(slots, 2, 90000, 95000), -EBUSY);
	/* 2 servers but only one CPU allowed. */
	fill_slots(slots, room, NULL, 1);
	KUNIT_EXPECT_EQ(test, edf_rr_split(slots, 1, 96000, 95000), -EBUSY);
	/* 2 servers that would not fit together. */
	fill_slots(slots, (const u64[]){ 95000, 900 }, NULL, 2);
	KUNIT_EXPECT_EQ(test, edf_rr_split(slots, 2, 96000, 95000), -EBUSY);
	/* A server below the enforceable minimum is no placement. */
	fill_slots(slots, (const u64[]){ 95000, QOSRES_BUDGET_MIN - 1 }, NULL, 2);
	KUNIT_EXPECT_EQ(test, edf_rr_split(slots, 2, 95000 + QOSRES_BUDGET_MIN - 1,
					   95000), -EBUSY);
	KUNIT_EXPECT_EQ(test, edf_rr_split(slots, 0, 1000, 95000), -EBUSY);
	KUNIT_EXPECT_EQ(test, edf_rr_split(slots, 2, 1000, 0), -EBUSY);
}

/* Exactly the limit is one server; one microsecond more is two. */
static void edf_rr_test_edges(struct kunit *test)
{
	static const u64 room[] = { 95000, 95000 };
	struct edf_rr_slot slots[2];

	fill_slots(slots, room, NULL, 2);
	KUNIT_EXPECT_EQ(test, edf_rr_split(slots, 2, 95000, 95000), 1);
	fill_slots(slots, room, NULL, 2);
	KUNIT_EXPECT_EQ(test, edf_rr_split(slots, 2, 95001, 95000), 2);
	fill_slots(slots, room, NULL, 2);
	KUNIT_EXPECT_EQ(test, edf_rr_split(slots, 2, 190000, 95000), 2);
	fill_slots(slots, room, NULL, 2);
	KUNIT_EXPECT_EQ(test, edf_rr_split(slots, 2, 190001, 95000), -EBUSY);
}

/* SCHED_DEADLINE's fixed point meets qosres's millionths. */
static void edf_rr_test_units(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, edf_rr_limit(to_ratio(1000000, 950000)), 950000ULL);
	KUNIT_EXPECT_EQ(test, edf_rr_limit(BW_UNIT), PPM);
	KUNIT_EXPECT_EQ(test, edf_rr_limit((u64)-1), PPM);
	KUNIT_EXPECT_EQ(test, edf_rr_ppm(30000, 100000), 300000ULL);
	KUNIT_EXPECT_EQ(test, edf_rr_ppm(50 * NSEC_PER_MSEC, NSEC_PER_SEC),
			50000ULL);
	/* 10 s on 8192 CPUs, in ns, still fits the product. */
	KUNIT_EXPECT_EQ(test, edf_rr_ppm(8192ULL * 10 * NSEC_PER_SEC,
					 10 * NSEC_PER_SEC), 8192 * PPM);
}

/* 10 s periods on many CPUs: no overflow in the splitting steps. */
static void edf_rr_test_overflow(struct kunit *test)
{
	u64 cpu_max = div64_u64(950000 * QOSRES_PERIOD_MAX, PPM);
	struct edf_rr_slot slots[8];
	u64 room[8];
	int i;

	KUNIT_EXPECT_EQ(test, cpu_max, 9500000ULL);
	for (i = 0; i < 8; i++)
		room[i] = cpu_max;
	fill_slots(slots, room, NULL, 8);
	KUNIT_EXPECT_EQ(test, edf_rr_split(slots, 8, 8 * cpu_max, cpu_max), 8);
	for (i = 0; i < 8; i++)
		KUNIT_EXPECT_EQ(test, slots[i].budget, cpu_max);
	fill_slots(slots, room, NULL, 8);
	KUNIT_EXPECT_EQ(test, edf_rr_split(slots, 8, U64_MAX - 1, cpu_max),
			-EBUSY);
	fill_slots(slots, room, NULL, 8);
	KUNIT_EXPECT_EQ(test, edf_rr_split(slots, 8, U64_MAX, 1), -EBUSY);
}

/* A server of @q_ms every @p_ms, with @rt_ms left until @dl_ms from 0. */
static struct edf_rr_server *cbs_server(struct kunit *test, s64 q_ms,
					s64 p_ms, s64 rt_ms, s64 dl_ms)
{
	struct edf_rr_server *srv = kunit_kzalloc(test, sizeof(*srv),
						  GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, srv);
	srv->dl_runtime = q_ms * NSEC_PER_MSEC;
	srv->dl_period = p_ms * NSEC_PER_MSEC;
	srv->runtime = rt_ms * NSEC_PER_MSEC;
	srv->deadline = dl_ms * NSEC_PER_MSEC;
	return srv;
}

#define MS(x)	((x) * NSEC_PER_MSEC)

/* Wake-up rule: keep what fits the bandwidth, else a new period. */
static void edf_rr_test_cbs_wakeup(struct kunit *test)
{
	struct edf_rr_server *srv;

	/* 15 ms left over 60 ms is 0.25 < 0.3: keep. */
	srv = cbs_server(test, 30, 100, 15, 1060);
	edf_rr_cbs_wakeup(srv, MS(1000));
	KUNIT_EXPECT_EQ(test, srv->deadline, MS(1060));
	KUNIT_EXPECT_EQ(test, srv->runtime, (s64)MS(15));
	KUNIT_EXPECT_EQ(test, srv->nr_periods, 0ULL);

	/* 20 ms over 50 ms is 0.4 > 0.3: a new period from now. */
	srv = cbs_server(test, 30, 100, 20, 1050);
	edf_rr_cbs_wakeup(srv, MS(1000));
	KUNIT_EXPECT_EQ(test, srv->deadline, MS(1100));
	KUNIT_EXPECT_EQ(test, srv->runtime, (s64)MS(30));
	KUNIT_EXPECT_EQ(test, srv->nr_periods, 1ULL);

	/* A deadline in the past is renewed whatever is left. */
	srv = cbs_server(test, 30, 100, 1, 999);
	edf_rr_cbs_wakeup(srv, MS(1000));
	KUNIT_EXPECT_EQ(test, srv->deadline, MS(1100));
	KUNIT_EXPECT_EQ(test, srv->runtime, (s64)MS(30));
}

/* Replenishment at the deadline pays back an overrun. */
static void edf_rr_test_cbs_replenish(struct kunit *test)
{
	struct edf_rr_server *srv;

	srv = cbs_server(test, 30, 100, -2, 1100);
	edf_rr_cbs_replenish(srv, MS(1100));
	KUNIT_EXPECT_EQ(test, srv->deadline, MS(1200));
	KUNIT_EXPECT_EQ(test, srv->runtime, (s64)MS(28));

	/* An overrun of more than a budget costs two periods. */
	srv = cbs_server(test, 30, 100, -35, 1100);
	edf_rr_cbs_replenish(srv, MS(1100));
	KUNIT_EXPECT_EQ(test, srv->deadline, MS(1300));
	KUNIT_EXPECT_EQ(test, srv->runtime, (s64)MS(25));
	KUNIT_EXPECT_EQ(test, srv->nr_periods, 2ULL);
}

/* A timer served late: the deadline is postponed past now, budget full. */
static void edf_rr_test_cbs_postpone(struct kunit *test)
{
	struct edf_rr_server *srv = cbs_server(test, 30, 100, 0, 1100);

	edf_rr_cbs_replenish(srv, MS(1450));
	KUNIT_EXPECT_EQ(test, srv->deadline, MS(1550));
	KUNIT_EXPECT_EQ(test, srv->runtime, (s64)MS(30));
}

/* 10 s periods in ns: the scaled products of the wake-up rule fit. */
static void edf_rr_test_cbs_overflow(struct kunit *test)
{
	u64 now = 3600ULL * NSEC_PER_SEC;
	struct edf_rr_server *srv = cbs_server(test, 9500, 10000, 9500, 0);

	/* Exactly the bandwidth left: keep (no wrap to a small product). */
	srv->deadline = now + 10 * NSEC_PER_SEC;
	KUNIT_EXPECT_FALSE(test, edf_rr_cbs_overflow(srv, now));
	/* A little more runtime than the bandwidth allows: renew. */
	srv->deadline = now + 9 * NSEC_PER_SEC;
	KUNIT_EXPECT_TRUE(test, edf_rr_cbs_overflow(srv, now));
	/* Deadline reached. */
	srv->deadline = now;
	KUNIT_EXPECT_TRUE(test, edf_rr_cbs_overflow(srv, now));
	/* Nothing left. */
	srv->deadline = now + 10 * NSEC_PER_SEC;
	srv->runtime = 0;
	KUNIT_EXPECT_TRUE(test, edf_rr_cbs_overflow(srv, now));
}

/*
 * A budget write to a queued server whose deadline has passed renews it:
 * the server must move behind one whose deadline is now earlier.
 */
static void edf_rr_test_wakeup_requeues(struct kunit *test)
{
	struct edf_rr_rq *er = kunit_kzalloc(test, sizeof(*er), GFP_KERNEL);
	struct edf_rr_server *a = cbs_server(test, 30, 100, 1, 1010);
	struct edf_rr_server *b = cbs_server(test, 30, 100, 5, 1050);

	KUNIT_ASSERT_NOT_NULL(test, er);
	er->queue = RB_ROOT_CACHED;
	edf_rr_queue_srv(er, a);
	edf_rr_queue_srv(er, b);
	KUNIT_EXPECT_PTR_EQ(test, edf_rr_first_srv(er), a);

	edf_rr_wakeup_srv(er, a, MS(1020));
	KUNIT_EXPECT_EQ(test, a->deadline, MS(1120));
	KUNIT_EXPECT_PTR_EQ(test, edf_rr_first_srv(er), b);

	/* A deadline that still fits stays, and so does the order. */
	edf_rr_wakeup_srv(er, b, MS(1030));
	KUNIT_EXPECT_EQ(test, b->deadline, MS(1050));
	KUNIT_EXPECT_PTR_EQ(test, edf_rr_first_srv(er), b);
}

/* Who waits for a throttled server: hard mode's parked tasks, no others. */
static void edf_rr_test_serves(struct kunit *test)
{
	struct edf_rr_server *srv = cbs_server(test, 30, 100, 30, 100);
	struct edf_rr_rsv *rsv = kunit_kzalloc(test, sizeof(*rsv), GFP_KERNEL);
	struct task_struct *p = kunit_kzalloc(test, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, rsv);
	KUNIT_ASSERT_NOT_NULL(test, p);
	srv->rsv = rsv;
	KUNIT_EXPECT_TRUE(test, edf_rr_serves(srv, p));

	srv->throttled = true;
	KUNIT_EXPECT_FALSE(test, edf_rr_serves(srv, p));
	p->edf_rr.parked = 1;
	KUNIT_EXPECT_TRUE(test, edf_rr_serves(srv, p));
	rsv->soft = true;
	KUNIT_EXPECT_FALSE(test, edf_rr_serves(srv, p));

	rsv->soft = false;
	p->flags = PF_EXITING;
	KUNIT_EXPECT_FALSE(test, edf_rr_serves(srv, p));
	p->flags = 0;
	srv->dl_runtime = 0;
	KUNIT_EXPECT_FALSE(test, edf_rr_serves(srv, p));
}

/*
 * A budget is time at the top frequency, and schedutil's floor on a CPU
 * holds the bandwidth of the servers placed there: 30% is 307 of 1024.
 */
static void edf_rr_test_cpufreq(struct kunit *test)
{
	int cpu = cpumask_first(cpu_online_mask);
	unsigned long before, after;
	u64 held;

	KUNIT_EXPECT_EQ(test, edf_rr_scale_freq(1000, SCHED_CAPACITY_SCALE),
			1000);
	KUNIT_EXPECT_EQ(test, edf_rr_scale_freq(1000, SCHED_CAPACITY_SCALE / 2),
			500);

	effective_cpu_util(cpu, 0, &before, NULL);
	scoped_guard(raw_spinlock_irqsave, &edf_rr_bw_lock) {
		held = per_cpu(edf_rr_cpu_ppm, cpu);
		per_cpu(edf_rr_cpu_ppm, cpu) = 300000;
	}
	KUNIT_EXPECT_EQ(test, edf_rr_cpu_bw(cpu), 307UL);
	effective_cpu_util(cpu, 0, &after, NULL);
	scoped_guard(raw_spinlock_irqsave, &edf_rr_bw_lock)
		per_cpu(edf_rr_cpu_ppm, cpu) = held;

	KUNIT_EXPECT_EQ(test, held, 0ULL);
	KUNIT_EXPECT_LT(test, before, 307UL);
	KUNIT_EXPECT_GE(test, after, 307UL);
}

static struct kunit_case edf_rr_test_cases[] = {
	KUNIT_CASE(edf_rr_test_room),
	KUNIT_CASE(edf_rr_test_single),
	KUNIT_CASE(edf_rr_test_keep),
	KUNIT_CASE(edf_rr_test_multi),
	KUNIT_CASE(edf_rr_test_busy),
	KUNIT_CASE(edf_rr_test_edges),
	KUNIT_CASE(edf_rr_test_units),
	KUNIT_CASE(edf_rr_test_overflow),
	KUNIT_CASE(edf_rr_test_cbs_wakeup),
	KUNIT_CASE(edf_rr_test_cbs_replenish),
	KUNIT_CASE(edf_rr_test_cbs_postpone),
	KUNIT_CASE(edf_rr_test_cbs_overflow),
	KUNIT_CASE(edf_rr_test_wakeup_requeues),
	KUNIT_CASE(edf_rr_test_serves),
	KUNIT_CASE(edf_rr_test_cpufreq),
	{}
};

static struct kunit_suite edf_rr_test_suite = {
	.name = "edf_rr",
	.test_cases = edf_rr_test_cases,
};

kunit_test_suite(edf_rr_test_suite);
