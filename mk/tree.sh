#!/usr/bin/env bash
# Assemble the qosres kernel source tree, incrementally.
#
#   mk/tree.sh SRC_DIR [--vanilla]
#
# 1. Unpack Linux 6.12 into SRC_DIR once: from $KERNEL_SRC (a directory)
#    if set, else from Debian's /usr/src/linux-source-6.12.tar.xz.
# 2. Bring the gsp/ series up to date: when gsp/ changed since the last
#    run, the old series is reversed and the new one applied. Any reject
#    fails loudly and leaves the tree pristine for the next attempt.
# 3. Copy kernel/ and include/ to the same paths, touching only files whose
#    content changed, so kbuild rebuilds only what an edit affects.
#
# With --vanilla, steps 2 and 3 are skipped: an unpatched tree of the same
# kernel version, for overhead comparisons.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
src=${1:?usage: mk/tree.sh SRC_DIR [--vanilla]}
vanilla=${2:-}
tarball=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
state=$src/.qosres

die() { echo "mk/tree.sh: $*" >&2; exit 1; }

unpack() {
	[ -f "$state/unpacked" ] && return
	rm -rf "$src"
	mkdir -p "$src"
	if [ -n "${KERNEL_SRC:-}" ]; then
		[ -f "$KERNEL_SRC/Makefile" ] || die "KERNEL_SRC=$KERNEL_SRC is not a kernel tree"
		echo "  TREE    copy $KERNEL_SRC"
		cp -a "$KERNEL_SRC/." "$src/"
	else
		[ -f "$tarball" ] || die "$tarball missing: apt-get install linux-source-6.12, or set KERNEL_SRC="
		echo "  TREE    unpack $tarball"
		tar -xJf "$tarball" -C "$src" --strip-components=1
	fi
	grep -q '^PATCHLEVEL = 12$' "$src/Makefile" || die "$src is not Linux 6.12"
	mkdir -p "$state"
	touch "$state/unpacked"
}

series_digest() {
	(cd "$top/gsp" && cat series $(grep -v '^#' series)) | sha256sum | cut -d' ' -f1
}

reverse_applied() {
	[ -f "$state/gsp/series" ] || return 0
	local p
	for p in $(grep -v '^#' "$state/gsp/series" | tac); do
		echo "  GSP     reverse $p"
		patch -d "$src" -p1 -R -s --no-backup-if-mismatch <"$state/gsp/$p" ||
			die "cannot reverse $p: remove $src and retry"
	done
	rm -rf "$state/gsp"
}

apply_series() {
	local p
	for p in $(grep -v '^#' "$top/gsp/series"); do
		[ -f "$top/gsp/$p" ] || die "gsp/series names missing $p"
		echo "  GSP     apply $p"
		if ! patch -d "$src" -p1 -s -N --no-backup-if-mismatch -r - <"$top/gsp/$p"; then
			die "gsp/$p does not apply to $(make -s -C "$src" kernelversion)"
		fi
	done
	mkdir -p "$state/gsp"
	cp "$top/gsp/series" $(sed -n '/^[^#]/s|^|'"$top"'/gsp/|p' "$top/gsp/series") "$state/gsp/"
	series_digest >"$state/gsp.sha256"
}

sync_series() {
	local want have=
	want=$(series_digest)
	[ -f "$state/gsp.sha256" ] && have=$(cat "$state/gsp.sha256")
	[ "$want" = "$have" ] && return
	reverse_applied
	# A failed apply must not leave half a series behind.
	if ! (apply_series); then
		rm -rf "$state/gsp"
		rm -f "$state/unpacked"
		exit 1
	fi
}

sync_overlay() {
	local f old
	old=$(cat "$state/overlay" 2>/dev/null || true)
	(cd "$top" && find kernel include -type f | sort) >"$state/overlay.new"
	while read -r f; do
		if ! cmp -s "$top/$f" "$src/$f"; then
			echo "  COPY    $f"
			mkdir -p "$(dirname "$src/$f")"
			cp "$top/$f" "$src/$f"
		fi
	done <"$state/overlay.new"
	# Files dropped from the overlay were ours alone: remove them.
	for f in $old; do
		grep -qx "$f" "$state/overlay.new" || rm -f "$src/$f"
	done
	mv "$state/overlay.new" "$state/overlay"
}

unpack
if [ "$vanilla" != --vanilla ]; then
	sync_series
	sync_overlay
fi
