#!/usr/bin/env bats
# budget: 45
# Hostile writes to every qosres file (tests/tools/qosres-fuzz.c): random
# bytes, huge, negative and 2^64 numbers, units, blanks, NULs, texts over a
# page, partial and repeated writes. Each is judged against the contract:
# EINVAL and nothing changed for a text it refuses; read back exactly, or
# EBUSY with admission_denied counted and nothing changed, for a valid one.
# QOSRES_FUZZ_WRITES writes a test: 2000 for make test, 10000 for make
# test-full.

load helpers

FUZZ=$BATS_TEST_DIRNAME/../../build/tools/qosres-fuzz
WRITES=${QOSRES_FUZZ_WRITES:-2000}
# A test's time grows with its writes: allow what 10000 took on a KASAN
# kernel that had lockdep too (617 s once), with room to spare, if that is
# more than the harness gives.
allow_seconds $((30 + WRITES / 12))

setup() {
	qosres_setup
	pids=()
	# A cap of 1.5 CPUs above, so that valid budgets meet EBUSY too.
	mkdir "$T/p"
	echo "+qosres +cpuset" >"$T/p/cgroup.subtree_control"
	echo "150000 100000" >"$T/p/qosres.max"
	mkdir "$T/p/f" "$T/p/g"
}

teardown() {
	reap "${pids[@]}"
	qosres_teardown
}

# migrate PID: move PID between the fuzzed cgroup and its sibling, in the
# background, until the test ends.
migrate() {
	(
		while :; do
			echo "$1" >"$T/p/f/cgroup.procs"
			echo "$1" >"$T/p/g/cgroup.procs"
		done 2>/dev/null
	) &
	pids+=($!)
}

@test "$WRITES hostile writes, one at a time, while a busy task moves in and out: each as the contract says" {
	spin "$T/p/f"
	migrate "${pids[0]}"
	run "$FUZZ" -n "$WRITES" -s "$RANDOM" "$T/p/f"
	echo "# $output" >&3
	[ "$status" = 0 ] || fail "$output"
	# The seed is random: every error path must have been taken.
	[[ $output =~ \ [1-9][0-9]*\ accepted,\ [1-9][0-9]*\ EINVAL,\ [1-9][0-9]*\ EBUSY ]] ||
		fail "not every outcome was seen: $output"
	kill -0 "${pids[0]}" || fail "the busy task died"
}

@test "8 hostile writers at once, $WRITES writes between them: only the contract's errors, and the files and qosres.stat agree after" {
	spin "$T/p/f"
	run "$FUZZ" -j 8 -n "$WRITES" -s "$RANDOM" "$T/p/f"
	echo "# $output" >&3
	[ "$status" = 0 ] || fail "$output"
	# The cap above still holds what its subtree reserves.
	[ "$(stat_key "$T/p/qosres.stat" reserved_bw_ppm)" -le 1500000 ] ||
		fail "the subtree reserves past its cap"
}
