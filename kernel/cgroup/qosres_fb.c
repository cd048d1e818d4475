// SPDX-License-Identifier: GPL-2.0
/*
 * qosres feedback: the QoS manager's algorithms, after AQuoSA's. Each
 * period a predictor estimates the demand from the usage history and a
 * controller sets the next budget from it; qosres_fb_share() compresses
 * requests that together exceed a cap. See docs/feedback.md.
 *
 * No headers and no libc: this file also builds into qosres-agent. The
 * kernel side builds only on 64-bit, where u64 division is one instruction.
 */
#include "qosres_fb.h"

#define ULL_MAX	(~0ULL)

static unsigned long long min_ull(unsigned long long a, unsigned long long b)
{
	return a < b ? a : b;
}

static unsigned long long max_ull(unsigned long long a, unsigned long long b)
{
	return a > b ? a : b;
}

/* a * b / c, rounded down, with a * b kept from overflowing. */
static unsigned long long mul_div(unsigned long long a, unsigned long long b,
				  unsigned long long c)
{
	while (b && a > ULL_MAX / b) {
		a >>= 1;
		c >>= 1;
	}
	return c ? a * b / c : ULL_MAX;
}

static unsigned long long percent_more(unsigned long long v, unsigned int pct)
{
	return mul_div(v, 100 + pct, 100);
}

/* Moving average: for demand that varies around a steady mean. */
static unsigned long long predict_mavg(const unsigned long long *usage,
				       unsigned int n,
				       const struct qosres_fb_params *p)
{
	unsigned long long sum = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		sum += usage[i];
	return sum / n;
}

/*
 * The quantile-th percentile: the smallest sample that at least that share
 * of the samples do not exceed. A window holds at most 64 samples, so
 * counting for each one costs less than sorting a copy.
 */
static unsigned long long predict_perc(const unsigned long long *usage,
				       unsigned int n,
				       const struct qosres_fb_params *p)
{
	unsigned int need = (n * p->quantile + 99) / 100;
	unsigned long long best = ULL_MAX;
	unsigned int i, j, below;

	if (!need)
		need = 1;
	for (i = 0; i < n; i++) {
		if (usage[i] >= best)
			continue;
		below = 0;
		for (j = 0; j < n; j++)
			below += usage[j] <= usage[i];
		if (below >= need)
			best = usage[i];
	}
	return best;
}

/* Window maximum: for hard deadlines, at the cost of idle budget. */
static unsigned long long predict_max(const unsigned long long *usage,
				      unsigned int n,
				      const struct qosres_fb_params *p)
{
	unsigned long long best = 0;
	unsigned int i;

	for (i = 0; i < n; i++)
		best = max_ull(best, usage[i]);
	return best;
}

const struct qosres_fb_predictor qosres_fb_predictors[] = {
	{ "mavg", predict_mavg },
	{ "perc", predict_perc },
	{ "max", predict_max },
	{ }
};

/*
 * Quantile tracking: budget = prediction * (1 + margin). A saturated
 * period hides how much more was wanted, so the budget grows by half at
 * least until the demand shows below it: reaching 8 times the demand takes
 * 6 periods, and a period that only looked saturated costs half a budget.
 */
static unsigned long long control_track(unsigned long long prediction,
					unsigned long long budget,
					int saturated,
					const struct qosres_fb_params *p,
					struct qosres_fb_state *st)
{
	unsigned long long next = percent_more(prediction, p->margin);

	if (saturated)
		next = max_ull(next, budget + budget / 2);
	return next;
}

/*
 * A PI law in velocity form on the budget error e = prediction * (1 +
 * margin) - budget: budget += e / 2 + (e - previous e) / 8. It closes half
 * of the error each period, so one noisy period moves the budget less than
 * quantile tracking does. A saturated period gives no error to act on:
 * the budget grows by half, as with tracking, and the law starts afresh.
 */
static unsigned long long control_pi(unsigned long long prediction,
				     unsigned long long budget,
				     int saturated,
				     const struct qosres_fb_params *p,
				     struct qosres_fb_state *st)
{
	long long target = min_ull(percent_more(prediction, p->margin),
				   ULL_MAX >> 2);
	long long now = min_ull(budget, ULL_MAX >> 2);
	long long error = target - now, next;

	if (saturated) {
		st->prev_error = 0;
		return max_ull(target, now + now / 2);
	}
	next = now + error / 2 + (error - st->prev_error) / 8;
	st->prev_error = error;
	return next > 0 ? next : 0;
}

const struct qosres_fb_controller qosres_fb_controllers[] = {
	{ "track", control_track },
	{ "pi", control_pi },
	{ }
};

static int same_name(const char *entry, const char *name, unsigned int len)
{
	unsigned int i;

	for (i = 0; i < len; i++)
		if (!entry[i] || entry[i] != name[i])
			return 0;
	return !entry[len];
}

int qosres_fb_predictor_index(const char *name, unsigned int len)
{
	int i;

	for (i = 0; qosres_fb_predictors[i].name; i++)
		if (same_name(qosres_fb_predictors[i].name, name, len))
			return i;
	return -1;
}

int qosres_fb_controller_index(const char *name, unsigned int len)
{
	int i;

	for (i = 0; qosres_fb_controllers[i].name; i++)
		if (same_name(qosres_fb_controllers[i].name, name, len))
			return i;
	return -1;
}

/**
 * qosres_fb_exhausted - did a period use all of its budget?
 * @usage: the period's usage
 * @budget: the budget it ran under
 *
 * To a 64th: a period's usage is rounded, and a throttle lands a little
 * past or short of the budget.
 *
 * Return: nonzero if @usage reached @budget.
 */
int qosres_fb_exhausted(unsigned long long usage, unsigned long long budget)
{
	return usage + usage / 64 >= budget;
}

/*
 * The next budget from the usage of the last @n periods, oldest first,
 * while @budget is the current one; within p->min..p->max. @throttled
 * counts the times the reservation ran out of budget since the last call.
 * A period is taken as exhausted when the caller saw a throttle or its
 * usage reached the budget (to a 64th): a caller that reads the throttle
 * count at no fixed point of the period sees two throttles in one call and
 * none in the next. Exhausted twice in a row, its demand is taken as
 * unknown, only more than it got: once can be a job a little longer than
 * the others, which the predictor follows. Such a reservation grows by
 * half; if it was granted
 * much less than it asked (an eighth, more than rounding), by a cap or for
 * want of room, it asks for its maximum: requests in proportion to grants
 * would keep any split between saturated reservations under a cap as
 * compression found it.
 */
unsigned long long qosres_fb_budget(const struct qosres_fb_params *p,
				    struct qosres_fb_state *st,
				    const unsigned long long *usage,
				    unsigned int n, unsigned long long budget,
				    unsigned int throttled)
{
	unsigned int window = p->window < n ? p->window : n;
	unsigned long long prediction = 0, next;
	int exhausted = throttled ||
			(n && qosres_fb_exhausted(usage[n - 1], budget));
	int saturated = exhausted && st->prev_throttled;

	st->prev_throttled = exhausted;
	if (window)
		prediction = qosres_fb_predictors[p->predictor].predict(usage +
									n - window,
									window,
									p);
	if (saturated && budget + budget / 8 < st->prev_request)
		budget = p->max;
	next = qosres_fb_controllers[p->controller].next(prediction, budget,
							  saturated, p, st);
	st->prev_request = min_ull(max_ull(next, p->min), p->max);
	return st->prev_request;
}

/*
 * AQuoSA's compression: what one of the requests under a cap gets when
 * @total_request of them exceed the @room the cap leaves them. Each keeps
 * its guaranteed @min, and the room above the minimums is shared in
 * proportion to what each asked above its own.
 */
unsigned long long qosres_fb_share(unsigned long long request,
				   unsigned long long min,
				   unsigned long long total_request,
				   unsigned long long total_min,
				   unsigned long long room)
{
	min = min_ull(min, request);
	if (total_request <= room)
		return request;
	if (total_min >= room)
		return mul_div(min, room, total_min);
	return min + mul_div(request - min, room - total_min,
			     total_request - total_min);
}
