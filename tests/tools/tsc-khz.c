// SPDX-License-Identifier: GPL-2.0
/*
 * tsc-khz: the rate of this machine's TSC in kHz, measured against
 * CLOCK_MONOTONIC_RAW over 200 ms.
 *
 * Under QEMU TCG a guest's TSC is the host's, so vm-run tells the test
 * kernel its rate (tsc_early_khz=). Built without ACPI, that kernel has
 * no HPET or PM timer, only the PIT, to calibrate the TSC against, and
 * under TCG that calibration sometimes fails: the guest then runs on
 * jiffies, with 1 ms timers.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <time.h>
#include <x86intrin.h>

static int64_t raw_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_RAW, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(void)
{
	const struct timespec pause = { .tv_nsec = 200000000 };
	int64_t start_ns = raw_ns(), end_ns;
	uint64_t start_cycles = __rdtsc(), end_cycles;

	nanosleep(&pause, NULL);
	end_cycles = __rdtsc();
	end_ns = raw_ns();
	printf("%llu\n", (unsigned long long)((end_cycles - start_cycles) *
					     1000000 / (end_ns - start_ns)));
	return 0;
}
