#!/usr/bin/env python3
"""sample.py OUT SECONDS WHAT...: every 20 ms for SECONDS, one line to OUT:
the CLOCK_MONOTONIC time in us, then for each WHAT the qosres.budget of
that cgroup, or for "ppm:CGROUP" its qosres.stat reserved_bw_ppm."""
import sys
import time


def read(what):
    try:
        if what.startswith("ppm:"):
            for line in open(what[4:] + "/qosres.stat"):
                key, value = line.split(None, 1)
                if key == "reserved_bw_ppm":
                    return value.strip()
            return "nan"
        return open(what + "/qosres.budget").read().strip()
    except OSError:
        return "nan"


def main():
    out, seconds, whats = sys.argv[1], float(sys.argv[2]), sys.argv[3:]
    end = time.monotonic() + seconds
    with open(out, "w") as f:
        while time.monotonic() < end:
            values = " ".join(read(w) for w in whats)
            f.write("%d %s\n" % (time.monotonic_ns() // 1000, values))
            time.sleep(0.02)


main()
