#!/usr/bin/env bats
# budget: 50
# guest: alone
# libqosres and its AQuoSA layer against the real controller. The C
# programs are built through pkg-config against the shared library, as a
# user of the installed library would build them.

load helpers

TOOLS=$BATS_TEST_DIRNAME/../../build/tools

setup() {
	qosres_setup
}

teardown() {
	qosres_teardown
}

# libtest CHECK: one check of tests/tools/qosres-libtest.c under $T.
libtest() {
	run "$TOOLS/qosres-libtest" "$1" "/${T#"$CG"/}"
	echo "$output"
	# What it measured, for the log.
	grep '^# ' <<<"$output" >&3 || true
	[ "$status" = 0 ]
}

@test "qosres_create makes a reservation; a refused one leaves nothing" {
	libtest create
}

@test "qosres_set over a cap is refused whole: every field stays" {
	libtest set-atomic
}

@test "qosres_set changes budget, period, mode and feedback together" {
	libtest set
}

@test "qosres_set on a cgroup made elsewhere enables the controller above" {
	libtest set-unmanaged
}

@test "qosres_attach moves a process in; its budget holds it to 20%" {
	libtest attach
}

@test "qosres_attach_thread reserves one thread of a process" {
	libtest thread
}

@test "qosres_wait wakes on a change to qosres.events, times out without" {
	libtest events
}

@test "qosres_foreach visits the reservations, parents first" {
	libtest foreach
}

@test "qosres_destroy moves the tasks up and returns the bandwidth" {
	libtest destroy
}

@test "qosres_parse_time takes us, ms and s" {
	libtest parse-time
}

# qres CAP...: run tests/tools/qres-periodic (20 ms every 100 ms, 3 s)
# from inside $T, whose qosres.max is CAP, as a program of its own.
qres() {
	echo "$1" >"$T/qosres.max"
	run bash -c 'echo $$ >"$1/cgroup.procs" && exec "$2" 20000 100000 3' \
		qres "$T" "$TOOLS/qres-periodic"
	echo "$output"
	[ "$status" = 0 ]
}

# key KEY: the value after KEY in $output.
key() {
	sed -n "s/^$1 //p" <<<"$output" | head -1
}

@test "an AQuoSA program runs: its server holds it to Q/P and reads back" {
	qres max
	for step in init create attach get_sid exec_time get_params \
		set_double get_bandwidth detach cleanup; do
		[ "$(key "$step")" = "0 success" ] || fail "$step: $(key "$step")"
	done
	[ "$(key same_sid)" = 1 ]
	[ "$(key Q)" = 20000 ] && [ "$(key P)" = 100000 ]
	[ "$(key Q_min)" = 10000 ]
	[ "$(key bandwidth)" = 0.400 ]
	# Its own measure, the server's time over the 3 s it burned: 200 per
	# mille, +-7 where the window cuts a period, less when TCG's timers
	# replenish late, never more (the band of qosres-libtest's attach).
	share=$(($(key exec_us) * 1000 / $(key wall_us)))
	echo "# Q/P 20 ms / 100 ms: exec_time over 3 s is $share per mille of a CPU" >&3
	within "$share" 170 215
	# 1.9 CPUs fit no placement; Q_min above Q is malformed.
	[[ "$(key set_huge)" = "-8 "* ]]
	[[ "$(key set_bad)" = "-3 "* ]]
	# Detaching its last thread destroyed the server.
	[[ "$(key after_detach)" = "-13 "* ]]
	[ -z "$(find "$T" -mindepth 1 -name 'qres-*')" ]
}

@test "an AQuoSA server over its user's cap is QOS_E_UNAUTHORIZED" {
	qres "30000 100000"
	[ "$(key create)" = "0 success" ]
	# Twice 20 ms passes no 30 ms cap: the user's limit, not the system's.
	[[ "$(key set_double)" = "-4 "* ]]
	[ "$(key Q)" = 20000 ]
}
