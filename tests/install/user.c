// SPDX-License-Identifier: GPL-2.0
/*
 * A program as a user of the installed libqosres writes it: both headers,
 * built with nothing but `pkg-config --cflags --libs qosres`. It calls
 * what works without the qosres kernel (tests/install/run runs it on the
 * build host): the time parser, AQuoSA's error strings, the cgroup2
 * mount and the caller's cgroup, and qres_init(), which must say that
 * qosres is missing unless the host has it. Prints what it found and
 * exits 1 on the first surprise.
 */
#include <aquosa/qres_lib.h>
#include <qosres.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static int failed;

static void check(int pass, const char *what)
{
	printf("%s: %s\n", pass ? "yes" : "NO", what);
	if (!pass)
		failed = 1;
}

static void parses(const char *text, uint64_t want)
{
	uint64_t us = 0;
	char what[128];
	int ret = qosres_parse_time(text, &us);

	snprintf(what, sizeof(what), "qosres_parse_time(\"%s\") = %" PRIu64
		 " us (returned %d)", text, us, ret);
	check(ret == 0 && us == want, what);
}

static void refuses(const char *text)
{
	uint64_t us = 0;
	char what[128];
	int ret = qosres_parse_time(text, &us);

	snprintf(what, sizeof(what), "qosres_parse_time(\"%s\") refused (%d)",
		 text, ret);
	check(ret == -EINVAL, what);
}

int main(void)
{
	char cgroup[4096], what[4200];
	qos_rv rv;
	int ret;

	parses("20ms", 20000);
	parses("1.5s", 1500000);
	parses("500us", 500);
	parses("250", 250);
	refuses("ms");
	refuses("-5ms");
	refuses("10 minutes");

	check(strcmp(qos_strerror(QOS_OK), "success") == 0,
	      "qos_strerror(QOS_OK) is \"success\"");
	check(strstr(qos_strerror(QOS_E_SYSTEM_OVERLOAD), "overload") != NULL,
	      "qos_strerror(QOS_E_SYSTEM_OVERLOAD) says overloaded");
	check(strcmp(qos_strerror(-1000), "unknown error") == 0,
	      "qos_strerror(-1000) is \"unknown error\"");

	check(qosres_mount() && qosres_mount()[0] == '/',
	      "qosres_mount() is an absolute path");
	ret = qosres_cgroup_of(0, cgroup, sizeof(cgroup));
	snprintf(what, sizeof(what), "qosres_cgroup_of(0) = %d, \"%s\"", ret,
		 ret ? "" : cgroup);
	/* No cgroup2 (a chroot without /proc, say) is an answer too. */
	check(ret == 0 ? cgroup[0] == '/' : ret < 0, what);

	/* On a host without qosres the AQuoSA layer must say so. */
	rv = qres_module_exists();
	if (access("/sys/fs/cgroup/qosres.stat", F_OK) == 0) {
		check(rv == QOS_OK, "qres_module_exists(): qosres is here");
	} else {
		check(rv != QOS_OK, "qres_module_exists(): no qosres here");
		rv = qres_init();
		snprintf(what, sizeof(what), "qres_init() = %d (%s)", rv,
			 qos_strerror(rv));
		check(rv == QOS_E_MISSING_COMPONENT, what);
	}
	return failed;
}
