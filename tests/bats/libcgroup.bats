#!/usr/bin/env bats
# budget: 75
# guest: lockdep
# libcgroup's tools (Debian 12's cgroup-tools 2.0.2) on qosres: cgcreate,
# cgset, cgget, cgexec, cgclassify and cgdelete name the cgroup relative
# to the cgroup2 mount (tN/a) and read and write the qosres files as they
# are. What libcgroup does on its own (subtree_control, moving tasks on
# delete, one write per -r) is pinned here too: docs/usage.md relies on it.

load helpers

SECS=${QOSRES_MEASURE_SECONDS:-5}

setup() {
	qosres_setup
	pids=()
	# $T as libcgroup names it.
	R=${T#"$CG"/}
}

teardown() {
	reap "${pids[@]}"
	qosres_teardown
}

# cgget_key CGROUP FILE KEY: the value of KEY in the flat-keyed FILE, as
# cgget prints it (every line but the first indented by a tab).
cgget_key() {
	cgget -n -v -r "$2" "$1" |
		awk -v k="$3" '$1 == k { print $2; found = 1 } END { exit !found }'
}

@test "cgcreate makes the cgroup and enables +qosres in the subtree_control of every ancestor below the root" {
	echo -qosres >"$T/cgroup.subtree_control"
	run cgcreate -g "qosres:$R/a"
	assert_success
	[ -f "$T/a/qosres.budget" ]
	[ "$(<"$T/a/qosres.budget")" = 0 ]
	# Only the controller named with -g is added.
	[ "$(<"$T/cgroup.subtree_control")" = "cpuset qosres" ]
	# Missing intermediate cgroups are made too, qosres enabled in each.
	run cgcreate -g "qosres:$R/b/c"
	assert_success
	[ -f "$T/b/c/qosres.budget" ]
	[ "$(<"$T/b/cgroup.subtree_control")" = qosres ]
}

# libcgroup enables the controller from the root's first child down, and
# in the root itself only for a cgroup right under it.
@test "cgcreate of tN/a fails with ENOENT while the root lacks +qosres; cgcreate of tN enables it" {
	echo -qosres >"$T/cgroup.subtree_control"
	echo -qosres >"$CG/cgroup.subtree_control"
	run cgcreate -g "qosres:$R/a"
	assert_failure
	assert_output --partial "No such file or directory"
	[ ! -d "$T/a" ]
	run cgcreate -g "qosres:$R"
	assert_success
	grep -qw qosres "$CG/cgroup.subtree_control"
	run cgcreate -g "qosres:$R/a"
	assert_success
	[ -f "$T/a/qosres.budget" ]
}

@test "cgset writes qosres.budget, the atomic BUDGET PERIOD pair, period, mode and feedback" {
	cgcreate -g "qosres:$R/a"
	cgset -r qosres.budget=20000 "$R/a"
	[ "$(<"$T/a/qosres.budget")" = 20000 ]
	[ "$(<"$T/a/qosres.period")" = 100000 ]
	cgset -r "qosres.budget=30000 50000" "$R/a"
	[ "$(<"$T/a/qosres.budget")" = 30000 ]
	[ "$(<"$T/a/qosres.period")" = 50000 ]
	cgset -r qosres.period=200000 "$R/a"
	[ "$(<"$T/a/qosres.period")" = 200000 ]
	[ "$(<"$T/a/qosres.budget")" = 30000 ]
	cgset -r qosres.mode=soft "$R/a"
	[ "$(<"$T/a/qosres.mode")" = soft ]
	# agent: no agent runs here, so nothing else moves the budget.
	cgset -r "qosres.feedback=agent window=8" "$R/a"
	[ "$(<"$T/a/qosres.feedback")" = "agent predictor=perc window=8 quantile=95 margin=10 min=0 max=max controller=track" ]
	# Several -r in one call: each applied.
	cgset -r qosres.mode=hard -r qosres.feedback=off "$R/a"
	[ "$(<"$T/a/qosres.mode")" = hard ]
	[[ $(<"$T/a/qosres.feedback") == "off "* ]]
	[ "$(stat_key "$T/a/qosres.stat" reserved_bw_ppm)" = 150000 ]
}

@test "cgget -r reads back qosres.budget, qosres.stat and qosres.events" {
	cgcreate -g "qosres:$R/a"
	cgset -r qosres.budget=20000 "$R/a"
	run cgget -r qosres.budget "$R/a"
	assert_success
	assert_output "$R/a:
qosres.budget: 20000"
	[ "$(cgget -n -v -r qosres.budget "$R/a")" = 20000 ]
	[ "$(cgget_key "$R/a" qosres.stat budget_usec)" = 20000 ]
	[ "$(cgget_key "$R/a" qosres.stat period_usec)" = 100000 ]
	[ "$(cgget_key "$R/a" qosres.stat reserved_bw_ppm)" = 200000 ]
	[ "$(cgget_key "$R" qosres.stat reserved_bw_ppm)" = 200000 ]
	[ "$(cgget_key "$R/a" qosres.events budget_changed)" = 1 ]
	[ "$(cgget_key "$R/a" qosres.events admission_denied)" = 0 ]
	# -g qosres: every qosres file of the cgroup.
	run cgget -g qosres "$R/a"
	assert_success
	for f in budget period mode feedback max stat events; do
		assert_line --regexp "^qosres\.$f: "
	done
}

@test "cgset with a bad value fails with EINVAL and changes nothing" {
	cgcreate -g "qosres:$R/a"
	cgset -r qosres.budget=20000 "$R/a"
	before=$(cat "$T"/a/qosres.{budget,period,mode,feedback,events})
	for r in qosres.period=5 qosres.budget=abc "qosres.budget=20000 5" \
		qosres.mode=bogus "qosres.feedback=kernel window=0"; do
		run cgset -r "$r" "$R/a"
		# 96: ECGOTHER (50016) modulo 256, the kernel's errno in the text
		assert_failure 96
		assert_output --partial "Invalid argument"
	done
	# 95: ECGROUPVALUENOTEXIST, no such file
	run cgset -r qosres.bugdet=20000 "$R/a"
	assert_failure 95
	[ "$(cat "$T"/a/qosres.{budget,period,mode,feedback,events})" = "$before" ]
}

@test "cgset past the parent's qosres.max fails with EBUSY, changes nothing, counts admission_denied" {
	cgcreate -g "qosres:$R/a"
	cgset -r "qosres.max=50000 100000" "$R"
	[ "$(<"$T/qosres.max")" = "50000 100000" ]
	cgset -r qosres.budget=20000 "$R/a"
	for r in qosres.budget=60000 "qosres.budget=60000 100000" qosres.period=30000; do
		run cgset -r "$r" "$R/a"
		assert_failure 96
		assert_output --partial "Device or resource busy"
	done
	[ "$(<"$T/a/qosres.budget")" = 20000 ]
	[ "$(<"$T/a/qosres.period")" = 100000 ]
	[ "$(stat_key "$T/a/qosres.events" admission_denied)" = 3 ]
	[ "$(stat_key "$T/a/qosres.events" budget_changed)" = 1 ]
	[ "$(stat_key "$T/qosres.stat" reserved_bw_ppm)" = 200000 ]
}

# cgset writes one file per -r, in the order given, and a refused write
# undoes none before it: only the BUDGET PERIOD pair changes both at once.
@test "cgset -r period -r budget is two writes: a refused budget leaves the new period" {
	cgcreate -g "qosres:$R/a"
	cgset -r "qosres.max=50000 100000" "$R"
	cgset -r qosres.budget=20000 "$R/a"
	run cgset -r qosres.period=50000 -r qosres.budget=45000 "$R/a"
	assert_failure
	assert_output --partial "Device or resource busy"
	[ "$(<"$T/a/qosres.budget")" = 20000 ]
	[ "$(<"$T/a/qosres.period")" = 50000 ]
	run cgset -r "qosres.budget=45000 100000" "$R/a"
	assert_success
	[ "$(<"$T/a/qosres.budget")" = 45000 ]
	[ "$(<"$T/a/qosres.period")" = 100000 ]
}

@test "cgexec runs a command in the cgroup; a busy loop gets its 20% hard budget" {
	cgcreate -g "qosres:$R/a"
	cgset -r qosres.budget=20000 "$R/a"
	run cgexec -g "qosres:$R/a" cat /proc/self/cgroup
	assert_success
	assert_output "0::/$R/a"
	# The command's exit status is cgexec's.
	run cgexec -g "qosres:$R/a" sh -c 'exit 7'
	assert_failure 7
	run cgexec -g "qosres:$R/nosuch" touch "$BATS_TEST_TMPDIR/ran"
	assert_failure
	# So does -g naming a controller the cgroup does not have (cpu is
	# not enabled in $T): 81, ECGROUPNOTMOUNTED.
	run cgexec -g "cpu:$R/a" touch "$BATS_TEST_TMPDIR/ran"
	assert_failure 81
	assert_output "cgroup change of group failed"
	[ ! -e "$BATS_TEST_TMPDIR/ran" ]

	cgexec -g "qosres:$R/a" bash -c 'while :; do :; done' &
	pids+=($!)
	sleep 1
	[ "$(<"/proc/${pids[-1]}/cgroup")" = "0::/$R/a" ]
	[ "$(stat_key "$T/a/qosres.stat" nr_running)" = 1 ]
	s=$(measure "$T/a")
	echo "# a busy loop under cgexec in a 20000/100000 reservation: $((s / 10)).$((s % 10)) % over $SECS s" >&3
	within "$s" 150 250
	[ "$(stat_key "$T/a/qosres.events" throttled)" -gt $((SECS * 5)) ]
}

@test "cgclassify moves a running process into the cgroup" {
	cgcreate -g "qosres:$R/a"
	cgset -r qosres.budget=20000 "$R/a"
	sleep 600 &
	pids+=($!)
	before=$(<"/proc/${pids[-1]}/cgroup")
	run cgclassify -g "cpu:$R/a" "${pids[-1]}"
	assert_failure 1
	assert_output --partial "Cgroup is not mounted"
	[ "$(<"/proc/${pids[-1]}/cgroup")" = "$before" ]
	run cgclassify -g "qosres:$R/a" "${pids[-1]}"
	assert_success
	[ "$(<"/proc/${pids[-1]}/cgroup")" = "0::/$R/a" ]
	grep -qx "${pids[-1]}" "$T/a/cgroup.procs"
}

# cgdelete first moves the tasks to the parent, which cgroup v2 refuses
# (the parent has controllers enabled for its children): empty it first.
@test "cgdelete removes the cgroup and its bandwidth comes back; not while tasks are inside" {
	base=$(stat_key "$CG/qosres.stat" reserved_bw_ppm)
	cgcreate -g "qosres:$R/a"
	cgset -r qosres.budget=20000 "$R/a"
	[ "$(stat_key "$T/qosres.stat" reserved_bw_ppm)" = 200000 ]
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = $((base + 200000)) ]
	cgexec -g "qosres:$R/a" sleep 600 &
	pids+=($!)
	for _ in $(seq 50); do
		grep -q . "$T/a/cgroup.procs" && break
		sleep 0.1
	done
	run cgdelete -g "qosres:$R/a"
	assert_failure
	assert_output --partial "Device or resource busy"
	[ -d "$T/a" ]
	[ "$(stat_key "$T/qosres.stat" reserved_bw_ppm)" = 200000 ]

	kill -9 "${pids[-1]}"
	wait "${pids[-1]}" || true
	pids=()
	run cgdelete -g "qosres:$R/a"
	assert_success
	[ ! -d "$T/a" ]
	[ "$(stat_key "$T/qosres.stat" reserved_bw_ppm)" = 0 ]
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = "$base" ]
	# -r: a subtree, children first.
	cgcreate -g "qosres:$R/b/c"
	cgset -r qosres.budget=10000 "$R/b/c"
	run cgdelete -r -g "qosres:$R/b"
	assert_success
	[ ! -d "$T/b" ]
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = "$base" ]
}
