#!/usr/bin/env bats
# Concurrent writers: 8 processes hammer every qosres file, cpusets,
# SCHED_DEADLINE admission and CPU hotplug (one after the other, see
# hammer_deadline) for 30 s. Afterwards every sum must still add up and,
# once all is removed, nothing may be left over.

load helpers

WRITERS=8
SECONDS_RUN=${QOSRES_HAMMER_SECONDS:-30}

setup() {
	qosres_setup
	mkdir -p "$T/p" "$T/q"
	echo +qosres >"$T/p/cgroup.subtree_control"
	echo +qosres >"$T/q/cgroup.subtree_control"
	echo "120000 100000" >"$T/p/qosres.max"
	for i in 0 1 2 3; do
		mkdir "$T/p/c$i" "$T/q/d$i"
	done
	base_root=$(stat_key "$CG/qosres.stat" reserved_bw_ppm)
}

teardown() {
	echo 1 >/sys/devices/system/cpu/cpu1/online
	qosres_teardown
}

# A random value for FILE: mostly valid, some malformed or out of range.
random_value() {
	case $1 in
	budget)
		case $((RANDOM % 6)) in
		0) echo 0 ;;
		1) echo "$((RANDOM * 3 + 100)) $((RANDOM * 10 + 1000))" ;;
		2) echo garbage ;;
		*) echo $((RANDOM * 4)) ;;
		esac
		;;
	period) echo $((RANDOM * 30 + 900)) ;;
	max)
		case $((RANDOM % 3)) in
		0) echo max ;;
		*) echo "$((RANDOM * 4)) 100000" ;;
		esac
		;;
	mode) [ $((RANDOM % 2)) = 0 ] && echo hard || echo soft ;;
	feedback) echo "kernel window=$((RANDOM % 70))" ;;
	esac
}

hammer_files() {
	local end=$((SECONDS + SECONDS_RUN)) dirs=("$T"/p/c[0-9] "$T"/q/d[0-9] "$T/p") f
	local files=(budget budget budget period max mode feedback)
	while [ $SECONDS -lt $end ]; do
		f=${files[RANDOM % ${#files[@]}]}
		random_value "$f" >"${dirs[RANDOM % ${#dirs[@]}]}/qosres.$f" 2>/dev/null
	done
}

hammer_cpuset() {
	local end=$((SECONDS + SECONDS_RUN)) sets=(0 1 0-1)
	while [ $SECONDS -lt $end ]; do
		echo "${sets[RANDOM % 3]}" >"$T/q/cpuset.cpus" 2>/dev/null
		sleep 0.2
	done
}

# SCHED_DEADLINE tasks come and go in the first half, CPU 1 in the second:
# in 6.12 a SCHED_DEADLINE task that exits on a CPU going offline divides
# by zero when its bandwidth is released (inactive_task_timer(), __dl_sub()
# with no active CPU left in its root domain). Upstream's, not qosres's;
# the files and cpuset writers overlap both.
hammer_deadline() {
	local end=$((SECONDS + SECONDS_RUN / 2 - 1))
	while [ $SECONDS -lt $end ]; do
		chrt -d --sched-runtime $(((RANDOM % 40 + 1) * 1000000)) \
			--sched-deadline 100000000 --sched-period 100000000 \
			0 true 2>/dev/null
	done
}

hammer_hotplug() {
	local end=$((SECONDS + SECONDS_RUN))
	sleep $((SECONDS_RUN / 2))
	while [ $SECONDS -lt $end ]; do
		echo 0 >/sys/devices/system/cpu/cpu1/online 2>/dev/null
		sleep 0.5
		echo 1 >/sys/devices/system/cpu/cpu1/online 2>/dev/null
		sleep 0.5
	done
}

@test "8 concurrent writers for 30 s leave every sum consistent" {
	local pids=()
	for i in $(seq $((WRITERS - 3))); do
		hammer_files &
		pids+=($!)
	done
	hammer_cpuset &
	pids+=($!)
	hammer_deadline &
	pids+=($!)
	hammer_hotplug &
	pids+=($!)
	wait "${pids[@]}" || true
	echo 1 >/sys/devices/system/cpu/cpu1/online

	check_consistent
	max=$(<"$T/p/qosres.max")
	if [ "$max" != max ]; then
		read -r max_budget max_period <<<"$max"
		[ "$(stat_key "$T/p/qosres.stat" reserved_bw_ppm)" -le \
		  $((max_budget * 1000000 / max_period)) ] || fail "p exceeds its cap"
	fi

	# Removing everything gives back every ppm.
	cg_remove "$T/p"
	cg_remove "$T/q"
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = "$base_root" ]
	[ "$(stat_key "$CG/qosres.stat" cpu0_reserved_bw_ppm)" = 0 ]
	[ "$(stat_key "$CG/qosres.stat" cpu1_reserved_bw_ppm)" = 0 ]
}
