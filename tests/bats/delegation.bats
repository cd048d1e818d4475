#!/usr/bin/env bats
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
	[ ${#pids[@]} = 0 ] || kill "${pids[@]}" 2>/dev/null
	wait
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
