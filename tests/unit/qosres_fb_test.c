// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the feedback algorithms (kernel/cgroup/qosres_fb.c) built
 * for user space, as qosres-agent runs them. TAP on stdout.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "qosres_fb.h"

static unsigned int planned, failed, number;

static void ok(bool pass, const char *name)
{
	number++;
	if (!pass)
		failed++;
	printf("%sok %u %s\n", pass ? "" : "not ", number, name);
}

static void eq(unsigned long long got, unsigned long long want,
	       const char *name)
{
	ok(got == want, name);
	if (got != want)
		printf("#   got %llu, want %llu\n", got, want);
}

static int index_of(const char *name, bool predictor)
{
	return predictor ? qosres_fb_predictor_index(name, strlen(name)) :
			   qosres_fb_controller_index(name, strlen(name));
}

static struct qosres_fb_params params(const char *predictor,
				      const char *controller)
{
	struct qosres_fb_params p = {
		.predictor = index_of(predictor, true),
		.controller = index_of(controller, false),
		.window = 16, .quantile = 95, .margin = 10,
		.min = 100, .max = 1000000,
	};
	return p;
}

static unsigned long long predict(const char *name,
				  const unsigned long long *usage,
				  unsigned int n, unsigned int quantile)
{
	struct qosres_fb_params p = params(name, "track");

	p.quantile = quantile;
	return qosres_fb_predictors[p.predictor].predict(usage, n, &p);
}

/* Two steps of the loop, throttled in both; the second's result. */
static unsigned long long twice(const struct qosres_fb_params *p,
				const unsigned long long *usage, unsigned int n,
				unsigned long long budget)
{
	struct qosres_fb_state st = { 0 };

	qosres_fb_budget(p, &st, usage, n, budget, 1);
	return qosres_fb_budget(p, &st, usage, n, budget, 1);
}

/* Two steps of the loop that saw no throttle; the second's result. */
static unsigned long long exhausted_twice(const struct qosres_fb_params *p,
					  const unsigned long long *usage,
					  unsigned int n,
					  unsigned long long budget)
{
	struct qosres_fb_state st = { 0 };

	qosres_fb_budget(p, &st, usage, n, budget, 0);
	return qosres_fb_budget(p, &st, usage, n, budget, 0);
}

/* One step of the loop, with no memory of earlier ones. */
static unsigned long long once(const struct qosres_fb_params *p,
			       const unsigned long long *usage, unsigned int n,
			       unsigned long long budget, unsigned int throttled)
{
	struct qosres_fb_state st = { 0 };

	return qosres_fb_budget(p, &st, usage, n, budget, throttled);
}

static void test_predictors(void)
{
	static const unsigned long long usage[] = { 50, 10, 40, 20, 30 };
	static const unsigned long long same[] = { 7, 7, 7, 7 };

	eq(predict("mavg", usage, 5, 95), 30, "mavg is the mean");
	eq(predict("mavg", usage, 1, 95), 50, "mavg of one sample is it");
	eq(predict("max", usage, 5, 95), 50, "max is the largest");
	eq(predict("perc", usage, 5, 100), 50, "perc 100 is the largest");
	eq(predict("perc", usage, 5, 50), 30, "perc 50 is the median");
	eq(predict("perc", usage, 5, 80), 40, "perc 80 of 5: the 4th smallest");
	eq(predict("perc", same, 4, 95), 7, "perc of equal samples is that value");
	eq(predict("mavg", (const unsigned long long[]){ 10, 11 }, 2, 95), 10,
	   "mavg rounds down");
}

static void test_track(void)
{
	static const unsigned long long steady[] = { 20000, 20000, 20000 };
	struct qosres_fb_params p = params("max", "track");

	eq(once(&p, steady, 3, 40000, 0), 22000,
	   "track: prediction plus a 10% margin");
	eq(once(&p, steady, 3, 20000, 1), 22000,
	   "track: throttled once, the prediction still");
	eq(twice(&p, steady, 3, 20000), 30000,
	   "track: throttled twice in a row, half as much again");
	eq(once(&p, steady, 3, 20000, 0), 22000,
	   "track: using the whole budget once, the prediction still");
	eq(exhausted_twice(&p, steady, 3, 20000), 30000,
	   "track: the whole budget used twice, no throttle seen: half again");
	eq(exhausted_twice(&p, steady, 3, 20300), 30450,
	   "track: used to a 64th is used whole");
	eq(exhausted_twice(&p, steady, 3, 20400), 22000,
	   "track: a budget a 50th over the usage is not used whole");
	p.margin = 0;
	eq(once(&p, steady, 3, 30000, 0), 20000,
	   "track: margin 0 is the prediction");
	p.max = 15000;
	eq(once(&p, steady, 3, 20000, 0), 15000,
	   "track: max bounds the budget");
	p.max = 1000000;
	p.min = 25000;
	eq(once(&p, steady, 3, 30000, 0), 25000,
	   "track: min bounds the budget");
	eq(once(&p, steady, 0, 30000, 0), 25000,
	   "track: no history yet gives the minimum");
}

/*
 * Throttled under a cap that granted less than it asked, a reservation
 * grows from its request: compression then sees what it wants.
 */
static void test_saturation_under_cap(void)
{
	static const unsigned long long usage[] = { 5000, 5000 };
	struct qosres_fb_params p = params("max", "track");
	struct qosres_fb_state st = { 0 };

	eq(qosres_fb_budget(&p, &st, usage, 2, 5000, 1), 5500,
	   "saturation: not on one throttled period");
	eq(qosres_fb_budget(&p, &st, usage, 2, 5000, 1), 7500,
	   "saturation: growth by half on the second");
	eq(qosres_fb_budget(&p, &st, usage, 2, 2000, 1), p.max,
	   "saturation: granted less than it asked, its maximum");
	eq(qosres_fb_budget(&p, &st, usage, 2, 80000, 0), 5500,
	   "saturation: over once no longer throttled");
}

static void test_window(void)
{
	unsigned long long usage[64];
	struct qosres_fb_params p = params("max", "track");
	struct qosres_fb_state st = { 0 };
	unsigned int i;

	for (i = 0; i < 64; i++)
		usage[i] = i < 60 ? 90000 : 10000;
	p.window = 4;
	p.margin = 0;
	eq(qosres_fb_budget(&p, &st, usage, 64, 50000, 0), 10000,
	   "window: only the last samples count");
	p.window = 5;
	eq(qosres_fb_budget(&p, &st, usage, 64, 50000, 0), 90000,
	   "window: one more sample reaches back to the old demand");
}

/* The budget after running the PI law for a while on a steady demand. */
static unsigned long long pi_after(unsigned int periods,
				   unsigned long long demand,
				   unsigned long long budget)
{
	struct qosres_fb_params p = params("mavg", "pi");
	struct qosres_fb_state st = { 0 };
	unsigned long long usage[1];
	unsigned int i;

	for (i = 0; i < periods; i++) {
		usage[0] = demand < budget ? demand : budget;
		budget = qosres_fb_budget(&p, &st, usage, 1, budget,
					  demand > budget);
	}
	return budget;
}

static void test_pi(void)
{
	unsigned long long b = pi_after(20, 30000, 5000);

	ok(b >= 33000 - 330 && b <= 33000 + 330,
	   "pi: converges on demand plus margin from below");
	b = pi_after(20, 10000, 80000);
	ok(b >= 11000 - 110 && b <= 11000 + 110,
	   "pi: converges on demand plus margin from above");
	ok(pi_after(6, 30000, 5000) >= 30000,
	   "pi: a saturated start reaches the demand within 6 periods");
}

static void test_share(void)
{
	eq(qosres_fb_share(300000, 0, 500000, 0, 800000), 300000,
	   "share: requests within the room are granted");
	eq(qosres_fb_share(500000, 100000, 900000, 300000, 700000), 366666,
	   "share: room above the minimums goes in proportion");
	eq(qosres_fb_share(400000, 200000, 900000, 300000, 700000), 333333,
	   "share: the other one's share");
	eq(qosres_fb_share(500000, 300000, 900000, 600000, 300000), 150000,
	   "share: minimums over the room shrink in proportion");
	eq(qosres_fb_share(500000, 100000, 900000, 300000, 0), 0,
	   "share: no room, nothing");
	ok(qosres_fb_share(~0ULL / 2, 0, ~0ULL, 0, ~0ULL / 4) <= ~0ULL / 4,
	   "share: no overflow near 2^64");
}

static void test_tables(void)
{
	ok(index_of("mavg", true) >= 0 && index_of("perc", true) >= 0 &&
	   index_of("max", true) >= 0, "tables: the contract's predictors");
	ok(index_of("track", false) >= 0 && index_of("pi", false) >= 0,
	   "tables: both controllers");
	ok(qosres_fb_predictor_index("per", 3) < 0 &&
	   qosres_fb_predictor_index("perc2", 5) < 0,
	   "tables: a prefix or an extension of a name is no name");
	eq(qosres_fb_predictor_index("percent", 4), index_of("perc", true),
	   "tables: the length given bounds the name");
}

int main(void)
{
	planned = 38;
	printf("1..%u\n", planned);
	test_predictors();
	test_track();
	test_saturation_under_cap();
	test_window();
	test_pi();
	test_share();
	test_tables();
	if (number != planned)
		printf("# planned %u, ran %u\n", planned, number);
	return failed || number != planned;
}
