/* SPDX-License-Identifier: GPL-2.0 */
/*
 * qosres feedback: the predictors, controllers and compression of the QoS
 * manager that adapts qosres.budget to measured demand. Freestanding C with
 * integer arithmetic and no headers, so that the same source builds into
 * the kernel (qosres.feedback mode "kernel") and into qosres-agent (mode
 * "agent"). Times are in microseconds, bandwidths in millionths of a CPU.
 */
#ifndef _QOSRES_FB_H
#define _QOSRES_FB_H

#define QOSRES_FB_WINDOW_MAX	64

struct qosres_fb_params {
	unsigned int		predictor;	/* index in qosres_fb_predictors */
	unsigned int		controller;	/* index in qosres_fb_controllers */
	unsigned int		window;		/* periods, 1..64 */
	unsigned int		quantile;	/* percent, for "perc" */
	unsigned int		margin;		/* percent over the prediction */
	unsigned long long	min;		/* budget bounds, us */
	unsigned long long	max;
};

/* What a controller remembers between two periods. */
struct qosres_fb_state {
	long long		prev_error;	/* us */
	unsigned long long	prev_request;	/* us, what it asked then */
	int			prev_throttled;	/* exhausted before that */
};

/*
 * A predictor estimates the next period's demand from the usage of the
 * last @n periods, oldest first (n >= 1).
 */
struct qosres_fb_predictor {
	const char		*name;
	unsigned long long	(*predict)(const unsigned long long *usage,
					   unsigned int n,
					   const struct qosres_fb_params *p);
};

/*
 * A controller turns the prediction into the next budget, given the
 * current one and whether the reservation ran out of budget since the last
 * call (its demand is then unknown, only more than the budget).
 */
struct qosres_fb_controller {
	const char		*name;
	unsigned long long	(*next)(unsigned long long prediction,
					unsigned long long budget,
					int saturated,
					const struct qosres_fb_params *p,
					struct qosres_fb_state *st);
};

/* Both tables end with an entry whose name is 0. */
extern const struct qosres_fb_predictor qosres_fb_predictors[];
extern const struct qosres_fb_controller qosres_fb_controllers[];

/* Index of the entry named by the @len characters at @name, or -1. */
int qosres_fb_predictor_index(const char *name, unsigned int len);
int qosres_fb_controller_index(const char *name, unsigned int len);

int qosres_fb_exhausted(unsigned long long usage, unsigned long long budget);
unsigned long long qosres_fb_budget(const struct qosres_fb_params *p,
				    struct qosres_fb_state *st,
				    const unsigned long long *usage,
				    unsigned int n, unsigned long long budget,
				    unsigned int throttled);

unsigned long long qosres_fb_share(unsigned long long request,
				   unsigned long long min,
				   unsigned long long total_request,
				   unsigned long long total_min,
				   unsigned long long room);

#endif /* _QOSRES_FB_H */
