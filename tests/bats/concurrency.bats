#!/usr/bin/env bats
# budget: 45
# guest: lockdep
# Concurrent writers: 8 processes hammer every qosres file, a cpuset,
# SCHED_DEADLINE admission and CPU hotplug (one after the other, see
# hammer_deadline) for QOSRES_HAMMER_SECONDS (default 12; make test-full
# 30). Each hammer counts what it got done and the errors it met, by their
# text: every kind of change must have happened, and every error must be
# one the contract gives. Afterwards every sum must still add up and, once
# all is removed, nothing may be left over. make test-full runs it under
# lockdep: its writers take the locks of every path at once.

load helpers

WRITERS=8
SECONDS_RUN=${QOSRES_HAMMER_SECONDS:-12}
# The hammers, then the checks and the removal (slow on KASAN): well
# inside this.
allow_seconds $((SECONDS_RUN * 2 + 120))

setup() {
	qosres_setup
	mkdir -p "$T/p" "$T/q"
	echo +qosres >"$T/p/cgroup.subtree_control"
	echo +qosres >"$T/q/cgroup.subtree_control"
	# No hammer writes T's cap: all it holds fits on CPU 0 beside the
	# fair server, so an offline is refused only for a SCHED_DEADLINE
	# task's bandwidth, and hotplug cycles whatever the files hammers do.
	echo "85000 100000" >"$T/qosres.max"
	echo "60000 100000" >"$T/p/qosres.max"
	for i in 0 1 2 3; do
		mkdir "$T/p/c$i" "$T/q/d$i"
	done
	base_root=$(stat_key "$CG/qosres.stat" reserved_bw_ppm)
	# Where each hammer leaves its counts (KIND.PID.ok, "KEY N" a line)
	# and its errors (KIND.PID.err, as the shell or chrt printed them).
	E=$BATS_TEST_TMPDIR
}

teardown() {
	echo 1 >/sys/devices/system/cpu/cpu1/online
	qosres_teardown
}

# random_value FILE: sets value to a random text for FILE: mostly valid,
# some malformed or out of range.
random_value() {
	case $1 in
	budget)
		case $((RANDOM % 6)) in
		0) value=0 ;;
		1) value="$((RANDOM * 3 + 100)) $((RANDOM * 10 + 1000))" ;;
		2) value=garbage ;;
		*) value=$((RANDOM * 4)) ;;
		esac
		;;
	period) value=$((RANDOM * 30 + 900)) ;;
	max)
		case $((RANDOM % 3)) in
		0) value=max ;;
		*) value="$((RANDOM * 4)) 100000" ;;
		esac
		;;
	mode) [ $((RANDOM % 2)) = 0 ] && value=hard || value=soft ;;
	feedback) value="kernel window=$((RANDOM % 70))" ;;
	esac
}

# Each hammer runs with its stderr in $E/KIND.PID.err and prints its
# counts, "KEY N" a line, to stdout ($E/KIND.PID.ok).

# Writes to every qosres file; counts the accepted ones by file.
hammer_files() {
	local end=$((SECONDS + SECONDS_RUN)) dirs=("$T"/p/c[0-9] "$T"/q/d[0-9] "$T/p") f value
	local files=(budget budget budget period max mode feedback) k
	local -A accepted=()
	while [ $SECONDS -lt $end ]; do
		f=${files[RANDOM % ${#files[@]}]}
		random_value "$f"
		if echo "$value" >"${dirs[RANDOM % ${#dirs[@]}]}/qosres.$f"; then
			accepted[$f]=$((${accepted[$f]:-0} + 1))
		fi
	done
	for k in "${!accepted[@]}"; do
		echo "$k ${accepted[$k]}"
	done
}

# Changes q's cpuset; counts the changes made.
hammer_cpuset() {
	local end=$((SECONDS + SECONDS_RUN)) sets=(0 1 0-1) ok=0
	while [ $SECONDS -lt $end ]; do
		if echo "${sets[RANDOM % 3]}" >"$T/q/cpuset.cpus"; then
			ok=$((ok + 1))
		fi
		sleep 0.2
	done
	echo "changed $ok"
}

# SCHED_DEADLINE tasks come and go in the first half, CPU 1 in the second:
# in 6.12 a SCHED_DEADLINE task that exits on a CPU going offline divides
# by zero when its bandwidth is released (inactive_task_timer(), __dl_sub()
# with no active CPU left in its root domain). Upstream's, not qosres's;
# the files and cpuset writers overlap both. Under TCG beside 7 busy
# hammers one chrt can take seconds, so each half makes at least a few
# attempts however long they take. Counts the admissions.
hammer_deadline() {
	local end=$((SECONDS + SECONDS_RUN / 2 - 1)) ok=0 tries=0
	while [ $SECONDS -lt $end ] || [ $tries -lt 4 ]; do
		tries=$((tries + 1))
		if chrt -d --sched-runtime $(((RANDOM % 40 + 1) * 1000000)) \
			--sched-deadline 100000000 --sched-period 100000000 \
			0 true; then
			ok=$((ok + 1))
		fi
	done
	echo "admitted $ok"
	: >"$E/deadline.done"
}

# Takes CPU 1 offline and back once the SCHED_DEADLINE tasks are done;
# counts the whole cycles. An offline the reservations do not fit is
# refused (EBUSY): it tries again soon.
hammer_hotplug() {
	local end=$((SECONDS + SECONDS_RUN)) cycles=0 tries=0
	local online=/sys/devices/system/cpu/cpu1/online
	until [ -e "$E/deadline.done" ]; do
		sleep 0.1
	done
	while [ $SECONDS -lt $end ] || [ $tries -lt 2 ]; do
		tries=$((tries + 1))
		if echo 0 >$online; then
			sleep 0.5
			if echo 1 >$online; then
				cycles=$((cycles + 1))
			fi
			sleep 0.5
		else
			sleep 0.1
		fi
	done
	echo "cycles $cycles"
}

# judge KIND "KEY..." "ERROR|...": the hammers of KIND each did every KEY
# at least once between them, and met no error but those listed (strerror
# texts, "" for none). Reports both; adds what is wrong to $wrong.
judge() {
	local kind=$1 keys=$2 allowed=$3 counts errors key n text
	counts=$(cat "$E/$kind".*.ok | awk '{ n[$1] += $2 } END { for (k in n) print k, n[k] }' | sort)
	errors=$(sed 's/.*: //' "$E/$kind".*.err | sort | uniq -c)
	echo "# $kind: $(awk '{ printf "%s%s", (NR > 1 ? ", " : ""), $0 }' <<<"$counts");" \
		"errors: $(awk 'NF { $1 = $1; printf "%s%s", (n++ ? ", " : ""), $0 } END { if (!n) printf "none" }' <<<"$errors")" >&3
	for key in $keys; do
		n=$(awk -v k="$key" '$1 == k { print $2 }' <<<"$counts")
		[ "${n:-0}" -gt 0 ] || wrong+=" $kind: no $key;"
	done
	while read -r n text; do
		[ -n "$text" ] || continue
		[[ "|$allowed|" = *"|$text|"* ]] || wrong+=" $kind: $n x '$text';"
	done <<<"$errors"
}

@test "$WRITERS concurrent writers for $SECONDS_RUN s: every kind of change is made, errors are the contract's, every sum adds up" {
	local pids=() wrong=
	for i in $(seq $((WRITERS - 3))); do
		hammer_files >"$E/files.$i.ok" 2>"$E/files.$i.err" &
		pids+=($!)
	done
	hammer_cpuset >"$E/cpuset.1.ok" 2>"$E/cpuset.1.err" &
	pids+=($!)
	hammer_deadline >"$E/deadline.1.ok" 2>"$E/deadline.1.err" &
	pids+=($!)
	hammer_hotplug >"$E/hotplug.1.ok" 2>"$E/hotplug.1.err" &
	pids+=($!)
	for pid in "${pids[@]}"; do
		wait "$pid" || wrong+=" a hammer exited $?;"
	done
	echo 1 >/sys/devices/system/cpu/cpu1/online

	# Writes refused as malformed or out of range, or by admission.
	judge files "budget period max mode feedback" \
		"Invalid argument|Device or resource busy"
	# cpuset does not ask qosres (docs/design.md, "Not yet").
	judge cpuset changed ""
	judge deadline admitted "Device or resource busy"
	judge hotplug cycles "Device or resource busy"
	[ -z "$wrong" ] || fail "$wrong"

	check_consistent
	max=$(<"$T/p/qosres.max")
	if [ "$max" != max ]; then
		read -r max_budget max_period <<<"$max"
		[ "$(stat_key "$T/p/qosres.stat" reserved_bw_ppm)" -le \
		  $((max_budget * 1000000 / max_period)) ] || fail "p exceeds its cap"
	fi

	# Removing everything gives back every ppm.
	cg_remove "$T/p"
	cg_remove "$T/q"
	[ "$(stat_key "$CG/qosres.stat" reserved_bw_ppm)" = "$base_root" ]
	[ "$(stat_key "$CG/qosres.stat" cpu0_reserved_bw_ppm)" = 0 ]
	[ "$(stat_key "$CG/qosres.stat" cpu1_reserved_bw_ppm)" = 0 ]
}
