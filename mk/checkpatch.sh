#!/usr/bin/env bash
# scripts/checkpatch.pl --strict on the kernel files qosres adds and on
# every patch of the gsp/ series. Fails on any error or warning; --strict
# CHECKs are shown (one remains: checkpatch reads the linker script line
# "*(__edf_rr_sched_class)" in vmlinux.lds.h as a multiplication).
#
#   mk/checkpatch.sh SRC_DIR
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=$1
cp="$src/scripts/checkpatch.pl --strict --no-tree --terse --show-types"
status=0

check() {
	local name=$1 out
	shift
	out=$($cp "$@" 2>&1)
	echo "${out:-$name: clean}" | grep -v '^total: 0 errors, 0 warnings'
	if grep -qE ': (ERROR|WARNING):' <<<"$out"; then
		status=1
	fi
}

for f in $(cd "$top" && find kernel include -name '*.[ch]' | sort); do
	check "$f" -f "$top/$f"
done
for p in $(grep -v '^#' "$top/gsp/series"); do
	check "$p" "$top/gsp/$p"
done
exit $status
