# Shared by the guest suites: run as root inside the test guest, on the
# real cgroupfs at /sys/fs/cgroup.

# bats_load_library would run each library's load.bash, which forks
# dirname once per file: two seconds a test under TCG. Source the same
# files directly.
for lib in bats-support bats-assert; do
	for f in "${BATS_LIB_PATH:-/usr/lib/bats}/$lib"/src/*.bash; do
		# shellcheck disable=SC1090
		source "$f"
	done
done

# Under TCG an exec costs 50 to 200 ms, and setup and teardown alone made
# six a test: what they need is bash's own, or one of the loadable
# builtins the harness enables (tests/harness/guest-bashenv).

CG=/sys/fs/cgroup
# The CPUs there are, online or not (nproc --all), without an exec.
cpu_dirs=(/sys/devices/system/cpu/cpu[0-9]*)
NCPUS=${#cpu_dirs[@]}
unset cpu_dirs

# Enable the controllers the tests use and give each test a fresh parent
# cgroup, $T, with qosres (and cpuset) enabled for its children.
qosres_setup() {
	local controllers
	read -r controllers <"$CG/cgroup.controllers"
	[[ " $controllers " = *" qosres "* ]] ||
		fail "qosres is not in $CG/cgroup.controllers"
	echo "+qosres +cpuset" >"$CG/cgroup.subtree_control"
	T=$CG/t$BATS_TEST_NUMBER
	mkdir "$T"
	echo "+qosres +cpuset" >"$T/cgroup.subtree_control"
}

# cg_tree DIR: DIR and the cgroups below it, children before parents, into
# the array tree.
cg_tree() {
	local child
	for child in "$1"/*/; do
		[ -d "$child" ] && cg_tree "${child%/}"
	done
	tree+=("$1")
}

# depopulated CGROUP [TENTHS]: its tasks are all gone within TENTHS of a
# second (default 100).
depopulated() {
	local i
	for ((i = 0; i < ${2:-100}; i++)); do
		[ "$(stat_key "$1/cgroup.events" populated)" = 0 ] && return 0
		sleep 0.1
	done
	return 1
}

# Remove a cgroup tree: kill what runs in it, then the cgroups, children
# first; its reservations end with it.
cg_remove() {
	local tree=()
	[ -d "$1" ] || return 0
	echo 1 >"$1/cgroup.kill"
	depopulated "$1" || true
	cg_tree "$1"
	rmdir "${tree[@]}"
}

qosres_teardown() {
	cg_remove "$T"
}

# cg_write FILE TEXT: write TEXT with one write(2), no newline added.
# Prints the error text (strerror) on failure.
cg_write() {
	local err
	if err=$( { printf '%s' "$2" >"$1"; } 2>&1); then
		return 0
	fi
	echo "${err##*: }"
	return 1
}

# stat_key FILE KEY: the value of KEY in a flat-keyed file. The file is
# read whole first: bash's read seeks back after each line, a seq_file
# then shows itself afresh, and a counter that gained a digit meanwhile
# shifts every line after it.
stat_key() {
	local key value text
	text=$(<"$1") || return 1
	while read -r key value; do
		if [ "$key" = "$2" ]; then
			echo "$value"
			return 0
		fi
	done <<<"$text"
	return 1
}

# mkres NAME BUDGET [PERIOD]: a child of $T holding a reservation.
mkres() {
	mkdir -p "$T/$1"
	if [ -n "${3:-}" ]; then
		echo "$2 $3" >"$T/$1/qosres.budget"
	else
		echo "$2" >"$T/$1/qosres.budget"
	fi
}

# What one CPU can take for reservations: the limit less the fair server.
cpu_room_ppm() {
	stat_key "$CG/qosres.stat" "cpu${1}_free_bw_ppm"
}

# start CGROUP CMD...: run CMD in CGROUP, in the background, as a normal
# task; its pid is added to pids. The move into the cgroup happens while
# still at the test's real-time priority, before any load can delay it.
start() {
	local cg=$1
	shift
	(echo "$BASHPID" >"$cg/cgroup.procs" && exec chrt -o 0 "$@") &
	pids+=($!)
}

# known ISSUE WHAT CMD...: CMD is an assertion (its status tells, as it
# runs where set -e does not) that fails today for a bug
# an open issue is to fix. If it fails, the test ends as a skip naming the
# issue ("known bug, issue N: WHAT"), which tests/run accepts and counts as
# skipped; if it holds, the test fails, so that the mark goes with the bug.
known() {
	local issue=$1 what=$2
	shift 2
	if ("$@"); then
		fail "holds now, remove the known-bug mark (issue $issue): $what"
	fi
	skip "known bug, issue $issue: $what"
}

# allow_seconds SECONDS...: a test of this suite may run the longest of
# SECONDS, if that is more than the harness's BATS_TEST_TIMEOUT; for
# suites whose loops grow with make test-full's knobs.
allow_seconds() {
	local need
	for need in "$@"; do
		[ "${BATS_TEST_TIMEOUT:-0}" -ge "$need" ] || BATS_TEST_TIMEOUT=$need
	done
}

# reap [-SIGNAL] PID...: signal the PIDs (SIGKILL unless told) and wait for
# them. Never a bare "wait": bats' BATS_TEST_TIMEOUT watchdog is a
# background job of the test too, and a bare wait would wait for it.
reap() {
	local sig=-9
	if [[ ${1:-} = -* ]]; then
		sig=$1
		shift
	fi
	[ $# = 0 ] && return 0
	kill "$sig" "$@" 2>/dev/null
	wait "$@" 2>/dev/null
	return 0
}

# spin CGROUP: a CPU hog in CGROUP, as start runs it.
spin() {
	start "$1" bash -c 'while :; do :; done'
}

# measure WHAT...: over SECS s (the suite sets SECS), in tenths of a
# percent of one CPU, the CPU time of the processes WHAT (from
# /proc/PID/stat), or of a cgroup WHAT (from its qosres.stat usage_usec).
# One process reads the clock and the counters, at a real-time priority,
# so the window is the same for both whatever the load.
measure() {
	chrt -f 90 /usr/bin/python3 - "$SECS" "$@" <<'EOF'
import os, sys, time
hz = os.sysconf("SC_CLK_TCK")

def cpu_seconds(what):
    if what.startswith("/"):
        for line in open(what + "/qosres.stat"):
            key, value = line.split(None, 1)
            if key == "usage_usec":
                return int(value) / 1e6
    fields = open("/proc/%s/stat" % what).read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / hz

def total():
    return time.monotonic(), sum(cpu_seconds(w) for w in sys.argv[2:])

t0, c0 = total()
time.sleep(float(sys.argv[1]))
t1, c1 = total()
print(int(round((c1 - c0) / (t1 - t0) * 1000)))
EOF
}

# within VALUE LOW HIGH (tenths of a percent)
within() {
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ] ||
		fail "$1/10 % is outside [$2/10, $3/10] %"
}

# check_consistent: every qosres sum in the hierarchy adds up (see
# lib/check-consistent.awk).
check_consistent() {
	local out
	out=$(find "$CG" -type d -not -path '*/.*' |
		awk -v root="$CG" -v ncpus="$NCPUS" -f "${BASH_SOURCE[0]%/*}/lib/check-consistent.awk") ||
		fail "$out"
}

# cpuset_warnings: how many "do not fit" warnings the kernel has logged.
cpuset_warnings() {
	dmesg | grep -c 'do not fit their new cpuset' || true
}

# cpu_ticks PID: the CPU time PID has had, in clock ticks.
cpu_ticks() {
	local stat fields
	stat=$(<"/proc/$1/stat") || return 1
	read -ra fields <<<"${stat##*) }"
	echo $((fields[11] + fields[12]))
}

# still_run PID...: each PID gets CPU time within 3 s.
still_run() {
	local pid before=() i
	for pid in "$@"; do
		before+=("$(cpu_ticks "$pid")") || fail "$pid is gone"
	done
	for _ in $(seq 30); do
		sleep 0.1
		i=0
		for pid in "$@"; do
			[ "$(cpu_ticks "$pid")" -gt "${before[i]}" ] || continue 2
			i=$((i + 1))
		done
		return 0
	done
	fail "not every one of $* ran in 3 s"
}
