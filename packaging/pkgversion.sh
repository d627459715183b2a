#!/bin/sh
# pkgversion.sh VERSION — the package version (.deb and .rpm) for a regkey
# version as `git describe --tags --always --dirty` prints it.
#
#   v1.2.3             -> 1.2.3
#   v1.2.3-rc.1        -> 1.2.3~rc.1          (sorts before 1.2.3)
#   v1.2.3-4-gabc1234  -> 1.2.3+4.gabc1234    (sorts after 1.2.3)
#   abc1234-dirty      -> 0.0.0~git.abc1234.dirty
#
# Only letters, digits, '.', '+' and '~' survive: dpkg and rpm both accept
# them, and neither accepts '-' inside an upstream version rpm can read.
set -eu
v=${1:-dev}
v=${v#v}
case $v in
[0-9]*.[0-9]*)
	base=$(printf '%s' "$v" | sed -E 's/^([0-9]+(\.[0-9]+)*)([-+].*)?$/\1/')
	rest=${v#"$base"}
	dirty=
	case $rest in *-dirty) dirty=.dirty; rest=${rest%-dirty} ;; esac
	if printf '%s' "$rest" | grep -Eq '^-[0-9]+-g[0-9a-f]+$'; then
		rest=$(printf '%s' "$rest" | sed -E 's/^-([0-9]+)-(g[0-9a-f]+)$/+\1.\2/')
	else
		case $rest in
		-*) rest="~${rest#-}" ;; # a pre-release
		esac
	fi
	out="$base$rest$dirty"
	;;
*)
	out="0.0.0~git.$v"
	;;
esac
printf '%s\n' "$out" | sed -E 's/[^A-Za-z0-9.+~]+/./g'
