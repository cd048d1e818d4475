#!/usr/bin/env bats
# guest: lockdep
# The reservation scheduler at work: budgets enforced, hard and soft, on
# both CPUs, under real CFS load. Shares are measured over 10 s, from
# qosres.stat and from /proc/PID/stat, with margins honest for TCG.

load helpers

SECS=${QOSRES_MEASURE_SECONDS:-10}

setup() {
	qosres_setup
	pids=()
	mkdir "$T/load"
	# The test itself must not starve behind the nice -20 hogs it starts:
	# it runs SCHED_FIFO (below reservations), what it starts does not.
	chrt -f -p 1 $BASHPID
}

teardown() {
	[ ${#pids[@]} = 0 ] || kill -9 "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	echo 1 >/sys/devices/system/cpu/cpu1/online
	qosres_teardown
}

# Two CPU hogs per CPU at nice -20, in their own cgroup.
load() {
	start "$T/load" nice -n -20 stress-ng --quiet --cpu $((2 * NCPUS)) \
		--cpu-method loop --timeout 600
	sleep 1
}

# share PID...: CPU used by the processes, per mille of one CPU.
share() {
	measure "$@"
}

# usage_share CGROUP: the same, from qosres.stat usage_usec.
usage_share() {
	measure "$1"
}

@test "a hog in a 30% hard reservation gets 30% +- 3% on a loaded system" {
	load
	mkres a 30000
	spin "$T/a"
	sleep 1
	within "$(share "${pids[-1]}")" 270 330
	within "$(usage_share "$T/a")" 270 330
	[ "$(stat_key "$T/a/qosres.stat" nr_throttled)" -gt 50 ]
	[ "$(stat_key "$T/a/qosres.events" throttled)" -gt 50 ]
}

@test "a hog in a 30% reservation never gets more than 33%, even with idle CPUs" {
	mkres a 30000
	spin "$T/a"
	sleep 1
	within "$(share "${pids[-1]}")" 250 330
}

@test "in soft mode the hog runs on past its budget when CPUs are idle" {
	mkres a 30000
	echo soft >"$T/a/qosres.mode"
	spin "$T/a"
	sleep 1
	s=$(share "${pids[-1]}")
	[ "$s" -ge 700 ] || fail "soft reservation got only $s/10 %"
	within "$(usage_share "$T/a")" 250 330
	# Hard again: back to the budget.
	echo hard >"$T/a/qosres.mode"
	sleep 1
	within "$(share "${pids[-1]}")" 250 330
}

@test "4 hogs in a 1.5-CPU reservation get 1.5 CPUs +- 5%, on both CPUs" {
	mkres a 150000 100000
	for _ in 1 2 3 4; do spin "$T/a"; done
	sleep 1
	s=$(share "${pids[@]}")
	within "$s" 1425 1575
	u0=$(stat_key "$T/a/qosres.stat" cpu0_usage_usec)
	u1=$(stat_key "$T/a/qosres.stat" cpu1_usage_usec)
	[ "$u0" -gt 2000000 ] && [ "$u1" -gt 2000000 ] ||
		fail "servers ran $u0 us and $u1 us: not both CPUs"
}

# Its two servers hold 0.6 CPU each: the hog runs out on one and goes on on
# the other in the same period.
@test "a hog alone in a 1.2-CPU reservation gets a whole CPU from its two servers" {
	mkres a 120000 100000
	[ "$(stat_key "$T/a/qosres.stat" nr_servers)" = 2 ] ||
		fail "$(stat_key "$T/a/qosres.stat" nr_servers) servers, not 2"
	spin "$T/a"
	sleep 1
	within "$(share "${pids[-1]}")" 900 1000
}

# rt_app NAME CGROUP: a periodic rt-app task, 60 ms of running every
# 100 ms for SECS s. rt-app's "runtime" event runs by the clock, not by a
# loop count: TCG's speed varies with the host, a calibrated loop would not
# need the same CPU time from one period to the next.
rt_app() {
	local dir=$BATS_TEST_TMPDIR/$1
	mkdir -p "$dir"
	cat >"$dir/task.json" <<EOF
{
  "global": { "duration": $SECS, "calibration": 100, "logdir": "$dir",
              "log_size": 4, "log_basename": "rt" },
  "tasks": { "periodic": { "loop": -1, "runtime": 60000,
                           "timer": { "ref": "t", "period": 100000 } } }
}
EOF
	start "$2" rt-app "$dir/task.json"
}

# rt_app_result NAME: "jobs late": the jobs rt-app ran, and those that
# ended past their deadline, the next period (negative slack).
rt_app_result() {
	awk '!/^#/ { jobs++; if ($8 < 0) late++ } END { print jobs + 0, late + 0 }' \
		"$BATS_TEST_TMPDIR/$1"/rt-periodic-*.log
}

@test "rt-app at 60% meets every deadline in a 70% reservation under nice -20 hogs, not without" {
	load
	mkres rsv 70000
	mkdir "$T/plain"
	rt_app reserved "$T/rsv"
	rt_app plain "$T/plain"
	wait "${pids[-1]}" "${pids[-2]}" || true
	periods=$((SECS * 10))
	read -r jobs_rsv late_rsv < <(rt_app_result reserved)
	read -r jobs_plain late_plain < <(rt_app_result plain)
	miss_rsv=$((periods - jobs_rsv + late_rsv))
	miss_plain=$((periods - jobs_plain + late_plain))
	echo "# 60 ms every 100 ms for $SECS s, 2 hogs per CPU at nice -20" >&3
	echo "#   in a 70% reservation: $jobs_rsv jobs, $late_rsv late, $miss_rsv of $periods deadlines missed" >&3
	echo "#   without:              $jobs_plain jobs, $late_plain late, $miss_plain of $periods deadlines missed" >&3
	# Every job meets its deadline; the first and last periods may be cut.
	[ "$late_rsv" = 0 ] && [ "$jobs_rsv" -ge $((periods - 2)) ] ||
		fail "the reservation missed $miss_rsv deadlines"
	[ "$miss_plain" -gt $((periods / 2)) ] ||
		fail "without a reservation only $miss_plain deadlines missed"
}

# A task preempted inside an RCU read-side section holds up every grace
# period until it runs again. Out of budget, a hard reservation makes its
# tasks wait only back at the user boundary: in the kernel they run on in
# the background, so a grace period must not wait out the 1 s period.
@test "a throttled hard reservation does not hold up RCU grace periods" {
	local gp=$BATS_TEST_DIRNAME/../../build/tools/rcu-gp
	mkres a 20000 1000000
	mkdir "$BATS_TEST_TMPDIR/mnt"
	start "$T/a" "$gp" walk "$BATS_TEST_TMPDIR" 30
	sleep 1
	run "$gp" wait "$BATS_TEST_TMPDIR/mnt" "$SECS"
	[ "$status" = 0 ] || fail "$output"
	echo "$output"
	[ "$(stat_key "$T/a/qosres.events" throttled)" -gt 5 ]
	longest=$(awk '$1 == "longest_ms" { print $2 }' <<<"$output")
	[ "$longest" -lt 300 ] || fail "a grace period waited $longest ms"
	# Hard still: what ran in the background is a small part of it.
	within "$(share "${pids[-1]}")" 0 50
}

@test "budget 0, leaving the cgroup or disabling qosres returns tasks to CFS" {
	load
	mkres a 50000
	spin "$T/a"
	sleep 1
	[ "$(stat_key "$T/a/qosres.stat" nr_running)" = 1 ]
	within "$(share "${pids[-1]}")" 450 550
	echo 0 >"$T/a/qosres.budget"
	[ "$(stat_key "$T/a/qosres.stat" nr_running)" = 0 ]
	s=$(share "${pids[-1]}")
	[ "$s" -lt 150 ] || fail "still $s/10 % after budget 0"

	echo 50000 >"$T/a/qosres.budget"
	[ "$(stat_key "$T/a/qosres.stat" nr_running)" = 1 ]
	echo "${pids[-1]}" >"$T/load/cgroup.procs"
	[ "$(stat_key "$T/a/qosres.stat" nr_running)" = 0 ]
	s=$(share "${pids[-1]}")
	[ "$s" -lt 150 ] || fail "still $s/10 % after leaving the cgroup"

	echo "${pids[-1]}" >"$T/a/cgroup.procs"
	[ "$(stat_key "$T/a/qosres.stat" nr_running)" = 1 ]
	echo -qosres >"$T/cgroup.subtree_control"
	s=$(share "${pids[-1]}")
	[ "$s" -lt 150 ] || fail "still $s/10 % after disabling qosres"
}

@test "fork inherits the reservation; threads run in it" {
	mkres a 40000
	start "$T/a" stress-ng --quiet --cpu 3 --cpu-method loop --timeout 600
	# stress-ng forks its workers on the reservation's budget: give it time.
	for _ in $(seq 100); do
		[ "$(stat_key "$T/a/qosres.stat" nr_running)" = 3 ] && break
		sleep 0.1
	done
	[ "$(stat_key "$T/a/qosres.stat" nr_running)" = 3 ]
	within "$(usage_share "$T/a")" 360 440
}

@test "a SCHED_FIFO task in a reservation stays in it; SCHED_DEADLINE leaves it" {
	mkres a 30000
	spin "$T/a"
	pid=${pids[-1]}
	sleep 1
	chrt -f -p 50 "$pid"
	[ "$(stat_key "$T/a/qosres.stat" nr_running)" = 1 ]
	within "$(share "$pid")" 250 330
	chrt -d --sched-runtime 20000000 --sched-deadline 100000000 \
		--sched-period 100000000 -p 0 "$pid"
	[ "$(stat_key "$T/a/qosres.stat" nr_running)" = 0 ]
	chrt -o -p 0 "$pid"
	[ "$(stat_key "$T/a/qosres.stat" nr_running)" = 1 ]
}

@test "inside a reservation, RT priorities go first and the others take turns" {
	mkres a 40000
	spin "$T/a"
	spin "$T/a"
	sleep 1
	a=$(share "${pids[-2]}")
	b=$(share "${pids[-1]}")
	within "$a" 150 250
	within "$b" 150 250
	chrt -f -p 10 "${pids[-1]}"
	sleep 1
	within "$(share "${pids[-1]}")" 350 430
	s=$(share "${pids[-2]}")
	[ "$s" -lt 30 ] || fail "the SCHED_OTHER task still got $s/10 %"
}

@test "a task whose affinity excludes every server runs in the background" {
	mkres a 30000
	cpu=$(stat_key "$T/a/qosres.stat" cpus)
	spin "$T/a"
	sleep 1
	taskset -p -c $((1 - cpu)) "${pids[-1]}" >/dev/null
	sleep 1
	[ "$(stat_key "$T/a/qosres.stat" nr_background)" = 1 ]
	[ "$(stat_key "$T/a/qosres.stat" nr_running)" = 0 ]
	taskset -p -c 0-1 "${pids[-1]}" >/dev/null
	sleep 1
	[ "$(stat_key "$T/a/qosres.stat" nr_background)" = 0 ]
	within "$(share "${pids[-1]}")" 250 330
}

@test "servers and tasks follow a cpuset change" {
	mkdir "$T/p"
	echo +qosres >"$T/p/cgroup.subtree_control"
	mkdir "$T/p/a"
	echo 30000 >"$T/p/a/qosres.budget"
	[ "$(stat_key "$T/p/a/qosres.stat" cpus)" = 0 ]
	spin "$T/p/a"
	sleep 1
	echo 1 >"$T/p/cpuset.cpus"
	[ "$(stat_key "$T/p/a/qosres.stat" cpus)" = 1 ]
	within "$(share "${pids[-1]}")" 250 330
	u=$(stat_key "$T/p/a/qosres.stat" cpu1_usage_usec)
	[ "$u" -gt 2000000 ] || fail "the server on CPU 1 ran only $u us"
}

@test "200 reservations with tasks created and destroyed while they run" {
	local i base
	base=$(stat_key "$CG/qosres.stat" reserved_bw_ppm)
	for i in $(seq 200); do
		mkdir "$T/r$i"
		echo "800 100000" >"$T/r$i/qosres.budget"
		[ $((i % 2)) = 0 ] && echo soft >"$T/r$i/qosres.mode"
		start "$T/r$i" sleep 3
	done
	# While they run: end some, kill some, resize some, flip the mode.
	for i in $(seq 200); do
		case $((i % 4)) in
		0) echo 0 >"$T/r$i/qosres.budget" ;;
		1) echo 1 >"$T/r$i/cgroup.kill" ;;
		2) echo "1600 100000" >"$T/r$i/qosres.budget" ;;
		3) echo soft >"$T/r$i/qosres.mode" ;;
		esac
	done
	wait "${pids[@]}" || true
	pids=()
	for i in $(seq 200); do
		grep -q '^populated 0' "$T/r$i/cgroup.events" ||
			fail "r$i still has tasks"
		rmdir "$T/r$i"
	done
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = "$base" ]
	[ "$(stat_key "$CG/qosres.stat" cpu0_reserved_bw_ppm)" = 0 ]
	[ "$(stat_key "$CG/qosres.stat" cpu1_reserved_bw_ppm)" = 0 ]
}

@test "CPU 1 goes offline and back under running reservations" {
	load
	mkres a 30000
	mkres b 30000
	spin "$T/a"
	spin "$T/b"
	pid_b=${pids[-1]}
	sleep 1
	[ "$(stat_key "$T/b/qosres.stat" cpus)" = 1 ]
	echo 0 >/sys/devices/system/cpu/cpu1/online || {
		# Who refused: qosres's room, or SCHED_DEADLINE's total.
		cat "$CG/qosres.stat"
		mount -t debugfs none /sys/kernel/debug 2>/dev/null
		grep -h dl_bw /sys/kernel/debug/sched/debug 2>/dev/null
		fail "CPU 1 refused to go offline"
	}
	[ "$(stat_key "$T/b/qosres.stat" cpus)" = 0 ]
	within "$(share "$pid_b")" 250 330
	echo 1 >/sys/devices/system/cpu/cpu1/online
	within "$(share "$pid_b")" 250 330
	within "$(share "${pids[-2]}")" 250 330
}
