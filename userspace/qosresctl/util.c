// SPDX-License-Identifier: GPL-2.0
/* qosresctl: messages, argument parsing and formatting the commands share. */
#include "ctl.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void error_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("qosresctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

void warning_msg(const char *fmt, ...)
{
	va_list ap;

	fputs("qosresctl: warning: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* One line: what is wrong and where the help is. Returns EXIT_USAGE. */
int usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fputs("qosresctl: ", stderr);
	if (cmd)
		fprintf(stderr, "%s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see 'qosresctl %s%s--help')\n", cmd ? cmd : "",
		cmd ? " " : "");
	return EXIT_USAGE;
}

int parse_time_arg(const char *cmd, const char *what, const char *text,
		   uint64_t *us)
{
	if (qosres_parse_time(text, us) == 0)
		return 0;
	return usage_error(cmd, "invalid %s '%s': give a time such as 20ms, "
			   "1.5s, 500us or 250 (microseconds)", what, text);
}

/* "max", "BUDGET/PERIOD" or "BUDGET" (of the default period). */
int parse_max_arg(const char *cmd, const char *text, uint64_t *budget_us,
		  uint64_t *period_us)
{
	char budget[64];
	const char *slash = strchr(text, '/');
	size_t len = slash ? (size_t)(slash - text) : strlen(text);

	if (!strcmp(text, "max")) {
		*budget_us = *period_us = 0;
		return 0;
	}
	if (len >= sizeof(budget))
		return usage_error(cmd, "invalid --max '%s'", text);
	memcpy(budget, text, len);
	budget[len] = '\0';
	*period_us = QOSRES_DEFAULT_PERIOD_US;
	if (parse_time_arg(cmd, "--max budget", budget, budget_us))
		return EXIT_USAGE;
	if (slash && parse_time_arg(cmd, "--max period", slash + 1, period_us))
		return EXIT_USAGE;
	return 0;
}

static int append_word(char *out, size_t size, const char *word)
{
	size_t used = strlen(out);
	int n = snprintf(out + used, size - used, "%s%s", used ? " " : "",
			 word);

	return n < 0 || (size_t)n >= size - used ? -1 : 0;
}

/* A key=value word of a feedback spec; min= and max= take units. */
static int feedback_word(const char *cmd, const char *word, char *out,
			 size_t size)
{
	char converted[64];
	uint64_t us;

	if (strncmp(word, "min=", 4) && strncmp(word, "max=", 4))
		return append_word(out, size, word) ? EXIT_USAGE : 0;
	if (!strcmp(word, "max=max"))
		return append_word(out, size, word) ? EXIT_USAGE : 0;
	if (parse_time_arg(cmd, "feedback bound", word + 4, &us))
		return EXIT_USAGE;
	snprintf(converted, sizeof(converted), "%.4s%" PRIu64, word, us);
	return append_word(out, size, converted) ? EXIT_USAGE : 0;
}

/*
 * --feedback SPEC: "off", "kernel" or "agent", then key=value words, into
 * the line qosres.feedback takes. Values are the kernel's to check.
 */
int feedback_spec(const char *cmd, const char *text, char *out, size_t size)
{
	char copy[QOSRES_FEEDBACK_MAX];
	char *save = NULL, *word;
	bool first = true;

	if (snprintf(copy, sizeof(copy), "%s", text) >= (int)sizeof(copy))
		return usage_error(cmd, "--feedback spec is too long");
	out[0] = '\0';
	for (word = strtok_r(copy, " \t", &save); word;
	     word = strtok_r(NULL, " \t", &save)) {
		if (first && strcmp(word, "off") && strcmp(word, "kernel") &&
		    strcmp(word, "agent"))
			return usage_error(cmd, "invalid --feedback '%s': it "
					   "starts with off, kernel or agent",
					   text);
		if (!first && !strchr(word, '='))
			return usage_error(cmd, "invalid --feedback word '%s': "
					   "expected key=value", word);
		if (first ? append_word(out, size, word) :
			    feedback_word(cmd, word, out, size))
			return usage_error(cmd, "--feedback spec is too long");
		first = false;
	}
	if (first)
		return usage_error(cmd, "empty --feedback spec");
	return 0;
}

/*
 * A cgroup named on the command line, as the library takes it: relative
 * to the cgroup2 mount and starting with '/'. The mount's own path
 * ("/sys/fs/cgroup/a") is accepted too. Returns 0 or -ENAMETOOLONG.
 */
int cgroup_arg(const char *text, char *path, size_t size)
{
	const char *mount = qosres_mount();
	size_t mlen = strlen(mount);
	size_t len;

	if (mlen > 1 && !strncmp(text, mount, mlen) &&
	    (text[mlen] == '/' || text[mlen] == '\0'))
		text += mlen;
	while (*text == '/')
		text++;
	if (snprintf(path, size, "/%s", text) >= (int)size)
		return -ENAMETOOLONG;
	len = strlen(path);
	while (len > 1 && path[len - 1] == '/')
		path[--len] = '\0';
	return 0;
}

int self_cgroup(char *path, size_t size)
{
	int ret = qosres_cgroup_of(0, path, size);

	if (ret < 0)
		error_msg("cannot find the cgroup of this process: %s",
			  strerror(-ret));
	return ret;
}

/*
 * The cgroup of the systemd slice NAME: "a-b.slice" is /a.slice/a-b.slice,
 * each dash a level down (systemd.slice(5)).
 */
int slice_cgroup(const char *name, char *path, size_t size)
{
	size_t len = strlen(name), at = 0, i;
	const char *suffix = ".slice";
	size_t base = len - strlen(suffix);

	if (len <= strlen(suffix) || strcmp(name + base, suffix) ||
	    name[0] == '-' || name[base - 1] == '-' || strstr(name, "--") ||
	    memchr(name, '/', len))
		return -EINVAL;
	for (i = 1; i <= base; i++) {
		if (i < base && name[i] != '-')
			continue;
		if (at + i + strlen(suffix) + 2 > size)
			return -ENAMETOOLONG;
		at += snprintf(path + at, size - at, "/%.*s%s", (int)i, name,
			       suffix);
	}
	return 0;
}

/* Strip trailing zeros of a decimal number, keeping MIN_DECIMALS. */
static void trim_decimals(char *buf, int min_decimals)
{
	char *dot = strchr(buf, '.');
	char *end;

	if (!dot)
		return;
	end = buf + strlen(buf) - 1;
	while (end > dot + min_decimals && *end == '0')
		*end-- = '\0';
	if (end == dot)
		*end = '\0';
}

/* 20000 -> "20ms", 1500000 -> "1.5s", 250 -> "250us": parse_time reads it. */
void format_time(uint64_t us, char *buf, size_t size)
{
	if (us >= 1000000)
		snprintf(buf, size, "%.6f", us / 1e6);
	else if (us >= 1000)
		snprintf(buf, size, "%.3f", us / 1e3);
	else
		snprintf(buf, size, "%" PRIu64, us);
	trim_decimals(buf, 0);
	strncat(buf, us >= 1000000 ? "s" : us >= 1000 ? "ms" : "us",
		size - strlen(buf) - 1);
}

/* 200000 ppm -> "0.20", 349000 -> "0.349": never rounded to look equal. */
void format_cpus(uint64_t ppm, char *buf, size_t size)
{
	snprintf(buf, size, "%" PRIu64 ".%06" PRIu64, ppm / PPM_PER_CPU,
		 ppm % PPM_PER_CPU);
	trim_decimals(buf, 2);
}

uint64_t bandwidth_ppm(uint64_t budget_us, uint64_t period_us)
{
	if (!period_us)
		period_us = QOSRES_DEFAULT_PERIOD_US;
	return budget_us * PPM_PER_CPU / period_us;
}

/* Walk a CPU list ("0-3,6"): calls FN for each range; -1 if malformed. */
static int cpulist_walk(const char *list,
			bool (*fn)(unsigned int lo, unsigned int hi, void *),
			void *arg)
{
	const char *s = list;
	unsigned long lo, hi;
	char *end;

	while (*s && *s != '\n') {
		lo = hi = strtoul(s, &end, 10);
		if (end == s)
			return -1;
		if (*end == '-') {
			s = end + 1;
			hi = strtoul(s, &end, 10);
			if (end == s || hi < lo)
				return -1;
		}
		if (fn(lo, hi, arg))
			return 1;
		s = *end == ',' ? end + 1 : end;
		if (*end && *end != ',' && *end != '\n')
			return -1;
	}
	return 0;
}

static bool count_range(unsigned int lo, unsigned int hi, void *arg)
{
	*(unsigned int *)arg += hi - lo + 1;
	return false;
}

static bool range_has(unsigned int lo, unsigned int hi, void *arg)
{
	unsigned int cpu = *(unsigned int *)arg;

	return cpu >= lo && cpu <= hi;
}

bool cpulist_has(const char *list, unsigned int cpu)
{
	return cpulist_walk(list, range_has, &cpu) == 1;
}

/* The kernel's num_possible_cpus(), which bounds a budget. */
unsigned int possible_cpus(void)
{
	char list[256];
	unsigned int count = 0;
	int fd = open("/sys/devices/system/cpu/possible", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, list, sizeof(list) - 1);

	if (fd >= 0)
		close(fd);
	if (n > 0) {
		list[n] = '\0';
		if (cpulist_walk(list, count_range, &count) == 0 && count)
			return count;
	}
	return (unsigned int)sysconf(_SC_NPROCESSORS_CONF);
}

static bool comm_is(const char *pid, const char *name)
{
	char file[288], comm[32];
	ssize_t n;
	int fd;

	snprintf(file, sizeof(file), "/proc/%s/comm", pid);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (n <= 0)
		return false;
	comm[n] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
	return !strcmp(comm, name);
}

/* Is a qosres-agent process running (that this process can see)? */
bool agent_running(void)
{
	DIR *proc = opendir("/proc");
	struct dirent *de;
	bool found = false;

	if (!proc)
		return true;	/* cannot tell: do not warn */
	while (!found && (de = readdir(proc)))
		if (isdigit((unsigned char)de->d_name[0]))
			found = comm_is(de->d_name, "qosres-agent");
	closedir(proc);
	return found;
}

/* A cgroup's file FILE into BUF, NUL-terminated; bytes read or -errno. */
int read_cgroup_file(const char *path, const char *file, char *buf,
		     size_t size)
{
	char name[CG_PATH_MAX + 64];
	size_t used = 0;
	ssize_t n = 0;
	int fd;

	snprintf(name, sizeof(name), "%s%s/%s", qosres_mount(),
		 strcmp(path, "/") ? path : "", file);
	fd = open(name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (used < size - 1 &&
	       (n = read(fd, buf + used, size - 1 - used)) > 0)
		used += n;
	n = n < 0 ? -errno : (ssize_t)used;
	close(fd);
	buf[used] = '\0';
	return (int)n;
}

/* The value of KEY in flat-keyed TEXT. */
int stat_value(const char *text, const char *key, uint64_t *value)
{
	size_t len = strlen(key);
	const char *line = text;

	while (line && *line) {
		if (!strncmp(line, key, len) && line[len] == ' ') {
			*value = strtoull(line + len + 1, NULL, 10);
			return 0;
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return -ENOENT;
}

/* One of RSV_LONGOPTS (or -b, -p) for command CMD; else a usage error. */
int rsv_option(const char *cmd, struct rsv_opts *o, int opt)
{
	switch (opt) {
	case 'b':
		o->have_budget = true;
		return parse_time_arg(cmd, "budget", optarg, &o->budget_us);
	case 'p':
		o->have_period = true;
		return parse_time_arg(cmd, "period", optarg, &o->period_us);
	case 's':
	case 'H':
		o->have_mode = true;
		o->mode = opt == 's' ? QOSRES_SOFT : QOSRES_HARD;
		return 0;
	case 'f':
		o->have_feedback = true;
		return feedback_spec(cmd, optarg, o->feedback,
				     sizeof(o->feedback));
	default:
		return EXIT_USAGE;
	}
}

/* getopt_long returned ':' or '?': name the option in a usage error. */
int option_error(const char *cmd, int opt, char **argv)
{
	const char *arg = argv[optind - 1];
	char name[64];

	if (!strncmp(arg, "--", 2))
		snprintf(name, sizeof(name), "%.*s", (int)strcspn(arg, "="),
			 arg);
	else
		snprintf(name, sizeof(name), "-%c", optopt);
	if (opt == ':')
		return usage_error(cmd, "option %s needs a value", name);
	return usage_error(cmd, "unknown option %s", name);
}
