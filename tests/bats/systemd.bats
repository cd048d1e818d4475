#!/usr/bin/env bats
# budget: 150
# guest: systemd
# Reservations for systemd units, with systemd 252 as PID 1 in the guest:
# the drop-in and the slice unit of docs/examples/systemd, as shipped but
# for qosresctl's path, started with systemctl.

load helpers

SECS=${QOSRES_MEASURE_SECONDS:-3}
TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
QOSRESCTL=$TOP/build/userspace/qosresctl
UNITS=/run/systemd/system

setup() {
	grep -qw qosres "$CG/cgroup.controllers" ||
		fail "qosres is not in $CG/cgroup.controllers"
	[ "$(cat /proc/1/comm)" = systemd ] || fail "PID 1 is not systemd"
}

# The unit files go; the next test's daemon-reload, before it starts
# anything, forgets them (under TCG a reload takes seconds).
teardown() {
	systemctl stop 'qosres-t-*' 'qosres-slice@*' 2>/dev/null
	systemctl reset-failed 2>/dev/null || true
	rm -rf "$UNITS"/qosres-t-* "$UNITS"/qosres-slice@* /run/qosres
}

# unit NAME [LINE...]: a service that spins, with LINEs in [Service]; its
# output goes to /run/NAME.log. Without default dependencies: the guest
# boots straight into the tests, and sysinit.target would start the whole
# system (and clean /tmp under bats' feet).
unit() {
	local name=$1 line
	shift
	{
		echo "[Unit]"
		echo "DefaultDependencies=no"
		echo "[Service]"
		echo "ExecStart=/bin/sh -c 'while :; do :; done'"
		echo "StandardOutput=file:/run/$name.log"
		echo "StandardError=file:/run/$name.log"
		for line in "$@"; do echo "$line"; done
	} >"$UNITS/$name.service"
}

# dropin NAME [ARGS]: the shipped drop-in for NAME.service, its qosresctl
# arguments replaced by ARGS if given.
dropin() {
	mkdir -p "$UNITS/$1.service.d"
	sed "s|/usr/local/bin/qosresctl|$QOSRESCTL|" \
		"$TOP/docs/examples/systemd/qosres.conf" >"$UNITS/$1.service.d/qosres.conf"
	if [ -n "${2:-}" ]; then
		sed -i "s|set --self .*|set --self $2|" "$UNITS/$1.service.d/qosres.conf"
	fi
}

# sd_start UNIT...: systemctl start, showing the units' logs if it fails.
sd_start() {
	local name
	systemctl start "$@" && return 0
	for name in "$@"; do
		systemctl status --no-pager "$name"
		cat "/run/$name.log"
	done
	return 1
}

# slice_unit NAME ARGS: the shipped slice unit, its settings for NAME.slice
# in /run (the guest's /etc is read-only), without default dependencies.
slice_unit() {
	sed -e "s|/usr/local/bin/qosresctl|$QOSRESCTL|" -e "s|/etc/qosres|/run/qosres|" \
		-e '/^\[Unit\]/a DefaultDependencies=no' \
		"$TOP/docs/examples/systemd/qosres-slice@.service" >"$UNITS/qosres-slice@.service"
	mkdir -p /run/qosres/slices
	echo "QOSRES_ARGS=$2" >"/run/qosres/slices/$1.conf"
}

# cgroup_of UNIT: the unit's cgroup directory.
cgroup_of() {
	echo "$CG$(systemctl show -P ControlGroup "$1")"
}

@test "systemd accepts the shipped drop-in and slice unit (systemd-analyze verify)" {
	unit qosres-t-verify
	dropin qosres-t-verify
	run systemd-analyze verify "$UNITS/qosres-t-verify.service"
	echo "$output"
	[ "$status" = 0 ]
	slice_unit qosres-t "-b 30ms -p 100ms"
	run systemd-analyze verify "$UNITS/qosres-slice@qosres-t.service"
	echo "$output"
	[ "$status" = 0 ]
}

@test "a service with the drop-in runs in its reservation: 20% of a CPU" {
	unit qosres-t-a
	dropin qosres-t-a
	systemctl daemon-reload
	sd_start qosres-t-a
	cg=$(cgroup_of qosres-t-a)
	[ "$cg" = "$CG/system.slice/qosres-t-a.service" ]
	[ "$(cat "$cg/qosres.budget")" = 20000 ]
	[ "$(cat "$cg/qosres.period")" = 100000 ]
	pid=$(systemctl show -P MainPID qosres-t-a)
	grep -qx "$pid" "$cg/cgroup.procs"
	share=$(measure "$cg")
	echo "share: $share"
	within "$share" 150 230
}

@test "systemd reconfiguring controllers leaves the reservation alone" {
	unit qosres-t-a
	dropin qosres-t-a
	# A second unit makes systemd rewrite system.slice's subtree_control.
	unit qosres-t-b "MemoryMax=200M" "CPUWeight=50" "TasksMax=50"
	systemctl daemon-reload
	sd_start qosres-t-a qosres-t-b
	systemctl daemon-reload
	systemctl set-property --runtime qosres-t-b CPUWeight=60 MemoryMax=300M
	cg=$(cgroup_of qosres-t-a)
	grep -qw qosres "$CG/system.slice/cgroup.subtree_control"
	[ "$(cat "$cg/qosres.budget")" = 20000 ]
	share=$(measure "$cg")
	echo "share: $share"
	within "$share" 150 230
}

@test "restart keeps the reservation; stop returns its bandwidth" {
	unit qosres-t-a
	dropin qosres-t-a "-b 30ms -p 100ms"
	systemctl daemon-reload
	sd_start qosres-t-a
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = 300000 ]
	systemctl restart qosres-t-a
	[ "$(cat "$(cgroup_of qosres-t-a)/qosres.budget")" = 30000 ]
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = 300000 ]
	systemctl stop qosres-t-a
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = 0 ]
}

@test "a refused reservation fails the start and says why" {
	unit qosres-t-a
	# Two whole CPUs: more than the per-CPU limit lets any placement hold.
	dropin qosres-t-a "-b 200ms -p 100ms"
	systemctl daemon-reload
	run systemctl start qosres-t-a
	[ "$status" != 0 ]
	[ "$(systemctl show -P ActiveState qosres-t-a)" = failed ]
	cat /run/qosres-t-a.log
	grep -qi "refused\|no cpu\|busy" /run/qosres-t-a.log
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = 0 ]
}

@test "a slice's reservation serves all its services together" {
	slice_unit qosres-t "-b 30ms -p 100ms"
	unit qosres-t-x "Slice=qosres-t.slice"
	unit qosres-t-y "Slice=qosres-t.slice"
	systemctl daemon-reload
	sd_start qosres-slice@qosres-t
	sd_start qosres-t-x qosres-t-y
	# A dash is a level down: qosres-t.slice is inside qosres.slice.
	slice=$CG/qosres.slice/qosres-t.slice
	[ "$(cat "$slice/qosres.budget")" = 30000 ]
	[ ! -e "$CG/qosres-t.slice" ]
	share=$(measure "$slice")
	echo "share: $share"
	within "$share" 230 330
}
