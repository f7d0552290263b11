#!/bin/sh
# The cutover benchmark (bench/README.md says what it measures and how to read
# it). Run by `make bench` as root; it starts its own loopback DNS servers on
# 127.54.0.0/16 port 53 and stops them, by pid, when it ends.
#
# usage: CUTOVER=build/cutover sh bench/run.sh [serve]
#
# With "serve" it only starts the servers, prints how to query them, and keeps
# them running until interrupted (for profiling against the same zones).
#
#   CUTOVER          the cutover binary (default: build/cutover)
#   DNSBENCH         the engine's driver (default: dnsbench beside $CUTOVER)
#   BENCH_JOBS       -j values to time for 1,000 domains (default: 32 64 128 256)
#   BENCH_RUNS       runs per -j value, the median is reported (default: 5)
#   BENCH_ONE_RUNS   runs of the one-domain check (default: 20)
#   BENCH_PAIRS      dnsperf/dnsbench pairs (default: 3)
#   BENCH_SECONDS    length of each dnsperf and dnsbench run (default: 5)
#   BENCH_KEEP=1     keep the temporary directory (zones, configs, logs, reports)
#
# Exit status: 0 when it ran (whether the targets were met or not is reported,
# not asserted), 1 when the set-up failed, 2 when a measurement is invalid
# (cutover crashed or reported errors, a tool failed).
set -u

BENCH_SRC=$(cd "$(dirname "$0")" && pwd -P)
TOP=$(cd "$BENCH_SRC/.." && pwd -P)
CUTOVER=${CUTOVER:-$TOP/build/cutover}
DNSBENCH=${DNSBENCH:-$(dirname "$CUTOVER")/dnsbench}
RULES=$TOP/rules/default.yml
MODE=${1:-run}
case $MODE in run | serve) ;; *)
	echo "usage: $0 [serve]" >&2
	exit 1
	;;
esac

NDOMAINS=1000
JOBS_LIST=${BENCH_JOBS:-32 64 128 256}
DEFAULT_JOBS=64 # cutover's default: the row the targets are judged on
RUNS=${BENCH_RUNS:-5}
ONE_RUNS=${BENCH_ONE_RUNS:-20}
PAIRS=${BENCH_PAIRS:-3}
SECONDS_PER_RUN=${BENCH_SECONDS:-5}

# Targets (bench/README.md).
TARGET_WALL_S=2
TARGET_RSS_MB=64
TARGET_ONE_MS=50
TARGET_RATIO_PCT=50

# Addresses: 127.54.0.0/16 is the benchmark's (127.53 is the test world,
# 127.55-127.57 are taken for development).
ROOT_ADDR=127.54.0.1 # a.root-servers.test: the fake root
TLD_ADDR=127.54.0.2  # a.nic.test: test.
NS1_ADDR=127.54.1.1  # ns1.bench.test: one NSD serving all the zones,
NS2_ADDR=127.54.1.2  # ns2.bench.test: listening on both addresses

TMP=
SERVER_PIDS= # the NSD main processes (our children, started with nsd -d)
CHILD_PIDS=  # their server and xfrd processes

say() { echo "bench: $*" >&2; }

# --- stopping: by pid only --------------------------------------------------

# alive PID: the process exists and is not a zombie.
alive() {
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) \(.\).*$/\1/' "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$state" ] && [ "$state" != Z ]
}

stop_servers() {
	[ -n "$SERVER_PIDS$CHILD_PIDS" ] || return 0
	for pid in $SERVER_PIDS; do
		kill -TERM "$pid" 2>/dev/null
	done
	i=0
	while :; do
		left=
		for pid in $SERVER_PIDS $CHILD_PIDS; do
			alive "$pid" && left="$left $pid"
		done
		[ -z "$left" ] && break
		i=$((i + 1))
		if [ $i -eq 50 ]; then
			# 5 s after SIGTERM. A child pid is checked to still be an
			# NSD process before it gets SIGKILL, in case it was reused.
			for pid in $left; do
				case " $SERVER_PIDS " in
				*" $pid "*) kill -KILL "$pid" 2>/dev/null ;;
				*) tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q '^nsd' &&
					kill -KILL "$pid" 2>/dev/null ;;
				esac
			done
			say "NSD pids$left ignored SIGTERM; sent SIGKILL"
		fi
		if [ $i -ge 70 ]; then
			say "NSD pids$left are still running"
			break
		fi
		sleep 0.1
	done
	for pid in $SERVER_PIDS; do
		wait "$pid" 2>/dev/null
	done
	SERVER_PIDS=
	CHILD_PIDS=
}

# shellcheck disable=SC2317 # reached through the EXIT trap
cleanup() {
	stop_servers
	if [ -n "$TMP" ] && [ -d "$TMP" ]; then
		if [ "${BENCH_KEEP:-}" = 1 ]; then
			say "kept $TMP"
		else
			rm -rf "$TMP"
		fi
	fi
}
trap 'cleanup' EXIT
trap 'say "interrupted"; exit 1' INT TERM HUP

fail() {
	say "$*"
	exit 1
}

# show_log FILE: the end of a server log, zones read without error left out.
show_log() {
	[ -s "$1" ] || return 0
	say "--- $1 (last lines) ---"
	grep -v 'zone .* read with success' "$1" | tail -n 20 >&2
}

show_logs() {
	for s in root tld zones; do
		show_log "$TMP/$s/log"
		show_log "$TMP/$s/stdout"
	done
}

# median: the median of the numbers on standard input, one a line.
median() {
	sort -n | awk '{ v[NR] = $1 }
		END { if (NR == 0) print "nan"; else if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# field NAME FILE: the value of NAME=VALUE in the last line of FILE.
field() {
	tail -n 1 "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# scale VALUE DIVISOR DECIMALS: VALUE / DIVISOR, or VALUE when it is no number.
scale() {
	awk -v v="$1" -v d="$2" -v p="$3" 'BEGIN {
		if (v !~ /^[0-9.]+$/) print v; else printf "%.*f\n", p, v / d }'
}

# --- checks before anything starts ----------------------------------------

[ "$(id -u)" -eq 0 ] || fail "must run as root (the servers listen on port 53)"
for tool in nsd nsd-checkconf dig dnsperf jq awk cc ss ps; do
	command -v "$tool" >/dev/null 2>&1 || fail "'$tool' not found (install the dependencies: make deps)"
done
[ -x "$CUTOVER" ] || fail "no cutover binary at '$CUTOVER' (build it: make)"
[ -x "$DNSBENCH" ] || fail "no dnsbench binary at '$DNSBENCH' (build it: make)"
[ -r "$RULES" ] || fail "cannot read '$RULES'"
busy=$(ss -Hlnu 'sport = 53' 2>/dev/null | grep -E ' 127\.54\.[0-9]+\.[0-9]+:53 ')
[ -z "$busy" ] || fail "something already listens on 127.54.0.0/16 port 53 (another benchmark?):
$busy"

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
TMP=$(mktemp -d /tmp/cutover-bench.XXXXXX) || fail "cannot create a temporary directory"
chmod 755 "$TMP"
TIMEIT=$TMP/timeit
cc -O2 -o "$TIMEIT" "$BENCH_SRC/timeit.c" || fail "cannot build bench/timeit.c"

# --- zones ------------------------------------------------------------------

say "generating $NDOMAINS zones in $TMP"
mkdir -p "$TMP/root" "$TMP/tld" "$TMP/zones/z" || fail "cannot create directories in $TMP"

SOA_TIMERS="2026112501 14400 3600 1209600 3600" # serial refresh retry expire minimum

cat >"$TMP/root/root.zone" <<EOF
; the benchmark's fake root, served at $ROOT_ADDR
\$ORIGIN .
.       86400 IN SOA a.root-servers.test. hostmaster.nic.test. $SOA_TIMERS
.       86400 IN NS  a.root-servers.test.
test.   86400 IN NS  a.nic.test.
a.root-servers.test. 86400 IN A $ROOT_ADDR
a.nic.test.          86400 IN A $TLD_ADDR
EOF

{
	echo "; root hints of the benchmark (bench/run.sh)"
	echo ".                        3600000  NS  a.root-servers.test."
	echo "a.root-servers.test.     3600000  A   $ROOT_ADDR"
} >"$TMP/root.hints"

# One awk writes every zone file, the zone server's zone list, test. with
# every delegation, the domain list and the query file for dnsperf/dnsbench.
awk -v n="$NDOMAINS" -v dir="$TMP" -v timers="$SOA_TIMERS" \
	-v root="$ROOT_ADDR" -v tld="$TLD_ADDR" -v ns1="$NS1_ADDR" -v ns2="$NS2_ADDR" 'BEGIN {
	t = dir "/tld/test.zone"
	print "; test.: the TLD of the benchmark, served at " tld > t
	print "$ORIGIN test." > t
	print "@               3600 IN SOA a.nic.test. hostmaster.nic.test. " timers > t
	print "@               3600 IN NS  a.nic.test." > t
	print "a.nic           3600 IN A   " tld > t
	print "a.root-servers  3600 IN A   " root > t
	print "bench           3600 IN NS  ns1.bench.test." > t
	print "bench           3600 IN NS  ns2.bench.test." > t
	print "ns1.bench       3600 IN A   " ns1 > t
	print "ns2.bench       3600 IN A   " ns2 > t

	b = dir "/zones/z/bench.test.zone"
	print "$ORIGIN bench.test." > b
	print "@    3600 IN SOA ns1.bench.test. hostmaster.bench.test. " timers > b
	print "@    3600 IN NS  ns1.bench.test." > b
	print "@    3600 IN NS  ns2.bench.test." > b
	print "ns1  3600 IN A   " ns1 > b
	print "ns2  3600 IN A   " ns2 > b
	close(b)
	conf = dir "/zones/zones.conf"
	printf "zone:\n\tname: \"bench.test\"\n\tzonefile: \"%s\"\n", b > conf

	for (i = 1; i <= n; i++) {
		d = sprintf("d%04d.test", i)
		print d > (dir "/domains.txt")
		printf "%-15s 3600 IN NS  ns1.bench.test.\n%-15s 3600 IN NS  ns2.bench.test.\n", \
			substr(d, 1, 5), substr(d, 1, 5) > t

		z = dir "/zones/z/" d ".zone"
		printf "zone:\n\tname: \"%s\"\n\tzonefile: \"%s\"\n", d, z > conf
		web = "198.51.100." (i % 254 + 1)
		print "; " d ": a small site (bench/run.sh)" > z
		print "$ORIGIN " d "." > z
		print "@     3600 IN SOA  ns1.bench.test. hostmaster." d ". " timers > z
		print "@     3600 IN NS   ns1.bench.test." > z
		print "@     3600 IN NS   ns2.bench.test." > z
		print "@     3600 IN A    " web > z
		printf "@     3600 IN AAAA 2001:db8::%x\n", i > z
		print "@     3600 IN MX   10 mail." d "." > z
		print "@     3600 IN TXT  \"v=spf1 mx -all\"" > z
		print "www   3600 IN A    " web > z
		print "*     3600 IN A    " web > z
		print "mail  3600 IN A    203.0.113." (i % 254 + 1) > z
		close(z)

		q = dir "/queries.txt"
		print d " SOA\n" d " NS\n" d " A\n" d " AAAA\n" d " MX\n" d " TXT" > q
		print "www." d " A\nwww." d " AAAA\nwww." d " MX\nwww." d " TXT" > q
	}
}' || fail "cannot generate the zones"

# --- NSD --------------------------------------------------------------------

# nsd_conf DIR ADDRESS... (tests/world/nsd-conf.sh): the server part of a
# self-contained NSD config whose files are all in DIR.
. "$TOP/tests/world/nsd-conf.sh"

{
	echo "# generated by bench/run.sh"
	nsd_conf "$TMP/root" "$ROOT_ADDR"
	printf 'zone:\n\tname: "."\n\tzonefile: "%s"\n' "$TMP/root/root.zone"
} >"$TMP/root/nsd.conf"
{
	echo "# generated by bench/run.sh"
	nsd_conf "$TMP/tld" "$TLD_ADDR"
	printf 'zone:\n\tname: "test"\n\tzonefile: "%s"\n' "$TMP/tld/test.zone"
} >"$TMP/tld/nsd.conf"
{
	echo "# generated by bench/run.sh"
	nsd_conf "$TMP/zones" "$NS1_ADDR" "$NS2_ADDR"
	cat "$TMP/zones/zones.conf"
} >"$TMP/zones/nsd.conf"

for s in root tld zones; do
	out=$(nsd-checkconf "$TMP/$s/nsd.conf" 2>&1) || fail "nsd-checkconf rejects $TMP/$s/nsd.conf:
$out"
done

# In the foreground (-d), as background jobs of this shell, so that $! is the
# pid to stop; NSD's own server and xfrd processes are collected below.
say "starting NSD (root $ROOT_ADDR, test. $TLD_ADDR, $NDOMAINS zones on $NS1_ADDR and $NS2_ADDR)"
for s in root tld zones; do
	nsd -d -c "$TMP/$s/nsd.conf" >"$TMP/$s/stdout" 2>&1 &
	SERVER_PIDS="$SERVER_PIDS $!"
done

# ready ADDR ZONE: the server at ADDR answers authoritatively for ZONE.
ready() {
	out=$(dig +norec +time=1 +tries=1 +noall +comments @"$1" "$2" SOA 2>/dev/null) &&
		echo "$out" | grep -q "status: NOERROR" && echo "$out" | grep -q "flags: qr aa"
}

for check in "$ROOT_ADDR ." "$TLD_ADDR test" "$NS1_ADDR d0001.test" "$NS2_ADDR d$(printf %04d $NDOMAINS).test"; do
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $check
	i=0
	until ready "$1" "$2"; do
		i=$((i + 1))
		for pid in $SERVER_PIDS; do
			alive "$pid" || {
				show_logs
				fail "an NSD (pid $pid) exited while starting"
			}
		done
		if [ $i -ge 100 ]; then
			show_logs
			fail "no authoritative answer for '$2' SOA from $1 after 10 s"
		fi
		sleep 0.1
	done
done
for pid in $SERVER_PIDS; do
	CHILD_PIDS="$CHILD_PIDS $(ps -o pid= --ppid "$pid" | tr '\n' ' ')"
done

# Every zone on both addresses, and its delegation in test.: one dig batch
# each. A zone NSD could not load would be answered REFUSED.
for a in "$NS1_ADDR" "$NS2_ADDR"; do
	sed "s/\$/ SOA +norec @$a/" "$TMP/domains.txt" >"$TMP/dig-$a.txt"
	got=$(dig +time=2 +tries=2 +noall +comments -f "$TMP/dig-$a.txt" 2>/dev/null |
		grep -c 'flags: qr aa.*; QUERY: 1, ANSWER: 1,')
	[ "$got" -eq "$NDOMAINS" ] || {
		show_log "$TMP/zones/log"
		fail "$a answers authoritatively for $got of $NDOMAINS zones"
	}
done
sed "s/\$/ NS +norec @$TLD_ADDR/" "$TMP/domains.txt" >"$TMP/dig-tld.txt"
got=$(dig +time=2 +tries=2 +noall +authority -f "$TMP/dig-tld.txt" 2>/dev/null |
	grep -Ec "IN[[:space:]]+NS[[:space:]]+ns[12]\.bench\.test\.$")
[ "$got" -eq $((2 * NDOMAINS)) ] || fail "test. at $TLD_ADDR delegates $((got / 2)) of $NDOMAINS zones"
if grep -i 'error' "$TMP/root/log" "$TMP/tld/log" "$TMP/zones/log" >&2; then
	fail "NSD logged errors (above)"
fi
say "servers ready: NSD pids$SERVER_PIDS"

if [ "$MODE" = serve ]; then
	say "serving until interrupted (Ctrl-C or kill $$); to query them:"
	say "  $CUTOVER check --root-hints $TMP/root.hints -r $RULES -f json -d $TMP/domains.txt"
	say "  $DNSBENCH -s $NS1_ADDR -d $TMP/queries.txt -l 5 -c 100"
	# NSD runs until this shell is interrupted; the trap stops it.
	for pid in $SERVER_PIDS; do
		wait "$pid"
	done
	fail "an NSD exited"
fi

# --- cutover: 1,000 domains -------------------------------------------------

INVALID=0 # set when a measurement is not valid (cutover failed or reported errors)

# check_report FILE STATUS CMD...: the report of a run is complete and has no
# error finding, or say what is wrong and return 1. Prints the counts of
# findings: "ok info warn fail error".
check_report() {
	rep=$1
	st=$2
	shift 2
	if ! counts=$(jq -r '[(.domains | length), .summary.ok, .summary.info, .summary.warn,
			.summary.fail, .summary.error, ([.findings[] | select(.status == "error")] | length)] | @tsv' \
		"$rep" 2>/dev/null) || [ -z "$counts" ]; then
		say "INVALID: exit status $st and no JSON report from: $*"
		head -n 20 "$TMP/cutover.err" >&2
		return 1
	fi
	# shellcheck disable=SC2086 # split into fields on purpose
	set -- $counts "$@"
	ndom=$1 ok=$2 info=$3 warn=$4 failc=$5 err=$6 errf=$7
	shift 7
	if [ "$ndom" -ne "$NDOMAINS" ] || [ "$err" -ne 0 ] || [ "$errf" -ne 0 ] || [ "$st" -ge 3 ]; then
		say "INVALID: $ndom domains (want $NDOMAINS), $errf error findings, exit status $st from:"
		say "  $*"
		jq -r '.findings[] | select(.status == "error") |
			"  \(.domain) \(.code) \(.subject // "") \(.server // ""): \(.message)"' "$rep" 2>/dev/null |
			head -n 10 >&2
		head -n 20 "$TMP/cutover.err" >&2
		return 1
	fi
	echo "$ok $info $warn $failc $err"
}

# cpu_ms FILE: user + system CPU time of the run timeit recorded in FILE.
cpu_ms() {
	awk -v u="$(field user_ms "$1")" -v s="$(field sys_ms "$1")" 'BEGIN { printf "%.1f\n", u + s }'
}

# run_many JOBS: one timed run of every domain; prints
# "wall_ms rss_kb cpu_ms ok info warn fail error".
# The report goes to standard output, redirected to a file: -o FILE would add
# an fsync to the time, and -o /dev/null must not be used (see bench/README.md).
run_many() {
	set -- "$CUTOVER" check --root-hints "$TMP/root.hints" -r "$RULES" -f json -j "$1" -d "$TMP/domains.txt"
	"$TIMEIT" "$TMP/ru" "$@" >"$TMP/report.json" 2>"$TMP/cutover.err"
	st=$(field status "$TMP/ru")
	counts=$(check_report "$TMP/report.json" "${st:-127}" "$@") || return 1
	echo "$(field wall_ms "$TMP/ru") $(field maxrss_kb "$TMP/ru") $(cpu_ms "$TMP/ru") $counts"
}

say "warm-up run of $NDOMAINS domains (-j $DEFAULT_JOBS), untimed"
run_many "$DEFAULT_JOBS" >/dev/null || INVALID=1

: >"$TMP/jobs.txt" # jobs, medians of wall_ms rss_kb cpu_ms, finding counts of the last run
for j in $JOBS_LIST; do
	: >"$TMP/wall-$j"
	: >"$TMP/rss-$j"
	: >"$TMP/cpu-$j"
	counts=
	r=0
	while [ $r -lt "$RUNS" ]; do
		r=$((r + 1))
		if line=$(run_many "$j"); then
			# shellcheck disable=SC2086 # split into fields on purpose
			set -- $line
			echo "$1" >>"$TMP/wall-$j"
			echo "$2" >>"$TMP/rss-$j"
			echo "$3" >>"$TMP/cpu-$j"
			counts="$4 $5 $6 $7 $8"
		else
			INVALID=1
		fi
	done
	w=$(median <"$TMP/wall-$j")
	m=$(median <"$TMP/rss-$j")
	c=$(median <"$TMP/cpu-$j")
	say "$NDOMAINS domains -j $j: wall ms $(tr '\n' ' ' <"$TMP/wall-$j")-> median $w;" \
		"peak RSS kB median $m; CPU ms median $c"
	echo "$j $w $m $c ${counts:-- - - - -}" >>"$TMP/jobs.txt"
done

# --- cutover: one domain ----------------------------------------------------

say "one domain, $ONE_RUNS runs"
: >"$TMP/one"
: >"$TMP/one-cpu"
r=0
while [ $r -lt "$ONE_RUNS" ]; do
	r=$((r + 1))
	set -- "$CUTOVER" check --root-hints "$TMP/root.hints" -r "$RULES" -f json d0001.test
	"$TIMEIT" "$TMP/ru" "$@" >"$TMP/one.json" 2>"$TMP/cutover.err"
	st=$(field status "$TMP/ru")
	errs=$(jq '[.findings[] | select(.status == "error")] | length' "$TMP/one.json" 2>/dev/null)
	if [ "${st:-127}" -ge 3 ] || [ "${errs:-1}" -ne 0 ]; then
		say "INVALID: exit status $st, ${errs:-no report,} error findings from: $*"
		head -n 20 "$TMP/cutover.err" >&2
		INVALID=1
		continue
	fi
	field wall_ms "$TMP/ru" >>"$TMP/one"
	cpu_ms "$TMP/ru" >>"$TMP/one-cpu"
done
ONE_MS=$(median <"$TMP/one")
ONE_CPU=$(median <"$TMP/one-cpu")
say "one domain: wall ms $(tr '\n' ' ' <"$TMP/one")-> median $ONE_MS; CPU ms median $ONE_CPU"

# --- the engine against dnsperf ----------------------------------------------

say "engine vs dnsperf: $PAIRS pairs of $SECONDS_PER_RUN s on $NS1_ADDR," \
	"$(wc -l <"$TMP/queries.txt") queries in the file"
: >"$TMP/pairs.txt"
p=0
while [ $p -lt "$PAIRS" ]; do
	p=$((p + 1))
	dnsperf -s "$NS1_ADDR" -d "$TMP/queries.txt" -l "$SECONDS_PER_RUN" -c 1 -q 100 >"$TMP/dnsperf.out" 2>&1
	st=$?
	perf=$(awk '/Queries per second:/ { printf "%.0f", $4 }' "$TMP/dnsperf.out")
	lost=$(awk '/Queries lost:/ { print $3 }' "$TMP/dnsperf.out")
	if [ $st -ne 0 ] || [ -z "$perf" ]; then
		say "INVALID: dnsperf failed (status $st):"
		tail -n 20 "$TMP/dnsperf.out" >&2
		INVALID=1
		continue
	fi
	"$TIMEIT" "$TMP/ru" "$DNSBENCH" -s "$NS1_ADDR" -d "$TMP/queries.txt" -l "$SECONDS_PER_RUN" -c 100 \
		>"$TMP/dnsbench.out" 2>&1
	st=$?
	eng=$(field qps "$TMP/dnsbench.out")
	tmo=$(field timeouts "$TMP/dnsbench.out")
	if [ $st -ne 0 ] || [ -z "$eng" ]; then
		say "INVALID: dnsbench failed (status $st):"
		tail -n 20 "$TMP/dnsbench.out" >&2
		INVALID=1
		continue
	fi
	ratio=$(awk -v e="$eng" -v d="$perf" 'BEGIN { printf "%.1f", (d > 0 ? 100 * e / d : 0) }')
	say "pair $p: dnsperf $perf qps (lost $lost), dnsbench $eng qps (timeouts $tmo," \
		"user $(field user_ms "$TMP/ru") ms, sys $(field sys_ms "$TMP/ru") ms): $ratio%"
	echo "$p $perf $eng $ratio" >>"$TMP/pairs.txt"
done
RATIO=$(awk '{ print $4 }' "$TMP/pairs.txt" | median)

stop_servers

# --- summary ----------------------------------------------------------------

# met VALUE OP TARGET: "met" or "not met" ("invalid" when there is no value).
met() {
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
		if (v !~ /^[0-9.]+$/) { print "invalid"; exit }
		ok = op == "<=" ? v + 0 <= t + 0 : v + 0 >= t + 0
		print ok ? "met" : "not met" }'
}

row() { printf '%-46s %10s %10s  %s\n' "$1" "$2" "$3" "$4"; }

# shellcheck disable=SC2046 # split into fields on purpose
set -- $(awk -v j="$DEFAULT_JOBS" '$1 == j' "$TMP/jobs.txt")
WALL_S=$(scale "${2:-nan}" 1000 2)
RSS_MB=$(scale "${3:-nan}" 1024 1)

echo
echo "cutover benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
	"$("$CUTOVER" --version 2>/dev/null | head -n 1) ($CUTOVER)"
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)" \
	"(other work on the machine skews the figures)"
echo
echo "$NDOMAINS domains by -j (medians of $RUNS runs; findings: ok info warn fail error):"
printf '  %-6s %8s %12s %8s   %s\n' "-j" "wall s" "peak RSS MB" "CPU s" "findings"
while read -r j w m c ok info warn failc err; do
	printf '  %-6s %8s %12s %8s   %s %s %s %s %s\n' "$j" "$(scale "$w" 1000 2)" \
		"$(scale "$m" 1024 1)" "$(scale "$c" 1000 2)" "$ok" "$info" "$warn" "$failc" "$err"
done <"$TMP/jobs.txt"
echo
echo "one domain: median CPU $ONE_CPU ms"
echo
echo "engine (dnsbench -c 100) vs dnsperf (-c 1 -q 100), $SECONDS_PER_RUN s each, on $NS1_ADDR:"
printf '  %-5s %12s %12s %8s\n' pair "dnsperf qps" "engine qps" ratio
while read -r p perf eng ratio; do
	printf '  %-5s %12s %12s %7s%%\n' "$p" "$perf" "$eng" "$ratio"
done <"$TMP/pairs.txt"
echo
row "measure" "figure" "target" "result"
row "$NDOMAINS domains, wall (-j $DEFAULT_JOBS, median of $RUNS)" "$WALL_S s" "<= $TARGET_WALL_S s" \
	"$(met "$WALL_S" '<=' "$TARGET_WALL_S")"
row "$NDOMAINS domains, peak RSS (-j $DEFAULT_JOBS, median of $RUNS)" "$RSS_MB MB" "<= $TARGET_RSS_MB MB" \
	"$(met "$RSS_MB" '<=' "$TARGET_RSS_MB")"
row "one domain, wall (median of $ONE_RUNS)" "$ONE_MS ms" "<= $TARGET_ONE_MS ms" \
	"$(met "$ONE_MS" '<=' "$TARGET_ONE_MS")"
row "engine qps / dnsperf qps (median of $PAIRS pairs)" "$RATIO%" ">= $TARGET_RATIO_PCT%" \
	"$(met "$RATIO" '>=' "$TARGET_RATIO_PCT")"

if [ "$INVALID" -ne 0 ]; then
	echo
	say "some measurements are INVALID (see the messages above): do not trust these figures"
	exit 2
fi
exit 0
