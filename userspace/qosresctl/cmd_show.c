// SPDX-License-Identifier: GPL-2.0
/* qosresctl show and list: one reservation in full, or all in a table. */
#include "ctl.h"
#include "json.h"
#include "table.h"

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <inttypes.h>
#include <string.h>

/* Everything show tells about one reservation. */
struct rsv_detail {
	const char		*path;
	struct qosres_params	params;
	struct qosres_stats	stats;
	struct qosres_events	events;
	uint64_t		max_budget_us, max_period_us;
	struct qosres_room	room;
	bool			have_room;
};

/* [ARG] [--json] [--help]: the parse shared by show and list. */
static int parse_read_args(const char *cmd, int argc, char **argv,
			   bool *json, const char **arg, bool *help)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt;

	optind = 0;
	while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
		if (opt == 'h') {
			*help = true;
			return command_help(cmd);
		}
		if (opt != 'j')
			return option_error(cmd, opt, argv);
		*json = true;
	}
	if (argc - optind > 1)
		return usage_error(cmd, "unexpected argument '%s'",
				   argv[optind + 1]);
	*arg = optind < argc ? argv[optind] : NULL;
	return 0;
}

static int read_detail(const char *path, struct rsv_detail *d)
{
	int ret;

	d->path = path;
	ret = qosres_get(path, &d->params);
	if (!ret)
		ret = qosres_stats(path, &d->stats);
	if (!ret)
		ret = qosres_events(path, &d->events);
	if (!ret)
		ret = qosres_get_max(path, &d->max_budget_us, &d->max_period_us);
	if (ret < 0) {
		report_error(path, "read it", ret);
		return ret;
	}
	d->have_room = qosres_room(path, &d->room) == 0 &&
		       d->room.cap_path[0];
	return 0;
}

static void print_kv(const char *key, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void print_kv(const char *key, const char *fmt, ...)
{
	va_list ap;

	printf("%-10s ", key);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
}

static void print_params(const struct rsv_detail *d)
{
	char budget[32], period[32], bw[32], max_b[32], max_p[32], max_bw[32];

	format_time(d->params.budget_us, budget, sizeof(budget));
	format_time(d->params.period_us, period, sizeof(period));
	format_cpus(bandwidth_ppm(d->params.budget_us, d->params.period_us),
		    bw, sizeof(bw));
	print_kv("path", "%s", d->path);
	print_kv("budget", "%s (%" PRIu64 " us)", budget, d->params.budget_us);
	print_kv("period", "%s (%" PRIu64 " us)", period, d->params.period_us);
	if (d->params.budget_us)
		print_kv("bandwidth", "%s CPUs", bw);
	else
		print_kv("bandwidth", "none: budget 0, not a reservation");
	print_kv("mode", "%s", mode_name(d->params.mode));
	print_kv("feedback", "%s", d->params.feedback);
	if (!d->max_period_us) {
		print_kv("max", "max");
		return;
	}
	format_time(d->max_budget_us, max_b, sizeof(max_b));
	format_time(d->max_period_us, max_p, sizeof(max_p));
	format_cpus(bandwidth_ppm(d->max_budget_us, d->max_period_us), max_bw,
		    sizeof(max_bw));
	print_kv("max", "%s/%s (%s CPUs)", max_b, max_p, max_bw);
}

static void print_stats(const struct rsv_detail *d)
{
	const struct qosres_stats *s = &d->stats;
	char cap[32], left[32], reserved[32];

	format_cpus(s->reserved_bw_ppm, reserved, sizeof(reserved));
	print_kv("reserved", "%s CPUs in its subtree", reserved);
	if (d->have_room) {
		format_cpus(d->room.cap_ppm, cap, sizeof(cap));
		format_cpus(d->room.left_ppm, left, sizeof(left));
		print_kv("room", "%s CPUs left under the cap at %s "
			 "(qosres.max %s CPUs)", left, d->room.cap_path, cap);
	} else {
		print_kv("room", "no cap at or above it");
	}
	print_kv("servers", "%u on CPU %s", s->nr_servers,
		 s->cpus[0] ? s->cpus : "-");
	print_kv("running", "%u", s->nr_running);
	print_kv("usage", "%" PRIu64 ".%06" PRIu64 " s",
		 s->usage_usec / 1000000, s->usage_usec % 1000000);
	print_kv("periods", "%" PRIu64, s->nr_periods);
	print_kv("throttled", "%" PRIu64 " of the periods, for %" PRIu64
		 ".%06" PRIu64 " s", s->nr_throttled,
		 s->throttled_usec / 1000000, s->throttled_usec % 1000000);
	print_kv("events", "throttled %" PRIu64 ", admission_denied %" PRIu64
		 ", budget_changed %" PRIu64, d->events.throttled,
		 d->events.admission_denied, d->events.budget_changed);
}

static void json_bandwidth(struct json *j, const char *key, uint64_t ppm)
{
	json_kv_fixed(j, key, ppm / 1e6, 6);
}

static void json_params(struct json *j, const struct qosres_params *p)
{
	char mode[16];

	feedback_mode(p->feedback, mode, sizeof(mode));
	json_kv_uint(j, "budget_us", p->budget_us);
	json_kv_uint(j, "period_us", p->period_us);
	json_bandwidth(j, "bandwidth", bandwidth_ppm(p->budget_us,
						     p->period_us));
	json_kv_string(j, "mode", mode_name(p->mode));
	json_kv_string(j, "feedback_mode", mode);
	json_kv_string(j, "feedback", p->feedback);
}

static void json_stats(struct json *j, const struct qosres_stats *s)
{
	json_kv_uint(j, "usage_usec", s->usage_usec);
	json_kv_uint(j, "nr_periods", s->nr_periods);
	json_kv_uint(j, "nr_throttled", s->nr_throttled);
	json_kv_uint(j, "throttled_usec", s->throttled_usec);
	json_kv_uint(j, "reserved_bw_ppm", s->reserved_bw_ppm);
	json_kv_uint(j, "nr_servers", s->nr_servers);
	json_kv_uint(j, "nr_running", s->nr_running);
	json_kv_string(j, "cpus", s->cpus);
}

static void json_max_and_room(struct json *j, const struct rsv_detail *d)
{
	json_key(j, "max");
	if (!d->max_period_us) {
		json_null(j);
	} else {
		json_open_object(j);
		json_kv_uint(j, "budget_us", d->max_budget_us);
		json_kv_uint(j, "period_us", d->max_period_us);
		json_bandwidth(j, "bandwidth", bandwidth_ppm(d->max_budget_us,
							     d->max_period_us));
		json_close_object(j);
	}
	json_key(j, "room");
	if (!d->have_room) {
		json_null(j);
		return;
	}
	json_open_object(j);
	json_kv_string(j, "cap_path", d->room.cap_path);
	json_bandwidth(j, "cap_bandwidth", d->room.cap_ppm);
	json_bandwidth(j, "left_bandwidth", d->room.left_ppm);
	json_close_object(j);
}

static void show_json(const struct rsv_detail *d)
{
	struct json j;

	json_init(&j, stdout, true);
	json_open_object(&j);
	json_kv_string(&j, "path", d->path);
	json_params(&j, &d->params);
	json_max_and_room(&j, d);
	json_key(&j, "stats");
	json_open_object(&j);
	json_stats(&j, &d->stats);
	json_close_object(&j);
	json_key(&j, "events");
	json_open_object(&j);
	json_kv_uint(&j, "throttled", d->events.throttled);
	json_kv_uint(&j, "admission_denied", d->events.admission_denied);
	json_kv_uint(&j, "budget_changed", d->events.budget_changed);
	json_close_object(&j);
	json_close_object(&j);
	json_finish(&j);
}

/* What the root's qosres.stat says of one CPU; false if it has no such CPU. */
static bool root_cpu(const char *stat, unsigned int cpu, uint64_t *reserved,
		     uint64_t *free_ppm)
{
	char key[48];

	snprintf(key, sizeof(key), "cpu%u_reserved_bw_ppm", cpu);
	if (stat_value(stat, key, reserved))
		return false;
	snprintf(key, sizeof(key), "cpu%u_free_bw_ppm", cpu);
	*free_ppm = 0;
	stat_value(stat, key, free_ppm);
	return true;
}

#define MAX_CPUS	4096

static void root_json(const char *stat, uint64_t total, uint64_t limit)
{
	uint64_t reserved, free_ppm;
	struct json j;

	json_init(&j, stdout, true);
	json_open_object(&j);
	json_kv_string(&j, "path", "/");
	json_bandwidth(&j, "reserved_bandwidth", total);
	json_bandwidth(&j, "limit_bandwidth_per_cpu", limit);
	json_key(&j, "cpus");
	json_open_array(&j);
	for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
		if (!root_cpu(stat, cpu, &reserved, &free_ppm))
			continue;
		json_open_object(&j);
		json_kv_uint(&j, "cpu", cpu);
		json_bandwidth(&j, "reserved_bandwidth", reserved);
		json_bandwidth(&j, "free_bandwidth", free_ppm);
		json_close_object(&j);
	}
	json_close_array(&j);
	json_close_object(&j);
	json_finish(&j);
}

static void root_text(const char *stat, uint64_t total, uint64_t limit)
{
	char key[16], reserved_s[32], free_s[32];
	uint64_t reserved, free_ppm;

	format_cpus(total, reserved_s, sizeof(reserved_s));
	format_cpus(limit, free_s, sizeof(free_s));
	print_kv("path", "/");
	print_kv("reserved", "%s CPUs", reserved_s);
	print_kv("limit", "%s per CPU, shared with SCHED_DEADLINE", free_s);
	for (unsigned int cpu = 0; cpu < MAX_CPUS; cpu++) {
		if (!root_cpu(stat, cpu, &reserved, &free_ppm))
			continue;
		format_cpus(reserved, reserved_s, sizeof(reserved_s));
		format_cpus(free_ppm, free_s, sizeof(free_s));
		snprintf(key, sizeof(key), "cpu%u", cpu);
		print_kv(key, "reserved %s, free %s", reserved_s, free_s);
	}
}

/* The root: the per-CPU limit and what is reserved and free on each CPU. */
static int show_root(bool json)
{
	char stat[8192];
	uint64_t total = 0, limit = 0;
	int ret = read_cgroup_file("/", "qosres.stat", stat, sizeof(stat));

	if (ret < 0) {
		report_error("/", "read qosres.stat", ret);
		return EXIT_RUNTIME;
	}
	stat_value(stat, "reserved_bw_ppm", &total);
	stat_value(stat, "limit_bw_ppm", &limit);
	if (json)
		root_json(stat, total, limit);
	else
		root_text(stat, total, limit);
	return 0;
}

int cmd_show(int argc, char **argv)
{
	struct rsv_detail detail = { 0 };
	char path[CG_PATH_MAX];
	bool json = false, help = false;
	const char *arg = NULL;
	int ret = parse_read_args("show", argc, argv, &json, &arg, &help);

	if (ret || help)
		return ret;
	if (!arg)
		return usage_error("show", "missing PATH");
	if (cgroup_arg(arg, path, sizeof(path)))
		return usage_error("show", "PATH is too long");
	if (!strcmp(path, "/"))
		return show_root(json);
	if (read_detail(path, &detail) < 0)
		return EXIT_RUNTIME;
	if (json) {
		show_json(&detail);
	} else {
		print_params(&detail);
		print_stats(&detail);
	}
	return 0;
}

static const char *const list_headers[] = {
	"PATH", "BUDGET", "PERIOD", "BW", "MODE", "FEEDBACK", "CPUS",
	"USAGE", "THROTTLED",
};

static int list_row(struct table *t, const struct rsv_info *r)
{
	char budget[32], period[32], bw[32], fb[16], usage[32], thr[32];
	const char *cells[] = {
		r->path, budget, period, bw, mode_name(r->params.mode), fb,
		r->stats.cpus[0] ? r->stats.cpus : "-", usage, thr,
	};

	format_time(r->params.budget_us, budget, sizeof(budget));
	format_time(r->params.period_us, period, sizeof(period));
	format_cpus(bandwidth_ppm(r->params.budget_us, r->params.period_us),
		    bw, sizeof(bw));
	feedback_mode(r->params.feedback, fb, sizeof(fb));
	snprintf(usage, sizeof(usage), "%.2fs", r->stats.usage_usec / 1e6);
	snprintf(thr, sizeof(thr), "%" PRIu64, r->stats.nr_throttled);
	return table_add_row(t, cells);
}

static int list_table(const struct rsv_list *list)
{
	struct table t;
	size_t i;
	int ret = 0;

	table_init(&t, 9, list_headers, "lrrrllrrr");
	for (i = 0; i < list->count && !ret; i++)
		ret = list_row(&t, &list->items[i]);
	if (!ret)
		table_print(&t, stdout, 0);
	table_free(&t);
	return ret;
}

static void list_json(const struct rsv_list *list)
{
	struct json j;

	json_init(&j, stdout, true);
	json_open_array(&j);
	for (size_t i = 0; i < list->count; i++) {
		json_open_object(&j);
		json_kv_string(&j, "path", list->items[i].path);
		json_params(&j, &list->items[i].params);
		json_stats(&j, &list->items[i].stats);
		json_close_object(&j);
	}
	json_close_array(&j);
	json_finish(&j);
}

int cmd_list(int argc, char **argv)
{
	struct rsv_list list = { 0 };
	char root[CG_PATH_MAX];
	bool json = false, help = false;
	const char *arg = NULL;
	int ret = parse_read_args("list", argc, argv, &json, &arg, &help);

	if (ret || help)
		return ret;
	if (cgroup_arg(arg ? arg : "/", root, sizeof(root)))
		return usage_error("list", "ROOT is too long");
	ret = rsv_collect(root, &list);
	if (ret < 0) {
		report_error(root, "list its reservations", ret);
		rsv_list_free(&list);
		return EXIT_RUNTIME;
	}
	if (json)
		list_json(&list);
	else
		ret = list_table(&list);
	rsv_list_free(&list);
	if (ret < 0) {
		error_msg("out of memory");
		return EXIT_RUNTIME;
	}
	return 0;
}
