// SPDX-License-Identifier: GPL-2.0-only
/*
 * KUnit tests for the qosres interface: parsing and the cap arithmetic.
 * Included by qosres.c, so the static helpers are in reach.
 */
#include <kunit/test.h>

/* Parse @text from a writable copy, as kernfs hands it over. */
static int parse_pair(const char *text, u64 *a, u64 *b)
{
	char buf[64];

	strscpy(buf, text, sizeof(buf));
	return qosres_parse_pair(buf, a, b);
}

static void qosres_test_pair(struct kunit *test)
{
	u64 a = 0, b = 7;

	KUNIT_EXPECT_EQ(test, parse_pair("20000\n", &a, &b), 1);
	KUNIT_EXPECT_EQ(test, a, 20000ULL);
	KUNIT_EXPECT_EQ(test, b, 7ULL);
	KUNIT_EXPECT_EQ(test, parse_pair("\t150000   100000\n", &a, &b), 2);
	KUNIT_EXPECT_EQ(test, a, 150000ULL);
	KUNIT_EXPECT_EQ(test, b, 100000ULL);
	KUNIT_EXPECT_EQ(test, parse_pair("18446744073709551615 1", &a, &b), 2);
	KUNIT_EXPECT_EQ(test, a, U64_MAX);
}

static void qosres_test_pair_invalid(struct kunit *test)
{
	static const char * const bad[] = {
		"", "\t", "1 2 3", "-1", "1 -2", "0x10", "10ms", "1.5",
		"18446744073709551616", "99999999999999999999999", "max",
		"12a", "1,2",
	};
	u64 a, b;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		KUNIT_EXPECT_EQ_MSG(test, parse_pair(bad[i], &a, &b), -EINVAL,
				    "input \"%s\"", bad[i]);
}

static int parse_max(const char *text, u64 *budget, u64 *period)
{
	char buf[64];

	strscpy(buf, text, sizeof(buf));
	return qosres_parse_max(buf, budget, period);
}

static void qosres_test_max(struct kunit *test)
{
	u64 limit = qosres_budget_limit(QOSRES_PERIOD_MAX);
	u64 b, p;
	char text[64];

	KUNIT_EXPECT_EQ(test, parse_max("max\n", &b, &p), 0);
	KUNIT_EXPECT_EQ(test, p, 0ULL);
	KUNIT_EXPECT_EQ(test, parse_max("50000 100000", &b, &p), 0);
	KUNIT_EXPECT_EQ(test, b, 50000ULL);
	KUNIT_EXPECT_EQ(test, p, 100000ULL);
	KUNIT_EXPECT_EQ(test, parse_max("0 1000", &b, &p), 0);
	snprintf(text, sizeof(text), "%llu %llu", limit, QOSRES_PERIOD_MAX);
	KUNIT_EXPECT_EQ(test, parse_max(text, &b, &p), 0);
	snprintf(text, sizeof(text), "%llu %llu", limit + 1, QOSRES_PERIOD_MAX);
	KUNIT_EXPECT_EQ(test, parse_max(text, &b, &p), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_max("50000", &b, &p), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_max("500 999", &b, &p), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_max("5 10000001", &b, &p), -EINVAL);
	KUNIT_EXPECT_EQ(test, parse_max("maximum", &b, &p), -EINVAL);
}

static void qosres_test_ranges(struct kunit *test)
{
	u64 ncpus = num_possible_cpus();

	KUNIT_EXPECT_FALSE(test, qosres_period_valid(999));
	KUNIT_EXPECT_TRUE(test, qosres_period_valid(1000));
	KUNIT_EXPECT_TRUE(test, qosres_period_valid(10000000));
	KUNIT_EXPECT_FALSE(test, qosres_period_valid(10000001));
	KUNIT_EXPECT_TRUE(test, qosres_budget_valid(0, 1000));
	KUNIT_EXPECT_FALSE(test, qosres_budget_valid(QOSRES_BUDGET_MIN - 1,
						     1000));
	KUNIT_EXPECT_TRUE(test, qosres_budget_valid(QOSRES_BUDGET_MIN, 1000));
	/* More than one CPU is valid, more than all of them is not. */
	KUNIT_EXPECT_TRUE(test, qosres_budget_valid(1500, 1000));
	KUNIT_EXPECT_TRUE(test, qosres_budget_valid(ncpus * 1000, 1000));
	KUNIT_EXPECT_FALSE(test, qosres_budget_valid(ncpus * 1000 + 1, 1000));
	KUNIT_EXPECT_FALSE(test, qosres_budget_valid(U64_MAX, 1000));
}

static void qosres_test_ppm(struct kunit *test)
{
	u64 limit = qosres_budget_limit(QOSRES_PERIOD_MAX);

	KUNIT_EXPECT_EQ(test, qosres_ppm(20000, 100000), 200000ULL);
	KUNIT_EXPECT_EQ(test, qosres_ppm(150000, 100000), 1500000ULL);
	KUNIT_EXPECT_EQ(test, qosres_ppm(100000, 300000), 333333ULL);
	KUNIT_EXPECT_EQ(test, qosres_ppm(0, 1000), 0ULL);
	/* The largest valid budget does not overflow the product. */
	KUNIT_EXPECT_EQ(test, qosres_ppm(limit, QOSRES_PERIOD_MAX),
			num_possible_cpus() * PPM_PER_CPU);
	KUNIT_EXPECT_EQ(test, qosres_ppm(qosres_budget_limit(QOSRES_PERIOD_MIN),
					 QOSRES_PERIOD_MIN),
			num_possible_cpus() * PPM_PER_CPU);
}

static int parse_fb(const char *text, struct qosres_feedback *fb)
{
	char buf[160];

	strscpy(buf, text, sizeof(buf));
	return qosres_parse_feedback(buf, fb);
}

static void qosres_test_feedback(struct kunit *test)
{
	struct qosres_feedback fb = qosres_fb_default;

	KUNIT_EXPECT_EQ(test, parse_fb("kernel\n", &fb), 0);
	KUNIT_EXPECT_EQ(test, fb.mode, QOSRES_FB_KERNEL);
	KUNIT_EXPECT_EQ(test, fb.params.window, qosres_fb_default.params.window);
	KUNIT_EXPECT_EQ(test, parse_fb("agent predictor=max window=64", &fb), 0);
	KUNIT_EXPECT_EQ(test, parse_fb("agent quantile=50 margin=0 min=1000",
				       &fb), 0);
	KUNIT_EXPECT_EQ(test, parse_fb("agent max=90000 controller=pi", &fb),
			0);
	KUNIT_EXPECT_EQ(test, fb.mode, QOSRES_FB_AGENT);
	KUNIT_EXPECT_STREQ(test, qosres_fb_predictors[fb.params.predictor].name,
			   "max");
	KUNIT_EXPECT_STREQ(test,
			   qosres_fb_controllers[fb.params.controller].name,
			   "pi");
	KUNIT_EXPECT_EQ(test, fb.params.window, 64U);
	KUNIT_EXPECT_EQ(test, fb.params.quantile, 50U);
	KUNIT_EXPECT_EQ(test, fb.params.margin, 0U);
	KUNIT_EXPECT_EQ(test, fb.params.min, 1000ULL);
	KUNIT_EXPECT_EQ(test, fb.params.max, 90000ULL);
	/* Keys not given keep their value; max=max lifts the bound. */
	KUNIT_EXPECT_EQ(test, parse_fb("off max=max", &fb), 0);
	KUNIT_EXPECT_EQ(test, fb.mode, QOSRES_FB_OFF);
	KUNIT_EXPECT_STREQ(test, qosres_fb_predictors[fb.params.predictor].name,
			   "max");
	KUNIT_EXPECT_EQ(test, fb.params.max, 0ULL);
}

static void qosres_test_feedback_invalid(struct kunit *test)
{
	static const char * const bad[] = {
		"", "on", "kernel window=0", "kernel window=65",
		"kernel quantile=49", "kernel quantile=101", "kernel margin=101",
		"kernel predictor=pid", "kernel min=5000 max=4000",
		"kernel max=99", "kernel window=", "kernel window=8x",
		"kernel window=-1", "kernel min=18446744073709551616",
		"kernel foo=1", "predictor=mavg", "kernel agent",
		"kernel window=4294967297", "kernel controller=",
		"kernel controller=pid", "kernel predictor=perc2",
	};
	struct qosres_feedback fb = qosres_fb_default;
	int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, parse_fb(bad[i], &fb), -EINVAL,
				    "input \"%s\"", bad[i]);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(&fb, &qosres_fb_default,
						 sizeof(fb)), 0,
				    "\"%s\" changed the settings", bad[i]);
	}
}

/* Caps hold along the whole chain of ancestors. */
static void qosres_test_caps(struct kunit *test)
{
	struct qosres *root, *user, *app;

	root = kunit_kzalloc(test, sizeof(*root), GFP_KERNEL);
	user = kunit_kzalloc(test, sizeof(*user), GFP_KERNEL);
	app = kunit_kzalloc(test, sizeof(*app), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, root);
	KUNIT_ASSERT_NOT_NULL(test, user);
	KUNIT_ASSERT_NOT_NULL(test, app);
	user->css.parent = &root->css;
	app->css.parent = &user->css;
	user->max_budget = 50000;
	user->max_period = 100000;
	user->subtree_ppm = 300000;
	app->subtree_ppm = 300000;
	root->subtree_ppm = 900000;

	KUNIT_EXPECT_EQ(test, qosres_cap_ppm(root), U64_MAX);
	KUNIT_EXPECT_TRUE(test, qosres_within_caps(app, 200000));
	KUNIT_EXPECT_FALSE(test, qosres_within_caps(app, 200001));
	app->max_budget = 10000;
	app->max_period = 20000;
	KUNIT_EXPECT_FALSE(test, qosres_within_caps(app, 200001));
	KUNIT_EXPECT_TRUE(test, qosres_within_caps(app, 200000));
	app->max_budget = 1;
	app->max_period = 3;
	KUNIT_EXPECT_TRUE(test, qosres_within_caps(app, 33333));
	KUNIT_EXPECT_FALSE(test, qosres_within_caps(app, 33334));

	qosres_account(app, 0, 100000);
	KUNIT_EXPECT_EQ(test, app->subtree_ppm, 400000ULL);
	KUNIT_EXPECT_EQ(test, user->subtree_ppm, 400000ULL);
	KUNIT_EXPECT_EQ(test, root->subtree_ppm, 1000000ULL);
	qosres_account(app, 400000, 0);
	KUNIT_EXPECT_EQ(test, root->subtree_ppm, 600000ULL);
}

/* The kernel build of the feedback algorithms (qosres_fb.c). */
static void qosres_test_fb_predictors(struct kunit *test)
{
	static const u64 usage[] = { 10, 40, 20, 30, 100 };
	struct qosres_fb_params p = qosres_fb_default.params;

	p.quantile = 80;
	KUNIT_EXPECT_EQ(test, qosres_fb_predictors[0].predict(usage, 5, &p),
			40ULL);
	KUNIT_EXPECT_EQ(test, qosres_fb_predictors[1].predict(usage, 5, &p),
			40ULL);
	KUNIT_EXPECT_EQ(test, qosres_fb_predictors[2].predict(usage, 5, &p),
			100ULL);
}

static void qosres_test_fb_budget(struct kunit *test)
{
	static const u64 usage[] = { 10000, 10000, 20000, 20000 };
	struct qosres_fb_params p = qosres_fb_default.params;
	struct qosres_fb_state st = { };

	p.predictor = 2;	/* max */
	p.min = 100;
	p.max = 100000;
	/* 20000 with a 10% margin */
	KUNIT_EXPECT_EQ(test, qosres_fb_budget(&p, &st, usage, 4, 50000, 0),
			22000ULL);
	/* Throttled once: the prediction still */
	KUNIT_EXPECT_EQ(test, qosres_fb_budget(&p, &st, usage, 4, 20000, 1),
			22000ULL);
	/* Twice, and granted less than it asked: its maximum */
	KUNIT_EXPECT_EQ(test, qosres_fb_budget(&p, &st, usage, 4, 10000, 2),
			100000ULL);
	p.max = 30000;
	KUNIT_EXPECT_EQ(test, qosres_fb_budget(&p, &st, usage, 4, 20000, 1),
			30000ULL);
}

static void qosres_test_fb_share(struct kunit *test)
{
	/* Within the room: as asked. */
	KUNIT_EXPECT_EQ(test, qosres_fb_share(300000, 0, 500000, 0, 800000),
			300000ULL);
	/* 600000 above the minimums for 400000 of room above them. */
	KUNIT_EXPECT_EQ(test, qosres_fb_share(500000, 100000, 900000, 300000,
					      700000), 366666ULL);
	/* The minimums alone exceed the room: they shrink in proportion. */
	KUNIT_EXPECT_EQ(test, qosres_fb_share(500000, 300000, 900000, 600000,
					      300000), 150000ULL);
	/* No overflow near U64_MAX. */
	KUNIT_EXPECT_LE(test, qosres_fb_share(U64_MAX / 2, 0, U64_MAX,
					      0, U64_MAX / 4), U64_MAX / 4);
}

static struct kunit_case qosres_test_cases[] = {
	KUNIT_CASE(qosres_test_pair),
	KUNIT_CASE(qosres_test_pair_invalid),
	KUNIT_CASE(qosres_test_max),
	KUNIT_CASE(qosres_test_ranges),
	KUNIT_CASE(qosres_test_ppm),
	KUNIT_CASE(qosres_test_feedback),
	KUNIT_CASE(qosres_test_feedback_invalid),
	KUNIT_CASE(qosres_test_caps),
	KUNIT_CASE(qosres_test_fb_predictors),
	KUNIT_CASE(qosres_test_fb_budget),
	KUNIT_CASE(qosres_test_fb_share),
	{}
};

static struct kunit_suite qosres_test_suite = {
	.name = "qosres",
	.test_cases = qosres_test_cases,
};

kunit_test_suite(qosres_test_suite);
