#!/bin/sh
# Run the integration tests (TAP, tests/integration/t*.sh) against one
# loopback DNS world started for the whole run and stopped on any exit.
# Needs root (the world's servers listen on port 53).
#
# usage: CUTOVER=path/to/cutover [DNSBENCH=path/to/dnsbench] sh tests/run-integration.sh [TEST...]
#
# DNSBENCH defaults to dnsbench beside CUTOVER. The tests get WORLD,
# ROOT_HINTS, RESOLVER, CA_FILE, CUTOVER, DNSBENCH and CUTOVER_SEEN_LOG (where lib.sh
# notes each finding code and status an assertion saw) in their environment;
# t0990, which checks that log against src/codes.h, always runs last. Exits
# with prove's status.
set -u

here=$(pwd -P)
TOP=$(cd "$(dirname "$0")/.." && pwd -P) || exit 2
cd "$TOP" || exit 2

if [ -z "${CUTOVER:-}" ]; then
	echo "run-integration: CUTOVER is not set (the path of the cutover binary)" >&2
	exit 2
fi
case $CUTOVER in /*) ;; *) CUTOVER=$here/$CUTOVER ;; esac
: "${DNSBENCH:=$(dirname "$CUTOVER")/dnsbench}"
case $DNSBENCH in /*) ;; *) DNSBENCH=$here/$DNSBENCH ;; esac
export CUTOVER DNSBENCH

tmp=$(mktemp -d "${TMPDIR:-/tmp}/cutover-integration.XXXXXX") || exit 2
cleanup() {
	sh "$TOP/tests/world/stop.sh" "$tmp/world"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

sh tests/world/start.sh "$tmp/world" || exit 2
. "$tmp/world/env"
export WORLD ROOT_HINTS RESOLVER CA_FILE

CUTOVER_SEEN_LOG=$tmp/seen
: >"$CUTOVER_SEEN_LOG"
export CUTOVER_SEEN_LOG

if [ $# -eq 0 ]; then
	set -- tests/integration/t*.sh
fi
# t0990 judges what the tests before it saw: move it to the end.
last=
for t; do
	shift
	case $t in
	*t0990-*) last=$t ;;
	*) set -- "$@" "$t" ;;
	esac
done
[ -z "$last" ] || set -- "$@" "$last"
# The tests are POSIX sh scripts: run them with sh whatever their mode bits.
prove -v --exec sh "$@"
