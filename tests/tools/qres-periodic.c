// SPDX-License-Identifier: GPL-2.0
/*
 * A program written for AQuoSA's qres API, unchanged but for the build:
 * it reserves Q every P for itself, burns CPU for a while, reads back
 * what it got, asks for twice the budget, then far more than a machine
 * has, and leaves. Each step prints "key value" lines for the test.
 *
 *   qres-periodic Q_US P_US SECONDS
 */
#define _POSIX_C_SOURCE 200809L
#include <aquosa/qres_lib.h>

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static qres_atime_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static void report(const char *step, qos_rv rv)
{
	printf("%s %d %s\n", step, rv, qos_strerror(rv));
}

static void burn(long seconds)
{
	qres_atime_t end = now_us() + seconds * 1000000LL;

	while (now_us() < end)
		;
}

int main(int argc, char **argv)
{
	qres_params_t params = { 0 };
	qres_time_t exec_time;
	qres_atime_t start, abs_time;
	qres_sid_t sid, found;
	float bw;

	if (argc != 4) {
		fprintf(stderr, "usage: qres-periodic Q_US P_US SECONDS\n");
		return 2;
	}
	params.Q = atol(argv[1]);
	params.Q_min = params.Q / 2;
	params.P = atol(argv[2]);

	report("init", qres_init());
	report("create", qres_create_server(&params, &sid));
	report("attach", qres_attach_thread(sid, 0, 0));
	report("get_sid", qres_get_sid(0, 0, &found));
	printf("same_sid %d\n", found == sid);

	start = now_us();
	burn(atol(argv[3]));
	report("exec_time", qres_get_exec_time(sid, &exec_time, &abs_time));
	printf("exec_us " QRES_TIME_FMT "\nwall_us " QRES_ATIME_FMT "\n",
	       exec_time, abs_time - start);

	report("get_params", qres_get_params(sid, &params));
	printf("Q " QRES_TIME_FMT "\nP " QRES_TIME_FMT "\nQ_min "
	       QRES_TIME_FMT "\n", params.Q, params.P, params.Q_min);
	params.Q *= 2;
	report("set_double", qres_set_params(sid, &params));
	report("get_bandwidth", qres_get_bandwidth(sid, &bw));
	printf("bandwidth %.3f\n", bw);
	params.Q = params.P * 19 / 10;
	report("set_huge", qres_set_params(sid, &params));
	params.Q = params.P / 2;
	params.Q_min = params.Q * 2;
	report("set_bad", qres_set_params(sid, &params));

	report("detach", qres_detach_thread(sid, 0, 0));
	/* Not persistent: its last thread gone, the server is gone too. */
	report("after_detach", qres_get_params(sid, &params));
	report("cleanup", qres_cleanup());
	return 0;
}
