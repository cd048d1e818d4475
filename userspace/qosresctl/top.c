// SPDX-License-Identifier: GPL-2.0
/*
 * qosresctl top: every reservation with what it used over the last
 * interval, redrawn in place on a terminal, as successive blocks (or JSON
 * lines) otherwise.
 */
#include "ctl.h"
#include "json.h"
#include "table.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define FIRST_TTY_INTERVAL	0.5	/* s: a terminal sees a frame soon */
#define HEADER_LINES		3	/* title, blank line, column names */

struct top_opts {
	double		delay;		/* s between frames */
	long		iterations;	/* 0: until q or a signal */
	bool		json;
	char		root[CG_PATH_MAX];
};

struct top_state {
	struct top_opts	opts;
	bool		tty;		/* stdout: redraw in place */
	bool		keys;		/* stdin: a terminal we read keys from */
	struct termios	saved_termios;
	struct rsv_list	prev, cur;
	double		prev_time, cur_time;
};

static volatile sig_atomic_t stop_requested;

static void request_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static double monotonic_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* -d: seconds ("1", "0.5") or a time with a unit ("500ms"). */
static int parse_delay(const char *text, double *seconds)
{
	uint64_t us;
	char *end;

	errno = 0;
	*seconds = strtod(text, &end);
	if (!errno && end != text && !*end && isfinite(*seconds) &&
	    *seconds >= 0.01)
		return 0;
	if (qosres_parse_time(text, &us) == 0 && us >= 10000) {
		*seconds = us / 1e6;
		return 0;
	}
	return usage_error("top", "invalid -d '%s': give seconds, at least "
			   "0.01 (or a time such as 500ms)", text);
}

static int parse_iterations(const char *text, long *n)
{
	char *end;

	errno = 0;
	*n = strtol(text, &end, 10);
	if (errno || end == text || *end || *n <= 0)
		return usage_error("top", "invalid -n '%s': give a count of "
				   "1 or more", text);
	return 0;
}

static int parse_top(int argc, char **argv, struct top_opts *o, bool *help)
{
	static const struct option longopts[] = {
		{ "delay", required_argument, NULL, 'd' },
		{ "iterations", required_argument, NULL, 'n' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	int opt, ret = 0;

	optind = 0;
	while (!ret && (opt = getopt_long(argc, argv, ":d:n:h", longopts,
					  NULL)) != -1) {
		if (opt == 'd')
			ret = parse_delay(optarg, &o->delay);
		else if (opt == 'n')
			ret = parse_iterations(optarg, &o->iterations);
		else if (opt == 'j')
			o->json = true;
		else if (opt == 'h')
			return *help = true, command_help("top");
		else
			ret = option_error("top", opt, argv);
	}
	if (ret)
		return ret;
	if (argc - optind > 1)
		return usage_error("top", "unexpected argument '%s'",
				   argv[optind + 1]);
	if (cgroup_arg(optind < argc ? argv[optind] : "/", o->root,
		       sizeof(o->root)))
		return usage_error("top", "ROOT is too long");
	return 0;
}

/* Keys one at a time, unechoed; Ctrl-C still signals. */
static void enter_key_mode(struct top_state *s)
{
	struct termios raw;

	s->keys = isatty(STDIN_FILENO) && s->tty &&
		  tcgetattr(STDIN_FILENO, &s->saved_termios) == 0;
	if (!s->keys)
		return;
	raw = s->saved_termios;
	raw.c_lflag &= ~(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	tcsetattr(STDIN_FILENO, TCSANOW, &raw);
}

static void leave_key_mode(struct top_state *s)
{
	if (s->keys)
		tcsetattr(STDIN_FILENO, TCSANOW, &s->saved_termios);
}

static void catch_stop_signals(void)
{
	struct sigaction sa = { .sa_handler = request_stop };

	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: the signal ends the wait in poll(). */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
}

/* Did the user press q? Other keys are ignored. */
static bool quit_pressed(void)
{
	char keys[32];
	ssize_t n = read(STDIN_FILENO, keys, sizeof(keys));

	for (ssize_t i = 0; i < n; i++)
		if (keys[i] == 'q' || keys[i] == 'Q')
			return true;
	return false;
}

/* Wait SECONDS, watching for q; true when it is time to stop. */
static bool wait_interval(const struct top_state *s, double seconds)
{
	double deadline = monotonic_seconds() + seconds;
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };

	while (!stop_requested) {
		double left = deadline - monotonic_seconds();

		if (left <= 0)
			return false;
		if (poll(&pfd, s->keys ? 1 : 0, (int)ceil(left * 1000)) > 0 &&
		    (pfd.revents & POLLIN) && quit_pressed())
			return true;
	}
	return true;
}

static const struct rsv_info *find_prev(const struct top_state *s,
					const struct rsv_info *r, size_t hint)
{
	if (hint < s->prev.count && !strcmp(s->prev.items[hint].path, r->path))
		return &s->prev.items[hint];
	for (size_t i = 0; i < s->prev.count; i++)
		if (!strcmp(s->prev.items[i].path, r->path))
			return &s->prev.items[i];
	return NULL;
}

/* Over the interval: % of one CPU, % of the budget, throttled periods. */
struct interval_use {
	bool		known;		/* it existed at the start too */
	double		cpu_pct, budget_pct;
	uint64_t	throttled;
};

static struct interval_use use_over_interval(const struct top_state *s,
					     size_t i)
{
	const struct rsv_info *r = &s->cur.items[i];
	const struct rsv_info *p = find_prev(s, r, i);
	double elapsed = s->cur_time - s->prev_time;
	uint64_t ppm = bandwidth_ppm(r->params.budget_us, r->params.period_us);
	struct interval_use u = { 0 };

	if (!p || elapsed <= 0 || r->stats.usage_usec < p->stats.usage_usec)
		return u;
	u.known = true;
	u.cpu_pct = (r->stats.usage_usec - p->stats.usage_usec) / 1e4 /
		    elapsed;
	u.budget_pct = ppm ? u.cpu_pct * 1e4 / ppm * 100 : 0;
	if (r->stats.nr_throttled >= p->stats.nr_throttled)
		u.throttled = r->stats.nr_throttled - p->stats.nr_throttled;
	return u;
}

static const char *const top_headers[] = {
	"PATH", "BUDGET", "PERIOD", "BW", "CPU%", "BUDGET%", "THROTTLED",
	"MODE", "FEEDBACK",
};

static int top_row(struct table *t, const struct top_state *s, size_t i)
{
	const struct rsv_info *r = &s->cur.items[i];
	struct interval_use u = use_over_interval(s, i);
	char budget[32], period[32], bw[32], cpu[16], bpct[16], thr[24];
	char fb[16];
	const char *cells[] = {
		r->path, budget, period, bw, cpu, bpct, thr,
		mode_name(r->params.mode), fb,
	};

	format_time(r->params.budget_us, budget, sizeof(budget));
	format_time(r->params.period_us, period, sizeof(period));
	format_cpus(bandwidth_ppm(r->params.budget_us, r->params.period_us),
		    bw, sizeof(bw));
	feedback_mode(r->params.feedback, fb, sizeof(fb));
	snprintf(cpu, sizeof(cpu), u.known ? "%.1f" : "-", u.cpu_pct);
	snprintf(bpct, sizeof(bpct), u.known ? "%.0f" : "-", u.budget_pct);
	snprintf(thr, sizeof(thr), u.known ? "%" PRIu64 : "-", u.throttled);
	return table_add_row(t, cells);
}

static void terminal_size(int *rows, int *cols)
{
	struct winsize ws;

	*rows = *cols = 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
}

static void print_title(const struct top_state *s)
{
	char clock[16], total_s[32];
	uint64_t total = 0;
	time_t now = time(NULL);

	for (size_t i = 0; i < s->cur.count; i++)
		total += bandwidth_ppm(s->cur.items[i].params.budget_us,
				       s->cur.items[i].params.period_us);
	format_cpus(total, total_s, sizeof(total_s));
	strftime(clock, sizeof(clock), "%H:%M:%S", localtime(&now));
	printf("qosresctl top - %s - %zu reservation%s under %s, %s CPUs "
	       "reserved - every %gs%s\n\n", clock, s->cur.count,
	       s->cur.count == 1 ? "" : "s", s->opts.root, total_s,
	       s->opts.delay, s->keys ? " - q quits" : "");
}

static int print_frame(const struct top_state *s)
{
	int rows = 0, cols = 0, ret = 0;
	size_t fit = s->cur.count, i;
	struct table t;

	if (s->tty) {
		terminal_size(&rows, &cols);
		if (rows > HEADER_LINES + 1 &&
		    fit > (size_t)(rows - HEADER_LINES - 1))
			fit = rows - HEADER_LINES - 1;
		fputs("\033[H\033[2J", stdout);
	}
	print_title(s);
	table_init(&t, 9, top_headers, "lrrrrrrll");
	for (i = 0; i < fit && !ret; i++)
		ret = top_row(&t, s, i);
	if (!ret)
		table_print(&t, stdout, cols);
	table_free(&t);
	if (fit < s->cur.count)
		printf("... and %zu more", s->cur.count - fit);
	else if (!s->tty)
		putchar('\n');
	fflush(stdout);
	return ret;
}

static void print_json_frame(const struct top_state *s)
{
	struct json j;

	json_init(&j, stdout, false);
	json_open_object(&j);
	json_kv_uint(&j, "time", (uint64_t)time(NULL));
	json_kv_fixed(&j, "interval", s->cur_time - s->prev_time, 3);
	json_key(&j, "reservations");
	json_open_array(&j);
	for (size_t i = 0; i < s->cur.count; i++) {
		const struct rsv_info *r = &s->cur.items[i];
		struct interval_use u = use_over_interval(s, i);

		json_open_object(&j);
		json_kv_string(&j, "path", r->path);
		json_kv_uint(&j, "budget_us", r->params.budget_us);
		json_kv_uint(&j, "period_us", r->params.period_us);
		json_kv_fixed(&j, "cpu_percent", u.known ? u.cpu_pct : NAN, 1);
		json_kv_fixed(&j, "budget_percent",
			      u.known ? u.budget_pct : NAN, 1);
		json_key(&j, "throttled");
		if (u.known)
			json_uint(&j, u.throttled);
		else
			json_null(&j);
		json_kv_uint(&j, "usage_usec", r->stats.usage_usec);
		json_close_object(&j);
	}
	json_close_array(&j);
	json_close_object(&j);
	json_finish(&j);
}

/* Read every reservation now; the last reading becomes the previous. */
static int sample(struct top_state *s)
{
	struct rsv_list old = s->prev;
	int ret;

	s->prev = s->cur;
	s->prev_time = s->cur_time;
	s->cur = old;
	ret = rsv_collect(s->opts.root, &s->cur);
	s->cur_time = monotonic_seconds();
	if (ret < 0)
		report_error(s->opts.root, "list its reservations", ret);
	return ret;
}

static int top_loop(struct top_state *s)
{
	double interval = s->opts.delay;
	long frame;
	int ret = sample(s);

	if (s->tty && interval > FIRST_TTY_INTERVAL)
		interval = FIRST_TTY_INTERVAL;
	for (frame = 0; !ret; frame++) {
		if (wait_interval(s, interval))
			break;
		ret = sample(s);
		if (ret)
			break;
		if (s->opts.json)
			print_json_frame(s);
		else
			ret = print_frame(s);
		if (s->opts.iterations && frame + 1 >= s->opts.iterations)
			break;
		interval = s->opts.delay;
	}
	return ret;
}

int cmd_top(int argc, char **argv)
{
	static char outbuf[1 << 16];
	struct top_state s = { .opts = { .delay = 2.0 } };
	bool help = false;
	int ret = parse_top(argc, argv, &s.opts, &help);

	if (ret || help)
		return ret;
	s.tty = !s.opts.json && isatty(STDOUT_FILENO);
	/* A frame goes out in one write: no flicker. */
	if (s.tty)
		setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	catch_stop_signals();
	enter_key_mode(&s);
	if (s.tty)
		fputs("\033[?25l", stdout);	/* hide the cursor */
	ret = top_loop(&s);
	if (s.tty) {
		fputs("\033[?25h\n", stdout);
		fflush(stdout);
	}
	leave_key_mode(&s);
	rsv_list_free(&s.prev);
	rsv_list_free(&s.cur);
	return ret ? EXIT_RUNTIME : 0;
}
