#!/bin/sh
# A man page from one of docs/man/*.md, with Debian's go-md2man:
#
#   mk/md2man.sh docs/man/qosresctl.1.md >qosresctl.1
#
# The pages begin "# NAME(N)"; go-md2man takes its title as "% NAME N".
set -e
sed '1s/^# \(.*\)(\([0-9]\))$/% \1 \2/' "$1" | go-md2man
