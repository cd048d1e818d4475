#!/usr/bin/env bats
# budget: 75
# guest: lockdep
# Containers: real crun and runc run an OCI bundle whose
# linux.resources.unified sets the qosres files, and the container runs in
# that reservation, or does not start when admission refuses it. The
# bundle is busybox-static and lib/oci-config.json, built in tmpfs.

load helpers

SECS=${QOSRES_MEASURE_SECONDS:-5}

# One bundle for the file: each test writes its config.json. The runtimes
# enable controllers from the root down (cpu, memory, pids): the suites
# after this one get the root as it was.
setup_file() {
	export B=$BATS_FILE_TMPDIR/bundle
	mkdir -p "$B/rootfs/bin"
	cp /bin/busybox "$B/rootfs/bin/"
	cat "$CG/cgroup.subtree_control" >"$BATS_FILE_TMPDIR/root.subtree_control"
}

teardown_file() {
	local c before
	before=" $(<"$BATS_FILE_TMPDIR/root.subtree_control") "
	for c in $(<"$CG/cgroup.subtree_control"); do
		[[ $before == *" $c "* ]] || echo "-$c" >"$CG/cgroup.subtree_control"
	done
}

setup() {
	qosres_setup
	id=qosres-$BATS_TEST_NUMBER
	log=$BATS_TEST_TMPDIR/runtime.log
	rt=
}

teardown() {
	[ -z "$rt" ] || "$rt" delete -f "$id" >/dev/null 2>&1 || true
	qosres_teardown
}

# bundle CGROUP UNIFIED: $B/config.json from the template, with
# linux.cgroupsPath naming CGROUP (a directory under $CG) and the JSON
# object UNIFIED as linux.resources.unified.
bundle() {
	sed -e "s|\"cgroupsPath\": \"\"|\"cgroupsPath\": \"${1#"$CG"}\"|" \
		-e "s|\"unified\": {}|\"unified\": $2|" \
		"$BATS_TEST_DIRNAME/lib/oci-config.json" >"$B/config.json"
}

# ctr_run RUNTIME CGROUP UNIFIED: run the bundle detached as container $id
# in CGROUP; what the runtime says goes to $log.
ctr_run() {
	rt=$1
	bundle "$2" "$3"
	"$rt" run -d --bundle "$B" "$id" </dev/null >"$log" 2>&1
}

# ctr_pid: the container's init process, from the runtime's state.
ctr_pid() {
	"$rt" state "$id" | sed -n 's/^ *"pid": *\([0-9]*\),$/\1/p'
}

# in_reservation RUNTIME: the container's init is in the cgroup that
# cgroupsPath names, and that cgroup holds the bundle's reservation. The
# values are not the defaults, so each key was written. Deleting the
# container removes the cgroup and its reservation.
in_reservation() {
	ctr_run "$1" "$T/ctr" '{"qosres.budget": "10000 50000", "qosres.mode": "soft"}' ||
		fail "$1 run failed: $(<"$log")"
	pid=$(ctr_pid)
	[ -n "$pid" ] || fail "no pid in $1 state $id"
	assert_equal "$(</proc/"$pid"/cgroup)" "0::${T#"$CG"}/ctr"
	assert_equal "$(<"$T/ctr/qosres.budget")" 10000
	assert_equal "$(<"$T/ctr/qosres.period")" 50000
	assert_equal "$(<"$T/ctr/qosres.mode")" soft
	assert_equal "$(stat_key "$T/qosres.stat" reserved_bw_ppm)" 200000
	"$1" delete -f "$id"
	[ ! -d "$T/ctr" ] || fail "$1 delete left $T/ctr behind"
	assert_equal "$(stat_key "$T/qosres.stat" reserved_bw_ppm)" 0
}

# enforced RUNTIME: the container's busy loop gets its 20% of a CPU and
# no more, both as the reservation counts it and as the process does,
# measured side by side.
enforced() {
	ctr_run "$1" "$T/ctr" '{"qosres.budget": "20000 100000", "qosres.mode": "hard"}' ||
		fail "$1 run failed: $(<"$log")"
	pid=$(ctr_pid)
	sleep 1
	measure "$T/ctr" >"$BATS_TEST_TMPDIR/usage" &
	cpu=$(measure "$pid")
	wait $!
	usage=$(<"$BATS_TEST_TMPDIR/usage")
	echo "# $1: usage_usec $((usage / 10)).$((usage % 10)) %, /proc/$pid/stat $((cpu / 10)).$((cpu % 10)) % over $SECS s" >&3
	within "$usage" 150 250
	within "$cpu" 150 250
	[ "$(stat_key "$T/ctr/qosres.stat" nr_throttled)" -gt $((SECS * 5)) ]
}

# refused RUNTIME UNIFIED: admission refuses the reservation, so the
# runtime fails naming qosres.budget and EBUSY, and leaves no container,
# no task and nothing reserved. crun 1.8.1 does not remove the cgroup it
# made when a resource write fails: that one may stay, empty.
refused() {
	if ctr_run "$1" "$T/ctr" "$2"; then
		fail "$1 started a container that admission refuses"
	fi
	grep -qi 'qosres\.budget.*device or resource busy' "$log" ||
		fail "$1 said: $(<"$log")"
	run "$1" state "$id"
	assert_failure
	assert_equal "$(stat_key "$T/qosres.stat" reserved_bw_ppm)" 0
	if [ -d "$T/ctr" ]; then
		[ "$1" = crun ] || fail "$1 left $T/ctr behind"
		assert_equal "$(<"$T/ctr/cgroup.procs")" ""
		assert_equal "$(<"$T/ctr/qosres.budget")" 0
		assert_equal "$(stat_key "$T/ctr/qosres.events" admission_denied)" 1
		rmdir "$T/ctr"
	fi
}

# over_admission RUNTIME: a bundle over the parent's qosres.max, then one
# bigger than all the CPUs' room.
over_admission() {
	echo "10000 100000" >"$T/qosres.max"
	refused "$1" '{"qosres.budget": "20000 100000"}'
	echo max >"$T/qosres.max"
	refused "$1" "{\"qosres.budget\": \"$((NCPUS * 100000)) 100000\"}"
}

@test "crun: the container runs in cgroupsPath, which has the bundle's qosres files" {
	in_reservation crun
}

@test "runc: the container runs in cgroupsPath, which has the bundle's qosres files" {
	in_reservation runc
}

@test "crun: a busy loop in a 20% hard reservation gets 20% +- 5%" {
	enforced crun
}

@test "runc: a busy loop in a 20% hard reservation gets 20% +- 5%" {
	enforced runc
}

@test "crun: a bundle admission refuses fails with EBUSY and holds nothing" {
	over_admission crun
}

@test "runc: a bundle admission refuses fails with EBUSY and leaves no cgroup" {
	over_admission runc
}

# What the two Debian versions do where the parent lacks +qosres: crun
# 1.8.1 enables only the controllers it knows on the way down, runc 1.1.5
# every controller of the root.
@test "crun needs +qosres in the parent's subtree_control; runc enables it" {
	mkdir "$T/p"
	if ctr_run crun "$T/p/crun" '{"qosres.budget": "20000 100000"}'; then
		fail "crun started without qosres in the parent"
	fi
	grep -q 'controller `qosres` is not available' "$log" ||
		fail "crun said: $(<"$log")"
	ctr_run runc "$T/p/runc" '{"qosres.budget": "20000 100000"}' ||
		fail "runc run failed: $(<"$log")"
	grep -qw qosres "$T/p/cgroup.subtree_control"
	assert_equal "$(<"$T/p/runc/qosres.budget")" 20000
}
