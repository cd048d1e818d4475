#!/usr/bin/env python3
"""admit.py PARENT N: create N reservations PARENT/r1..rN of 1 ms a
second and time each budget write, the admission. Prints the median and
the 99th percentile, in us."""
import os
import sys
import time


def main():
    parent, n = sys.argv[1], int(sys.argv[2])
    times = []
    for i in range(1, n + 1):
        path = "%s/r%d" % (parent, i)
        os.mkdir(path)
        fd = os.open(path + "/qosres.budget", os.O_WRONLY)
        start = time.perf_counter_ns()
        os.write(fd, b"1000 1000000")
        times.append(time.perf_counter_ns() - start)
        os.close(fd)
    times.sort()
    print("%.1f %.1f" % (times[len(times) // 2] / 1000,
                         times[min(n - 1, n * 99 // 100)] / 1000))


main()
