#!/usr/bin/env python3
"""sample.py OUT SECONDS WHAT...: every 20 ms for SECONDS, one line to OUT:
the CLOCK_MONOTONIC time in us, then a column for each WHAT:

  CGROUP       its qosres.budget
  ppm:CGROUP   its qosres.stat reserved_bw_ppm
  hist:CGROUP  once a second, its usage history from qosres.stat, as
               "T0,T1,SEQ,U1,...,U64": read between T0 and T1 (us), the
               period_seq then and the period_usage_usec values (periods
               SEQ-64 to SEQ-1); "-" in the other lines. The history
               covers 64 periods, so a read every second loses none of a
               period of 16 ms or more.

A value that cannot be read is "nan". Run at a normal priority, the
sampler is late when the CPUs are busy: each line has its own time.
SIGTERM ends it early, after the last history read."""
import signal
import sys
import time


def now_us():
    return time.monotonic_ns() // 1000


def stat(cgroup):
    """qosres.stat as a dict, read whole in one go."""
    with open(cgroup + "/qosres.stat") as f:
        text = f.read()
    # A key may have an empty value ("cpus " of a parent): partition keeps it.
    return {key: value for key, _, value in
            (line.partition(" ") for line in text.splitlines())}


def history(cgroup):
    t0 = now_us()
    s = stat(cgroup)
    t1 = now_us()
    usage = s["period_usage_usec"].split()
    return ",".join([str(t0), str(t1), s["period_seq"].strip()] + usage)


def read(what, with_history):
    try:
        if what.startswith("ppm:"):
            return stat(what[4:]).get("reserved_bw_ppm", "nan").strip()
        if what.startswith("hist:"):
            return history(what[5:]) if with_history else "-"
        with open(what + "/qosres.budget") as f:
            return f.read().strip()
    except (OSError, KeyError):
        return "nan"


def main():
    out, seconds, whats = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    end = time.monotonic() + seconds
    next_history = 0
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    with open(out, "w") as f:
        while time.monotonic() < end and not stop:
            with_history = time.monotonic() >= next_history
            if with_history:
                next_history = time.monotonic() + 1
            t = now_us()
            values = " ".join(read(w, with_history) for w in whats)
            f.write("%d %s\n" % (t, values))
            f.flush()
            time.sleep(0.02)
        # A last history read: the periods since the one before.
        if any(w.startswith("hist:") for w in whats):
            values = " ".join(read(w, True) if w.startswith("hist:") else "-"
                              for w in whats)
            f.write("%d %s\n" % (now_us(), values))


main()
