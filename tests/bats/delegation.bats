#!/usr/bin/env bats
# budget: 120
# Per-user caps and cgroup v2 delegation: an administrator caps a user's
# parent cgroup with qosres.max, like a disk quota, and delegates it; the
# user reserves inside the cap and nowhere else.

load helpers

setup() {
	qosres_setup
	pids=()
	U=$T/user-1000
	V=$T/user-2000
	mkdir "$U" "$V"
	echo "50000 100000" >"$U/qosres.max"
	delegate "$U" 1000
	delegate "$V" 2000
}

teardown() {
	reap -TERM "${pids[@]}"
	qosres_teardown
}

# delegate CGROUP UID: hand a cgroup to a user as systemd does.
delegate() {
	chown "$2:$2" "$1" "$1/cgroup.procs" "$1/cgroup.threads" \
		"$1/cgroup.subtree_control"
}

# as UID CMD: run a shell command as an unprivileged user.
as() {
	local uid=$1
	shift
	setpriv --reuid "$uid" --regid "$uid" --clear-groups \
		--inh-caps=-all bash -c "$*"
}

@test "a delegated user reserves inside its cap" {
	as 1000 "echo +qosres >$U/cgroup.subtree_control && mkdir $U/app &&
		echo 30000 >$U/app/qosres.budget"
	[ "$(<"$U/app/qosres.budget")" = 30000 ]
	[ "$(stat -c %u "$U/app/qosres.budget")" = 1000 ]
	[ "$(stat_key "$U/qosres.stat" reserved_bw_ppm)" = 300000 ]
}

@test "a delegated user is refused beyond its cap, in any split" {
	as 1000 "echo +qosres >$U/cgroup.subtree_control &&
		mkdir $U/app $U/app2 && echo 30000 >$U/app/qosres.budget"
	run as 1000 "echo 30000 >$U/app2/qosres.budget"
	assert_failure
	assert_output --partial "Device or resource busy"
	run as 1000 "echo '30000 50000' >$U/app/qosres.budget"
	assert_failure
	assert_output --partial "Device or resource busy"
	as 1000 "echo 20000 >$U/app2/qosres.budget"
	[ "$(stat_key "$U/qosres.stat" reserved_bw_ppm)" = 500000 ]
	# Nested cgroups of its own do not widen the cap either.
	as 1000 "echo +qosres >$U/app2/cgroup.subtree_control &&
		mkdir $U/app2/sub && echo max >$U/app2/qosres.max"
	run as 1000 "echo 1000 >$U/app2/sub/qosres.budget"
	assert_failure
	assert_output --partial "Device or resource busy"
}

@test "a delegated user cannot write its own cap or its root's files" {
	run as 1000 "echo max >$U/qosres.max"
	assert_failure
	assert_output --partial "Permission denied"
	run as 1000 "echo 10000 >$U/qosres.budget"
	assert_failure
	assert_output --partial "Permission denied"
	run as 1000 "echo max >$T/qosres.max"
	assert_failure
	assert_output --partial "Permission denied"
	[ "$(<"$U/qosres.max")" = "50000 100000" ]
	[ "$(<"$U/qosres.budget")" = 0 ]
}

@test "a user cannot touch another user's reservation" {
	as 2000 "echo +qosres >$V/cgroup.subtree_control && mkdir $V/app &&
		echo 10000 >$V/app/qosres.budget"
	for f in budget period mode feedback max; do
		run as 1000 "echo 0 >$V/app/qosres.$f"
		assert_failure
		assert_output --partial "Permission denied"
	done
	run as 1000 "mkdir $V/mine"
	assert_failure
	run as 1000 "rmdir $V/app"
	assert_failure
	[ "$(<"$V/app/qosres.budget")" = 10000 ]
	# Reading is allowed, as for every cgroup file.
	as 1000 "cat $V/app/qosres.stat" >/dev/null
}

@test "a user moves its own processes into its reservation, not another's" {
	setpriv --reuid 1000 --regid 1000 --clear-groups sleep 100 &
	pid=$!
	pids+=("$pid")
	# The administrator places the user's session in its cgroup; the user
	# moves it to a leaf before enabling controllers, as cgroup v2 asks.
	echo "$pid" >"$U/cgroup.procs"
	as 1000 "mkdir $U/session && echo $pid >$U/session/cgroup.procs &&
		echo +qosres >$U/cgroup.subtree_control && mkdir $U/app &&
		echo 20000 >$U/app/qosres.budget"
	as 2000 "echo +qosres >$V/cgroup.subtree_control && mkdir $V/app"
	as 1000 "echo $pid >$U/app/cgroup.procs"
	grep -qx "$pid" "$U/app/cgroup.procs"
	run as 1000 "echo $pid >$V/app/cgroup.procs"
	assert_failure
	assert_output --partial "Permission denied"
	grep -qx "$pid" "$U/app/cgroup.procs"
}

@test "the administrator can lower a user's cap only down to what it holds" {
	as 1000 "echo +qosres >$U/cgroup.subtree_control && mkdir $U/app &&
		echo 30000 >$U/app/qosres.budget"
	run cg_write "$U/qosres.max" "20000 100000"
	assert_output "Device or resource busy"
	echo "30000 100000" >"$U/qosres.max"
	run as 1000 "echo 30001 >$U/app/qosres.budget"
	assert_failure
}

@test "a delegated user cannot pass its cap by shrinking a period" {
	as 1000 "echo +qosres >$U/cgroup.subtree_control && mkdir $U/app &&
		echo 30000 >$U/app/qosres.budget"
	run as 1000 "echo 59000 >$U/app/qosres.period"
	assert_failure
	assert_output --partial "Device or resource busy"
	[ "$(<"$U/app/qosres.period")" = 100000 ]
	[ "$(stat_key "$U/qosres.stat" reserved_bw_ppm)" = 300000 ]
	# Up to the cap exactly, and no further.
	as 1000 "echo 60000 >$U/app/qosres.period"
	[ "$(stat_key "$U/qosres.stat" reserved_bw_ppm)" = 500000 ]
	run as 1000 "echo 1000 >$U/app/qosres.period"
	assert_failure
	[ "$(<"$U/app/qosres.period")" = 60000 ]
}

@test "20 parallel creates by a delegated user: exactly its cap's worth is admitted" {
	as 1000 "echo +qosres >$U/cgroup.subtree_control
		for i in \$(seq 20); do
			(mkdir $U/p\$i && echo 10000 >$U/p\$i/qosres.budget) 2>/dev/null &
		done
		wait"
	admitted=0
	for i in $(seq 20); do
		[ "$(<"$U/p$i/qosres.budget")" = 0 ] || admitted=$((admitted + 1))
	done
	[ "$admitted" = 5 ]
	[ "$(stat_key "$U/qosres.stat" reserved_bw_ppm)" = 500000 ]
	[ "$(stat_key "$U/qosres.events" admission_denied)" = 0 ]
	denied=0
	for i in $(seq 20); do
		denied=$((denied + $(stat_key "$U/p$i/qosres.events" admission_denied)))
	done
	[ "$denied" = 15 ]
}

@test "a reservation cgroup cannot be moved out from under its cap" {
	as 1000 "echo +qosres >$U/cgroup.subtree_control && mkdir $U/app &&
		echo 50000 >$U/app/qosres.budget"
	# cgroup v2 has no rename: not to another user, above the cap or in place.
	for to in "$V/app" "$T/app" "$U/renamed"; do
		run as 1000 "mv $U/app $to"
		assert_failure
		run mv "$U/app" "$to"
		assert_failure
		[ ! -e "$to" ]
	done
	[ "$(<"$U/app/qosres.budget")" = 50000 ]
	[ "$(stat_key "$U/qosres.stat" reserved_bw_ppm)" = 500000 ]
	as 1000 "mkdir $U/more"
	run as 1000 "echo 1000 >$U/more/qosres.budget"
	assert_failure
	assert_output --partial "Device or resource busy"
}

@test "threaded subtrees of a delegated user stay within its cap" {
	as 1000 "echo +qosres >$U/cgroup.subtree_control && mkdir $U/dom &&
		echo +qosres >$U/dom/cgroup.subtree_control &&
		mkdir $U/dom/t1 $U/dom/t2 &&
		echo threaded >$U/dom/t1/cgroup.type &&
		echo threaded >$U/dom/t2/cgroup.type &&
		echo 30000 >$U/dom/t1/qosres.budget"
	[ "$(<"$U/dom/cgroup.type")" = "domain threaded" ]
	run as 1000 "echo 30000 >$U/dom/t2/qosres.budget"
	assert_failure
	assert_output --partial "Device or resource busy"
	run as 1000 "echo 30000 >$U/dom/qosres.budget"
	assert_failure
	assert_output --partial "Device or resource busy"
	as 1000 "echo 20000 >$U/dom/t2/qosres.budget"
	[ "$(stat_key "$U/qosres.stat" reserved_bw_ppm)" = 500000 ]
}

@test "a user cannot pull another user's process or thread into its reservation" {
	as 2000 "echo +qosres >$V/cgroup.subtree_control && mkdir $V/app"
	setpriv --reuid 2000 --regid 2000 --clear-groups sleep 100 &
	pid=$!
	pids+=("$pid")
	echo "$pid" >"$V/app/cgroup.procs"
	as 1000 "echo +qosres >$U/cgroup.subtree_control && mkdir $U/app &&
		echo 20000 >$U/app/qosres.budget"
	run as 1000 "echo $pid >$U/app/cgroup.procs"
	assert_failure
	assert_output --partial "Permission denied"
	as 1000 "mkdir $U/app/t && echo threaded >$U/app/t/cgroup.type"
	run as 1000 "echo $pid >$U/app/t/cgroup.threads"
	assert_failure
	grep -qx "$pid" "$V/app/cgroup.procs"
	# Nor push its own process above its delegated root.
	setpriv --reuid 1000 --regid 1000 --clear-groups sleep 100 &
	mine=$!
	pids+=("$mine")
	echo "$mine" >"$U/app/cgroup.procs"
	run as 1000 "echo $mine >$T/cgroup.procs"
	assert_failure
	grep -qx "$mine" "$U/app/cgroup.procs"
}

@test "qosres files read and write as cgroup v2 files do: no more is shown to other users" {
	as 2000 "echo +qosres >$V/cgroup.subtree_control && mkdir $V/app &&
		echo 10000 >$V/app/qosres.budget"
	for f in budget period mode feedback max; do
		[ "$(stat -c %a "$V/app/qosres.$f")" = "$(stat -c %a "$V/app/cgroup.procs")" ]
	done
	for f in stat events; do
		[ "$(stat -c %a "$V/app/qosres.$f")" = "$(stat -c %a "$V/app/cgroup.stat")" ]
	done
	run as 1000 "chmod 666 $V/app/qosres.budget $U/qosres.max"
	assert_failure
	[ "$(stat -c %a "$U/qosres.max")" = 644 ]
}
