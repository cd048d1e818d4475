#!/usr/bin/env bats
# budget: 120
# guest: alone
# Adaptive reservations: qosres.feedback modes "kernel" and "agent" adapt
# the budget to a periodic task whose demand steps, about as well as an
# oracle that knows the demand; the supervisor keeps capped subtrees within
# their cap, and the agent survives SIGKILL.

load helpers

# QOSRES_AGENT: another build of the agent, to see these tests catch a bad
# one.
AGENT=${QOSRES_AGENT:-$BATS_TEST_DIRNAME/../../build/userspace/qosres-agent}
PERIODIC=$BATS_TEST_DIRNAME/../../build/tools/periodic
LIB=$BATS_TEST_DIRNAME/lib
PERIOD=40000
# The demand: 10%, 50%, then 20% of a CPU, each level for STEP_PERIODS
# periods of 40 ms. Jobs need exactly that much CPU time (periodic runs by
# its thread's CPU clock), so the demand is known whatever TCG's speed.
# 150 periods a level: 5% late is 22 periods, and the FOLLOW periods a
# step may take are a twentieth of its level.
STEP_PERIODS=${QOSRES_STEP_PERIODS:-150}
LEVELS=(4000 20000 8000)
# The oracle's budget is each level's demand plus ORACLE_MARGIN percent:
# a period's usage is the job's demand and the little CPU time around it,
# and the margin keeps a job whose server starts it late in its period
# within its deadline. The feedback takes the largest usage of the last 3
# periods plus MARGIN percent: a job that straddles the kernel's period
# grid shows as a larger usage in one period, which the largest of 3
# keeps, so it needs less margin than the oracle for the same lateness
# (with 20% it came to 1.29 to 1.31 times the demand).
ORACLE_MARGIN=20
MARGIN=15
FEEDBACK="predictor=max window=3 margin=$MARGIN"
# Periods a step may take. The step up is to 5 times the demand: the
# first period short of budget may be a long job, the second grows the
# budget by half, and 4 more such reach 23000 us from 4600, about 6
# periods; 2 more for the sampler's and the loop's lag. Grown only by the
# margin, as with no rule for saturation, it would take 11.
FOLLOW=8
# The adapted reservation may miss this many more periods than the oracle:
# after the step up to 50% its budget grows from 10% for a few periods, and
# the work left over takes a few more to catch up.
LATE_SLACK=10

setup() {
	qosres_setup
	pids=()
	agent_pid=
	sampler=
	chrt -f -p 1 $BASHPID
}

teardown() {
	reap $agent_pid $sampler "${pids[@]}"
	qosres_teardown
}

# The agent runs real-time, as its systemd unit would, so that no load
# delays adaptation.
start_agent() {
	chrt -f 10 "$AGENT" -i 10ms &
	agent_pid=$!
}

# wait_budget CGROUP BUDGET [OP]: up to 5 s for the budget to become
# BUDGET, or to compare so with it (OP: test(1)'s -gt, -ge, ...).
wait_budget() {
	local op=${3:--eq}
	for _ in $(seq 50); do
		[ "$(<"$1/qosres.budget")" "$op" "$2" ] && return 0
		sleep 0.1
	done
	fail "$1: budget $(<"$1/qosres.budget"), not $op $2"
}

# sample SECONDS WHAT...: budgets (see lib/sample.py for the others) every
# 20 ms into $BATS_TEST_TMPDIR/samples, for at most SECONDS (SIGTERM ends
# it sooner), in the background, at a normal priority: the sampler must not
# take from the tasks it watches.
sample() {
	rm -f "$BATS_TEST_TMPDIR/samples"
	chrt -o 0 python3 "$LIB/sample.py" "$BATS_TEST_TMPDIR/samples" "$@" &
	sampler=$!
	# Its first line is written before what it watches starts.
	for _ in $(seq 100); do
		[ -s "$BATS_TEST_TMPDIR/samples" ] && return 0
		sleep 0.1
	done
	fail "the sampler did not start"
}

# step NAME [OPTION...]: periodic for $T/NAME, its demand stepping through
# LEVELS, its job log in $BATS_TEST_TMPDIR/NAME.log. It starts in
# $T/starting, without a reservation, and moves into $T/NAME at its first
# release (-c): its exec, tens of ms of CPU time under TCG, is no debt of
# the reservation's, and the kernel's feedback, seeing a task asleep in
# it, would cut its budget to the minimum before the first job.
step() {
	local name=$1 schedule="" run
	shift
	for run in "${LEVELS[@]}"; do
		schedule+="${schedule:+,}${run}x$STEP_PERIODS"
	done
	mkdir -p "$T/starting"
	start "$T/starting" "$PERIODIC" -l "$BATS_TEST_TMPDIR/$name.log" \
		-c "$T/$name" "$@" "$PERIOD" "$schedule" \
		$((STEP_PERIODS * 3 * PERIOD / 1000000 + 10)) \
		"$BATS_TEST_TMPDIR/$name.stats"
}

# run_step: the step task in the adapted reservation fb and, at the same
# time, in an oracle: a static reservation whose budget the task itself
# sets, before the first job of each level, to that level's demand plus
# the feedback's margin, the budget the feedback aims at, with no lag.
# Both see the same load and the same speed of TCG, their jobs released
# together (-S), 3 s on. Sets a_KEY and o_KEY from lib/step_eval.py for
# fb and the oracle.
run_step() {
	local key value pid start
	mkres fb 8000 "$PERIOD"
	mkres oracle $((LEVELS[0] * (100 + ORACLE_MARGIN) / 100)) "$PERIOD"
	# Until both tasks end, however late they start.
	sample $((STEP_PERIODS * 3 * PERIOD / 1000000 + 60)) \
		"$T/fb" "hist:$T/fb" "$T/oracle" "hist:$T/oracle"
	start=$((${EPOCHREALTIME/./} + 3000000))
	step fb -S "$start"
	step oracle -S "$start" -b "$T/oracle/qosres.budget" -m "$ORACLE_MARGIN"
	for pid in "${pids[@]}"; do
		wait "$pid" || fail "periodic failed"
	done
	pids=()
	kill -TERM "$sampler"
	wait "$sampler"
	sampler=
	keep_logs
	while read -r key value; do
		printf -v "$key" %s "$value"
	done < <(python3 "$LIB/step_eval.py" "$PERIOD" "$BATS_TEST_TMPDIR/samples" \
		"a:$BATS_TEST_TMPDIR/fb.log:1:2" "o:$BATS_TEST_TMPDIR/oracle.log:3:4")
	[ -n "${a_budget:-}" ] && [ -n "${o_budget:-}" ] || fail "no evaluation"
	echo "# demand ${LEVELS[*]} us of $PERIOD, $STEP_PERIODS periods each: mean $a_demand us" >&3
	echo "#   adapted: $a_late of $a_periods periods late (by level $a_phase_late), mean budget $a_budget us ($((a_budget * 100 / a_demand))% of the demand), usage $a_usage us a period (by level $a_phase_usage), followed the steps in $a_follow periods" >&3
	echo "#   oracle:  $o_late of $o_periods periods late (by level $o_phase_late), mean budget $o_budget us ($((o_budget * 100 / o_demand))% of the demand), usage $o_usage us a period (by level $o_phase_usage)" >&3
}

# The job logs and samples of a test, for a look after the run: in the
# results directory when the harness runs the suite.
keep_logs() {
	local dir=${QOSRES_RESULTS:-}/feedback-logs/$BATS_TEST_NUMBER f
	[ -n "${QOSRES_RESULTS:-}" ] || return 0
	mkdir -p "$dir"
	for f in "$BATS_TEST_TMPDIR"/*.log "$BATS_TEST_TMPDIR"/samples; do
		[ ! -e "$f" ] || cp "$f" "$dir"
	done
}

# The aims: at most 5% of the periods late, the mean budget at most 1.3
# times the mean demand, each step followed within FOLLOW periods. Against
# the oracle, which sees the same TCG at the same time: at most LATE_SLACK
# periods more late, and at most 10% more budget on average.
assert_adapted() {
	local f
	[ "$a_periods" = $((3 * STEP_PERIODS)) ] || fail "periodic ran $a_periods periods"
	[ "$o_periods" = $((3 * STEP_PERIODS)) ] || fail "the oracle ran $o_periods periods"
	[ $((a_late * 100)) -le $((5 * a_periods)) ] || fail "$a_late periods late"
	[ "$a_late" -le $((o_late + LATE_SLACK)) ] ||
		fail "$a_late periods late, the oracle $o_late"
	[ $((a_budget * 100)) -le $((a_demand * 130)) ] ||
		fail "mean budget $a_budget us for a mean demand of $a_demand us"
	[ $((a_budget * 100)) -le $((o_budget * 110)) ] ||
		fail "mean budget $a_budget us, the oracle's $o_budget us"
	for f in ${a_follow//,/ }; do
		[ "$f" -le $FOLLOW ] || fail "followed the steps in $a_follow periods"
	done
}

@test "kernel feedback follows a 10% -> 50% -> 20% demand about as well as an oracle" {
	mkdir "$T/fb"
	echo "kernel $FEEDBACK" >"$T/fb/qosres.feedback"
	run_step
	assert_adapted
}

@test "agent feedback follows a 10% -> 50% -> 20% demand about as well as an oracle" {
	mkdir "$T/fb"
	echo "agent $FEEDBACK" >"$T/fb/qosres.feedback"
	start_agent
	run_step
	assert_adapted
}

# With no task there is no demand to measure: the budget written stays
# until a task comes, which then starts with it, not with the minimum.
@test "an empty adapted reservation keeps its budget until a task comes" {
	local mode
	start_agent
	for mode in kernel agent; do
		mkdir "$T/$mode"
		echo "$mode $FEEDBACK" >"$T/$mode/qosres.feedback"
		mkres "$mode" 8000 "$PERIOD"
	done
	sleep 1
	for mode in kernel agent; do
		[ "$(<"$T/$mode/qosres.budget")" = 8000 ] ||
			fail "$mode: budget $(<"$T/$mode/qosres.budget") after 25 empty periods"
		spin "$T/$mode"
	done
	# A hog runs out of budget every period: its budget grows from there.
	for mode in kernel agent; do
		wait_budget "$T/$mode" 12000 -gt
	done
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
	sampler=
	keep_logs
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
