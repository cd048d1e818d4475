/* SPDX-License-Identifier: GPL-2.0 */
/* qosres-agent: the QoS manager for reservations in feedback mode "agent". */
#ifndef QOSRES_AGENT_H
#define QOSRES_AGENT_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include "qosres_fb.h"

/* A reservation the agent adapts. */
struct rsv {
	char			path[PATH_MAX];
	struct qosres_fb_params	params;
	struct qosres_fb_state	state;
	uint64_t		period;		/* us, the history's */
	uint64_t		start_seq;	/* first period of the history */
	uint64_t		last_seq;	/* period last adapted to */
	uint64_t		last_budget;	/* the budget then */
	uint64_t		request_ppm;	/* what it last asked */
	uint64_t		throttled;	/* nr_throttled at the last look */
	bool			seen;		/* in the last scan */
	struct rsv		*next;
};

struct agent {
	const char		*root;		/* the cgroup2 mount */
	unsigned int		ncpus;
	bool			verbose;
	struct rsv		*list;
};

void agent_scan(struct agent *ag, int inotify_fd);
void agent_tick(struct agent *ag);
void agent_free(struct agent *ag);
int agent_parse_feedback(const char *text, struct qosres_fb_params *params);

#endif
