#!/usr/bin/env bats
# budget: 90
# The qosres interface files: defaults, round trips, and every EINVAL case
# of the contract leaving the state unchanged.

load helpers

setup() {
	qosres_setup
	mkdir "$T/a"
}

teardown() {
	qosres_teardown
}

# Every interface file of a reservation, in one string, into $state. Each
# holds one line; read needs no fork, where $(<FILE) takes one per file.
read_state() {
	local f line
	state=
	for f in budget period mode feedback max; do
		read -r line <"$T/a/qosres.$f"
		state+="$f=$line;"
	done
}

# expect_einval FILE TEXT...: each write fails with EINVAL, nothing changes.
expect_einval() {
	local file=$1 text before state
	shift
	read_state
	before=$state
	for text in "$@"; do
		run cg_write "$T/a/qosres.$file" "$text"
		assert_failure
		assert_output "Invalid argument"
		read_state
		[ "$state" = "$before" ] ||
			fail "'$text' to qosres.$file changed the state"
	done
}

@test "qosres is a threaded controller listed in the root" {
	grep -qw qosres "$CG/cgroup.controllers"
	grep -qw qosres "$T/cgroup.subtree_control"
	grep -qw qosres "$T/a/cgroup.controllers"
	echo threaded >"$T/a/cgroup.type"
	mkdir "$T/a/thr"
	echo threaded >"$T/a/thr/cgroup.type"
	echo +qosres >"$T/a/cgroup.subtree_control"
	echo 20000 >"$T/a/thr/qosres.budget"
	[ "$(<"$T/a/thr/qosres.budget")" = 20000 ]
}

@test "the root has qosres.stat only" {
	[ -f "$CG/qosres.stat" ]
	for f in budget period mode feedback max events; do
		[ ! -e "$CG/qosres.$f" ] || fail "root has qosres.$f"
	done
	stat_key "$CG/qosres.stat" reserved_bw_ppm
	[ "$(stat_key "$CG/qosres.stat" limit_bw_ppm)" -ge 949999 ]
	stat_key "$CG/qosres.stat" cpu0_free_bw_ppm
}

@test "a new cgroup has the documented defaults" {
	[ "$(<"$T/a/qosres.budget")" = 0 ]
	[ "$(<"$T/a/qosres.period")" = 100000 ]
	[ "$(<"$T/a/qosres.mode")" = hard ]
	[ "$(<"$T/a/qosres.feedback")" = \
	  "off predictor=perc window=16 quantile=95 margin=10 min=0 max=max controller=track" ]
	[ "$(<"$T/a/qosres.max")" = max ]
	run cat "$T/a/qosres.events"
	assert_output "throttled 0
admission_denied 0
budget_changed 0"
	[ "$(stat_key "$T/a/qosres.stat" reserved_bw_ppm)" = 0 ]
	[ "$(stat_key "$T/a/qosres.stat" nr_servers)" = 0 ]
}

@test "qosres.budget round trip makes a reservation" {
	cg_write "$T/a/qosres.budget" 20000
	[ "$(<"$T/a/qosres.budget")" = 20000 ]
	[ "$(stat_key "$T/a/qosres.stat" budget_usec)" = 20000 ]
	[ "$(stat_key "$T/a/qosres.stat" reserved_bw_ppm)" = 200000 ]
	[ "$(stat_key "$T/a/qosres.stat" nr_servers)" = 1 ]
	[ "$(stat_key "$T/qosres.stat" reserved_bw_ppm)" = 200000 ]
	cpu=$(stat_key "$T/a/qosres.stat" cpus)
	[ "$(stat_key "$T/a/qosres.stat" "cpu${cpu}_budget_usec")" = 20000 ]
	echo "30000" >"$T/a/qosres.budget"
	[ "$(<"$T/a/qosres.budget")" = 30000 ]
}

@test "qosres.period round trip changes the bandwidth" {
	echo 50000 >"$T/a/qosres.period"
	[ "$(<"$T/a/qosres.period")" = 50000 ]
	echo 10000 >"$T/a/qosres.budget"
	[ "$(stat_key "$T/a/qosres.stat" reserved_bw_ppm)" = 200000 ]
	echo 1000000 >"$T/a/qosres.period"
	[ "$(stat_key "$T/a/qosres.stat" reserved_bw_ppm)" = 10000 ]
	[ "$(stat_key "$T/a/qosres.stat" period_usec)" = 1000000 ]
	echo 100 >"$T/a/qosres.budget"
	echo 1000 >"$T/a/qosres.period"
	[ "$(stat_key "$T/a/qosres.stat" reserved_bw_ppm)" = 100000 ]
	echo 10000000 >"$T/a/qosres.period"
	[ "$(stat_key "$T/a/qosres.stat" reserved_bw_ppm)" = 10 ]
}

@test "qosres.mode round trip" {
	echo soft >"$T/a/qosres.mode"
	[ "$(<"$T/a/qosres.mode")" = soft ]
	cg_write "$T/a/qosres.mode" hard
	[ "$(<"$T/a/qosres.mode")" = hard ]
}

@test "qosres.feedback round trip is normalized, keys kept" {
	echo "kernel window=8" >"$T/a/qosres.feedback"
	[ "$(<"$T/a/qosres.feedback")" = \
	  "kernel predictor=perc window=8 quantile=95 margin=10 min=0 max=max controller=track" ]
	echo "agent predictor=mavg quantile=50 margin=0 min=5000 max=90000 controller=pi" \
		>"$T/a/qosres.feedback"
	[ "$(<"$T/a/qosres.feedback")" = \
	  "agent predictor=mavg window=8 quantile=50 margin=0 min=5000 max=90000 controller=pi" ]
	echo "off max=max" >"$T/a/qosres.feedback"
	[ "$(<"$T/a/qosres.feedback")" = \
	  "off predictor=mavg window=8 quantile=50 margin=0 min=5000 max=max controller=pi" ]
	# Reading back and writing what was read is a no-op.
	cat "$T/a/qosres.feedback" >"$T/a/qosres.feedback"
	[ "$(<"$T/a/qosres.feedback")" = \
	  "off predictor=mavg window=8 quantile=50 margin=0 min=5000 max=max controller=pi" ]
}

@test "qosres.max round trip" {
	echo "50000 100000" >"$T/a/qosres.max"
	[ "$(<"$T/a/qosres.max")" = "50000 100000" ]
	echo max >"$T/a/qosres.max"
	[ "$(<"$T/a/qosres.max")" = max ]
	echo "0 1000" >"$T/a/qosres.max"
	[ "$(<"$T/a/qosres.max")" = "0 1000" ]
}

@test "BUDGET PERIOD sets both at once, or neither" {
	echo "30000 60000" >"$T/a/qosres.budget"
	[ "$(<"$T/a/qosres.budget")" = 30000 ]
	[ "$(<"$T/a/qosres.period")" = 60000 ]
	[ "$(stat_key "$T/a/qosres.stat" reserved_bw_ppm)" = 500000 ]
	expect_einval budget "40000 999" "40000 0" "40000 20000000" "40000 abc"
	[ "$(<"$T/a/qosres.budget")" = 30000 ]
	[ "$(<"$T/a/qosres.period")" = 60000 ]
	echo "0 200000" >"$T/a/qosres.budget"
	[ "$(<"$T/a/qosres.budget")" = 0 ]
	[ "$(<"$T/a/qosres.period")" = 200000 ]
}

@test "qosres.budget: malformed and out-of-range values are EINVAL" {
	echo 20000 >"$T/a/qosres.budget"
	expect_einval budget abc -1 1.5 10ms 0x100 "1 2 3" " " 20000x \
		18446744073709551616 99999999999999999999 99 1 \
		$((NCPUS * 100000 + 1)) "20000 100000 5" "+-5"
	[ "$(<"$T/a/qosres.budget")" = 20000 ]
	# A NUL inside the text is not a shorter number.
	run bash -c "printf '30000\\0junk' >$T/a/qosres.budget"
	assert_failure
	[ "$(<"$T/a/qosres.budget")" = 20000 ]
	# All CPUs for the whole period is the largest valid budget.
	echo 0 >"$T/a/qosres.budget"
	echo 1000000 >"$T/a/qosres.period"
	run cg_write "$T/a/qosres.budget" $((NCPUS * 1000000))
	assert_output "Device or resource busy"
}

@test "qosres.period: out of range is EINVAL" {
	expect_einval period 999 10000001 0 abc -5 "1000 1000" 1e5 $'\n'
	echo 150000 >"$T/a/qosres.budget"
	# 150 ms every 1 ms would be 150 CPUs.
	expect_einval period 1000
	[ "$(<"$T/a/qosres.period")" = 100000 ]
}

@test "qosres.mode, qosres.feedback, qosres.max: bad text is EINVAL" {
	expect_einval mode medium HARD "hard soft" $'\n' 1
	expect_einval feedback on "kernel window=0" "kernel window=65" \
		"kernel quantile=49" "kernel quantile=101" "kernel margin=101" \
		"kernel predictor=pid" "kernel min=5000 max=4000" "kernel foo=1" \
		"predictor=mavg" "kernel window=" "kernel max=99" \
		"kernel controller=pid" "kernel controller="
	expect_einval max 50000 "-1 100000" "1 999" maxx "1 2 3" \
		"$((NCPUS * 100000 + 1)) 100000" "50000 10000001"
}

@test "budget 0 ends the reservation and gives its bandwidth back" {
	before=$(stat_key "$CG/qosres.stat" reserved_bw_ppm)
	echo 40000 >"$T/a/qosres.budget"
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = $((before + 400000)) ]
	echo 0 >"$T/a/qosres.budget"
	[ "$(stat_key "$T/a/qosres.stat" nr_servers)" = 0 ]
	[ "$(stat_key "$T/a/qosres.stat" cpus)" = "" ]
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = "$before" ]
}

@test "removing a reservation's cgroup gives its bandwidth back" {
	before=$(stat_key "$CG/qosres.stat" reserved_bw_ppm)
	free0=$(cpu_room_ppm 0)
	free1=$(cpu_room_ppm 1)
	echo 50000 >"$T/a/qosres.budget"
	mkdir "$T/b"
	echo 50000 >"$T/b/qosres.budget"
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = $((before + 1000000)) ]
	rmdir "$T/a" "$T/b"
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = "$before" ]
	[ "$(cpu_room_ppm 0)" = "$free0" ]
	[ "$(cpu_room_ppm 1)" = "$free1" ]
}

@test "disabling the controller ends the subtree's reservations" {
	before=$(stat_key "$CG/qosres.stat" reserved_bw_ppm)
	echo 30000 >"$T/a/qosres.budget"
	echo -qosres >"$T/cgroup.subtree_control"
	[ ! -e "$T/a/qosres.budget" ]
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = "$before" ]
	echo +qosres >"$T/cgroup.subtree_control"
	[ "$(<"$T/a/qosres.budget")" = 0 ]
}
