#!/usr/bin/env bats
# budget: 30
# qosres.events: what is counted, and that poll(2) and inotify wake on it.

load helpers

setup() {
	qosres_setup
	mkdir "$T/a"
	waiter=
}

teardown() {
	[ -z "$waiter" ] || reap -TERM "$waiter"
	qosres_teardown
}

events() {
	stat_key "$T/a/qosres.events" "$1"
}

# poll_events FILE SECONDS: poll(2) a cgroup events file as the cgroup v2
# documentation says (POLLPRI after a first read); print "woken" or
# "timeout". Creates $BATS_TEST_TMPDIR/ready once it is polling.
poll_events() {
	/usr/bin/python3 - "$1" "$2" "$BATS_TEST_TMPDIR/ready" <<'EOF'
import select, sys
with open(sys.argv[1]) as f:
    f.read()
    p = select.poll()
    p.register(f, select.POLLPRI | select.POLLERR)
    open(sys.argv[3], "w").close()
    print("woken" if p.poll(float(sys.argv[2]) * 1000) else "timeout")
EOF
}

# start_waiter CMD...: run CMD in the background, wait until it is ready.
start_waiter() {
	rm -f "$BATS_TEST_TMPDIR/ready"
	"$@" >"$BATS_TEST_TMPDIR/out" &
	waiter=$!
	for _ in $(seq 100); do
		[ -e "$BATS_TEST_TMPDIR/ready" ] && return 0
		sleep 0.1
	done
	fail "$1 did not get ready"
}

# waiter_output: wait for the background waiter, print what it printed.
waiter_output() {
	wait "$waiter"
	waiter=
	cat "$BATS_TEST_TMPDIR/out"
}

# inotify_events FILE SECONDS: inotifywait for a modification.
inotify_events() {
	inotifywait -t "$2" -e modify "$1" 2>&1 |
		while read -r line; do
			if [ "$line" = "Watches established." ]; then
				touch "$BATS_TEST_TMPDIR/ready"
			else
				echo "$line"
			fi
		done
}

@test "budget_changed counts real budget changes only" {
	echo 20000 >"$T/a/qosres.budget"
	[ "$(events budget_changed)" = 1 ]
	echo 20000 >"$T/a/qosres.budget"
	[ "$(events budget_changed)" = 1 ]
	echo 40000 >"$T/a/qosres.period"
	[ "$(events budget_changed)" = 1 ]
	echo "30000 100000" >"$T/a/qosres.budget"
	[ "$(events budget_changed)" = 2 ]
	echo 0 >"$T/a/qosres.budget"
	[ "$(events budget_changed)" = 3 ]
	run cg_write "$T/a/qosres.budget" garbage
	[ "$(events budget_changed)" = 3 ]
	[ "$(events admission_denied)" = 0 ]
}

@test "admission_denied counts EBUSY, not EINVAL" {
	echo "10000 100000" >"$T/qosres.max"
	run cg_write "$T/a/qosres.budget" 20000
	assert_output "Device or resource busy"
	run cg_write "$T/a/qosres.budget" 20001
	run cg_write "$T/a/qosres.budget" 1
	assert_output "Invalid argument"
	[ "$(events admission_denied)" = 2 ]
	echo 10000 >"$T/a/qosres.budget"
	run cg_write "$T/a/qosres.period" 50000
	assert_output "Device or resource busy"
	[ "$(events admission_denied)" = 3 ]
	[ "$(events budget_changed)" = 1 ]
}

@test "poll(2) on qosres.events wakes when the budget changes" {
	start_waiter poll_events "$T/a/qosres.events" 20
	echo 20000 >"$T/a/qosres.budget"
	[ "$(waiter_output)" = woken ]
}

@test "poll(2) on qosres.events wakes on a denied admission" {
	echo "10000 100000" >"$T/qosres.max"
	start_waiter poll_events "$T/a/qosres.events" 20
	run cg_write "$T/a/qosres.budget" 20000
	assert_output "Device or resource busy"
	[ "$(waiter_output)" = woken ]
}

@test "poll(2) on qosres.events sleeps while nothing happens" {
	echo soft >"$T/a/qosres.mode"
	echo 50000 >"$T/a/qosres.period"
	run poll_events "$T/a/qosres.events" 2
	assert_output timeout
}

@test "inotify reports qosres.events modified on a budget change" {
	start_waiter inotify_events "$T/a/qosres.events" 20
	echo 20000 >"$T/a/qosres.budget"
	run waiter_output
	assert_output --partial MODIFY
}
