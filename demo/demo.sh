#!/bin/bash
# The qosres demo, run as root inside the test guest by `make demo`.
# Every step shows the command a user would type and what the kernel
# answered. It ends with a periodic job under CPU hogs, in a reservation,
# under SCHED_DEADLINE and without either, and a verdict from what it
# measured: the exit status is 0 only if the reservation missed at most a
# few more deadlines than SCHED_DEADLINE and far fewer than without, and
# every step before answered as its note says (refused where it should
# be). The verdict is also written as TAP to demo.tap in the working
# directory.
#
# QOSRES_DEMO_SECONDS: how long the job runs each time (default 15).
CG=/sys/fs/cgroup
D=$CG/demo
TOP=$(cd "$(dirname "$0")/.." && pwd)
PERIODIC=$TOP/build/tools/periodic
SECONDS_RUN=${QOSRES_DEMO_SECONDS:-15}
[[ $SECONDS_RUN =~ ^[1-9][0-9]*$ ]] ||
	{ echo "demo: QOSRES_DEMO_SECONDS must be a whole number of seconds" >&2; exit 2; }

bold=$'\e[1m' dim=$'\e[2m' red=$'\e[31m' green=$'\e[32m' off=$'\e[0m'

step() {
	printf '\n%s== %s ==%s\n' "$bold" "$*" "$off"
}

note() {
	printf '%s%s%s\n' "$dim" "$*" "$off"
}

# Steps that did not answer as their notes say: each step is meant to
# work, unless called as "expect=refused sh ..." (or as_user).
surprises=0

# answered STATUS: count a surprise if STATUS is not what was meant.
answered() {
	local refused=0 meant=0
	[ "$1" = 0 ] || refused=1
	[ "${expect:-}" = refused ] && meant=1
	[ $refused = $meant ] && return 0
	surprises=$((surprises + 1))
	if [ $meant = 1 ]; then
		printf '  %s(not as meant: this should have been refused)%s\n' "$red" "$off"
	else
		printf '  %s(not as meant: this should have worked)%s\n' "$red" "$off"
	fi
}

# sh CMD: show a shell command, run it, show its output or its error.
sh() {
	local out status
	printf '%s$ %s%s\n' "$green" "$*" "$off"
	out=$(bash -c "$*" 2>&1)
	status=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/  /'
	[ $status = 0 ] || printf '  %s(refused: exit status %d)%s\n' "$red" "$status" "$off"
	answered $status
	return 0
}

# as_user UID CMD: show and run a command as an unprivileged user.
as_user() {
	local uid=$1 status
	shift
	printf '%s[uid %s]$ %s%s\n' "$green" "$uid" "$*" "$off"
	setpriv --reuid "$uid" --regid "$uid" --clear-groups bash -c "$*" 2>&1 |
		sed 's/^/  /'
	status=${PIPESTATUS[0]}
	[ "$status" = 0 ] || printf '  %s(refused)%s\n' "$red" "$off"
	answered "$status"
}

# stat_key KEY: from the demo reservation's qosres.stat.
stat_key() {
	awk -v k="$1" '$1 == k { print $2 }' "$D/rt/qosres.stat"
}

show_free() {
	grep -E '^(limit|cpu[0-9]+_free)' "$CG/qosres.stat" | sed 's/^/  /'
}

step "qosres on Linux $(uname -r), $(nproc) CPUs"
note "Reservations are cgroups. The root's qosres.stat shows the per-CPU limit"
note "shared with SCHED_DEADLINE and what is free for reservations on each CPU"
note "(the limit less the 5% fair server)."
sh "cat $CG/cgroup.controllers"
sh "echo +qosres > $CG/cgroup.subtree_control"
show_free

step "Creating reservations"
sh "mkdir -p $D && echo +qosres > $D/cgroup.subtree_control"
sh "mkdir $D/video $D/audio $D/render"
note "video: 10 ms of CPU every 100 ms (0.1 CPU), audio: 1 ms every 10 ms."
sh "echo 10000 > $D/video/qosres.budget"
sh "echo '1000 10000' > $D/audio/qosres.budget"
sh "cat $D/video/qosres.stat"
note "render: 1.5 CPUs. More than the per-CPU limit, so two servers on two CPUs."
sh "echo '150000 100000' > $D/render/qosres.budget"
sh "grep -E 'servers|cpu' $D/render/qosres.stat"
show_free

step "Admission control: a reservation that fits on no single CPU is refused"
expect=refused sh "mkdir $D/big && echo 60000 > $D/big/qosres.budget"
sh "cat $D/big/qosres.events"
note "SCHED_DEADLINE sees the same room: a 50% deadline task no longer fits either."
expect=refused sh "chrt -d --sched-runtime 50000000 --sched-deadline 100000000 --sched-period 100000000 0 true"
sh "echo 0 > $D/render/qosres.budget"
note "With render gone, both fit again."
sh "echo 60000 > $D/big/qosres.budget"
show_free

step "A per-user cap, like a disk quota"
note "The administrator gives uid 1000 half a CPU and delegates the cgroup."
sh "mkdir $D/user-1000 && echo '50000 100000' > $D/user-1000/qosres.max"
sh "chown 1000:1000 $D/user-1000 $D/user-1000/cgroup.{procs,threads,subtree_control}"
as_user 1000 "echo +qosres > $D/user-1000/cgroup.subtree_control && mkdir $D/user-1000/app1 $D/user-1000/app2"
as_user 1000 "echo 30000 > $D/user-1000/app1/qosres.budget"
expect=refused as_user 1000 "echo 30000 > $D/user-1000/app2/qosres.budget"
as_user 1000 "echo 20000 > $D/user-1000/app2/qosres.budget"
note "Nor can the user raise its own cap:"
expect=refused as_user 1000 "echo max > $D/user-1000/qosres.max"
sh "grep reserved $D/user-1000/qosres.stat; cat $D/user-1000/app2/qosres.events"

step "Events wake pollers: a watcher sees every budget change"
inotifywait -q -m -e modify "$D/video/qosres.events" 2>/dev/null |
	while read -r _; do
		printf '  %s[watcher] qosres.events changed: %s%s\n' "$bold" \
			"$(tr '\n' ' ' <"$D/video/qosres.events")" "$off"
	done &
watcher=$!
sleep 1
for b in 15000 20000 12000; do
	sh "echo $b > $D/video/qosres.budget"
	sleep 0.5
done
kill "$watcher" 2>/dev/null
pkill -f "inotifywait -q -m" 2>/dev/null

step "Removing a reservation's cgroup gives its bandwidth back"
find "$D" -depth -type d -exec rmdir {} \;
show_free
echo

step "Reservations at work: a periodic job under CPU hogs"
note "The job needs 60 ms of CPU time every 100 ms (60% of a CPU); its deadline"
note "is the next release. It runs twice for $SECONDS_RUN s beside a plain copy of"
note "itself, while two CPU hogs per CPU run at nice -20 in another cgroup: first"
note "in a 70% qosres reservation, then under SCHED_DEADLINE with the same 70 ms"
note "every 100 ms, the kernel's own reservation, as the reference. (Not both at"
note "once: admission would refuse the second 70% of the same CPU.)"
# The demo itself runs SCHED_FIFO, below reservations, so that the hogs do
# not starve it; what it starts sets its own policy.
chrt -f -p 1 $$
sh "mkdir $D && echo +qosres > $D/cgroup.subtree_control"
sh "mkdir $D/rt $D/dl $D/plain $D/hogs"

# run_in CGROUP CMD...: start CMD in CGROUP, in the background.
run_in() {
	local cg=$1
	shift
	(echo "$BASHPID" >"$cg/cgroup.procs" && exec "$@") &
}

row() {
	local name=$1 file=$2 periods=0 jobs=0 missed=0 worst=0
	[ -f "$file" ] && read -r periods jobs missed worst <"$file"
	printf '  %-30s %8s %8s %8s %10s ms\e[K\n' "$name" "$periods" "$jobs" \
		"$missed" "$((worst / 1000)).$(((worst % 1000) / 100))"
}

# phase NAME STATS JOB...: run the job (JOB: how to start it, in which
# cgroup) beside a plain copy, against the hogs, showing the counts as
# they come.
phase() {
	local name=$1 stats=$2 t
	shift 2
	rm -f "$stats" "$stats.plain"
	local cmd="${*:2}"
	printf '%s$ %s &   # in %s%s\n' "$green" "${cmd//$PERIODIC/periodic}" "$1" "$off"
	run_in "$@"
	run_in "$D/plain" chrt -o 0 "$PERIODIC" 100000 60000 "$SECONDS_RUN" "$stats.plain"
	sleep 1
	printf '%s$ nice -n -20 stress-ng --cpu %d --cpu-method loop &   # in %s%s\n' \
		"$green" $((2 * $(nproc))) "$D/hogs" "$off"
	run_in "$D/hogs" chrt -o 0 nice -n -20 stress-ng --quiet \
		--cpu $((2 * $(nproc))) --cpu-method loop --timeout "${SECONDS_RUN}s"
	printf '\n  %-30s %8s %8s %8s %13s\n' "" periods jobs missed "worst response"
	for t in $(seq "$SECONDS_RUN"); do
		row "$name" "$stats"
		row "beside it, without either" "$stats.plain"
		if [ "$1" = "$D/rt" ]; then
			printf '  %s%2d s: reservation used %s ms of CPU, ran out of budget %s times%s\e[K\n' \
				"$dim" "$t" "$(($(stat_key usage_usec) / 1000))" \
				"$(stat_key nr_throttled)" "$off"
		else
			printf '  %s%2d s%s\e[K\n' "$dim" "$t" "$off"
		fi
		sleep 1
		printf '\e[3A'
	done
	wait
	row "$name" "$stats"
	row "beside it, without either" "$stats.plain"
	printf '\e[K\n'
}

sh "echo 70000 > $D/rt/qosres.budget"
# The reserved copies keep one line per job (-l), beside console.log, for
# a look at the late ones.
phase "in a 70% qosres reservation" /tmp/rt.stats "$D/rt" \
	chrt -o 0 "$PERIODIC" -l /tmp/rt.jobs 100000 60000 "$SECONDS_RUN" /tmp/rt.stats
sh "grep -E '^(usage_usec|nr_periods|nr_throttled)' $D/rt/qosres.stat"
sh "echo 0 > $D/rt/qosres.budget"
phase "under SCHED_DEADLINE 70/100 ms" /tmp/dl.stats "$D/dl" \
	chrt -d --sched-runtime 70000000 --sched-deadline 100000000 \
	--sched-period 100000000 0 "$PERIODIC" -l /tmp/dl.jobs 100000 60000 \
	"$SECONDS_RUN" /tmp/dl.stats
chrt -o -p 0 $$
find "$D" -depth -type d -exec rmdir {} \;

# The verdict, from the counts above. As good as SCHED_DEADLINE means at
# most ALLOW more misses than it had; far fewer than without either means
# at most a quarter of the plain copy's, and the plain copy must have
# missed a quarter of its periods or more (else the hogs showed nothing).
ALLOW=2
read -r rt_periods _ rt_missed _ 2>/dev/null </tmp/rt.stats || rt_periods=0 rt_missed=0
read -r dl_periods _ dl_missed _ 2>/dev/null </tmp/dl.stats || dl_periods=0 dl_missed=0
read -r pl_periods _ pl_missed _ 2>/dev/null </tmp/rt.stats.plain || pl_periods=0 pl_missed=0
read -r pl2_periods _ pl2_missed _ 2>/dev/null </tmp/dl.stats.plain || pl2_periods=0 pl2_missed=0
cp /tmp/rt.jobs demo-qosres.jobs 2>/dev/null
cp /tmp/dl.jobs demo-deadline.jobs 2>/dev/null
# The longest step of a job's CPU clock, in ms: a vCPU the host did not
# run while the job did, charged to it (tests/tools/periodic.c, burn()).
longest_stall() {
	awk '$6 > m { m = $6 } END { print int(m / 1000) }' "$1" 2>/dev/null
}
rt_stall=$(longest_stall /tmp/rt.jobs)
dl_stall=$(longest_stall /tmp/dl.jobs)

ran=0 as_dl=0 beats_plain=0
[ "$rt_periods" -gt 0 ] && [ "$dl_periods" -gt 0 ] && [ "$pl_periods" -gt 0 ] && ran=1
[ $ran = 1 ] && [ "$rt_missed" -le $((dl_missed + ALLOW)) ] && as_dl=1
[ $ran = 1 ] && [ $((4 * rt_missed)) -le "$pl_missed" ] &&
	[ $((4 * pl_missed)) -ge "$pl_periods" ] && beats_plain=1

step "Verdict"
if [ $surprises = 0 ]; then
	printf '  Every step of the walk-through answered as its note says.\n'
else
	printf '  %s%s steps of the walk-through did not answer as their notes say.%s\n' \
		"$red" "$surprises" "$off"
fi
printf '  Deadlines missed in %s s: the reservation %s of %s, SCHED_DEADLINE %s of %s,\n' \
	"$SECONDS_RUN" "$rt_missed" "$rt_periods" "$dl_missed" "$dl_periods"
printf '  without either %s of %s (beside the reservation) and %s of %s (beside\n' \
	"$pl_missed" "$pl_periods" "$pl2_missed" "$pl2_periods"
printf '  SCHED_DEADLINE). The longest vCPU stall charged to a job: %s ms in the\n' "${rt_stall:-?}"
printf '  reservation, %s ms under SCHED_DEADLINE.\n' "${dl_stall:-?}"
if [ $ran = 0 ]; then
	printf '  %sNot shown: a copy of the job did not run (see above).%s\n' "$red" "$off"
elif [ $as_dl = 1 ] && [ $beats_plain = 1 ]; then
	if [ "$rt_missed" = 0 ]; then
		printf '  %sThe reserved copy met every deadline, whatever the hogs did;%s\n' "$green" "$off"
	else
		printf '  %sThe reserved copy missed %s, as SCHED_DEADLINE did (%s, at most %s more allowed);%s\n' \
			"$green" "$rt_missed" "$dl_missed" "$ALLOW" "$off"
	fi
	printf '  %sthe plain copy, next to nice -20 hogs, missed %s.%s\n' "$green" "$pl_missed" "$off"
else
	[ $as_dl = 1 ] ||
		printf '  %sNot as good as SCHED_DEADLINE: the reservation missed %s, more than %s + %s.%s\n' \
			"$red" "$rt_missed" "$dl_missed" "$ALLOW" "$off"
	[ $beats_plain = 1 ] || [ $((4 * pl_missed)) -ge "$pl_periods" ] ||
		printf '  %sNothing to compare: the hogs left the plain copy on time (%s of %s missed).%s\n' \
			"$red" "$pl_missed" "$pl_periods" "$off"
	[ $beats_plain = 1 ] || [ $((4 * pl_missed)) -lt "$pl_periods" ] ||
		printf '  %sNot far fewer than without: the reservation missed %s, the plain copy %s.%s\n' \
			"$red" "$rt_missed" "$pl_missed" "$off"
fi
echo

# The same as TAP, beside console.log, for tests/run.
if [ -w . ]; then
	okif() { [ "$1" = 1 ] && echo "ok $2" || echo "not ok $2"; }
	{
		echo 1..4
		okif $ran "1 - the job ran in a reservation ($rt_periods periods), under SCHED_DEADLINE ($dl_periods) and without ($pl_periods)"
		okif $as_dl "2 - the reservation misses $rt_missed deadlines, SCHED_DEADLINE $dl_missed (at most $ALLOW more allowed; longest stalls charged to a job ${rt_stall:-?} and ${dl_stall:-?} ms)"
		okif $beats_plain "3 - the reservation misses $rt_missed, without either $pl_missed of $pl_periods (at most a quarter of those allowed)"
		okif $((surprises == 0)) "4 - every step of the walk-through answered as its note says ($surprises did not)"
	} >demo.tap
fi
[ $ran = 1 ] && [ $as_dl = 1 ] && [ $beats_plain = 1 ] && [ $surprises = 0 ]
