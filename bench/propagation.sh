#!/bin/sh
# The propagation sweep (README "cutover propagation"; bench/README.md):
# 100 resolvers x 10 names, against
#   - the same sweeps where every resolver drops every query (the dead-resolver
#     worst case: one --timeout per sweep if the queries go out at once), and
#   - a shell loop of dig asking the same 100 x 10 questions one after another.
# It starts the loopback test world (tests/world) in DIR, one unbound listening
# on 100 addresses (127.53.15.1-100) and one that drops every query on 100
# more (127.53.16.1-100). Run as root, best in a network namespace:
#
#   unshare -n sh -c 'ip link set lo up && CUTOVER=build/cutover sh bench/propagation.sh'
#
#   BENCH_RUNS   sweeps of the 10 names timed per case; medians (default 5)
set -u
CUTOVER=${CUTOVER:-build/cutover}
RUNS=${BENCH_RUNS:-5}
TOP=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$TOP" || exit 2
DIR=$(mktemp -d "${TMPDIR:-/tmp}/cutover-propbench.XXXXXX") || exit 2
cleanup() {
	for p in "$DIR"/ub-*/pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
	sh tests/world/stop.sh "$DIR/world" >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
sh tests/world/start.sh "$DIR/world" >/dev/null || exit 2
. "$DIR/world/env"

# start_unbound NAME ACCESS PREFIX: one unbound on PREFIX.1-100 (tests/world/resolver.sh)
start_unbound() {
	addrs=$(i=1; while [ $i -le 100 ]; do echo "$3.$i"; i=$((i + 1)); done)
	echo "$addrs" >"$DIR/$1.txt"
	# shellcheck disable=SC2086
	sh tests/world/resolver.sh "$DIR/ub-$1" "$ROOT_HINTS" "$2" "" $addrs || exit 2
}
start_unbound live allow 127.53.15
start_unbound dead deny 127.53.16
names="good.test www.good.test mail.good.test www.prop.test prop.test slow.test www.slow.test moved.test same.test www.same.test"
# warm the caches: a sweep measures the resolvers' answers, not their recursion
for n in $names; do "$CUTOVER" propagation --no-db --no-site --root-hints "$ROOT_HINTS" --resolvers "$DIR/live.txt" --expect 192.0.2.1 "$n" >/dev/null 2>&1; done

now() { date +%s.%N; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }

# time_case LIST [extra options]: seconds for the 10 names, each one sweep
time_case() {
	list=$1
	shift
	t0=$(now)
	for n in $names; do
		"$CUTOVER" propagation --no-db --no-site --root-hints "$ROOT_HINTS" --resolvers "$list" \
			--expect 192.0.2.1 "$@" "$n" >/dev/null 2>&1
	done
	t1=$(now)
	echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}'
}

dig_loop() {
	t0=$(now)
	for n in $names; do
		while read -r a; do
			dig +tries=1 +time=2 +short @"$a" "$n" A >/dev/null 2>&1
		done <"$DIR/live.txt"
	done
	t1=$(now)
	echo "$t0 $t1" | awk '{printf "%.3f\n", $2 - $1}'
}

live=$(i=0; while [ $i -lt "$RUNS" ]; do time_case "$DIR/live.txt"; i=$((i + 1)); done | median)
dead=$(i=0; while [ $i -lt "$RUNS" ]; do time_case "$DIR/dead.txt" --timeout 2000; i=$((i + 1)); done | median)
digs=$(i=0; while [ $i -lt 1 ]; do dig_loop; i=$((i + 1)); done | median)
echo "| case (100 resolvers x 10 names) | seconds | ratio |"
echo "| --- | ---: | ---: |"
echo "| cutover propagation, live resolvers | $live | 1 |"
echo "| cutover propagation, every resolver dead (--timeout 2000) | $dead | $(echo "$dead $live" | awk '{printf "%.1f", $1 / $2}') |"
echo "| shell loop of dig, live resolvers | $digs | $(echo "$digs $live" | awk '{printf "%.1f", $1 / $2}') |"
