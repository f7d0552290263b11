#!/bin/sh
# The allocation-failure audit (`make check-alloc`, issue 7 item 3), after
# curl's torture tests: run one small audit of the loopback test world once
# to count its allocations, then once per allocation N with the Nth made to
# fail, and judge every run.
#
# usage: CUTOVER=build-alloc/cutover sh tests/run-integration.sh tests/integration/alloc-torture.sh
# (what `make check-alloc` runs; by hand it starts a world of its own, like
# every integration test, through lib.sh). TAP: one test per run.
#
# CUTOVER must be built with `make ALLOC=1` (AddressSanitizer, LeakSanitizer
# and UBSan, and the counter in src/util.c): what fails is every allocation
# cutover makes through xmalloc/xcalloc/xrealloc (xstrdup, xasprintf, the
# arenas, the strbufs), and every allocation jansson makes for it (main()
# gives jansson xmalloc: json_set_alloc_funcs). Needs root (the world's
# servers use port 53); run it in a network namespace of its own to keep
# clear of other worlds:
#   unshare -n sh -c 'ip link set lo up && make check-alloc'
#
# Every run where the failure was reached must exit 3 with "cutover: out of
# memory", with no sanitizer report (a crash, a leak, undefined behaviour),
# never exit 0; the old report in the -o file must be left as it was and no
# temporary file left beside it. A run that made fewer allocations than N
# (the count can vary with the order answers come in) must pass as the
# first did.
#
# ALLOC_TORTURE_MAX (default 20000): when the audit makes more allocations
# than that, every N up to it is failed and the rest at a stride that keeps
# the total near it. ALLOC_TORTURE_JOBS (default 2): runs at once.

. "$(dirname "$0")/lib.sh"

MAX=${ALLOC_TORTURE_MAX:-20000}
JOBS=${ALLOC_TORTURE_JOBS:-2}

# LeakSanitizer checks at exit, exit() on out of memory included; a report
# aborts (exit 134), which no run may do.
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:symbolize=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# run.sh N: the audit with allocation N failed (0: none), in $TMP/run.N;
# prints one line: "ok N reached MESSAGE", "ok N unreached COUNT" or
# "bad N WHY"
cat >"$TMP/run.sh" <<'EOF'
n=$1 tmp=$TORTURE_TMP
d=$tmp/run.$n
mkdir "$d" "$d/out"
echo "the old report" >"$d/out/report.json"
CUTOVER_ALLOC_FAIL=$n CUTOVER_ALLOC_COUNT=$d/count "$CUTOVER" check --root-hints "$ROOT_HINTS" \
	-r tests/fixtures/rulesets/dns.yml -f json -o "$d/out/report.json" good.test >"$d/stdout" 2>"$d/stderr"
rc=$?
bad() {
	echo "bad $n $*"
	exit 0
}
[ -s "$d/count" ] || bad "exit $rc and no count written (a crash?): $(head -c 300 "$d/stderr")"
read -r count reached <"$d/count"
if grep -q -e Sanitizer -e 'runtime error' "$d/stderr"; then
	bad "exit $rc, sanitizer report: $(grep -m1 -e Sanitizer -e 'runtime error' "$d/stderr")"
fi
files=$(ls "$d/out" | tr '\n' ' ')
[ "$files" = "report.json " ] || bad "files left in the output directory: $files"
if [ "$reached" = 1 ]; then
	[ "$rc" = 3 ] || bad "allocation $n failed, exit $rc (want 3): $(head -c 300 "$d/stderr")"
	grep -q -E '^cutover: out of memory$' "$d/stderr" ||
		bad "exit 3 without a message of memory: $(head -c 300 "$d/stderr")"
	[ "$(cat "$d/out/report.json")" = "the old report" ] || bad "the old report was replaced"
	echo "ok $n reached $(grep -m1 '^cutover: ' "$d/stderr" | sed "s|$d/out/report.json|FILE|; s/ /_/g")"
else
	[ "$rc" = 0 ] || bad "no failure injected ($count allocations), exit $rc: $(head -c 300 "$d/stderr")"
	[ "$(jq -r '.status + " " + (.domains | join(" "))' "$d/out/report.json")" = "ok good.test" ] ||
		bad "no failure injected, and the report is not good.test ok"
	echo "ok $n unreached $count"
fi
rm -rf "$d"
EOF
TORTURE_TMP=$TMP
export CUTOVER ROOT_HINTS TORTURE_TMP

t0=$(date +%s)
line=$(sh "$TMP/run.sh" 0)
case $line in
"ok 0 unreached "*) total=${line#ok 0 unreached } ;;
*) bail_out "the audit without failures does not pass: $line" ;;
esac
t1=$(date +%s)
if [ "$total" -le "$MAX" ]; then
	seq 1 "$total" >"$TMP/ns"
	how="every N from 1 to $total"
else
	half=$((MAX / 2))
	stride=$(((total - half + half - 1) / half))
	{
		seq 1 "$half"
		seq $((half + 1)) "$stride" "$total"
	} >"$TMP/ns"
	how="every N from 1 to $half, then every ${stride}th to $total"
fi
note "the audit of good.test (rules dns.yml, -f json, -o FILE) makes $total counted allocations ($((t1 - t0)) s a run); failing $how, $JOBS at a time"

xargs -P "$JOBS" -n 1 sh "$TMP/run.sh" <"$TMP/ns" >"$TMP/results"
t2=$(date +%s)
sort -n -k2 "$TMP/results" >"$TMP/sorted"
while read -r verdict n what; do
	case $verdict in
	ok) pass "allocation $n failed: $(printf '%s' "$what" | sed 's/_/ /g')" ;;
	*) fail "allocation $n failed: $what" ;;
	esac
done <"$TMP/sorted"
runs=$(wc -l <"$TMP/ns")
is "$(wc -l <"$TMP/sorted")" "$runs" "a verdict for each of the $runs runs"
reached=$(grep -c '^ok [0-9]* reached' "$TMP/results")
note "$runs runs in $((t2 - t1)) s: $reached failed cleanly (exit 3, out of memory, no sanitizer report, the old report kept), $((runs - reached)) made fewer allocations or did not end cleanly"

done_testing
