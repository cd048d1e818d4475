#!/usr/bin/env bash
# Work on the GSP series as git commits.
#
#   mk/gsp-edit.sh checkout   build/gsp-work: a git repo of the kernel files
#                             the series touches, pristine, then the series
#                             applied with git am, one commit per patch
#   mk/gsp-edit.sh fixup REV  fold the uncommitted edits in build/gsp-work
#                             into the patch REV (a commit or :/subject)
#   mk/gsp-edit.sh export     write those commits back to gsp/ (series too)
#
# New patches are new commits in build/gsp-work, made between the two.
# FILES=... adds kernel files that a new patch is about to touch.
set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
work=$top/build/gsp-work
tarball=${KERNEL_TARBALL:-/usr/src/linux-source-6.12.tar.xz}
git=(git -C "$work" -c user.name=qosres -c user.email=qosres@example.org)

touched() {
	sed -n 's|^+++ b/||p' "$top"/gsp/*.patch | sort -u
	for f in ${FILES:-}; do echo "$f"; done
}

case ${1:-} in
checkout)
	rm -rf "$work"
	mkdir -p "$work"
	tar -xJf "$tarball" -C "$work" --strip-components=1 --wildcards \
		$(touched | sed 's|^|*/|')
	"${git[@]}" init -q
	"${git[@]}" add -A
	"${git[@]}" commit -q -m pristine
	"${git[@]}" tag pristine
	for p in $(grep -v '^#' "$top/gsp/series"); do
		"${git[@]}" am -q "$top/gsp/$p"
	done
	"${git[@]}" log --oneline
	;;
fixup)
	"${git[@]}" commit -q -a --fixup="${2:?usage: mk/gsp-edit.sh fixup REV}"
	GIT_SEQUENCE_EDITOR=: "${git[@]}" rebase -q -i --autosquash pristine
	"${git[@]}" log --oneline
	;;
export)
	rm -f "$top"/gsp/*.patch
	"${git[@]}" format-patch -q --signoff --zero-commit --no-signature \
		-o "$top/gsp" pristine
	(cd "$top/gsp" && ls ./*.patch | sed 's|^\./||') >"$top/gsp/series"
	cat "$top/gsp/series"
	;;
*)
	echo "usage: mk/gsp-edit.sh checkout|fixup REV|export" >&2
	exit 2
	;;
esac
