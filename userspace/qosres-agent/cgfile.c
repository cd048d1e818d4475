// SPDX-License-Identifier: GPL-2.0
/*
 * cgroupfs files are small and each read(2) returns a whole, consistent
 * text; each write(2) is all or nothing. Errors are negative errno.
 */
#include "cgfile.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int cg_open(const char *dir, const char *file, int flags)
{
	char path[PATH_MAX];

	if (snprintf(path, sizeof(path), "%s/%s", dir, file) >= (int)sizeof(path))
		return -ENAMETOOLONG;
	return open(path, flags | O_CLOEXEC);
}

int cg_read(const char *dir, const char *file, char *buf, size_t size)
{
	int fd = cg_open(dir, file, O_RDONLY);
	ssize_t len;

	if (fd < 0)
		return -errno;
	len = read(fd, buf, size - 1);
	if (len < 0)
		len = -errno;
	close(fd);
	if (len < 0)
		return (int)len;
	buf[len] = '\0';
	return 0;
}

int cg_write(const char *dir, const char *file, const char *text)
{
	int fd = cg_open(dir, file, O_WRONLY);
	size_t len = strlen(text);
	ssize_t done;

	if (fd < 0)
		return -errno;
	done = write(fd, text, len);
	if (done < 0)
		done = -errno;
	close(fd);
	if (done < 0)
		return (int)done;
	return (size_t)done == len ? 0 : -EIO;
}

static int parse_u64(const char *text, uint64_t *value)
{
	char *end;

	errno = 0;
	*value = strtoull(text, &end, 10);
	if (errno || end == text || *text == '-')
		return -EINVAL;
	return 0;
}

int cg_read_u64(const char *dir, const char *file, uint64_t *value)
{
	char buf[64];
	int ret = cg_read(dir, file, buf, sizeof(buf));

	return ret ? ret : parse_u64(buf, value);
}

/* The text after "KEY " in a flat-keyed file, in @buf. */
static const char *stat_value(const char *buf, const char *key)
{
	size_t len = strlen(key);
	const char *line;

	for (line = buf; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, key, len) && line[len] == ' ')
			return line + len + 1;
	}
	return NULL;
}

static int stat_u64(const char *buf, const char *key, uint64_t *value)
{
	const char *text = stat_value(buf, key);

	return text ? parse_u64(text, value) : -EINVAL;
}

/*
 * What the feedback loop reads of a reservation, from one read of its
 * qosres.stat, so that all of it is of the same moment: the budget, the
 * period, the throttle count, the index of the current period in @st->seq,
 * and up to @max complete periods of usage before it, oldest first.
 * Returns how many periods it read.
 */
int cg_rsv_stat(const char *dir, struct cg_rsv_stat *st,
		unsigned long long *usage, unsigned int max)
{
	char buf[4096], *pos, *end;
	const char *text;
	unsigned int n = 0;
	int ret = cg_read(dir, "qosres.stat", buf, sizeof(buf));

	if (ret)
		return ret;
	if (stat_u64(buf, "period_seq", &st->seq) ||
	    stat_u64(buf, "budget_usec", &st->budget) ||
	    stat_u64(buf, "period_usec", &st->period) ||
	    stat_u64(buf, "nr_throttled", &st->throttled))
		return -EINVAL;
	text = stat_value(buf, "period_usage_usec");
	if (!text)
		return -EINVAL;
	for (pos = (char *)text; n < max; pos = end) {
		errno = 0;
		usage[n] = strtoull(pos, &end, 10);
		if (end == pos || errno)
			break;
		n++;
	}
	return (int)n;
}

/* 1 if a task is in the cgroup or below it, 0 if none, or -errno. */
int cg_populated(const char *dir)
{
	char buf[256];
	uint64_t populated;
	int ret = cg_read(dir, "cgroup.events", buf, sizeof(buf));

	if (!ret)
		ret = stat_u64(buf, "populated", &populated);
	return ret ? ret : populated != 0;
}

/* qosres.max as ppm of a CPU; UINT64_MAX for "max". */
int cg_max_ppm(const char *dir, uint64_t *ppm)
{
	char buf[64];
	uint64_t budget, period;
	int ret = cg_read(dir, "qosres.max", buf, sizeof(buf));

	if (ret)
		return ret;
	if (!strncmp(buf, "max", 3)) {
		*ppm = UINT64_MAX;
		return 0;
	}
	if (sscanf(buf, "%" SCNu64 " %" SCNu64, &budget, &period) != 2 ||
	    !period)
		return -EINVAL;
	*ppm = budget * 1000000 / period;
	return 0;
}
