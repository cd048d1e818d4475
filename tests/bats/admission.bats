#!/usr/bin/env bats
# budget: 90
# Admission: per-CPU servers within the limit shared with SCHED_DEADLINE,
# caps of qosres.max along the ancestors, placement kept and moved.

load helpers

setup() {
	qosres_setup
	dl_pid=
}

teardown() {
	if [ -n "$dl_pid" ]; then
		kill "$dl_pid"
		wait "$dl_pid" || true
		dl_released
	fi
	[ "$(</proc/sys/kernel/sched_rt_runtime_us)" = 950000 ] ||
		echo 950000 >/proc/sys/kernel/sched_rt_runtime_us
	echo 1 >/sys/devices/system/cpu/cpu1/online
	qosres_teardown
}

# A dead SCHED_DEADLINE task's bandwidth is freed at its 0-lag time, up
# to a period after it exits: wait for it.
dl_released() {
	for _ in $(seq 50); do
		[ "$(stat_key "$CG/qosres.stat" cpu0_free_bw_ppm)" -ge 900000 ] &&
			return 0
		sleep 0.1
	done
	cat "$CG/qosres.stat"
	ps -eo pid,stat,cls,cmd | grep -E ' DLN? ' || true
	grep -h 'dl_bw\|^cpu#\|fair_server\|dl_nr\|running_bw' /sys/kernel/debug/sched/debug 2>/dev/null || true
	return 1
}

events() {
	stat_key "$T/$1/qosres.events" "$2"
}

# chrt_dl PERCENT CMD...: run CMD as SCHED_DEADLINE with that bandwidth.
chrt_dl() {
	local pct=$1
	shift
	exec chrt -d --sched-runtime $((pct * 1000000)) \
		--sched-deadline 100000000 --sched-period 100000000 0 "$@"
}

@test "a reservation fitting one CPU gets one server, on the emptiest CPU" {
	mkres a 30000
	[ "$(stat_key "$T/a/qosres.stat" nr_servers)" = 1 ]
	[ "$(stat_key "$T/a/qosres.stat" cpus)" = 0 ]
	mkres b 30000
	[ "$(stat_key "$T/b/qosres.stat" cpus)" = 1 ]
	[ "$(stat_key "$CG/qosres.stat" cpu0_reserved_bw_ppm)" = 300000 ]
	[ "$(stat_key "$CG/qosres.stat" cpu1_reserved_bw_ppm)" = 300000 ]
	[ "$(cpu_room_ppm 0)" = 600000 ]
}

@test "a 1.5-CPU reservation gets two servers of 0.75" {
	mkres a 150000 100000
	[ "$(stat_key "$T/a/qosres.stat" nr_servers)" = 2 ]
	[ "$(stat_key "$T/a/qosres.stat" cpus)" = 0-1 ]
	[ "$(stat_key "$T/a/qosres.stat" cpu0_budget_usec)" = 75000 ]
	[ "$(stat_key "$T/a/qosres.stat" cpu1_budget_usec)" = 75000 ]
	[ "$(stat_key "$T/a/qosres.stat" reserved_bw_ppm)" = 1500000 ]
}

@test "the per-CPU room is the limit less the fair server: 1.8 CPUs fit, not more" {
	[ "$(cpu_room_ppm 0)" = 900000 ]
	[ "$(cpu_room_ppm 1)" = 900000 ]
	mkres a 180000
	[ "$(stat_key "$T/a/qosres.stat" cpu1_budget_usec)" = 90000 ]
	[ "$(cpu_room_ppm 0)" -le 1 ]
	run cg_write "$T/a/qosres.budget" 181000
	assert_output "Device or resource busy"
	[ "$(<"$T/a/qosres.budget")" = 180000 ]
}

@test "EBUSY when no CPU has room, counted in admission_denied" {
	mkres a 90000
	mkres b 90000
	mkdir "$T/c"
	run cg_write "$T/c/qosres.budget" 1000
	assert_failure
	assert_output "Device or resource busy"
	[ "$(<"$T/c/qosres.budget")" = 0 ]
	[ "$(events c admission_denied)" = 1 ]
	[ "$(events c budget_changed)" = 0 ]
	[ "$(stat_key "$T/qosres.stat" reserved_bw_ppm)" = 1800000 ]
}

@test "EBUSY when the room is there in total but on no single CPU" {
	mkres a 50000
	mkres b 50000
	mkdir "$T/c"
	run cg_write "$T/c/qosres.budget" 60000
	assert_output "Device or resource busy"
	cg_write "$T/c/qosres.budget" 40000
}

@test "a budget change keeps the servers where it still fits" {
	mkres a 20000
	mkres b 10000
	cpu=$(stat_key "$T/a/qosres.stat" cpus)
	echo 60000 >"$T/a/qosres.budget"
	[ "$(stat_key "$T/a/qosres.stat" cpus)" = "$cpu" ]
	echo 5000 >"$T/a/qosres.budget"
	[ "$(stat_key "$T/a/qosres.stat" cpus)" = "$cpu" ]
	echo 120000 >"$T/a/qosres.budget"
	[ "$(stat_key "$T/a/qosres.stat" nr_servers)" = 2 ]
	[ "$(stat_key "$T/a/qosres.stat" "cpu${cpu}_budget_usec")" = 60000 ]
}

@test "a reservation moves when its CPU has no more room for it" {
	mkres a 50000
	mkres b 60000
	mkres d 30000
	[ "$(stat_key "$T/a/qosres.stat" cpus)" = 0 ]
	[ "$(stat_key "$T/b/qosres.stat" cpus)" = 1 ]
	[ "$(stat_key "$T/d/qosres.stat" cpus)" = 0 ]
	# CPU 0 has 0.6 left for a, CPU 1 has 0.3.
	run cg_write "$T/a/qosres.budget" 70000
	assert_output "Device or resource busy"
	[ "$(stat_key "$T/a/qosres.stat" cpus)" = 0 ]
	echo 0 >"$T/b/qosres.budget"
	echo 70000 >"$T/a/qosres.budget"
	[ "$(stat_key "$T/a/qosres.stat" cpus)" = 1 ]
}

@test "servers stay inside the cgroup's cpuset" {
	mkdir "$T/p"
	echo 1 >"$T/p/cpuset.cpus"
	echo +qosres >"$T/p/cgroup.subtree_control"
	mkdir "$T/p/a" "$T/p/b"
	echo 50000 >"$T/p/a/qosres.budget"
	[ "$(stat_key "$T/p/a/qosres.stat" cpus)" = 1 ]
	run cg_write "$T/p/b/qosres.budget" 50000
	assert_output "Device or resource busy"
	# Two servers, one CPU allowed.
	run cg_write "$T/p/a/qosres.budget" 100000
	assert_output "Device or resource busy"
}

@test "a nested cpuset shrinks and grows back: one warning for the misfit, none when it fits again" {
	[ "$NCPUS" -ge 2 ] || skip "needs 2 CPUs"
	mkdir "$T/p"
	echo "+qosres +cpuset" >"$T/p/cgroup.subtree_control"
	mkdir "$T/p/q"
	echo +qosres >"$T/p/q/cgroup.subtree_control"
	mkdir "$T/p/q/a"
	echo 120000 >"$T/p/q/a/qosres.budget"
	[ "$(stat_key "$T/p/q/a/qosres.stat" cpus)" = 0-1 ]
	before=$(cpuset_warnings)
	# Cut to one CPU: 1.2 CPUs cannot follow, the servers stay, one warning.
	echo 0 >"$T/p/cpuset.cpus"
	[ "$(<"$T/p/q/cpuset.cpus.effective")" = 0 ]
	[ "$(stat_key "$T/p/q/a/qosres.stat" cpus)" = 0-1 ]
	[ "$(cpuset_warnings)" = $((before + 1)) ]
	# Both again: p is set before q, and a must not be judged by q's old
	# mask meanwhile.
	echo 0-1 >"$T/p/cpuset.cpus"
	[ "$(<"$T/p/q/cpuset.cpus.effective")" = 0-1 ]
	[ "$(cpuset_warnings)" = $((before + 1)) ]
	# A reservation that fits follows a nested cpuset, without a warning.
	echo 0 >"$T/p/q/a/qosres.budget"
	mkdir "$T/p/q/b"
	echo 30000 >"$T/p/q/b/qosres.budget"
	cpu=$(stat_key "$T/p/q/b/qosres.stat" cpus)
	echo $((1 - cpu)) >"$T/p/cpuset.cpus"
	[ "$(stat_key "$T/p/q/b/qosres.stat" cpus)" = $((1 - cpu)) ]
	[ "$(cpuset_warnings)" = $((before + 1)) ]
}

@test "qosres.max caps a subtree, itself included, at every level" {
	mkdir -p "$T/g/p"
	echo +qosres >"$T/g/cgroup.subtree_control"
	echo +qosres >"$T/g/p/cgroup.subtree_control"
	echo "50000 100000" >"$T/g/p/qosres.max"
	mkdir "$T/g/p/c1" "$T/g/p/c2"
	echo 30000 >"$T/g/p/c1/qosres.budget"
	run cg_write "$T/g/p/c2/qosres.budget" 30000
	assert_output "Device or resource busy"
	[ "$(stat_key "$T/g/p/c2/qosres.events" admission_denied)" = 1 ]
	echo 20000 >"$T/g/p/c2/qosres.budget"
	[ "$(stat_key "$T/g/p/qosres.stat" reserved_bw_ppm)" = 500000 ]
	run cg_write "$T/g/p/qosres.budget" 1000
	assert_output "Device or resource busy"
	# A tighter grandparent cap binds first.
	echo 0 >"$T/g/p/c2/qosres.budget"
	echo "40000 100000" >"$T/g/qosres.max"
	run cg_write "$T/g/p/c2/qosres.budget" 10001
	assert_output "Device or resource busy"
	echo 10000 >"$T/g/p/c2/qosres.budget"
	[ "$(stat_key "$T/g/qosres.stat" reserved_bw_ppm)" = 400000 ]
}

@test "a shorter period is more bandwidth: the cap refuses it" {
	mkdir "$T/p"
	echo +qosres >"$T/p/cgroup.subtree_control"
	echo "25000 50000" >"$T/p/qosres.max"
	mkdir "$T/p/c"
	echo 30000 >"$T/p/c/qosres.budget"
	run cg_write "$T/p/c/qosres.period" 50000
	assert_output "Device or resource busy"
	[ "$(<"$T/p/c/qosres.period")" = 100000 ]
	echo 60000 >"$T/p/c/qosres.period"
	[ "$(stat_key "$T/p/qosres.stat" reserved_bw_ppm)" = 500000 ]
}

@test "qosres.max cannot go below what the subtree reserves" {
	mkdir "$T/p"
	echo +qosres >"$T/p/cgroup.subtree_control"
	mkdir "$T/p/c"
	echo 50000 >"$T/p/c/qosres.budget"
	run cg_write "$T/p/qosres.max" "40000 100000"
	assert_output "Device or resource busy"
	[ "$(<"$T/p/qosres.max")" = max ]
	echo "50000 100000" >"$T/p/qosres.max"
	run cg_write "$T/p/qosres.max" "49999 100000"
	assert_output "Device or resource busy"
	[ "$(<"$T/p/qosres.max")" = "50000 100000" ]
	echo max >"$T/p/qosres.max"
}

@test "qosres is refused the room SCHED_DEADLINE holds on every CPU" {
	dl_released
	chrt_dl 50 sleep 100 &
	dl_pid=$!
	# chrt starts from 9p under TCG: seconds, on a slow host
	for _ in $(seq 300); do
		[ "$(cpu_room_ppm 0)" = 400000 ] && break
		sleep 0.1
	done
	[ "$(cpu_room_ppm 0)" = 400000 ]
	mkdir "$T/a"
	run cg_write "$T/a/qosres.budget" 45000
	assert_output "Device or resource busy"
	echo 35000 >"$T/a/qosres.budget"
	[ "$(cpu_room_ppm 1)" = 400000 ]
	kill "$dl_pid"
	wait "$dl_pid" || true
	dl_pid=
	for _ in $(seq 50); do
		cg_write "$T/a/qosres.budget" 85000 && break
		sleep 0.1
	done
	[ "$(<"$T/a/qosres.budget")" = 85000 ]
}

# After the test above, not before: 6.12 at times loses the bandwidth of
# the short-lived SCHED_DEADLINE task this one runs from its root domain's
# total for a while (see docs/design.md), which would skew the exact room
# the test above checks.
@test "SCHED_DEADLINE is refused the room qosres holds, admitted once released" {
	mkres a 90000
	mkres b 90000
	run chrt_dl 10 true
	assert_failure
	assert_output --partial "Device or resource busy"
	echo 0 >"$T/a/qosres.budget"
	run chrt_dl 10 true
	assert_failure
	echo 0 >"$T/b/qosres.budget"
	run chrt_dl 10 true
	assert_success
}

@test "kernel.sched_rt_runtime_us cannot go below what servers hold" {
	mkres a 90000
	run cg_write /proc/sys/kernel/sched_rt_runtime_us 900000
	assert_output "Device or resource busy"
	[ "$(</proc/sys/kernel/sched_rt_runtime_us)" = 950000 ]
	echo 0 >"$T/a/qosres.budget"
	echo 900000 >/proc/sys/kernel/sched_rt_runtime_us
	[ "$(cpu_room_ppm 0)" = 850000 ]
	run cg_write "$T/a/qosres.budget" 86000
	assert_output "Device or resource busy"
}

@test "CPU hot-unplug moves servers, or is refused when they cannot move" {
	mkres a 30000
	mkres b 30000
	[ "$(stat_key "$T/b/qosres.stat" cpus)" = 1 ]
	echo 0 >/sys/devices/system/cpu/cpu1/online
	[ "$(stat_key "$T/b/qosres.stat" cpus)" = 0 ]
	[ "$(stat_key "$CG/qosres.stat" cpu0_reserved_bw_ppm)" = 600000 ]
	echo 1 >/sys/devices/system/cpu/cpu1/online
	echo 60000 >"$T/a/qosres.budget"
	echo 0 >"$T/b/qosres.budget"
	echo 60000 >"$T/b/qosres.budget"
	[ "$(stat_key "$T/b/qosres.stat" cpus)" = 1 ]
	run cg_write /sys/devices/system/cpu/cpu1/online 0
	assert_output "Device or resource busy"
	[ "$(</sys/devices/system/cpu/cpu1/online)" = 1 ]
	[ "$(stat_key "$T/b/qosres.stat" cpus)" = 1 ]
}
