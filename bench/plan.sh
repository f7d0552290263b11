#!/bin/sh
# The plan runner's cost per step (README "Plans"; bench/README.md): a plan of
# N steps that each run `true`, against
#   - a shell loop running `sh -c true` N times (what the steps cost by
#     themselves: the runner's overhead is the difference), and
#   - the same loop writing each step's start and end to SQLite with the
#     sqlite3 shell (a runbook script that keeps its place in a database, as
#     the runner does: two transactions a step).
# No DNS: the plan has no gate. Run from the top of the tree:
#
#   CUTOVER=build/cutover sh bench/plan.sh
#
#   BENCH_STEPS  steps in the plan (default 200)
#   BENCH_RUNS   runs timed per case; medians (default 5)
set -u
CUTOVER=${CUTOVER:-build/cutover}
STEPS=${BENCH_STEPS:-200}
RUNS=${BENCH_RUNS:-5}
TOP=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$TOP" || exit 2
command -v sqlite3 >/dev/null || { echo "bench: sqlite3 is not installed" >&2; exit 2; }
DIR=$(mktemp -d "${TMPDIR:-/tmp}/cutover-planbench.XXXXXX") || exit 2
trap 'rm -rf "$DIR"' EXIT
trap 'exit 130' INT

{
	echo "plan: bench"
	echo "phases:"
	echo "  - id: all"
	echo "    steps:"
	i=1
	while [ "$i" -le "$STEPS" ]; do
		echo "      - {id: s$i, run: \"true\"}"
		i=$((i + 1))
	done
} >"$DIR/plan.yml"

now() { date +%s.%N; }
# median of the numbers on standard input
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

run_plan() {
	rm -f "$DIR"/state.db*
	rm -rf "$DIR/plans"
	t0=$(now)
	"$CUTOVER" plan run --db "$DIR/state.db" "$DIR/plan.yml" >/dev/null || exit 2
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}
run_loop() {
	t0=$(now)
	i=1
	while [ "$i" -le "$STEPS" ]; do
		sh -c true
		i=$((i + 1))
	done
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}
run_sqlite_loop() {
	rm -f "$DIR/loop.db"
	sqlite3 "$DIR/loop.db" 'PRAGMA journal_mode=WAL; CREATE TABLE step (id TEXT PRIMARY KEY, status TEXT, at REAL);' >/dev/null
	t0=$(now)
	i=1
	while [ "$i" -le "$STEPS" ]; do
		sqlite3 "$DIR/loop.db" "INSERT OR REPLACE INTO step VALUES ('s$i', 'running', julianday('now'))"
		sh -c true
		sqlite3 "$DIR/loop.db" "INSERT OR REPLACE INTO step VALUES ('s$i', 'done', julianday('now'))"
		i=$((i + 1))
	done
	t1=$(now)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}

for case in plan loop sqlite_loop; do
	: >"$DIR/$case.times"
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		"run_$case" >>"$DIR/$case.times"
		r=$((r + 1))
	done
done
plan=$(median <"$DIR/plan.times")
loop=$(median <"$DIR/loop.times")
sq=$(median <"$DIR/sqlite_loop.times")
awk -v steps="$STEPS" -v runs="$RUNS" -v plan="$plan" -v loop="$loop" -v sq="$sq" 'BEGIN {
	printf "steps: %d, runs: %d (medians)\n", steps, runs
	printf "cutover plan run            %8.3f s  %6.2f ms a step\n", plan, plan * 1000 / steps
	printf "sh -c true loop             %8.3f s  %6.2f ms a step  (plan / loop: %.2fx)\n", loop, loop * 1000 / steps, plan / loop
	printf "loop + sqlite3 start/end    %8.3f s  %6.2f ms a step  (plan / this: %.2fx)\n", sq, sq * 1000 / steps, plan / sq
}'
