#!/usr/bin/env bats
# make soak: QOSRES_SOAK_MINUTES (default 30) of mixed load and churn on
# the debug kernel. Periodic jobs run in static, kernel-feedback and
# agent-feedback reservations against CFS hogs, and an RCU reader in a hard
# reservation throttled most of each second, while in the background:
# reservations churn with tasks migrating and exiting (qosres-churn), a
# fuzzer writes hostile text (qosres-fuzz), CPU 1 goes offline and back,
# a fork storm hits pids.max, whole reservations are SIGKILLed, and the
# agent is SIGKILLed and restarted. Every minute every qosres sum must add
# up and every steady task still run. The counts go to soak-report.txt in
# the results directory; the kernel log is checked as for every suite.

load ../bats/helpers

TOOLS=$BATS_TEST_DIRNAME/../../build/tools
AGENT=$BATS_TEST_DIRNAME/../../build/userspace/qosres-agent
MINUTES=${QOSRES_SOAK_MINUTES:-30}
KFB="kernel predictor=max window=3 margin=20"

setup() {
	qosres_setup
	echo +pids >"$CG/cgroup.subtree_control"
	echo +pids >"$T/cgroup.subtree_control"
	pids=()
	loops=()
	counts=$BATS_TEST_TMPDIR/counts
	failures=$BATS_TEST_TMPDIR/failures
	mkdir "$counts"
	: >"$failures"
	chrt -f -p 1 $BASHPID
}

teardown() {
	reap -TERM "${loops[@]}"
	reap "${pids[@]}"
	echo 1 >/sys/devices/system/cpu/cpu1/online
	qosres_teardown
}

# count NAME: one more NAME.
count() {
	echo >>"$counts/$1"
}

# failed TEXT: a background loop saw something wrong.
failed() {
	echo "$(date +%T) $*" >>"$failures"
}

# loop NAME SECONDS CMD...: run CMD every SECONDS until the end, counting
# its runs as NAME; a failure is recorded with CMD's output. While the
# pause file exists, it starts nothing; busy.NAME exists while CMD runs.
loop() {
	local name=$1 every=$2 out
	shift 2
	(
		while [ "$SECONDS" -lt "$end" ]; do
			touch "$counts/busy.$name"
			if [ -e "$counts/pause" ]; then
				rm "$counts/busy.$name"
				sleep 0.2
				continue
			fi
			if out=$("$@" 2>&1); then
				count "$name"
			else
				failed "$name: $out"
			fi
			rm "$counts/busy.$name"
			sleep "$every"
		done
	) &
	loops+=($!)
}

# The checks need the sums to stand still: the loops finish what they run
# and start nothing new, and the kernel feedback loop is turned off.
pause() {
	touch "$counts/pause"
	while compgen -G "$counts/busy.*" >/dev/null; do
		sleep 0.2
	done
	# The fuzzer may have left its cgroup adapting too.
	echo off >"$T/kfb/qosres.feedback"
	echo off >"$T/fuzz/qosres.feedback"
}

resume() {
	echo "$KFB" >"$T/kfb/qosres.feedback"
	rm "$counts/pause"
}

churn() {
	local dir=$T/churn
	mkdir -p "$dir" && echo +qosres >"$dir/cgroup.subtree_control" &&
		chrt -o 0 "$TOOLS/qosres-churn" -n 20 -j 2 -s "$RANDOM" "$1" "$dir" >>"$counts/churn.log"
}

fuzz() {
	chrt -o 0 "$TOOLS/qosres-fuzz" -n 40 -s "$RANDOM" "$T/fuzz" >>"$counts/fuzz.log"
}

hotplug() {
	local online=/sys/devices/system/cpu/cpu1/online
	if echo 0 >"$online" 2>/dev/null; then
		count offline
		sleep 3
		echo 1 >"$online"
	else
		count offline_refused
	fi
}

# admit CGROUP BUDGET: a new reservation. Churn may have taken the room
# (admission says EBUSY): then the cgroup goes again, NAME_denied is
# counted and the caller is told with status 2.
admit() {
	local err
	mkdir "$1" || return 1
	err=$( { echo "$2" >"$1/qosres.budget"; } 2>&1) && return 0
	rmdir "$1"
	[[ $err == *"resource busy"* ]] || { echo "$err"; return 1; }
	count "$(basename "$1")_denied"
	return 2
}

# A fork storm in a reservation with pids.max, killed whole after 5 s.
storm() {
	local dir=$T/storm
	admit "$dir" 10000 || return $(($? == 2 ? 0 : 1))
	echo 64 >"$dir/pids.max" || return 1
	(echo "$BASHPID" >"$dir/cgroup.procs" &&
		exec chrt -o 0 bash -c 'f() { f & f & while :; do :; done; }; f') >/dev/null 2>&1 &
	sleep 5
	echo 1 >"$dir/cgroup.kill"
	wait_gone "$dir"
}

# Twenty tasks in a hard reservation, throttled, SIGKILLed at once.
killall_rsv() {
	local dir=$T/kill i
	admit "$dir" 5000 || return $(($? == 2 ? 0 : 1))
	for i in $(seq 20); do
		(echo "$BASHPID" >"$dir/cgroup.procs" &&
			exec chrt -o 0 bash -c 'while :; do :; done') >/dev/null 2>&1 &
	done
	# All of them inside, whatever the load, then a little throttling.
	for _ in $(seq 100); do
		[ "$(wc -l <"$dir/cgroup.procs")" = 20 ] && break
		sleep 0.1
	done
	sleep 1
	# shellcheck disable=SC2046
	kill -9 $(<"$dir/cgroup.procs")
	wait_gone "$dir"
}

# wait_gone CGROUP: it empties within 10 s and is removed.
wait_gone() {
	for _ in $(seq 100); do
		grep -q '^populated 0' "$1/cgroup.events" && rmdir "$1" && return 0
		sleep 0.1
	done
	echo "$1 did not empty in 10 s"
	return 1
}

agent_restart() {
	chrt -f 10 "$AGENT" -i 10ms -r "$T/ag" >/dev/null 2>>"$counts/agent.log" &
	local agent=$!
	sleep $((RANDOM % 10 + 2))
	kill -9 "$agent"
	wait "$agent" 2>/dev/null
	return 0
}

# Every minute: the sums add up and the steady tasks run.
check_all() {
	local minute=$1
	pause
	check_consistent
	still_run "${steady[@]}"
	echo "minute $minute: consistent; $(stat_key "$CG/qosres.stat" reserved_bw_ppm) ppm reserved, $(find "$CG" -mindepth 1 -type d | wc -l) cgroups" >>"$counts/checks.log"
	resume
}

@test "soak: $MINUTES minutes of mixed load and churn" {
	end=$((SECONDS + MINUTES * 60))
	mkres static 20000
	mkres kfb 10000
	echo "$KFB" >"$T/kfb/qosres.feedback"
	# The agent sees only its own subtree: the fuzzer's "agent" writes
	# must find no agent behind them.
	mkdir "$T/ag"
	echo +qosres >"$T/ag/cgroup.subtree_control"
	mkres ag/afb 10000
	echo "agent predictor=max window=3 margin=20" >"$T/ag/afb/qosres.feedback"
	mkres soft 10000
	echo soft >"$T/soft/qosres.mode"
	mkdir "$T/fuzz" "$T/hogs"
	for r in static kfb ag/afb; do
		start "$T/$r" "$TOOLS/periodic" 50000 5000 $((MINUTES * 60 + 60)) "$counts/${r#ag/}.periodic"
	done
	mkres rcu 20000 1000000
	start "$T/rcu" "$TOOLS/rcu-gp" walk "$BATS_TEST_TMPDIR" $((MINUTES * 60 + 60))
	spin "$T/soft"
	spin "$T/hogs"
	spin "$T/hogs"
	steady=("${pids[@]}")

	loop churn_migrate 1 churn migrate
	loop churn_exit 1 churn exit
	loop fuzz 1 fuzz
	loop hotplug 20 hotplug
	loop storm 30 storm
	loop killall 30 killall_rsv
	loop agent 1 agent_restart

	minute=0
	while [ "$SECONDS" -lt "$end" ]; do
		sleep 60
		minute=$((minute + 1))
		check_all "$minute"
		echo "# minute $minute: checked; $(cat "$failures" | wc -l) failures so far" >&3
	done
	wait "${loops[@]}" 2>/dev/null
	loops=()
	check_all end
	report
	[ ! -s "$failures" ] || fail "$(cat "$failures")"
}

# The counts, to soak-report.txt.
report() {
	local f out=${QOSRES_RESULTS:-$BATS_TEST_TMPDIR}/soak-report.txt
	{
		echo "minutes: $MINUTES"
		for f in "$counts"/*; do
			case $f in
			*.log | *.periodic | */busy.* | */pause) continue ;;
			esac
			echo "$(basename "$f"): $(wc -l <"$f")"
		done
		awk '{ c += $1; a += $3; d += $5; m += $8; b += $10; e += $13 }
			END { printf "churn: %d cycles, %d admitted, %d denied, %d moves, %d rmdir EBUSY, %d tasks exited inside\n", c, a, d, m, b, e }' \
			"$counts/churn.log"
		awk '{ n += $3 } END { printf "fuzz: %d hostile writes\n", n }' "$counts/fuzz.log"
		for f in static kfb afb; do
			echo "periodic in $f (periods jobs missed worst_us): $(<"$counts/$f.periodic")"
		done
		echo "checks: $(wc -l <"$counts/checks.log")"
		echo "failures: $(wc -l <"$failures")"
		cat "$failures"
	} >"$out"
	sed "s/^/# /" "$out" >&3
}
