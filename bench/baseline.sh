#!/bin/sh
# What a baseline costs (README "Baselines"; bench/README.md): cutover check
# with --baseline FILE of N domains, 15 findings each (3 of them problems,
# as many as a report of the default rule set has), against the same run
# without it: wall time and peak RSS, medians. The run itself asks a
# resolver where nothing listens (127.0.0.1 port 9), so it does next to
# nothing and the difference is reading the baseline (marking a domain
# costs microseconds: a hash lookup a finding). No DNS world, no root. Run
# from the top of the tree:
#
#   CUTOVER=build/cutover sh bench/baseline.sh
#
#   BENCH_SIZES  domains in the baseline (default "1000 10000")
#   BENCH_RUNS   runs timed per case; medians (default 3)
set -u
CUTOVER=${CUTOVER:-build/cutover}
SIZES=${BENCH_SIZES:-1000 10000}
RUNS=${BENCH_RUNS:-3}
TOP=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$TOP" || exit 2
DIR=$(mktemp -d "${TMPDIR:-/tmp}/cutover-baselinebench.XXXXXX") || exit 2
trap 'rm -rf "$DIR"' EXIT
trap 'exit 130' INT
cc -O2 -o "$DIR/timeit" bench/timeit.c || exit 2

# baseline N FILE: a report of cutover check's shape, N domains
baseline() {
	awk -v n="$1" 'BEGIN {
		printf "{\n  \"version\": 1,\n  \"tool\": \"cutover 0.1.0\",\n  \"started\": \"2026-11-25T10:00:00Z\",\n  \"findings\": ["
		sep = "\n"
		for (d = 1; d <= n; d++) {
			dom = sprintf("d%06d.example.org", d)
			for (i = 0; i < 15; i++) {
				st = i < 2 ? "fail" : i < 3 ? "warn" : "ok"
				code = i < 2 ? "ttl.too-high" : i < 3 ? "soa.timers" : "ttl.ok"
				printf "%s    {\n      \"domain\": \"%s\",\n      \"check\": \"ttl\",\n      \"code\": \"%s\",\n      \"status\": \"%s\",\n      \"subject\": \"www%d.%s/A\",\n      \"server\": \"ns%d.provider.example/192.0.2.%d\",\n      \"message\": \"TTL 86400 is above 900: caches may keep the old value for hours after a change\"", sep, dom, code, st, i, dom, i % 2 + 1, i % 2 + 1
				if (st != "ok")
					printf ",\n      \"expected\": \"<= 900\",\n      \"actual\": \"86400\""
				printf "\n    }"
				sep = ",\n"
			}
		}
		printf "\n  ],\n  \"domains\": ["
		for (d = 1; d <= n; d++)
			printf "%s\n    \"d%06d.example.org\"", (d > 1 ? "," : ""), d
		printf "\n  ],\n  \"status\": \"fail\",\n  \"summary\": {}\n}\n"
	}' >"$2"
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# measure NAME ARG...: RUNS runs of cutover check ARG..., medians of wall
# time (ms) and peak RSS (KB) as "NAME WALL RSS"
measure() {
	name=$1
	shift
	: >"$DIR/wall"
	: >"$DIR/rss"
	r=0
	while [ "$r" -lt "$RUNS" ]; do
		"$DIR/timeit" "$DIR/t" "$CUTOVER" check --resolver 127.0.0.1#9 --timeout 10 -f json "$@" \
			>"$DIR/out.json" 2>"$DIR/err"
		st=$(sed -n 's/.*status=\([0-9]*\).*/\1/p' "$DIR/t")
		if [ "$st" -ge 3 ] && ! jq -e '.domains | length > 0' "$DIR/out.json" >/dev/null 2>&1; then
			echo "bench: $name: cutover failed (exit $st): $(head -c 300 "$DIR/err")" >&2
			exit 2
		fi
		sed -n 's/.*wall_ms=\([0-9.]*\).*/\1/p' "$DIR/t" >>"$DIR/wall"
		sed -n 's/.*maxrss_kb=\([0-9]*\).*/\1/p' "$DIR/t" >>"$DIR/rss"
		r=$((r + 1))
	done
	echo "$name $(median <"$DIR/wall") $(median <"$DIR/rss")"
}

echo "| baseline | file MB | findings | wall ms | peak RSS MB | wall ms without | peak RSS MB without |"
echo "| --- | --- | --- | --- | --- | --- | --- |"
for n in $SIZES; do
	baseline "$n" "$DIR/base.json"
	mb=$(du -m "$DIR/base.json" | cut -f1)
	without=$(measure without x.invalid) || exit 2
	with=$(measure with --baseline "$DIR/base.json" x.invalid) || exit 2
	set -- $without $with
	echo "| $n domains | $mb | $((n * 15)) | $5 | $(($6 / 1024)) | $2 | $(($3 / 1024)) |"
done
