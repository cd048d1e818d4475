#!/bin/bash
# The qosres demo, run as root inside the test guest by `make demo`.
# Every step shows the command a user would type and what the kernel
# answered.
CG=/sys/fs/cgroup
D=$CG/demo
TOP=$(cd "$(dirname "$0")/.." && pwd)
PERIODIC=$TOP/build/tools/periodic
SECONDS_RUN=${QOSRES_DEMO_SECONDS:-15}

bold=$'\e[1m' dim=$'\e[2m' red=$'\e[31m' green=$'\e[32m' off=$'\e[0m'

step() {
	printf '\n%s== %s ==%s\n' "$bold" "$*" "$off"
}

note() {
	printf '%s%s%s\n' "$dim" "$*" "$off"
}

# sh CMD: show a shell command, run it, show its output or its error.
sh() {
	local out status
	printf '%s$ %s%s\n' "$green" "$*" "$off"
	out=$(bash -c "$*" 2>&1)
	status=$?
	[ -n "$out" ] && printf '%s\n' "$out" | sed 's/^/  /'
	[ $status = 0 ] || printf '  %s(refused: exit status %d)%s\n' "$red" "$status" "$off"
	return 0
}

# as_user UID CMD: show and run a command as an unprivileged user.
as_user() {
	local uid=$1
	shift
	printf '%s[uid %s]$ %s%s\n' "$green" "$uid" "$*" "$off"
	setpriv --reuid "$uid" --regid "$uid" --clear-groups bash -c "$*" 2>&1 |
		sed 's/^/  /'
	[ "${PIPESTATUS[0]}" = 0 ] || printf '  %s(refused)%s\n' "$red" "$off"
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
sh "mkdir $D/big && echo 60000 > $D/big/qosres.budget"
sh "cat $D/big/qosres.events"
note "SCHED_DEADLINE sees the same room: a 50% deadline task no longer fits either."
sh "chrt -d --sched-runtime 50000000 --sched-deadline 100000000 --sched-period 100000000 0 true"
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
as_user 1000 "echo 30000 > $D/user-1000/app2/qosres.budget"
as_user 1000 "echo 20000 > $D/user-1000/app2/qosres.budget"
note "Nor can the user raise its own cap:"
as_user 1000 "echo max > $D/user-1000/qosres.max"
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

step "Reservations at work: a periodic job under CPU hogs, with and without"
note "The job needs 60 ms of CPU every 100 ms (60% of a CPU); its deadline is"
note "the next release. Two copies run: one in a 70% reservation, one as a plain"
note "task. Then two CPU hogs per CPU start at nice -20 in another cgroup."
# The demo itself runs SCHED_FIFO, below reservations, so that the hogs do
# not starve it; what it starts is reset to SCHED_OTHER.
chrt -f -p 1 $$
sh "mkdir $D && echo +qosres > $D/cgroup.subtree_control"
sh "mkdir $D/rt $D/plain $D/hogs"
sh "echo 70000 > $D/rt/qosres.budget"
run_in() {
	local cg=$1
	shift
	(echo "$BASHPID" >"$cg/cgroup.procs" && exec chrt -o 0 "$@") &
}
run_in "$D/rt" "$PERIODIC" 100000 60000 "$SECONDS_RUN" /tmp/rt.stats
run_in "$D/plain" "$PERIODIC" 100000 60000 "$SECONDS_RUN" /tmp/plain.stats
sleep 1
printf '%s$ nice -n -20 stress-ng --cpu %d --cpu-method loop &   # in %s%s\n' \
	"$green" $((2 * $(nproc))) "$D/hogs" "$off"
run_in "$D/hogs" nice -n -20 stress-ng --quiet --cpu $((2 * $(nproc))) \
	--cpu-method loop --timeout "${SECONDS_RUN}s"

row() {
	local name=$1 file=$2 periods=0 jobs=0 missed=0 worst=0
	[ -f "$file" ] && read -r periods jobs missed worst <"$file"
	printf '  %-22s %8s %8s %8s %10s ms\e[K\n' "$name" "$periods" "$jobs" \
		"$missed" "$((worst / 1000)).$(((worst % 1000) / 100))"
}

printf '\n  %-22s %8s %8s %8s %13s\n' "" periods jobs missed "worst response"
for t in $(seq "$SECONDS_RUN"); do
	row "in a 70% reservation" /tmp/rt.stats
	row "without a reservation" /tmp/plain.stats
	printf '  %s%2d s: reservation used %s ms of CPU, ran out of budget %s times%s\e[K\n' \
		"$dim" "$t" "$(($(stat_key usage_usec) / 1000))" \
		"$(stat_key nr_throttled)" "$off"
	sleep 1
	printf '\e[3A'
done
wait
row "in a 70% reservation" /tmp/rt.stats
row "without a reservation" /tmp/plain.stats
printf '\n'
note "The reserved copy meets its deadlines whatever the hogs do; the plain one"
note "gets what CFS gives a nice 0 task next to nice -20 hogs: almost nothing."
chrt -o -p 0 $$
find "$D" -depth -type d -exec rmdir {} \;
echo
