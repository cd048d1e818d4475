// SPDX-License-Identifier: GPL-2.0
/*
 * qosres-fuzz: hostile writes to every writable qosres file of a cgroup,
 * each judged against the contract (shared/design/interface.md).
 *
 *   qosres-fuzz [-n WRITES] [-s SEED] [-j WRITERS] CGROUP
 *
 * CGROUP is a reservation's cgroup. With one writer, each write is checked
 * on its own: a text the contract refuses must fail with EINVAL and change
 * nothing; a valid one must take effect exactly (read back as written) or
 * fail with EBUSY, changing nothing and counting admission_denied when it
 * was an admission. With -j, that many processes write at once: each write
 * must still fail with the errno its text calls for, and at the end every
 * file must hold a valid value and qosres.stat agree with them.
 *
 * Prints "N writes: ..." and exits 0, or names the first write that broke
 * the contract and exits 1.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define PERIOD_MIN	1000ULL
#define PERIOD_MAX	10000000ULL
#define BUDGET_MIN	100ULL
#define WINDOW_MAX	64
#define WRITE_MAX	4096	/* cgroup files take one page a write */
#define TEXT_MAX	(WRITE_MAX + 64)
#define LINE_MAX_LEN	512

enum file_id { F_BUDGET, F_PERIOD, F_MODE, F_FEEDBACK, F_MAX, NR_FILES };

static const char *const file_names[NR_FILES] = {
	"qosres.budget", "qosres.period", "qosres.mode", "qosres.feedback",
	"qosres.max",
};

/* What the contract says a text must do. */
/* V_EITHER: valid or not by a budget the kernel feedback loop may move. */
enum verdict { V_INVALID, V_VALID, V_EITHER };

struct state {
	char text[NR_FILES][LINE_MAX_LEN];
	unsigned long long denied;	/* qosres.events admission_denied */
};

static const char *cgroup;
static unsigned int ncpus;
static unsigned int seed = 1;
static unsigned long long nr_ok, nr_einval, nr_ebusy;

/* ---- the cgroup's files ---- */

static int read_text(const char *name, char *buf, size_t size)
{
	char path[LINE_MAX_LEN];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", cgroup, name);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -1;
	len = read(fd, buf, size - 1);
	close(fd);
	if (len < 0)
		return -1;
	buf[len] = '\0';
	if (len && buf[len - 1] == '\n')
		buf[len - 1] = '\0';
	return 0;
}

static unsigned long long flat_key(const char *name, const char *key)
{
	char buf[4096], *line, *save = NULL;
	size_t key_len = strlen(key);

	if (read_text(name, buf, sizeof(buf)))
		return ULLONG_MAX;
	for (line = strtok_r(buf, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, key, key_len) && line[key_len] == ' ')
			return strtoull(line + key_len + 1, NULL, 10);
	}
	return ULLONG_MAX;
}

static int read_state(struct state *st)
{
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < NR_FILES; i++)
		if (read_text(file_names[i], st->text[i], LINE_MAX_LEN))
			return -1;
	st->denied = flat_key("qosres.events", "admission_denied");
	return 0;
}

static int open_file(enum file_id file)
{
	char path[LINE_MAX_LEN];

	snprintf(path, sizeof(path), "%s/%s", cgroup, file_names[file]);
	return open(path, O_WRONLY);
}

/* One write(2) of len bytes on fd; 0 or the errno. */
static int write_text(int fd, const char *text, size_t len)
{
	ssize_t ret = write(fd, text, len);

	if (ret < 0)
		return errno;
	return (size_t)ret == len ? 0 : EIO;
}

/* ---- the contract's grammar ---- */

static bool blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* A decimal u64 as kstrtou64 takes it: an optional '+', digits. */
static bool parse_u64(const char *s, size_t len, unsigned long long *v)
{
	unsigned long long n = 0;

	if (len && *s == '+') {
		s++;
		len--;
	}
	if (!len)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		if (n > (ULLONG_MAX - (s[i] - '0')) / 10)
			return false;
		n = n * 10 + (s[i] - '0');
	}
	*v = n;
	return true;
}

/* Split on blanks into at most max tokens; -1 for more. */
static int tokens(const char *s, size_t len, const char **tok,
		  size_t *tok_len, int max)
{
	int n = 0;
	size_t i = 0;

	while (i < len) {
		size_t start;

		while (i < len && blank(s[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !blank(s[i]))
			i++;
		if (n == max)
			return -1;
		tok[n] = s + start;
		tok_len[n++] = i - start;
	}
	return n;
}

/* "A" or "A B": how many numbers, or -1. */
static int parse_pair(const char *s, size_t len, unsigned long long *v)
{
	const char *tok[2];
	size_t tok_len[2];
	int n = tokens(s, len, tok, tok_len, 2);

	for (int i = 0; i < n; i++)
		if (!parse_u64(tok[i], tok_len[i], &v[i]))
			return -1;
	return n > 0 ? n : -1;
}

static bool period_valid(unsigned long long period)
{
	return period >= PERIOD_MIN && period <= PERIOD_MAX;
}

static bool budget_valid(unsigned long long budget, unsigned long long period)
{
	return !budget || (budget >= BUDGET_MIN && budget <= period * ncpus);
}

/* sysfs_streq(): equal but for one trailing newline on either side. */
static bool streq_nl(const char *s, size_t len, const char *word)
{
	size_t word_len = strlen(word);

	if (len && s[len - 1] == '\n')
		len--;
	return len == word_len && !memcmp(s, word, len);
}

static unsigned long long state_u64(const struct state *st, enum file_id f)
{
	return strtoull(st->text[f], NULL, 10);
}

/* The expected text of the file after a valid write, in *expect. */
static enum verdict judge_budget(const struct state *st, const char *s,
				 size_t len, char *expect)
{
	unsigned long long v[2];
	int n = parse_pair(s, len, v);
	unsigned long long period = n == 2 ? v[1] : state_u64(st, F_PERIOD);

	if (n < 0 || !period_valid(period) || !budget_valid(v[0], period))
		return V_INVALID;
	snprintf(expect, LINE_MAX_LEN, "%llu %llu", v[0], period);
	return V_VALID;
}

/* The kernel's isspace(), as strstrip() uses it: Latin-1's NBSP too. */
static bool kernel_space(char c)
{
	return isspace((unsigned char)c) || (unsigned char)c == 0xa0;
}

/* Is the kernel feedback loop adapting the budget on its own? */
static bool kernel_loop(const struct state *st)
{
	return !strncmp(st->text[F_FEEDBACK], "kernel", 6);
}

static enum verdict judge_period(const struct state *st, const char *s,
				 size_t len, char *expect)
{
	unsigned long long period;

	while (len && kernel_space(*s)) {
		s++;
		len--;
	}
	while (len && kernel_space(s[len - 1]))
		len--;
	if (!parse_u64(s, len, &period) || !period_valid(period))
		return V_INVALID;
	snprintf(expect, LINE_MAX_LEN, "%llu %llu", state_u64(st, F_BUDGET),
		 period);
	if (kernel_loop(st))
		return V_EITHER;
	return budget_valid(state_u64(st, F_BUDGET), period) ? V_VALID :
							       V_INVALID;
}

static enum verdict judge_mode(const char *s, size_t len, char *expect)
{
	if (streq_nl(s, len, "hard") || streq_nl(s, len, "soft")) {
		snprintf(expect, LINE_MAX_LEN, "%.4s", s);
		return V_VALID;
	}
	return V_INVALID;
}

static enum verdict judge_max(const char *s, size_t len, char *expect)
{
	unsigned long long v[2];

	if (streq_nl(s, len, "max")) {
		strcpy(expect, "max");
		return V_VALID;
	}
	if (parse_pair(s, len, v) != 2 || !period_valid(v[1]) ||
	    v[0] > v[1] * ncpus)
		return V_INVALID;
	snprintf(expect, LINE_MAX_LEN, "%llu %llu", v[0], v[1]);
	return V_VALID;
}

/* ---- qosres.feedback: "MODE key=value..." over the current line ---- */

struct feedback {
	char mode[8], predictor[8], controller[8];
	unsigned long long window, quantile, margin, min, max; /* max 0: max */
};

static const char *const fb_modes[] = { "off", "agent", "kernel", NULL };
static const char *const fb_predictors[] = { "mavg", "perc", "max", NULL };
static const char *const fb_controllers[] = { "track", "pi", NULL };

static bool in_list(const char *const *list, const char *s, size_t len)
{
	for (; *list; list++)
		if (strlen(*list) == len && !memcmp(*list, s, len))
			return true;
	return false;
}

static void feedback_read(const char *line, struct feedback *fb)
{
	char max[24];

	sscanf(line, "%7s predictor=%7s window=%llu quantile=%llu margin=%llu min=%llu max=%23s controller=%7s",
	       fb->mode, fb->predictor, &fb->window, &fb->quantile,
	       &fb->margin, &fb->min, max, fb->controller);
	fb->max = strcmp(max, "max") ? strtoull(max, NULL, 10) : 0;
}

static void feedback_show(const struct feedback *fb, char *out)
{
	char max[24] = "max";

	if (fb->max)
		snprintf(max, sizeof(max), "%llu", fb->max);
	snprintf(out, LINE_MAX_LEN, "%s predictor=%s window=%llu quantile=%llu margin=%llu min=%llu max=%s controller=%s",
		 fb->mode, fb->predictor, fb->window, fb->quantile,
		 fb->margin, fb->min, max, fb->controller);
}

static bool key_is(const char *tok, size_t len, const char *key,
		   const char **val, size_t *val_len)
{
	size_t key_len = strlen(key);

	if (len <= key_len || memcmp(tok, key, key_len))
		return false;
	*val = tok + key_len;
	*val_len = len - key_len;
	return true;
}

/* A number value as the kernel copies it: at most 23 characters. */
static bool fb_number(const char *val, size_t len, unsigned long long lo,
		      unsigned long long hi, unsigned long long *v)
{
	return len < 24 && parse_u64(val, len, v) && *v >= lo && *v <= hi;
}

static bool fb_name(const char *const *list, const char *val, size_t len,
		    char *out)
{
	if (!in_list(list, val, len))
		return false;
	snprintf(out, 8, "%.*s", (int)len, val);
	return true;
}

static bool fb_key(struct feedback *fb, const char *tok, size_t len)
{
	const char *val;
	size_t n;

	if (key_is(tok, len, "predictor=", &val, &n))
		return fb_name(fb_predictors, val, n, fb->predictor);
	if (key_is(tok, len, "controller=", &val, &n))
		return fb_name(fb_controllers, val, n, fb->controller);
	if (key_is(tok, len, "window=", &val, &n))
		return fb_number(val, n, 1, WINDOW_MAX, &fb->window);
	if (key_is(tok, len, "quantile=", &val, &n))
		return fb_number(val, n, 50, 100, &fb->quantile);
	if (key_is(tok, len, "margin=", &val, &n))
		return fb_number(val, n, 0, 100, &fb->margin);
	if (key_is(tok, len, "min=", &val, &n))
		return fb_number(val, n, 0, ULLONG_MAX, &fb->min);
	if (key_is(tok, len, "max=", &val, &n)) {
		if (n == 3 && !memcmp(val, "max", 3)) {
			fb->max = 0;
			return true;
		}
		return fb_number(val, n, 0, ULLONG_MAX, &fb->max);
	}
	return false;
}

static enum verdict judge_feedback(const struct state *st, const char *s,
				   size_t len, char *expect)
{
	const char *tok[WRITE_MAX / 2];
	size_t tok_len[WRITE_MAX / 2];
	unsigned long long limit = PERIOD_MAX * ncpus;
	struct feedback fb;
	int n = tokens(s, len, tok, tok_len, WRITE_MAX / 2);

	feedback_read(st->text[F_FEEDBACK], &fb);
	if (n < 1 || !in_list(fb_modes, tok[0], tok_len[0]))
		return V_INVALID;
	snprintf(fb.mode, sizeof(fb.mode), "%.*s", (int)tok_len[0], tok[0]);
	for (int i = 1; i < n; i++)
		if (!fb_key(&fb, tok[i], tok_len[i]))
			return V_INVALID;
	if (fb.min > limit || fb.max > limit ||
	    (fb.max && (fb.max < BUDGET_MIN || fb.min > fb.max)))
		return V_INVALID;
	feedback_show(&fb, expect);
	return V_VALID;
}

static enum verdict judge(enum file_id file, const struct state *st,
			  const char *s, size_t len, char *expect)
{
	if (len > WRITE_MAX || memchr(s, '\0', len))
		return V_INVALID;
	switch (file) {
	case F_BUDGET:
		return judge_budget(st, s, len, expect);
	case F_PERIOD:
		return judge_period(st, s, len, expect);
	case F_MODE:
		return judge_mode(s, len, expect);
	case F_FEEDBACK:
		return judge_feedback(st, s, len, expect);
	default:
		return judge_max(s, len, expect);
	}
}

/* ---- hostile texts ---- */

static const char *const numbers[] = {
	"0", "1", "99", "100", "999", "1000", "20000", "100000", "150000",
	"200000", "10000000", "10000001", "20000000", "20000001",
	"4294967295", "4294967296", "9223372036854775807",
	"9223372036854775808", "18446744073709551615",
	"18446744073709551616", "99999999999999999999999", "-1", "-0", "+5000",
	"0x1000", "1e4", "20ms", "20us", "1s", "3.5", "007000", "", "max",
};

static const char *const words[] = {
	"hard", "soft", "off", "agent", "kernel", "max", "predictor=mavg",
	"predictor=perc", "predictor=max", "predictor=", "predictor=maxx",
	"controller=track", "controller=pi", "controller=p", "window=1",
	"window=64", "window=65", "window=0", "quantile=50", "quantile=49",
	"quantile=100", "quantile=101", "margin=0", "margin=100",
	"margin=101", "min=0", "min=5000", "min=20000001", "max=max",
	"max=99", "max=100", "max=30000", "max=20000000", "max=20000001",
	"window=+3", "margin=-1", "=", "HARD", "Soft",
};

static const char *const separators[] = { " ", "\t", "\n", "  ", " \n", "" };

static const char *pick(const char *const *list, size_t n)
{
	return list[random() % n];
}

#define PICK(list) pick(list, sizeof(list) / sizeof(list[0]))

static size_t append(char *buf, size_t len, const char *s)
{
	size_t n = strlen(s);

	if (len + n >= TEXT_MAX)
		return len;
	memcpy(buf + len, s, n);
	return len + n;
}

/* 1 to 3 numbers or words, separated, maybe padded. */
static size_t text_tokens(char *buf)
{
	size_t len = 0;
	int n = 1 + random() % 3;

	if (random() % 8 == 0)
		len = append(buf, len, PICK(separators));
	for (int i = 0; i < n; i++) {
		if (i)
			len = append(buf, len, PICK(separators));
		len = append(buf, len,
			     random() % 2 ? PICK(numbers) : PICK(words));
	}
	if (random() % 2)
		len = append(buf, len, random() % 4 ? "\n" : "\n\n");
	return len;
}

/* A well-formed feedback line: a mode and a few keys. */
static size_t text_feedback(char *buf)
{
	size_t len = append(buf, 0, fb_modes[random() % 3]);
	int n = random() % 4;

	for (int i = 0; i < n; i++) {
		len = append(buf, len, " ");
		len = append(buf, len, PICK(words));
	}
	return append(buf, len, "\n");
}

/*
 * A well-formed budget and period that ask for every CPU: admission
 * refuses it (EBUSY) under any cap below that, and under none, by the
 * per-CPU limit shared with SCHED_DEADLINE (95% of each CPU by default).
 * Random texts alone do not make sure of an EBUSY in a run.
 */
static size_t text_every_cpu(char *buf)
{
	static const unsigned long long periods[] = { 10000, 100000, 1000000 };
	unsigned long long period = periods[random() % 3];

	return snprintf(buf, TEXT_MAX, "%llu %llu\n", period * ncpus, period);
}

/* A text well formed for the file, more often than by chance. */
static size_t text_well_formed(enum file_id file, char *buf)
{
	if (file == F_FEEDBACK)
		return text_feedback(buf);
	if (file == F_BUDGET && random() % 2)
		return text_every_cpu(buf);
	return text_tokens(buf);
}

static size_t text_random_bytes(char *buf)
{
	size_t len = random() % 48;

	for (size_t i = 0; i < len; i++)
		buf[i] = random() % 256;
	return len;
}

/* A valid-looking text with one byte changed, dropped or a NUL put in. */
static size_t text_mutated(char *buf)
{
	size_t len = text_tokens(buf), at;

	if (!len)
		return len;
	at = random() % len;
	switch (random() % 3) {
	case 0:
		buf[at] = random() % 256;
		break;
	case 1:
		memmove(buf + at, buf + at + 1, len - at - 1);
		len--;
		break;
	default:
		buf[at] = '\0';
	}
	return len;
}

/* Longer than a page, or a page of blanks around a number. */
static size_t text_huge(char *buf)
{
	size_t len = random() % 2 ? WRITE_MAX + 1 : WRITE_MAX - 8;

	memset(buf, ' ', len);
	memcpy(buf + len / 2, "20000", 5);
	return len;
}

static size_t hostile_text(enum file_id file, char *buf)
{
	int kind = random() % 16;

	if (kind < 7)
		return text_tokens(buf);
	if (kind < 10)
		return text_well_formed(file, buf);
	if (kind < 13)
		return text_mutated(buf);
	if (kind < 15)
		return text_random_bytes(buf);
	return text_huge(buf);
}

/* ---- checks ---- */

static void show_text(const char *s, size_t len)
{
	fputc('"', stderr);
	for (size_t i = 0; i < len && i < 80; i++) {
		if (isprint((unsigned char)s[i]) && s[i] != '\\')
			fputc(s[i], stderr);
		else
			fprintf(stderr, "\\x%02x", (unsigned char)s[i]);
	}
	fprintf(stderr, "%s\"", len > 80 ? "..." : "");
}

static int broke(unsigned long i, enum file_id file, const char *s,
		 size_t len, const char *what)
{
	fprintf(stderr, "qosres-fuzz: seed %u, write %lu of ", seed, i);
	show_text(s, len);
	fprintf(stderr, " (%zu bytes) to %s: %s\n", len, file_names[file],
		what);
	return -1;
}

/* A write of nothing reaches no handler: it returns 0, changing nothing. */
static bool errno_allowed(enum verdict v, size_t len, int err)
{
	if (!len)
		return err == 0 || err == EINVAL;
	if (len > WRITE_MAX)
		return err == E2BIG || err == EINVAL;
	if (v == V_INVALID)
		return err == EINVAL;
	return err == 0 || err == EBUSY || (v == V_EITHER && err == EINVAL);
}

/*
 * The files as the contract leaves them: after a refusal (unchanged), as
 * they were; after success, as written. The kernel feedback loop moves the
 * budget by itself, so the budget is not compared while it is on.
 */
static bool state_as_expected(const struct state *before,
			      const struct state *after, enum file_id file,
			      bool unchanged, const char *expect)
{
	bool loop = kernel_loop(before) || kernel_loop(after);
	bool pair = file == F_BUDGET || file == F_PERIOD;
	char now[2 * LINE_MAX_LEN];

	for (int f = 0; f < NR_FILES; f++) {
		bool written = !unchanged && ((enum file_id)f == file ||
					(pair && (f == F_BUDGET || f == F_PERIOD)));

		if ((f == F_BUDGET && loop) || written)
			continue;
		if (strcmp(before->text[f], after->text[f]))
			return false;
	}
	if (unchanged)
		return true;
	if (!pair)
		return !strcmp(after->text[file], expect);
	if (loop)
		return !strcmp(strchr(expect, ' ') + 1, after->text[F_PERIOD]);
	snprintf(now, sizeof(now), "%s %s", after->text[F_BUDGET],
		 after->text[F_PERIOD]);
	return !strcmp(now, expect);
}

static void count(int err)
{
	nr_ok += !err;
	nr_einval += err == EINVAL || err == E2BIG;
	nr_ebusy += err == EBUSY;
}

/* One write on fd, judged alone. */
static int check_write(unsigned long i, int fd, enum file_id file,
		       const char *s, size_t len)
{
	struct state before, after;
	char expect[LINE_MAX_LEN] = "", what[128];
	enum verdict v;
	int err;

	if (read_state(&before))
		return broke(i, file, s, len, "cannot read the files before");
	v = judge(file, &before, s, len, expect);
	err = write_text(fd, s, len);
	if (read_state(&after))
		return broke(i, file, s, len, "cannot read the files after");
	if (!errno_allowed(v, len, err)) {
		snprintf(what, sizeof(what), "%s, the contract says %s",
			 err ? strerror(err) : "accepted",
			 v == V_INVALID ? "EINVAL" :
			 v == V_VALID ? "success or EBUSY" :
					"success, EBUSY or EINVAL");
		return broke(i, file, s, len, what);
	}
	if (!state_as_expected(&before, &after, file, err || !len, expect))
		return broke(i, file, s, len, err || !len ?
			     "nothing to change, yet a file changed" :
			     "accepted, yet not read back as written");
	/* An admission refused counts once; nothing else counts. */
	if (after.denied != before.denied +
	    (err == EBUSY && (file == F_BUDGET || file == F_PERIOD)))
		return broke(i, file, s, len, "admission_denied miscounted");
	if (len)
		count(err);
	return 0;
}

/*
 * A hostile text to a random file, through one open file: written whole,
 * twice in a row, or in two parts (each write(2) is a command of its own).
 */
static int fuzz_one(unsigned long i)
{
	enum file_id file = random() % NR_FILES;
	char text[TEXT_MAX];
	size_t len = hostile_text(file, text), cut;
	int fd = open_file(file), ret;

	if (fd < 0)
		return broke(i, file, text, len, strerror(errno));
	switch (random() % 8) {
	case 0:
		ret = check_write(i, fd, file, text, len) ||
		      check_write(i, fd, file, text, len);
		break;
	case 1:
		cut = len ? random() % len : 0;
		ret = check_write(i, fd, file, text, cut) ||
		      check_write(i, fd, file, text + cut, len - cut);
		break;
	default:
		ret = check_write(i, fd, file, text, len);
	}
	close(fd);
	return ret;
}

/*
 * Concurrent writers: the state read before a write may be stale when it
 * lands, so only what no state can change is judged: an embedded NUL or a
 * text over a page is refused, and every errno is one the contract has.
 */
static int fuzz_concurrent(unsigned long i)
{
	enum file_id file = random() % NR_FILES;
	char text[TEXT_MAX];
	size_t len = hostile_text(file, text);
	int fd = open_file(file), err;

	if (fd < 0)
		return broke(i, file, text, len, strerror(errno));
	err = write_text(fd, text, len);
	close(fd);
	if (err && err != EINVAL && err != EBUSY &&
	    !(err == E2BIG && len > WRITE_MAX))
		return broke(i, file, text, len, strerror(err));
	if (!err && (len > WRITE_MAX || memchr(text, '\0', len)))
		return broke(i, file, text, len, "accepted");
	count(err);
	return 0;
}

static int write_back(enum file_id file, const char *text)
{
	int fd = open_file(file), err;

	err = fd < 0 ? errno : write_text(fd, text, strlen(text));
	if (fd >= 0)
		close(fd);
	return err;
}

/*
 * After the writers: each file's text, written back, is valid and changes
 * nothing, and qosres.stat agrees. The kernel feedback loop is stopped
 * first, so that the budget holds still.
 */
static int check_consistent(void)
{
	struct state st, again;
	unsigned long long budget, period;

	if (read_state(&st))
		return broke(0, F_BUDGET, "", 0, "cannot read the files");
	if (kernel_loop(&st) &&
	    (write_back(F_FEEDBACK, "agent") || read_state(&st)))
		return broke(0, F_FEEDBACK, "agent", 5, "refused");
	for (int f = 0; f < NR_FILES; f++)
		if (write_back(f, st.text[f]))
			return broke(0, f, st.text[f], strlen(st.text[f]),
				     "its own text written back is refused");
	if (read_state(&again) || memcmp(&st, &again, sizeof(st)))
		return broke(0, F_BUDGET, "", 0, "writing back changed a file");
	budget = state_u64(&st, F_BUDGET);
	period = state_u64(&st, F_PERIOD);
	if (flat_key("qosres.stat", "budget_usec") != budget ||
	    flat_key("qosres.stat", "period_usec") != period ||
	    flat_key("qosres.stat", "reserved_bw_ppm") !=
	    budget * 1000000 / period)
		return broke(0, F_BUDGET, st.text[F_BUDGET],
			     strlen(st.text[F_BUDGET]),
			     "qosres.stat disagrees with the budget or period");
	return 0;
}

static unsigned int possible_cpus(void)
{
	unsigned int lo, hi, n = 0;
	FILE *f = fopen("/sys/devices/system/cpu/possible", "r");
	int c;

	if (!f)
		return 0;
	do {
		if (fscanf(f, "%u", &lo) != 1)
			break;
		hi = lo;
		c = fgetc(f);
		if (c == '-') {
			if (fscanf(f, "%u", &hi) != 1)
				break;
			c = fgetc(f);
		}
		n += hi - lo + 1;
	} while (c == ',');
	fclose(f);
	return n;
}

static int run_writer(unsigned long writes, unsigned int writer_seed,
		      bool alone)
{
	srandom(writer_seed);
	for (unsigned long i = 1; i <= writes; i++)
		if (alone ? fuzz_one(i) : fuzz_concurrent(i))
			return 1;
	return 0;
}

static int run_writers(unsigned long writes, int nr)
{
	int failed = 0, status;

	for (int w = 0; w < nr; w++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("qosres-fuzz: fork");
			return 1;
		}
		if (!pid)
			_exit(run_writer(writes / nr, seed + w, false));
	}
	while (wait(&status) > 0)
		failed |= !WIFEXITED(status) || WEXITSTATUS(status);
	return failed;
}

int main(int argc, char **argv)
{
	unsigned long writes = 10000;
	int writers = 1, opt, ret;

	while ((opt = getopt(argc, argv, "n:s:j:")) != -1) {
		switch (opt) {
		case 'n':
			writes = strtoul(optarg, NULL, 10);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 10);
			break;
		case 'j':
			writers = atoi(optarg);
			break;
		default:
			goto usage;
		}
	}
	if (optind != argc - 1 || writers < 1)
		goto usage;
	cgroup = argv[optind];
	ncpus = possible_cpus();
	if (!ncpus) {
		perror("qosres-fuzz: /sys/devices/system/cpu/possible");
		return 2;
	}
	ret = writers == 1 ? run_writer(writes, seed, true)
			   : run_writers(writes, writers);
	if (!ret)
		ret = check_consistent();
	if (writers == 1)
		printf("seed %u: %lu writes: %llu accepted, %llu EINVAL, %llu EBUSY\n",
		       seed, writes, nr_ok, nr_einval, nr_ebusy);
	else
		printf("seed %u: %lu writes by %d writers\n", seed, writes,
		       writers);
	return ret ? 1 : 0;
usage:
	fprintf(stderr, "usage: qosres-fuzz [-n WRITES] [-s SEED] [-j WRITERS] CGROUP\n");
	return 2;
}
