#!/usr/bin/env bats
# budget: 120
# guest: lockdep
# qosresctl, the command-line tool: run, set, show, list, top, attach,
# destroy; what they change, what they print (text and JSON), their exit
# statuses and their messages for EBUSY and EINVAL. Shares are measured
# over SECS s with margins honest for TCG.

load helpers
bats_require_minimum_version 1.5.0

Q=$BATS_TEST_DIRNAME/../../build/userspace/qosresctl
SECS=${QOSRES_MEASURE_SECONDS:-5}

setup() {
	qosres_setup
	pids=()
	D=$BATS_TEST_TMPDIR
	# Named as under the cgroup2 mount, as the tool prints paths.
	R=${T#"$CG"}
}

teardown() {
	reap "${pids[@]}"
	qosres_teardown
	for cg in "$CG"/qosresctl-run-*; do
		cg_remove "$cg"
	done
}

# wait_file FILE: until FILE is there and not empty, 20 s at most.
wait_file() {
	for _ in $(seq 200); do
		[ -s "$1" ] && return 0
		sleep 0.1
	done
	fail "$1 never appeared"
}

# is CGROUP FILE VALUE: qosres.FILE of $T/CGROUP holds VALUE (no fork).
is() {
	local value
	read -r value <"$T/$1/qosres.$2"
	[ "$value" = "$3" ] || fail "$1/qosres.$2 is '$value', not '$3'"
}

# A command for run: notes its pid and cgroup in $D, then spins.
SPIN='cat /proc/self/cgroup >"$0.cg"; echo $$ >"$0.pid"; while :; do :; done'

@test "run -b 20ms -p 100ms: the command spins at 20% of a CPU in its own reservation, removed when it ends" {
	"$Q" run -b 20ms -p 100ms -- bash -c "$SPIN" "$D/spin" &
	runner=$!
	pids+=("$runner")
	wait_file "$D/spin.pid"
	pid=$(<"$D/spin.pid")
	read -r cg <"$D/spin.cg"
	cg=${cg#0::}
	# A child of the caller's cgroup (the root here), named after run.
	[ "$cg" = "/qosresctl-run-$runner" ] || fail "command ran in '$cg'"
	grep -qx "$pid" "$CG$cg/cgroup.procs"
	[ "$(<"$CG$cg/qosres.budget")" = 20000 ]
	[ "$(<"$CG$cg/qosres.period")" = 100000 ]
	[ "$(<"$CG$cg/qosres.mode")" = hard ]
	s=$(measure "$pid")
	echo "# run -b 20ms -p 100ms: $s/10 % of a CPU" >&3
	within "$s" 150 250
	# SIGTERM to run reaches the command; run exits 128+15.
	kill -TERM "$runner"
	status=0
	wait "$runner" || status=$?
	[ "$status" = 143 ] || fail "run exited $status"
	[ ! -d "$CG$cg" ] || fail "$cg is still there"
}

@test "run exits with the command's status: N, 128+signal, 127 not found, 125 refused, 2 usage" {
	# Large budgets: the commands start at the speed of a whole CPU.
	run "$Q" run -b 90ms -- sh -c 'exit 7'
	[ "$status" = 7 ]
	run "$Q" run -b 90ms -- sh -c 'kill -9 $$'
	[ "$status" = 137 ]
	run -127 "$Q" run -b 90ms -- /nonexistent/cmd
	[ "$status" = 127 ]
	assert_output --partial "/nonexistent/cmd: No such file or directory"
	run "$Q" run -b 50s -p 1s -- true
	[ "$status" = 125 ]
	assert_output --partial "budget 50s is more than period x CPUs"
	run "$Q" run -b 90ms
	[ "$status" = 2 ]
	assert_output --partial "missing the command"
	[ "$(echo "$output" | wc -l)" = 1 ]
	run "$Q" run -b 5xs -- true
	[ "$status" = 2 ]
	assert_output --partial "invalid budget '5xs'"
	# None of them left a cgroup behind.
	run ls -d "$CG"/qosresctl-run-*
	assert_failure
}

@test "run --soft: past its budget the command runs on an idle CPU" {
	"$Q" run --soft -b 20ms -p 100ms -- bash -c "$SPIN" "$D/spin" &
	pids+=($!)
	wait_file "$D/spin.pid"
	read -r cg <"$D/spin.cg"
	cg=${cg#0::}
	[ "$(<"$CG$cg/qosres.mode")" = soft ]
	s=$(SECS=3 measure "$(<"$D/spin.pid")")
	echo "# run --soft -b 20ms: $s/10 % of a CPU" >&3
	[ "$s" -ge 500 ] || fail "soft reservation got only $s/10 %"
}

@test "run --cgroup --keep --feedback agent: kept, feedback set, a warning without an agent" {
	run "$Q" run --cgroup "$T/k" --keep --feedback "agent predictor=max window=3 max=50ms" -- \
		sh -c 'cat /proc/self/cgroup'
	assert_success
	assert_output --partial "0::$R/k"
	assert_output --partial "no qosres-agent process is running"
	assert_output --partial "kept $R/k"
	[ -d "$T/k" ]
	# Without -b a feedback loop starts from 10% of the period.
	is k budget 10000
	read -r fb <"$T/k/qosres.feedback"
	[[ "$fb" == "agent predictor=max window=3 "*" max=50000 "* ]] ||
		fail "feedback is '$fb'"
	# An existing cgroup is joined as it is, and stays.
	echo 90000 >"$T/k/qosres.budget"
	run "$Q" run --cgroup "$R/k" -- true
	assert_success
	[ -d "$T/k" ]
	run "$Q" run --cgroup "$R/k" -b 5ms -- true
	[ "$status" = 125 ]
	assert_output --partial "exists"
}

@test "set creates a reservation with -b and changes budget and period in one write" {
	run "$Q" set "$T/a" -p 50ms
	assert_failure 1
	assert_output --partial "give -b BUDGET to create it"
	[ ! -d "$T/a" ]
	run "$Q" set "$T/a" -b 20ms -p 100ms
	assert_success
	is a budget 20000
	is a period 100000
	before=$(stat_key "$T/a/qosres.events" budget_changed)
	run "$Q" set "$R/a" -b 5ms -p 10ms
	assert_success
	is a budget 5000
	is a period 10000
	# One write of "5000 10000": one change, never 5ms of 100ms between.
	after=$(stat_key "$T/a/qosres.events" budget_changed)
	[ "$after" = $((before + 1)) ] || fail "budget_changed $before -> $after"
	run "$Q" set "$T/a" --soft
	assert_success
	is a mode soft
	is a budget 5000
	run "$Q" set "$T/a" -p 20ms --hard
	assert_success
	is a mode hard
	is a budget 5000
	is a period 20000
	run "$Q" set "$T/a" --feedback "kernel window=4"
	assert_success
	read -r fb <"$T/a/qosres.feedback"
	[[ "$fb" == "kernel "*"window=4 "* ]] || fail "feedback is '$fb'"
	run "$Q" set "$T/a"
	[ "$status" = 2 ]
	assert_output --partial "nothing to set"
}

@test "set --self: the caller's own cgroup, even one made without the controller" {
	mkdir "$T/s"
	bash -c 'echo $$ >"$1/cgroup.procs" && exec "$2" set --self -b 10ms -p 50ms' \
		_ "$T/s" "$Q"
	is s budget 10000
	is s period 50000
	# As systemd makes a service's cgroup: qosres not enabled above it.
	mkdir -p "$T/sys/svc"
	[ ! -e "$T/sys/svc/qosres.budget" ]
	bash -c 'echo $$ >"$1/cgroup.procs" && exec "$2" set --self -b 10ms' \
		_ "$T/sys/svc" "$Q"
	is sys/svc budget 10000
}

@test "set --slice: a systemd slice's cgroup, each dash a level down" {
	"$Q" set --slice "t$BATS_TEST_NUMBER-a.slice" -b 10ms
	slice=$CG/t$BATS_TEST_NUMBER.slice/t$BATS_TEST_NUMBER-a.slice
	[ "$(cat "$slice/qosres.budget")" = 10000 ]
	cg_remove "$CG/t$BATS_TEST_NUMBER.slice"
	run "$Q" set --slice -a.slice -b 10ms
	assert_failure 2
	assert_output --partial "is not a slice name"
}

@test "EBUSY: a refused set changes nothing and names the cap and what is left, or each CPU's room" {
	mkdir "$T/u"
	run "$Q" set "$T/u" --max 50ms/100ms
	assert_success
	is u max "50000 100000"
	"$Q" set "$T/u/a" -b 20ms
	"$Q" set "$T/u/b" -b 20ms
	denied=$(stat_key "$T/u/a/qosres.events" admission_denied)
	run "$Q" set "$T/u/a" -b 40ms
	assert_failure 1
	echo "# $output" >&3
	assert_output "qosresctl: $R/u/a: 0.40 CPUs refused (0.20 more than the 0.20 it holds): the cap at $R/u (qosres.max 0.50 CPUs) has 0.10 CPUs left"
	is u/a budget 20000
	is u/a period 100000
	[ "$(stat_key "$T/u/a/qosres.events" admission_denied)" = $((denied + 1)) ]
	# A refused creation leaves no cgroup.
	run "$Q" set "$T/u/c" -b 20ms
	assert_failure 1
	assert_output "qosresctl: $R/u/c: 0.20 CPUs refused: the cap at $R/u (qosres.max 0.50 CPUs) has 0.10 CPUs left"
	[ ! -d "$T/u/c" ]
	# A cap on the reservation itself, which it fills.
	run "$Q" set "$T/u/a" --max 20ms/100ms
	assert_success
	run "$Q" set "$T/u/a" -b 30ms
	assert_failure 1
	assert_output "qosresctl: $R/u/a: 0.30 CPUs refused (0.10 more than the 0.20 it holds): the cap at $R/u/a (qosres.max 0.20 CPUs) has 0.00 CPUs left"
	# Budget and cap together: the cap rises first...
	run "$Q" set "$T/u/a" -b 30ms --max 30ms/100ms
	assert_success
	is u/a budget 30000
	is u/a max "30000 100000"
	# ...and falls back when the budget is refused.
	run "$Q" set "$T/u/a" -b 40ms --max 40ms/100ms
	assert_failure 1
	assert_output --partial "the cap at $R/u (qosres.max 0.50 CPUs) has 0.00 CPUs left"
	is u/a budget 30000
	is u/a max "30000 100000"
	# A cap below what the subtree holds.
	run "$Q" set "$T/u" --max 10ms/100ms
	assert_failure 1
	assert_output "qosresctl: $R/u: qosres.max 0.10 CPUs refused: its subtree already reserves 0.50 CPUs"
	# Room under every cap, none on the CPUs: each CPU's free bandwidth.
	run "$Q" set "$T/big" -b $((NCPUS * 1000 - 10))ms -p 1s
	assert_failure 1
	echo "# $output" >&3
	assert_output --partial "refused: no placement on CPU"
	assert_output --partial "cpu0 0."
	assert_output --partial "SCHED_DEADLINE"
	[ ! -d "$T/big" ]
}

@test "EINVAL names the value out of range and the ranges; usage errors, help, version" {
	np=$(($(cut -d- -f2 /sys/devices/system/cpu/possible) + 1))
	"$Q" set "$T/a" -b 20ms
	run "$Q" set "$T/a" -p 500us
	assert_failure 1
	assert_output "qosresctl: $R/a: period 500us is out of range: it must be 1ms..10s (1000..10000000 us)"
	run "$Q" set "$T/a" -b 50us
	assert_failure 1
	assert_output "qosresctl: $R/a: budget 50us is below the minimum, 100us (0 ends the reservation)"
	run "$Q" set "$T/a" -b $((np * 100 + 1))ms
	assert_failure 1
	assert_output "qosresctl: $R/a: budget $((np * 100 + 1))ms is more than period x CPUs (100ms x $np = $((np * 100))ms)"
	run "$Q" set "$T/a" --feedback "kernel window=99"
	assert_failure 1
	assert_output --partial "feedback 'kernel window=99' refused: expected off, agent or kernel"
	is a budget 20000
	is a period 100000
	read -r fb <"$T/a/qosres.feedback"
	[[ "$fb" == off* ]] || fail "feedback is '$fb'"
	run "$Q" set "$T/a" --feedback "sometimes"
	[ "$status" = 2 ]
	# Usage errors: one line, status 2; help and version.
	run "$Q" --help
	assert_success
	assert_output --partial "usage: qosresctl COMMAND"
	run "$Q" --version
	assert_success
	assert_output --regexp '^qosresctl [0-9.]+ '
	run "$Q" frobnicate
	[ "$status" = 2 ]
	[ "${#lines[@]}" = 1 ]
	run "$Q" top -n 0
	[ "$status" = 2 ]
	run "$Q" list --bogus
	[ "$status" = 2 ]
	assert_output "qosresctl: list: unknown option --bogus (see 'qosresctl list --help')"
}

@test "times take units: us, ms, s, decimals, plain microseconds" {
	"$Q" set "$T/a" -b 1.5ms -p 2.5ms
	is a budget 1500
	is a period 2500
	"$Q" set "$T/a" -b 0.5s -p 1s
	is a budget 500000
	is a period 1000000
	"$Q" set "$T/a" -b 250 -p 1000
	is a budget 250
	is a period 1000
	"$Q" set "$T/a" -b 700us -p 2ms --max 1.5s/1s
	is a budget 700
	is a max "1500000 1000000"
	"$Q" set "$T/a" --max max
	is a max max
	run "$Q" set "$T/a" -p 2 ms
	[ "$status" = 2 ]
}

@test "show and list: text and JSON, names escaped" {
	mkres a 20000
	mkres b 30000 50000
	echo soft >"$T/b/qosres.mode"
	name='q"x\y'
	mkres "$name" 10000
	run "$Q" show "$T/a"
	assert_success
	assert_line "path       $R/a"
	assert_line "budget     20ms (20000 us)"
	assert_line "bandwidth  0.20 CPUs"
	assert_line --partial "room       no cap"
	"$Q" show "$T/b" --json >"$D/show.json"
	"$Q" list "$T" --json >"$D/list.json"
	"$Q" show / --json >"$D/root.json"
	run "$Q" list "$T"
	assert_success
	printf '# %s\n' "${lines[@]}" >&3
	assert_line --index 0 --regexp '^PATH +BUDGET +PERIOD +BW +MODE +FEEDBACK +CPUS +USAGE +THROTTLED$'
	assert_line --regexp "^$R/a +20ms +100ms +0.20 +hard +off +[0-9-]+ +[0-9.]+s +[0-9]+$"
	assert_line --regexp "^$R/b +30ms +50ms +0.60 +soft +off "
	[ "${#lines[@]}" = 4 ]
	python3 - "$D" "$R" "$name" "$NCPUS" <<'EOF'
import json, sys
D, R, name, ncpus = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
d = json.load(open(D + "/show.json"))
assert d["path"] == R + "/b", d
assert (d["budget_us"], d["period_us"], d["mode"]) == (30000, 50000, "soft"), d
assert abs(d["bandwidth"] - 0.6) < 1e-9 and d["max"] is None, d
assert d["stats"]["nr_servers"] >= 1 and "admission_denied" in d["events"], d
rows = {r["path"]: r for r in json.load(open(D + "/list.json"))}
assert sorted(rows) == sorted([R + "/a", R + "/b", R + "/" + name]), rows
assert rows[R + "/a"]["budget_us"] == 20000 and rows[R + "/b"]["mode"] == "soft"
root = json.load(open(D + "/root.json"))
assert root["path"] == "/" and len(root["cpus"]) == ncpus, root
assert all(0 <= c["free_bandwidth"] < 1 for c in root["cpus"]), root
EOF
	run "$Q" show "$T/nonexistent"
	assert_failure 1
	assert_output --partial "no such cgroup"
}

@test "top -n 2 -d 1: every reservation with its use over the interval" {
	mkres a 20000
	mkres b 50000
	spin "$T/a"
	run "$Q" top -n 2 -d 1 "$T"
	assert_success
	printf '# %s\n' "${lines[@]}" >&3
	[ "$(grep -c '^qosresctl top - ' <<<"$output")" = 2 ]
	[ "$(grep -c "^$R/a  " <<<"$output")" = 2 ]
	[ "$(grep -c "^$R/b  " <<<"$output")" = 2 ]
	# On a terminal: redrawn in place until q; the status is 0.
	(sleep 3; printf q) |
		timeout 30 script -qfec "$Q top -d 0.5 $R" /dev/null >"$D/tty.out"
	grep -q $'\e\[H\e\[2J' "$D/tty.out"
	[ "$(grep -c "^$R/a  " "$D/tty.out")" -ge 2 ]
	"$Q" top -n 1 -d 1 --json "$T" >"$D/top.json"
	python3 - "$R" "$D/top.json" <<'EOF'
import json, sys
frames = [json.loads(line) for line in open(sys.argv[2])]
assert len(frames) == 1, frames
for f in frames:
    r = {x["path"]: x for x in f["reservations"]}
    a, b = r[sys.argv[1] + "/a"], r[sys.argv[1] + "/b"]
    # The spinner: 20% of a CPU, its whole budget, throttled.
    assert 12 <= a["cpu_percent"] <= 28, a
    assert a["throttled"] >= 5, a
    assert b["cpu_percent"] < 2, b
EOF
}

@test "attach moves a process in, destroy ends the reservation and moves it out" {
	mkres a 20000
	mkdir "$T/b"
	sleep 100 &
	pids+=($!)
	run "$Q" attach "$R/a" "${pids[-1]}"
	assert_success
	grep -qx "${pids[-1]}" "$T/a/cgroup.procs"
	run "$Q" attach "$R/a" 999999999
	assert_failure
	run "$Q" destroy "$T/a"
	assert_success
	[ ! -d "$T/a" ]
	kill -0 "${pids[-1]}"
	run "$Q" destroy "$T"
	assert_failure 1
	assert_output "qosresctl: $R: cannot destroy: it has child cgroups; destroy them first"
}
