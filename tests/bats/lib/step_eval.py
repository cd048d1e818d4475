#!/usr/bin/env python3
"""step_eval.py RTAPP_LOG SAMPLES COLUMN PERIOD_US USAGE_US: how a
reservation's budget (column COLUMN of sample.py's output) followed an
rt-app task whose demand steps, the task having used USAGE_US of CPU time.
A phase's demand is the median run time of its jobs (rt-app runs a
calibrated loop count: the CPU time varies with TCG's speed). Prints: jobs,
late jobs, mean budget over time (us), mean demand (CPU time per job,
us), the largest phase demand (us), then for each step the periods after
it until the budget stayed within [demand, 2 x demand] (90% of the
samples until the next step, each against the median run time of the jobs
within 5 periods; 999: never)."""
import sys


def jobs_of(log):
    jobs = []
    for line in open(log):
        f = line.split()
        if line.startswith("#") or len(f) < 9:
            continue
        # start (us, CLOCK_MONOTONIC), slack, configured and actual run
        jobs.append((int(f[4]), int(f[7]), int(f[8]), int(f[2])))
    return jobs


def phases_of(jobs):
    """[first job index, demand] of each phase."""
    starts = [0] + [i for i in range(1, len(jobs))
                    if jobs[i][2] != jobs[i - 1][2]]
    ends = starts[1:] + [len(jobs)]
    return [(a, sorted(j[3] for j in jobs[a:b])[(b - a) // 2], b - a)
            for a, b in zip(starts, ends)]


def local_demand(jobs, t, period):
    """The median run time of the jobs within 5 periods of time t: TCG's
    speed drifts within a phase, and the budget should follow it."""
    near = sorted(j[3] for j in jobs if abs(j[0] - t) <= 5 * period)
    return near[len(near) // 2] if near else None


def follow(samples, jobs, start, end, period):
    inside = []
    for t, b in samples:
        if start <= t < end:
            demand = local_demand(jobs, t, period)
            inside.append((t, demand is not None and
                           demand <= b <= 2 * demand))
    for k in range(60):
        window = [ok for t, ok in inside if t >= start + k * period]
        if not window:
            break
        if sum(window) >= 0.9 * len(window):
            return k
    return 999


def time_mean(samples, t_end):
    """The mean over time of a value sampled at times t: the sampler runs
    less often when the CPUs are busy, so each sample counts for the time
    until the next one."""
    ends = [t for t, _ in samples[1:]] + [t_end]
    spans = [(end - t, b) for (t, b), end in zip(samples, ends)]
    return sum(d * b for d, b in spans) / sum(d for d, _ in spans)


def main():
    log, samples_file, column, period, usage = sys.argv[1:6]
    column, period, usage = int(column), int(period), int(usage)
    jobs = jobs_of(log)
    samples = []
    for line in open(samples_file):
        f = line.split()
        if len(f) > column and f[column] != "nan":
            samples.append((int(f[0]), float(f[column])))
    t0, t_end = jobs[0][0], jobs[-1][0] + period
    during = [(t, b) for t, b in samples if t0 <= t < t_end]
    if not during:
        sys.exit("no budget samples during the rt-app run")
    phases = phases_of(jobs)
    steps = [(jobs[a][0], jobs[a:a + n]) for a, _, n in phases[1:]]
    ends = [s[0] for s in steps[1:]] + [t_end]
    follows = [follow(samples, s[1], s[0], e, period)
               for s, e in zip(steps, ends)]
    late = sum(1 for j in jobs if j[1] < 0)
    demand = usage / len(jobs)
    print(len(jobs), late, round(time_mean(during, t_end)), round(demand),
          max(d for _, d, _ in phases), " ".join(str(k) for k in follows))


main()
