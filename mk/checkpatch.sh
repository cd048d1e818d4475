#!/usr/bin/env bash
# scripts/checkpatch.pl --strict on the kernel files qosres adds and on
# every patch of the gsp/ series. Fails on any error or warning.
#
#   mk/checkpatch.sh SRC_DIR
set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=$1
cp="$src/scripts/checkpatch.pl --strict --no-tree --terse --show-types"
status=0

for f in $(cd "$top" && find kernel include -name '*.[ch]' | sort); do
	out=$($cp -f "$top/$f" 2>&1) || status=1
	echo "${out:-$f: clean}" | grep -v '^total: 0 errors, 0 warnings'
done
for p in $(grep -v '^#' "$top/gsp/series"); do
	out=$($cp "$top/gsp/$p" 2>&1) || status=1
	echo "${out:-$p: clean}" | grep -v '^total: 0 errors, 0 warnings'
done
exit $status
