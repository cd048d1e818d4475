#!/usr/bin/env bats
# budget: 180
# Faults: CPU hotplug loops, rmdir racing exits and budget writes, tasks
# killed or exiting while throttled, a fork storm against pids.max,
# SIGKILL of a whole reservation, reservations created and destroyed by
# the thousand while tasks migrate, and the agent killed mid-run. After
# each, the tasks that should run still do, every qosres sum adds up
# (check_consistent) and, as for every suite, the kernel log stays clean.
#
# The loops' lengths, make test's defaults (make test-full's in brackets):
# QOSRES_HOTPLUG_ROUNDS 3 (20) offline/online rounds, QOSRES_RACE_CYCLES
# 150 (1000) cgroups in each rmdir race, QOSRES_CHURN_CYCLES 1000 (10000)
# reservations churned.

load helpers

CHURN=$BATS_TEST_DIRNAME/../../build/tools/qosres-churn
AGENT=$BATS_TEST_DIRNAME/../../build/userspace/qosres-agent
HOTPLUG_ROUNDS=${QOSRES_HOTPLUG_ROUNDS:-3}
RACE_CYCLES=${QOSRES_RACE_CYCLES:-150}
CHURN_CYCLES=${QOSRES_CHURN_CYCLES:-1000}
# A test's time grows with its loop: allow the longest of them what it
# takes on the KASAN kernel, with room to spare, if that is more than the
# harness gives.
allow_seconds $((30 + HOTPLUG_ROUNDS * 20)) $((30 + RACE_CYCLES / 4)) \
	$((30 + CHURN_CYCLES / 15))

setup() {
	qosres_setup
	pids=()
	agent_pid=
	base_root=$(stat_key "$CG/qosres.stat" reserved_bw_ppm)
	# The test itself runs real-time, above the load it makes.
	chrt -f -p 1 $BASHPID
}

teardown() {
	reap $agent_pid "${pids[@]}"
	[ "$NCPUS" -lt 2 ] || echo 1 >/sys/devices/system/cpu/cpu1/online
	qosres_teardown
	check_consistent
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = "$base_root" ]
}

# churned WHAT: the count qosres-churn printed (in $output) before WHAT:
# cycles, admitted, moves, "rmdir EBUSY", "tasks exited", "writers raced".
churned() {
	local n
	n=$(grep -oE "[0-9]+ $1" <<<"$output" | head -1)
	echo "${n%% *}"
}

# wait_empty CGROUP [TENTHS]: its tasks are all gone within TENTHS of a
# second (default 50).
wait_empty() {
	depopulated "$1" "${2:-50}" ||
		fail "$1 still holds $(wc -l <"$1/cgroup.procs") processes"
}

# wait_throttled CGROUP: its reservation runs out of budget within 5 s.
wait_throttled() {
	for _ in $(seq 50); do
		[ "$(stat_key "$1/qosres.events" throttled)" -gt 0 ] && return 0
		sleep 0.1
	done
	fail "$1 was never throttled"
}

# running PID COMM [THREADS]: within 10 s PID has exec'd COMM and runs
# THREADS threads (default 1).
running() {
	local comm tasks
	for _ in $(seq 100); do
		comm=$(<"/proc/$1/comm") || fail "$1 is gone"
		tasks=(/proc/"$1"/task/*)
		[ "$comm" = "$2" ] && [ "${#tasks[@]}" -ge "${3:-1}" ] && return 0
		sleep 0.1
	done
	fail "$1 is $comm with ${#tasks[@]} threads, not $2 with ${3:-1}"
}

# servers_on CGROUP: the CPUs its servers sit on.
servers_on() {
	stat_key "$1/qosres.stat" cpus
}

@test "CPU 1 goes offline and online $HOTPLUG_ROUNDS times under reservations: servers follow, tasks run" {
	[ "$NCPUS" -ge 2 ] || skip "needs 2 CPUs"
	# A reservation of 1.2 CPUs cannot live on one: the offline is refused
	# and changes nothing.
	mkres big 120000
	warnings=$(cpuset_warnings)
	run cg_write /sys/devices/system/cpu/cpu1/online 0
	assert_output "Device or resource busy"
	[ "$(</sys/devices/system/cpu/cpu1/online)" = 1 ]
	[ "$(servers_on "$T/big")" = 0-1 ]
	# Refused: no warning, though the cpusets lost CPU 1 for a moment.
	[ "$(cpuset_warnings)" = "$warnings" ]
	echo 0 >"$T/big/qosres.budget"

	# Small enough that, on one CPU, they leave the test its share.
	mkres a 10000
	mkres b 15000
	mkres c 5000 50000
	echo soft >"$T/c/qosres.mode"
	for r in a b c; do
		spin "$T/$r"
	done

	for i in $(seq "$HOTPLUG_ROUNDS"); do
		echo 0 >/sys/devices/system/cpu/cpu1/online
		for r in a b c; do
			[ "$(servers_on "$T/$r")" = 0 ] || fail "$r on $(servers_on "$T/$r") in round $i"
		done
		check_consistent
		still_run "${pids[@]}"
		echo 1 >/sys/devices/system/cpu/cpu1/online
		check_consistent
		still_run "${pids[@]}"
	done
}

@test "rmdir races tasks exiting inside $RACE_CYCLES reservations: EBUSY while they live, then gone, bandwidth back" {
	run chrt -o 0 "$CHURN" -n "$RACE_CYCLES" -j 2 exit "$T"
	echo "# $output" >&3
	assert_success
	# Each of the 2 workers runs its half.
	n=$((RACE_CYCLES / 2 * 2))
	[ "$(churned cycles)" = "$n" ] || fail "not every cycle ran"
	[ "$(churned admitted)" -gt 0 ] || fail "no reservation was admitted"
	[ "$(churned "tasks exited")" -ge "$n" ] || fail "tasks missing"
	# Some rmdir came while tasks still lived.
	[ "$(churned "rmdir EBUSY")" -gt 0 ] || fail "no rmdir met a task"
	check_consistent
}

@test "budget writes racing rmdir of $RACE_CYCLES cgroups: the reservation ends with its cgroup and gives its bandwidth back" {
	run chrt -o 0 "$CHURN" -n "$RACE_CYCLES" -j 2 write "$T"
	echo "# $output" >&3
	assert_success
	# Each writer exits 0 only on ENODEV: every one raced its rmdir.
	n=$((RACE_CYCLES / 2 * 2))
	[ "$(churned cycles)" = "$n" ] || fail "not every cycle ran"
	[ "$(churned "writers raced")" = "$n" ] || fail "writers missing"
	[ "$(churned admitted)" -gt 0 ] || fail "no reservation was admitted"
	[ "$(stat_key "$T/qosres.stat" reserved_bw_ppm)" = 0 ]
	check_consistent
}

@test "tasks killed or exiting while throttled die, and leave nothing queued" {
	local flag=$BATS_TEST_TMPDIR/exit i
	# Throttled 98% of the time, so the kill finds them throttled. They
	# start in a cgroup without a reservation and move in once running:
	# an exec under TCG is hundreds of ms of CPU time, seconds at 2%.
	mkdir "$T/starting"
	for mode in hard soft; do
		mkres "$mode" 2000 100000
		echo "$mode" >"$T/$mode/qosres.mode"
	done
	for i in 1 2 3 4 5 6 7 8; do
		spin "$T/starting"
	done
	# A process whose main thread exits while its other threads are
	# throttled: it exits when told, once they are.
	start "$T/starting" python3 -c '
import os, sys, threading, time
def spin():
    while True:
        pass
for _ in range(4):
    threading.Thread(target=spin, daemon=True).start()
while not os.path.exists(sys.argv[1]):
    time.sleep(0.05)
os._exit(0)' "$flag"
	mkres threads 10000
	for i in 0 1 2 3 4 5 6 7; do
		running "${pids[i]}" bash
	done
	running "${pids[8]}" python3 5
	for i in 0 1 2 3; do
		echo "${pids[i]}" >"$T/hard/cgroup.procs"
		echo "${pids[i + 4]}" >"$T/soft/cgroup.procs"
	done
	echo "${pids[8]}" >"$T/threads/cgroup.procs"
	wait_throttled "$T/hard"
	wait_throttled "$T/soft"
	kill -9 "${pids[@]:0:8}"
	# Soft tasks die in the background at once; hard ones exit on their
	# budget, 2 ms every 0.1 s, after their overruns are paid back
	# (docs/design.md, "Not yet").
	wait_empty "$T/soft" 20
	wait_empty "$T/hard" 100
	wait_throttled "$T/threads"
	touch "$flag"
	wait_empty "$T/threads" 100
	check_consistent
	for r in hard soft threads starting; do
		rmdir "$T/$r"
	done
}

@test "a fork storm inside a reservation stops at pids.max, stays within its budget, and dies whole" {
	echo +pids >"$CG/cgroup.subtree_control"
	echo +pids >"$T/cgroup.subtree_control"
	mkres storm 20000
	echo 32 >"$T/storm/pids.max"
	mkres calm 20000
	spin "$T/calm"
	calm=${pids[0]}
	# Every process forks two more and spins; forks fail at pids.max.
	start "$T/storm" bash -c 'f() { f & f & while :; do :; done; }; f' 2>/dev/null
	for _ in $(seq 300); do
		[ "$(stat_key "$T/storm/pids.events" max)" -gt 0 ] && break
		sleep 0.1
	done
	[ "$(stat_key "$T/storm/pids.events" max)" -gt 0 ]
	[ "$(<"$T/storm/pids.current")" -le 32 ]
	SECS=3
	storm=$(measure "$T/storm")
	within "$storm" 0 230
	still_run "$calm"
	echo 1 >"$T/storm/cgroup.kill"
	wait_empty "$T/storm"
	check_consistent
	rmdir "$T/storm"
}

@test "SIGKILL to every process of a reservation at once: all die within 3 s, nothing is left" {
	for mode in hard soft; do
		mkres "$mode" 30000
		echo "$mode" >"$T/$mode/qosres.mode"
		spin "$T/$mode"
		still_run "${pids[-1]}"
		for _ in $(seq 19); do
			spin "$T/$mode"
		done
		for _ in $(seq 10); do
			start "$T/$mode" sleep 100
		done
		for _ in $(seq 100); do
			[ "$(wc -l <"$T/$mode/cgroup.procs")" = 30 ] && break
			sleep 0.1
		done
		wait_throttled "$T/$mode"
		# shellcheck disable=SC2046
		kill -9 $(<"$T/$mode/cgroup.procs")
		wait_empty "$T/$mode" 30
		check_consistent
		rmdir "$T/$mode"
	done
}

@test "$CHURN_CYCLES reservations created and destroyed while tasks migrate through them" {
	mkdir "$T/p"
	echo +qosres >"$T/p/cgroup.subtree_control"
	# A cap that some of the random budgets meet.
	echo "60000 100000" >"$T/p/qosres.max"
	run chrt -o 0 "$CHURN" -n "$CHURN_CYCLES" -j 4 migrate "$T/p"
	echo "# $output" >&3
	assert_success
	# Each of the 4 workers runs its quarter, in and out of each cgroup.
	n=$((CHURN_CYCLES / 4 * 4))
	[ "$(churned cycles)" = "$n" ] || fail "not every cycle ran"
	[ "$(churned admitted)" -gt 0 ] || fail "no reservation was admitted"
	[ "$(churned moves)" = $((2 * n)) ] || fail "moves missing"
	[ -z "$(find "$T/p" -mindepth 1 -type d)" ]
	[ "$(stat_key "$T/p/qosres.stat" reserved_bw_ppm)" = 0 ]
	check_consistent
}

@test "the agent killed with SIGKILL five times mid-run: budgets stay admitted, tasks run, it resumes" {
	for r in a b c d; do
		mkres "$r" 10000
		echo "agent window=3 max=20000" >"$T/$r/qosres.feedback"
		spin "$T/$r"
	done
	for round in 1 2 3 4 5; do
		chrt -f 10 "$AGENT" -i 10ms 2>/dev/null &
		agent_pid=$!
		sleep "0.$((RANDOM % 9 + 1))"
		kill -9 "$agent_pid"
		wait "$agent_pid" || true
		agent_pid=
		check_consistent
		still_run "${pids[@]}"
	done
	# Each spinner wants a whole CPU: restarted, the agent takes a's budget
	# to its new max.
	echo "agent window=3 max=15000" >"$T/a/qosres.feedback"
	chrt -f 10 "$AGENT" -i 10ms 2>/dev/null &
	agent_pid=$!
	for _ in $(seq 50); do
		[ "$(<"$T/a/qosres.budget")" = 15000 ] && break
		sleep 0.1
	done
	[ "$(<"$T/a/qosres.budget")" = 15000 ]
	still_run "${pids[@]}"
}
