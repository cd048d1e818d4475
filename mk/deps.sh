#!/usr/bin/env bash
# Install the Debian 12 packages a target needs, if any are missing.
#
#   mk/deps.sh build|test|demo|bench
#
# Runs apt-get update once before the first install, as root or via sudo.
set -euo pipefail

build="build-essential flex bison bc libelf-dev libssl-dev cpio xz-utils
	perl python3 linux-source-6.12 qemu-system-x86 pkg-config libcgroup-dev
	go-md2man"
guest="bats bats-assert bats-support bash-builtins stress-ng rt-tests rt-app
	cgroup-tools inotify-tools util-linux procps crun runc busybox-static
	systemd man-db"

case ${1:-} in
build) want=$build ;;
test | demo) want="$build $guest" ;;
bench) want="$build $guest gnuplot-nox" ;;
*) echo "usage: mk/deps.sh build|test|demo|bench" >&2; exit 2 ;;
esac

missing=
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
echo "  APT    $missing"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
# shellcheck disable=SC2086
$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
