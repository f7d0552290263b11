#!/bin/sh
# The service checks (README "Service checks"; bench/README.md): N https
# requests to the world's nginx (pinned, verified against the test CA) made
# by one `cutover check` -- libcurl's multi interface on cutover's event loop,
# every request in flight at once -- against
#   - a shell loop of `curl --resolve` asking the same N pages one after
#     another, and
#   - `xargs -P 16` running the same curl commands 16 at a time.
# It starts the loopback test world (tests/world) in a temporary directory.
# Run as root, best in a network namespace:
#
#   unshare -n sh -c 'ip link set lo up && CUTOVER=build/cutover sh bench/services.sh'
#
#   BENCH_N      requests (default 200)
#   BENCH_RUNS   runs timed per case; medians (default 5)
set -u
CUTOVER=${CUTOVER:-build/cutover}
N=${BENCH_N:-200}
RUNS=${BENCH_RUNS:-5}
TOP=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$TOP" || exit 2
DIR=$(mktemp -d "${TMPDIR:-/tmp}/cutover-svcbench.XXXXXX") || exit 2
cleanup() {
	sh tests/world/stop.sh "$DIR/world" >/dev/null 2>&1
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
sh tests/world/start.sh "$DIR/world" >/dev/null || exit 2
. "$DIR/world/env"

NEW=127.53.20.1
{
	echo "checks:"
	i=1
	while [ "$i" -le "$N" ]; do
		echo "  - {check: http, url: \"https://www.{domain}/?n=$i\", resolve: [\"$NEW\"], contains: \"new site\"}"
		i=$((i + 1))
	done
} >"$DIR/rules.yml"
i=1
while [ "$i" -le "$N" ]; do
	echo "https://www.svc.test/?n=$i"
	i=$((i + 1))
done >"$DIR/urls"

now() { date +%s.%N; }
median() { sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
elapsed() { echo "$1 $(now)" | awk '{printf "%.3f\n", $2 - $1}'; }

cutover_case() {
	t0=$(now)
	"$CUTOVER" check --root-hints "$ROOT_HINTS" --ca-file "$CA_FILE" -r "$DIR/rules.yml" -f json svc.test \
		>"$DIR/out.json" 2>&1
	elapsed "$t0"
}
curl_loop() {
	t0=$(now)
	while read -r u; do
		curl -s --cacert "$CA_FILE" --resolve "www.svc.test:443:$NEW" "$u" | grep -q "new site"
	done <"$DIR/urls"
	elapsed "$t0"
}
curl_xargs() {
	t0=$(now)
	xargs -P 16 -n 1 curl -s -o /dev/null --cacert "$CA_FILE" --resolve "www.svc.test:443:$NEW" <"$DIR/urls"
	elapsed "$t0"
}

cutover_case >/dev/null # warm up
ok=$(jq '[.findings[] | select(.code == "http.ok")] | length' "$DIR/out.json")
if [ "$ok" != "$N" ]; then
	echo "services bench: $ok of $N requests were http.ok" >&2
	exit 1
fi
c=$(r=0; while [ $r -lt "$RUNS" ]; do cutover_case; r=$((r + 1)); done | median)
l=$(r=0; while [ $r -lt "$RUNS" ]; do curl_loop; r=$((r + 1)); done | median)
x=$(r=0; while [ $r -lt "$RUNS" ]; do curl_xargs; r=$((r + 1)); done | median)
echo "$N https requests, medians of $RUNS runs:"
echo "  cutover check (one event loop): $c s"
echo "  curl loop:                      $l s"
echo "  xargs -P 16 curl:               $x s"
echo "$c $l $x" | awk '{printf "  cutover / curl loop = %.2f, cutover / xargs -P 16 = %.2f\n", $1 / $2, $1 / $3}'
