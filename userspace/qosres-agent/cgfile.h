/* SPDX-License-Identifier: GPL-2.0 */
/* Reading and writing the small text files of cgroupfs. */
#ifndef QOSRES_AGENT_CGFILE_H
#define QOSRES_AGENT_CGFILE_H

#include <stddef.h>
#include <stdint.h>

int cg_read(const char *dir, const char *file, char *buf, size_t size);
int cg_write(const char *dir, const char *file, const char *text);
int cg_read_u64(const char *dir, const char *file, uint64_t *value);
int cg_stat_u64(const char *dir, const char *file, const char *key,
		uint64_t *value);
int cg_history(const char *dir, uint64_t *seq, unsigned long long *usage,
	       unsigned int max);
int cg_max_ppm(const char *dir, uint64_t *ppm);

#endif
