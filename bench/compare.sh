#!/bin/sh
# cutover compare of a zone of many names (README "Comparing old and new
# providers"; bench/README.md), against dig asking the same questions: two
# NSD on loopback serve bench-cmp.test, the old copy (127.55.0.1, which
# allows a zone transfer) and the new one (127.55.0.2, with a few
# differences); cutover compare transfers the names from the old server and
# asks every name its types on both, and the same questions go
#   - through one dig process in batch mode (dig -f: one after another, no
#     fork a question), and
#   - through a shell loop of dig, one process a question, timed on the
#     questions of the first 20 names and scaled to all of them (a whole run
#     would take many minutes).
# No test world, no resolver: both sides are given as addresses. Run as
# root (port 53), best in a network namespace of its own:
#
#   unshare -n sh -c 'ip link set lo up && CUTOVER=build/cutover sh bench/compare.sh'
#
#   BENCH_NAMES  names in the zone (default 1000)
#   BENCH_RUNS   runs of cutover compare timed; medians (default 3)
set -u
CUTOVER=${CUTOVER:-build/cutover}
NAMES=${BENCH_NAMES:-1000}
RUNS=${BENCH_RUNS:-3}
OLD=127.55.0.1
NEW=127.55.0.2
ZONE=bench-cmp.test
TOP=$(cd "$(dirname "$0")/.." && pwd -P)
cd "$TOP" || exit 2
. tests/world/nsd-conf.sh
DIR=$(mktemp -d "${TMPDIR:-/tmp}/cutover-comparebench.XXXXXX") || exit 2
cleanup() {
	for p in "$DIR"/old/pid "$DIR"/new/pid; do
		[ -s "$p" ] && kill "$(cat "$p")" 2>/dev/null
	done
	sleep 0.2
	rm -rf "$DIR"
}
trap cleanup EXIT
trap 'exit 130' INT
for tool in nsd dig awk jq; do
	command -v "$tool" >/dev/null 2>&1 || { echo "compare bench: '$tool' not found (make deps)" >&2; exit 2; }
done
cc -O2 -o "$DIR/timeit" bench/timeit.c || exit 2

# zone VARIANT: the zone of NAMES names; the new variant changes every
# 100th address, drops every 250th name and gives every 200th TTL 3600
zone() {
	awk -v n="$NAMES" -v new="$([ "$1" = new ] && echo 1 || echo 0)" -v zone="$ZONE" 'BEGIN {
		printf "$ORIGIN %s.\n@ 300 IN SOA ns1.%s. hostmaster.%s. %d 14400 3600 1209600 300\n", zone, new ? "new" : "old", zone, new ? 2 : 1
		printf "@ 300 IN NS ns1.%s.\n@ 300 IN A 192.0.2.1\n@ 300 IN MX 10 h00001\n", new ? "new" : "old"
		printf "@ 300 IN TXT \"v=spf1 mx -all\"\n_dmarc 300 IN TXT \"v=DMARC1; p=reject\"\n"
		printf "ns1.old 300 IN A %s\nns1.new 300 IN A %s\n", "127.55.0.1", "127.55.0.2"
		for (i = 1; i < n - 6; i++) {
			if (new && i % 250 == 0)
				continue
			ttl = new && i % 200 == 0 ? 3600 : 300
			last = new && i % 100 == 0 ? 200 : 10
			printf "h%05d %d IN A 198.51.%d.%d\n", i, ttl, i % 256, last
			if (i % 10 == 0)
				printf "h%05d %d IN AAAA 2001:db8::%x\n", i, ttl, i
			if (i % 20 == 0)
				printf "h%05d %d IN TXT \"site %d\" \"verification\"\n", i, ttl, i
			if (i % 50 == 0)
				printf "w%05d %d IN CNAME h%05d\n", i, ttl, i
		}
	}' >"$DIR/$1.zone"
}

start_nsd() { # NAME ADDRESS XFR
	d=$DIR/$1
	{
		nsd_conf "$d" "$2"
		printf '\nzone:\n\tname: "%s"\n\tzonefile: "%s/%s.zone"\n' "$ZONE" "$DIR" "$1"
		[ "$3" = xfr ] && printf '\tprovide-xfr: 127.0.0.0/8 NOKEY\n'
	} >"$d.conf"
	nsd -c "$d.conf" || { cat "$d/log" >&2; exit 2; }
}
zone old
zone new
start_nsd old "$OLD" xfr
start_nsd new "$NEW" none
i=0
until dig +short +time=1 +tries=1 "@$NEW" "$ZONE" SOA | grep -q hostmaster &&
	dig +short +time=1 +tries=1 "@$OLD" "$ZONE" SOA | grep -q hostmaster; do
	i=$((i + 1))
	[ $i -lt 50 ] || { echo "compare bench: NSD did not start" >&2; exit 2; }
	sleep 0.1
done

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
field() { sed -n "s/.*$1=\\([0-9]*\\).*/\\1/p" "$2"; }

# cutover compare, RUNS times
: >"$DIR/walls"
: >"$DIR/rss"
r=0
while [ "$r" -lt "$RUNS" ]; do
	"$DIR/timeit" "$DIR/t" "$CUTOVER" compare --stats -f json -o "$DIR/report.json" "$ZONE" \
		--from "$OLD" --to "$NEW" 2>"$DIR/stats"
	field wall_ms "$DIR/t" >>"$DIR/walls"
	field maxrss_kb "$DIR/t" >>"$DIR/rss"
	r=$((r + 1))
done
wall=$(median <"$DIR/walls")
rss=$(median <"$DIR/rss")
queries=$(sed -n 's/.*queries=\([0-9]*\).*/\1/p' "$DIR/stats")
compared=$(jq -r '[.findings[] | select(.code == "compare.names") | .message][0]' "$DIR/report.json" |
	sed -n 's/^\([0-9]*\) names from .*: \([0-9]*\) RRsets compared.*/\1 names, \2 RRsets/p')
differences=$(jq '[.findings[] | select(.status == "fail" or .status == "warn")] | length' "$DIR/report.json")

# the same questions: every name of the transfer, the types compare asks
# (its fixed list, and SOA at the apex), of both servers
dig +tcp "@$OLD" "$ZONE" AXFR | awk '!/^;/ && NF { print tolower($1) }' | sort -u >"$DIR/names"
types="A AAAA CNAME MX TXT NS SRV CAA HTTPS SVCB TLSA SSHFP NAPTR PTR"
awk -v types="$types" -v old="$OLD" -v new="$NEW" -v apex="$ZONE." '{
	n = split(types, t, " ")
	if ($1 == apex) t[++n] = "SOA"
	for (i = 1; i <= n; i++) {
		printf "@%s +norec +time=2 +tries=1 %s %s\n", old, $1, t[i]
		printf "@%s +norec +time=2 +tries=1 %s %s\n", new, $1, t[i]
	}
}' "$DIR/names" >"$DIR/batch"
questions=$(wc -l <"$DIR/batch")
"$DIR/timeit" "$DIR/t" dig -f "$DIR/batch" >/dev/null
dig_batch=$(field wall_ms "$DIR/t")
head -n $((20 * 14 * 2)) "$DIR/batch" >"$DIR/sample"
sample=$(wc -l <"$DIR/sample")
t0=$(date +%s%N)
while read -r server norec timeout tries name type; do
	dig "$server" "$norec" "$timeout" "$tries" "$name" "$type" >/dev/null
done <"$DIR/sample"
t1=$(date +%s%N)
dig_loop=$(echo "$t0 $t1 $sample $questions" | awk '{ printf "%d", ($2 - $1) / 1e6 / $3 * $4 }')

echo "bench-cmp.test: $compared compared, $differences differences; $questions questions"
echo
echo "| run | seconds | peak RSS | queries | ratio |"
echo "| --- | ---: | ---: | ---: | ---: |"
echo "| cutover compare (AXFR, then every name and type of both servers, median of $RUNS) | $(echo "$wall" | awk '{ printf "%.3f", $1 / 1000 }') | $(echo "$rss" | awk '{ printf "%.1f MB", $1 / 1024 }') | $queries | 1 |"
echo "| dig -f, the same questions one after another | $(echo "$dig_batch" | awk '{ printf "%.3f", $1 / 1000 }') | | $questions | $(echo "$dig_batch $wall" | awk '{ printf "%.1f", $1 / $2 }') |"
echo "| a shell loop of dig, a process a question ($sample timed, scaled) | $(echo "$dig_loop" | awk '{ printf "%.1f", $1 / 1000 }') | | $questions | $(echo "$dig_loop $wall" | awk '{ printf "%.1f", $1 / $2 }') |"
