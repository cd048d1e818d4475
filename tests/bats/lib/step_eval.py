#!/usr/bin/env python3
"""step_eval.py PERIOD_US SAMPLES NAME:JOB_LOG:BUDGET_COLUMN:HIST_COLUMN...

How reservations served a periodic task whose demand steps. JOB_LOG is
periodic's -l log (one line a period: release_us run_us response_us cpu_us
late), BUDGET_COLUMN and HIST_COLUMN the columns of the reservation's
qosres.budget and history in sample.py's SAMPLES. The demand is exact: a
job needs run_us of CPU time.

Prints "NAME_KEY VALUE" lines for each NAME:

  periods, jobs, late   periods, jobs run, periods late or without a job
  demand                the mean demand a period (us)
  usage                 the mean CPU time the reservation gave a period
                        (period_usage_usec) over the periods of the run
  budget                the mean budget over the run's time (us)
  phase_usage           for each level, the median usage a period (us),
                        comma separated, "-" without a history
  phase_late            for each level, its late periods
  follow                for each step, the periods after it until the
                        budget was at least the new level's demand (and,
                        after a step down, at most twice it) at every
                        sample of 10 periods in a row (999: never)
"""
import statistics
import sys


def periods_of(log):
    """(release, run, response, cpu, late, stall, start) of each period of
    tests/tools/periodic's job log; make bench's report reads it here too."""
    out = []
    for line in open(log):
        f = line.split()
        if len(f) == 7:
            out.append(tuple(int(x) for x in f))
    if not out:
        sys.exit("%s: no periods" % log)
    return out


def levels_of(periods):
    """[start index, end index) of each level, in order."""
    starts = [0] + [i for i in range(1, len(periods))
                    if periods[i][1] != periods[i - 1][1]]
    return list(zip(starts, starts[1:] + [len(periods)]))


def column(samples, col):
    """(time, value) of the samples with a value in column col."""
    out = []
    for f in samples:
        if len(f) > col and f[col] not in ("-", "nan"):
            out.append((int(f[0]), f[col]))
    return out


def time_mean(samples, t0, t_end):
    """The mean over [t0, t_end) of a value sampled at times t: each sample
    holds until the next, the one before t0 from t0. The sampler runs
    late when the CPUs are busy, so counts are not weights."""
    before = [s for s in samples if s[0] <= t0]
    inside = [s for s in samples if t0 < s[0] < t_end]
    if before:
        inside = [(t0, before[-1][1])] + inside
    if not inside:
        sys.exit("no budget samples during the run")
    ends = [t for t, _ in inside[1:]] + [t_end]
    spans = [(e - t, v) for (t, v), e in zip(inside, ends)]
    return sum(d * v for d, v in spans) / sum(d for d, _ in spans)


def usage_by_time(hist, period):
    """{start time of the period (CLOCK_MONOTONIC us): CPU time (us)}
    from the history reads. A read between T0 and T1 in period SEQ of the
    kernel's clock bounds that clock's offset from CLOCK_MONOTONIC: each
    read narrows it to well within a period."""
    lo, hi, usage = -float("inf"), float("inf"), {}
    for _, text in hist:
        t0, t1, seq, *values = (int(x) for x in text.split(","))
        lo = max(lo, t0 - (seq + 1) * period)
        hi = min(hi, t1 - seq * period)
        for i, u in enumerate(values):
            usage[seq - len(values) + i] = u
    if not usage or lo > hi:
        return {}
    offset = (lo + hi) / 2
    return {k * period + offset: u for k, u in usage.items()}


def whole_periods(usage, t0, t_end, period):
    """The usages of the kernel's periods within [t0, t_end)."""
    return [u for t, u in sorted(usage.items())
            if t >= t0 and t + period <= t_end]


def follow(budgets, start, end, demand, before, period):
    """Periods after start until the budget was within [demand, top] at
    every sample of 10 periods in a row, up to end. top is 2 x demand
    after a step down from the demand before; after a step up there is
    none: the growth that catches up with the jobs left late overshoots
    for a few periods, and what that costs shows in the mean budget."""
    top = 2 * demand if demand < before else float("inf")
    ok = [(t, demand <= b <= top) for t, b in budgets
          if start <= t < end]
    k = 0
    while start + (k + 10) * period <= end:
        window = [good for t, good in ok
                  if start + k * period <= t < start + (k + 10) * period]
        if window and all(window):
            return k
        k += 1
    return 999


def evaluate(name, log, samples, budget_col, hist_col, period):
    periods = periods_of(log)
    t0, t_end = periods[0][0], periods[-1][0] + period
    budgets = [(t, float(v)) for t, v in column(samples, budget_col)]
    if not budgets or budgets[0][0] > t0 or budgets[-1][0] < t_end - period:
        sys.exit("%s: the samples do not cover the run, %d to %d us"
                 % (name, t0, t_end))
    usage = usage_by_time(column(samples, hist_col), period)
    levels = levels_of(periods)
    phase_usage, phase_late, follows = [], [], []
    for n, (a, b) in enumerate(levels):
        start = periods[a][0]
        end = periods[b][0] if b < len(periods) else t_end
        # Skip the first 10 periods of a phase: the feedback follows then.
        steady = whole_periods(usage, start + 10 * period, end, period)
        median = statistics.median(steady) if steady else None
        phase_usage.append("-" if median is None else str(round(median)))
        phase_late.append(str(sum(p[4] for p in periods[a:b])))
        if n:
            follows.append(str(follow(budgets, start, end, periods[a][1],
                                      periods[a - 1][1], period)))
    run = whole_periods(usage, t0, t_end, period)
    values = [
        ("periods", len(periods)),
        ("jobs", sum(1 for p in periods if p[2] >= 0)),
        ("late", sum(p[4] for p in periods)),
        ("demand", round(statistics.mean(p[1] for p in periods))),
        ("usage", round(statistics.mean(run)) if run else -1),
        ("budget", round(time_mean(budgets, t0, t_end))),
        ("phase_usage", ",".join(phase_usage)),
        ("phase_late", ",".join(phase_late)),
        ("follow", ",".join(follows) or "-"),
    ]
    for key, value in values:
        print("%s_%s %s" % (name, key, value))


def main():
    period, samples_file = int(sys.argv[1]), sys.argv[2]
    samples = [line.split() for line in open(samples_file)]
    for spec in sys.argv[3:]:
        name, log, budget_col, hist_col = spec.split(":")
        evaluate(name, log, samples, int(budget_col), int(hist_col), period)


if __name__ == "__main__":
    main()
