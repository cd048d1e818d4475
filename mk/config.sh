#!/usr/bin/env bash
# Make OBJ_DIR/.config: tinyconfig with the given fragments merged on top.
#
#   mk/config.sh SRC_DIR OBJ_DIR FRAGMENT...
#
# Regenerated only when a fragment changed, so an unchanged config never
# triggers a full rebuild. Fails if a requested option did not survive
# olddefconfig (a missing dependency), naming the option.
set -euo pipefail

src=$1 obj=$2
shift 2
mkdir -p "$obj"
digest=$(cat "$@" | sha256sum | cut -d' ' -f1)
if [ -f "$obj/.config" ] && [ "$(cat "$obj/.config.fragments" 2>/dev/null)" = "$digest" ]; then
	exit 0
fi

echo "  CONFIG  tinyconfig + $*"
make -s -C "$src" O="$(realpath "$obj")" tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$@" >/dev/null
make -s -C "$src" O="$(realpath "$obj")" olddefconfig >/dev/null

missing=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		if ! grep -qx -- "$line" "$obj/.config"; then
			echo "mk/config.sh: $line did not survive olddefconfig" >&2
			missing=1
		fi
		;;
	esac
done < <(cat "$@")
[ "$missing" = 0 ] || exit 1
echo "$digest" >"$obj/.config.fragments"
