/* SPDX-License-Identifier: GPL-2.0 */
/* Reading and writing the small text files of cgroupfs. */
#ifndef QOSRES_AGENT_CGFILE_H
#define QOSRES_AGENT_CGFILE_H

#include <stddef.h>
#include <stdint.h>

int cg_read(const char *dir, const char *file, char *buf, size_t size);
int cg_write(const char *dir, const char *file, const char *text);
int cg_read_u64(const char *dir, const char *file, uint64_t *value);

/* A reservation's qosres.stat, as the feedback loop needs it. */
struct cg_rsv_stat {
	uint64_t	seq;		/* period_seq */
	uint64_t	budget;		/* us */
	uint64_t	period;		/* us */
	uint64_t	throttled;	/* nr_throttled */
};

int cg_rsv_stat(const char *dir, struct cg_rsv_stat *st,
		unsigned long long *usage, unsigned int max);
int cg_max_ppm(const char *dir, uint64_t *ppm);
int cg_populated(const char *dir);

#endif
