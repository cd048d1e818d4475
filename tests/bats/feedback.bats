#!/usr/bin/env bats
# guest: lockdep
# Adaptive reservations: qosres.feedback modes "kernel" and "agent" adapt
# the budget to an rt-app task whose demand steps, the supervisor keeps
# capped subtrees within their cap, and the agent survives SIGKILL.

load helpers

AGENT=$BATS_TEST_DIRNAME/../../build/userspace/qosres-agent
LIB=$BATS_TEST_DIRNAME/lib
PERIOD=40000
# Each demand level lasts this many periods of 40 ms.
STEP_PERIODS=${QOSRES_STEP_PERIODS:-300}
# Under TCG a job's CPU time moves by 30% from one job to the next, as time
# stolen from the vCPU is charged to the task: the last 3 periods' largest
# plus 20% covers most of that and forgets a slow job within 3 periods.
FEEDBACK="predictor=max window=3 margin=20"

# rt-app's ns per loop, measured once in the guest, at a real-time
# priority and outside any reservation.
setup_file() {
	local dir=$BATS_FILE_TMPDIR/calibrate
	mkdir -p "$dir"
	cat >"$dir/task.json" <<JSON
{
  "global": { "duration": 1, "calibration": "CPU0", "logdir": "$dir" },
  "tasks": { "idle": { "loop": 1, "sleep": 1000 } }
}
JSON
	chrt -f 50 rt-app "$dir/task.json" 2>&1 |
		sed -n 's/.*pLoad = \([0-9]*\)ns.*/\1/p' >"$BATS_FILE_TMPDIR/pload"
}

setup() {
	qosres_setup
	pids=()
	agent_pid=
	chrt -f -p 1 $BASHPID
}

teardown() {
	[ -z "$agent_pid" ] || kill -9 "$agent_pid" 2>/dev/null
	[ ${#pids[@]} = 0 ] || kill -9 "${pids[@]}" 2>/dev/null
	wait 2>/dev/null
	qosres_teardown
}

# The agent runs real-time, as its systemd unit would, so that no load
# delays adaptation.
start_agent() {
	chrt -f 10 "$AGENT" -i 10ms &
	agent_pid=$!
}

# wait_budget CGROUP BUDGET: up to 5 s for the budget to become BUDGET.
wait_budget() {
	for _ in $(seq 50); do
		[ "$(<"$1/qosres.budget")" = "$2" ] && return 0
		sleep 0.1
	done
	fail "budget $(<"$1/qosres.budget"), not $2"
}

# rt_app_step NAME CGROUP: rt-app needing 10%, then 50%, then 20% of a CPU
# in periods of 40 ms, each for STEP_PERIODS periods. Its jobs run a loop
# count, so that they need that much CPU time: a job run by the clock, as
# "runtime" events are, would be done sooner when throttled.
rt_app_step() {
	local dir=$BATS_TEST_TMPDIR/$1 phases="" pct pload
	pload=$(<"$BATS_FILE_TMPDIR/pload")
	[ -n "$pload" ] || fail "rt-app calibration failed"
	mkdir -p "$dir"
	for pct in 10 50 20; do
		phases+="${phases:+,} \"p$pct\": { \"loop\": $STEP_PERIODS,
			\"run\": $((PERIOD * pct / 100)),
			\"timer\": { \"ref\": \"t\", \"period\": $PERIOD } }"
	done
	cat >"$dir/task.json" <<JSON
{
  "global": { "duration": -1, "calibration": $pload, "logdir": "$dir",
              "log_size": 4, "log_basename": "rt" },
  "tasks": { "step": { "loop": 1, "phases": { $phases } } }
}
JSON
	start "$2" rt-app "$dir/task.json"
}

# sample SECONDS WHAT...: budgets (or "ppm:CGROUP" reserved bandwidth)
# every 20 ms into $BATS_TEST_TMPDIR/samples, in the background.
sample() {
	chrt -f 90 python3 "$LIB/sample.py" "$BATS_TEST_TMPDIR/samples" "$@" &
	sampler=$!
}

# step_eval NAME COLUMN: "jobs late mean_budget mean_demand peak follow..."
step_eval() {
	python3 "$LIB/step_eval.py" "$BATS_TEST_TMPDIR/$1"/rt-step-*.log \
		"$BATS_TEST_TMPDIR/samples" "$2" "$PERIOD" \
		"$(<"$BATS_TEST_TMPDIR/usage.$1")"
}

# run_step ADAPTED STATIC STATIC_BUDGET: the step task in the adapted
# reservation and in a static one at the same time, so that both see the
# same speed of TCG (rt-app's calibrated loop needs more or less CPU time
# as it moves). Static budgets: the mean demand, 10700 us, and the peak,
# 20000 us, with 30% for that speed.
run_step() {
	local name
	mkres "$1" 8000 "$PERIOD"
	mkres "$2" "$3" "$PERIOD"
	sample $((STEP_PERIODS * 3 * PERIOD / 1000000 + 3)) "$T/$1" "$T/$2"
	rt_app_step "$1" "$T/$1"
	rt_app_step "$2" "$T/$2"
	wait "${pids[@]}"
	pids=()
	wait "$sampler"
	for name in "$1" "$2"; do
		stat_key "$T/$name/qosres.stat" usage_usec \
			>"$BATS_TEST_TMPDIR/usage.$name"
	done
	read -r jobs late budget demand _ up down < <(step_eval "$1" 1)
	read -r sjobs slate sbudget sdemand _ _ _ < <(step_eval "$2" 2)
	echo "# demand 10% -> 50% -> 20% of 40 ms, $STEP_PERIODS periods each; mean CPU time a job $demand us" >&3
	echo "#   $1: $late of $jobs jobs late, mean budget $budget us ($((budget - demand)) us unused), followed the steps in $up and $down periods" >&3
	echo "#   static $3 us: $slate of $sjobs jobs late, mean budget $sbudget us ($((sbudget - sdemand)) us unused)" >&3
	echo "#   late jobs of $1 (from 0; steps at $STEP_PERIODS and $((2 * STEP_PERIODS))):" \
		$(awk '!/^#/ && $8 < 0 { printf "%s%d", n++ ? "," : "", NR - 3 }' \
			"$BATS_TEST_TMPDIR/$1"/rt-step-*.log) >&3
}

# Late jobs at most 8% of the periods; the steps followed within 10
# periods; the mean budget at most 1.35 times the mean demand. On hardware
# the aim is 5% and 1.3: TCG's vCPU stalls make a budget at twice the
# demand miss up to 5% of its jobs, and in slow phases runs reached 6.7%
# late or 1.31 times the demand. The comparisons with the static budgets,
# which see the same TCG at the same time, are what the tests rest on.
assert_adapted() {
	[ "$jobs" = $((3 * STEP_PERIODS)) ] || fail "rt-app ran $jobs jobs"
	[ $((late * 100)) -le $((8 * jobs)) ] || fail "$late jobs late"
	[ "$up" -le 10 ] && [ "$down" -le 10 ] ||
		fail "followed in $up and $down periods"
	[ $((budget * 100)) -le $((demand * 135)) ] ||
		fail "mean budget $budget us for a mean demand of $demand us"
}

@test "kernel feedback follows a 10% -> 50% -> 20% demand; a budget sized to the mean misses far more" {
	mkdir "$T/fb"
	echo "kernel $FEEDBACK" >"$T/fb/qosres.feedback"
	run_step fb mean 10700
	assert_adapted
	[ "$slate" -ge $((3 * late)) ] && [ "$slate" -ge $((late + 15)) ] ||
		fail "the static budget at the mean had only $slate jobs late"
}

@test "agent feedback follows a 10% -> 50% -> 20% demand; a budget sized to the peak wastes far more" {
	mkdir "$T/fb"
	echo "agent $FEEDBACK" >"$T/fb/qosres.feedback"
	start_agent
	run_step fb peak 26000
	assert_adapted
	# Budget above the demand: at least twice as much as the adapted one.
	# A slow TCG phase raises the demand, which shrinks the static
	# budget's excess and grows the adapted one's margin: 4.8 and 3.8
	# times in quiet runs, 2.2 times in a run with jobs at 1.3 times
	# their nominal CPU time.
	[ $((sbudget - sdemand)) -ge $((2 * (budget - demand))) ] ||
		fail "the static budget at the peak wastes $((sbudget - sdemand)) us a period, the adapted one $((budget - demand)) us"
}

# Each keeps a minimum of 5%: a hog on a budget of a few hundred us
# overruns it by up to a tick, and repaying that takes periods in which
# the loop sees no new throttling. Both loops start together, on hogs
# already running: one started alone can fill the cap before the other's
# budget is admitted.
@test "two adapted reservations under a capped parent are compressed; the cap holds at every sample" {
	mkdir "$T/p"
	echo "+qosres +cpuset" >"$T/p/cgroup.subtree_control"
	echo "24000 $PERIOD" >"$T/p/qosres.max"
	for c in x y; do
		mkres "p/$c" 4000 "$PERIOD"
		spin "$T/p/$c"
	done
	for c in x y; do
		echo "kernel predictor=max window=4 min=2000" \
			>"$T/p/$c/qosres.feedback"
	done
	sample 8 "$T/p/x" "$T/p/y" "ppm:$T/p"
	wait "$sampler"
	# The highest sum seen, and each budget's median over the last half.
	read -r peak x y < <(python3 -c '
import sys, statistics
rows = [l.split() for l in open(sys.argv[1])]
half = rows[len(rows) // 2:]
print(max(int(r[3]) for r in rows),
      round(statistics.median(int(r[1]) for r in half)),
      round(statistics.median(int(r[2]) for r in half)))' \
		"$BATS_TEST_TMPDIR/samples")
	echo "# cap 60%: reserved at most $peak ppm; median budgets $x and $y us of $PERIOD" >&3
	[ "$peak" -le 600000 ] || fail "the subtree reserved $peak ppm"
	for b in "$x" "$y"; do
		[ "$b" -ge 8000 ] && [ "$b" -le 16000 ] || fail "budgets $x and $y"
	done
}

@test "the agent killed with SIGKILL leaves budgets as they were; restarted, it resumes" {
	mkres a 4000 "$PERIOD"
	echo "agent max=12000" >"$T/a/qosres.feedback"
	spin "$T/a"
	start_agent
	wait_budget "$T/a" 12000
	kill -9 "$agent_pid"
	wait "$agent_pid" || true
	agent_pid=
	echo "agent max=20000" >"$T/a/qosres.feedback"
	sleep 2
	[ "$(<"$T/a/qosres.budget")" = 12000 ]
	start_agent
	wait_budget "$T/a" 20000
}

@test "the agent outlives reservations that vanish under it and goes on with the others" {
	for c in a b; do
		mkres "$c" 4000 "$PERIOD"
		echo "agent max=12000" >"$T/$c/qosres.feedback"
		spin "$T/$c"
	done
	start_agent
	wait_budget "$T/a" 12000
	cg_remove "$T/a"
	echo "agent max=20000" >"$T/b/qosres.feedback"
	wait_budget "$T/b" 20000
	kill -0 "$agent_pid"
	kill -TERM "$agent_pid"
	wait "$agent_pid"
	agent_pid=
}
