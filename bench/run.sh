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
#   BENCH_QUICK=1    a smoke run of under a minute: the defaults in brackets
#   BENCH_SIZES      numbers of domains to audit at the default -j, at most
#                    99999 (default: 1000 5000 20000 [1000 2000]); the
#                    largest is the number of zones generated; the smallest
#                    is also the size of the -j runs, of the audit's
#                    queries/s and of the engine's query file
#   BENCH_JOBS       -j values to time for the smallest size (default: 32 64 128 256 [64])
#   BENCH_RUNS       runs per size, per -j value and of the 1,000 names that
#                    do not exist; medians are reported (default: 5 [1])
#   BENCH_ONE_RUNS   runs of the one-domain check (default: 20 [5])
#   BENCH_NX         names that do not exist for the scheduling test, 1000 to
#                    999999 (default: 100000 [10000]); 1,000 of them are run too
#   BENCH_NX_RUNS    runs of the BENCH_NX names (default: 1)
#   BENCH_NX_TIMEOUT cutover's --timeout for them, in ms (default: 1000)
#   BENCH_PAIRS      dnsperf/dnsbench pairs (default: 3 [1])
#   BENCH_SECONDS    length of each dnsperf and dnsbench run (default: 5 [2])
#   BENCH_LIMIT      seconds after which a cutover run is killed and reported
#                    INVALID (default: 300)
#   BENCH_KEEP=1     keep the temporary directory (zones, configs, logs, reports)
#
# Exit status: 0 when it ran (whether the targets were met or not is reported,
# not asserted), 1 when the set-up failed, 2 when a measurement is invalid
# (cutover crashed, ran over BENCH_LIMIT or reported errors, a tool failed).
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

if [ "${BENCH_QUICK:-0}" = 1 ]; then
	set -- "1000 2000" "64" 1 5 10000 1 2
else
	set -- "1000 5000 20000" "32 64 128 256" 5 20 100000 3 5
fi
SIZES=${BENCH_SIZES:-$1}
JOBS_LIST=${BENCH_JOBS:-$2}
RUNS=${BENCH_RUNS:-$3}
ONE_RUNS=${BENCH_ONE_RUNS:-$4}
NX=${BENCH_NX:-$5}
NX_RUNS=${BENCH_NX_RUNS:-1}
NX_TIMEOUT=${BENCH_NX_TIMEOUT:-1000}
PAIRS=${BENCH_PAIRS:-$6}
SECONDS_PER_RUN=${BENCH_SECONDS:-$7}
LIMIT=${BENCH_LIMIT:-300}
DEFAULT_JOBS=64 # cutover's default: the row the targets are judged on
NX_BASE=1000    # the small run of names that do not exist

# Targets (bench/README.md). The growth targets compare the largest size
# with the smallest, the NX ones BENCH_NX names with 1,000.
TARGET_WALL_S=2        # smallest size, -j 64
TARGET_RSS_MB=64       # smallest and largest size
TARGET_ONE_MS=50       # one domain
TARGET_RATIO_PCT=50    # engine (dnsbench) qps / dnsperf qps
TARGET_AUDIT_PCT=50    # the audit's own qps / dnsperf qps
TARGET_RSS_GROWTH=1.25 # peak RSS, largest / smallest size
TARGET_TIME_GROWTH=1.2 # wall time per domain, largest / smallest size
TARGET_NX_GROWTH=1.2   # wall time per name, BENCH_NX / 1,000 names
TARGET_FIRST_MS=1000   # start to first query, BENCH_NX names

# Addresses: 127.54.0.0/16 is the benchmark's (127.53 is the test world,
# 127.55-127.57 are taken for development).
ROOT_ADDR=127.54.0.1 # a.root-servers.test: the fake root
TLD_ADDR=127.54.0.2  # a.nic.test: test.
NS1_ADDR=127.54.1.1  # ns1.bench.test: one NSD serving all the zones,
NS2_ADDR=127.54.1.2  # ns2.bench.test: listening on both addresses

TMP=
SERVER_PIDS= # the NSD main processes (our children, started with nsd -d)
CHILD_PIDS=  # their server and xfrd processes
FP_PID=      # a running bench/firstpkt (our child)

say() { echo "bench: $*" >&2; }

fail() {
	say "$*"
	exit 1
}

# is_count VALUE MIN MAX: VALUE is a whole number from MIN to MAX.
is_count() {
	case $1 in '' | *[!0-9]*) return 1 ;; esac
	[ "$1" -ge "$2" ] && [ "$1" -le "$3" ]
}

for v in $SIZES; do
	is_count "$v" 1 99999 || fail "BENCH_SIZES: want numbers from 1 to 99999, not '$v'"
done
# shellcheck disable=SC2086 # split into fields on purpose
SIZES=$(printf '%s\n' $SIZES | sort -n -u | tr '\n' ' ')
SIZES=${SIZES% }
[ -n "$SIZES" ] || fail "BENCH_SIZES is empty"
BASE_N=${SIZES%% *} # the smallest size
TOP_N=${SIZES##* }  # the largest: the number of zones
NZONES=$TOP_N
is_count "$NX" "$NX_BASE" 999999 || fail "BENCH_NX: want a number from $NX_BASE to 999999, not '$NX'"
for v in "$RUNS" "$ONE_RUNS" "$NX_RUNS" "$PAIRS" "$SECONDS_PER_RUN" "$LIMIT"; do
	is_count "$v" 1 100000 || fail "a BENCH_ run count or time is '$v', not a number from 1 up"
done
is_count "$NX_TIMEOUT" 10 600000 || fail "BENCH_NX_TIMEOUT: want milliseconds from 10 to 600000"
for v in $JOBS_LIST; do
	is_count "$v" 1 100000 || fail "BENCH_JOBS: want numbers from 1 to 100000, not '$v'"
done

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

# stop_sniffer: end a bench/firstpkt still waiting for its packet.
stop_sniffer() {
	[ -n "$FP_PID" ] || return 0
	alive "$FP_PID" && kill -TERM "$FP_PID" 2>/dev/null
	wait "$FP_PID" 2>/dev/null
	FP_PID=
}

# shellcheck disable=SC2317 # reached through the EXIT trap
cleanup() {
	stop_sniffer
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

# median: the median of the numbers on standard input, one a line; anything
# else ("n/a") is left out; "n/a" when no number is left.
median() {
	grep -E '^[0-9]+(\.[0-9]*)?$' | sort -n | awk '{ v[NR] = $1 }
		END { if (NR == 0) print "n/a"; else if (NR % 2) print v[(NR + 1) / 2];
		      else printf "%.1f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# col_median FILE KEY COLUMN: the median of COLUMN over the lines of FILE
# whose first field is KEY.
col_median() {
	awk -v k="$2" -v c="$3" '$1 == k { print $c }' "$1" | median
}

# field NAME FILE: the value of NAME=VALUE in the last line of FILE.
field() {
	tail -n 1 "$2" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# calc EXPR DECIMALS A [B [C]]: a, a/b or a*b/c of the arguments, printed
# with DECIMALS decimals; "n/a" when an argument is no number or a divisor 0.
calc() {
	awk -v e="$1" -v p="$2" -v a="${3-}" -v b="${4-}" -v c="${5-}" '
	function num(v) { return v ~ /^-?[0-9]+(\.[0-9]*)?$/ }
	BEGIN {
		ok = num(a) && (e == "a" || num(b)) && (e != "a*b/c" || num(c))
		if (ok && e == "a/b" && b + 0 == 0 || ok && e == "a*b/c" && c + 0 == 0)
			ok = 0
		if (!ok) { print "n/a"; exit }
		r = e == "a" ? a : e == "a/b" ? a / b : a * b / c
		printf "%.*f\n", p, r }'
}

# scale VALUE DIVISOR DECIMALS: VALUE / DIVISOR, or VALUE when it is no number.
scale() {
	awk -v v="$1" -v d="$2" -v p="$3" 'BEGIN {
		if (v !~ /^[0-9.]+$/) print v; else printf "%.*f\n", p, v / d }'
}

# pct VALUE: VALUE with a per cent sign, or VALUE alone when it is no number.
pct() {
	case $1 in '' | *[!0-9.]*) echo "$1" ;; *) echo "$1%" ;; esac
}

now_ms() { date +%s%3N; }

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

# Does this cutover print the stats line (cutover check --stats)? getopt
# takes the options in order: an unknown --stats fails before -h prints help.
if "$CUTOVER" check --stats -h >/dev/null 2>&1; then
	STATS_OPT=--stats
else
	STATS_OPT=
	say "this cutover has no --stats: the queries it sends are reported as n/a"
fi

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
TMP=$(mktemp -d /tmp/cutover-bench.XXXXXX) || fail "cannot create a temporary directory"
chmod 755 "$TMP"
TIMEIT=$TMP/timeit
FIRSTPKT=$TMP/firstpkt
cc -O2 -o "$TIMEIT" "$BENCH_SRC/timeit.c" || fail "cannot build bench/timeit.c"
cc -O2 -o "$FIRSTPKT" "$BENCH_SRC/firstpkt.c" || fail "cannot build bench/firstpkt.c"

# --- zones ------------------------------------------------------------------

say "generating $NZONES zones in $TMP"
T_GEN=$(now_ms)
mkdir -p "$TMP/root" "$TMP/tld" "$TMP/zones/z" || fail "cannot create directories in $TMP"

SOA_TIMERS="2026112501 14400 3600 1209600 3600" # serial refresh retry expire minimum

cat >"$TMP/root/root.zone" <<EOF
; the benchmark's fake root, served at $ROOT_ADDR: test. and nothing else
; (the names of the scheduling test, under invalid., get NXDOMAIN here)
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
# every delegation, the domain list, the query file for dnsperf/dnsbench (the
# smallest size's zones), the files to check every zone with, and the names
# that do not exist.
awk -v n="$NZONES" -v nq="$BASE_N" -v nx="$NX" -v dir="$TMP" -v timers="$SOA_TIMERS" \
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
		d = sprintf("d%05d.test", i)
		print d > (dir "/domains.txt")
		print d " SOA" > (dir "/check-soa.txt")
		print d " NS" > (dir "/check-ns.txt")
		printf "%-15s 3600 IN NS  ns1.bench.test.\n%-15s 3600 IN NS  ns2.bench.test.\n", \
			substr(d, 1, 6), substr(d, 1, 6) > t

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

		if (i <= nq) {
			q = dir "/queries.txt"
			print d " SOA\n" d " NS\n" d " A\n" d " AAAA\n" d " MX\n" d " TXT" > q
			print "www." d " A\nwww." d " AAAA\nwww." d " MX\nwww." d " TXT" > q
		}
	}
	for (i = 1; i <= nx; i++)
		printf "x%06d.invalid\n", i > (dir "/nx-" nx ".txt")
}' || fail "cannot generate the zones"
for n in $SIZES; do
	head -n "$n" "$TMP/domains.txt" >"$TMP/domains-$n.txt"
done
NX_LIST=$NX_BASE # the sizes of the runs of names that do not exist
if [ "$NX" -gt "$NX_BASE" ]; then
	head -n "$NX_BASE" "$TMP/nx-$NX.txt" >"$TMP/nx-$NX_BASE.txt"
	NX_LIST="$NX_BASE $NX"
fi
GEN_S=$(calc a/b 2 $(($(now_ms) - T_GEN)) 1000)
say "generated $NZONES zones in $GEN_S s"

# --- NSD --------------------------------------------------------------------

# nsd_conf DIR ADDRESS... (tests/world/nsd-conf.sh): the server part of a
# self-contained NSD config whose files are all in DIR.
. "$TOP/tests/world/nsd-conf.sh"

# bench_conf DIR ADDRESS...: the same with remote control on a local socket,
# DIR/ctl, so that nsd-control can read the query counters.
bench_conf() {
	nsd_conf "$@" | sed "s|^\tcontrol-enable: no\$|\tcontrol-enable: yes\n\tcontrol-interface: $1/ctl|"
}

{
	echo "# generated by bench/run.sh"
	bench_conf "$TMP/root" "$ROOT_ADDR"
	printf 'zone:\n\tname: "."\n\tzonefile: "%s"\n' "$TMP/root/root.zone"
} >"$TMP/root/nsd.conf"
{
	echo "# generated by bench/run.sh"
	bench_conf "$TMP/tld" "$TLD_ADDR"
	printf 'zone:\n\tname: "test"\n\tzonefile: "%s"\n' "$TMP/tld/test.zone"
} >"$TMP/tld/nsd.conf"
{
	echo "# generated by bench/run.sh"
	bench_conf "$TMP/zones" "$NS1_ADDR" "$NS2_ADDR"
	cat "$TMP/zones/zones.conf"
} >"$TMP/zones/nsd.conf"

for s in root tld zones; do
	out=$(nsd-checkconf "$TMP/$s/nsd.conf" 2>&1) || fail "nsd-checkconf rejects $TMP/$s/nsd.conf:
$out"
done

# In the foreground (-d), as background jobs of this shell, so that $! is the
# pid to stop; NSD's own server and xfrd processes are collected below.
say "starting NSD (root $ROOT_ADDR, test. $TLD_ADDR, $NZONES zones on $NS1_ADDR and $NS2_ADDR)"
T_NSD=$(now_ms)
for s in root tld zones; do
	nsd -d -c "$TMP/$s/nsd.conf" >"$TMP/$s/stdout" 2>&1 &
	SERVER_PIDS="$SERVER_PIDS $!"
done

# ready ADDR ZONE: the server at ADDR answers authoritatively for ZONE.
ready() {
	out=$(dig +norec +time=1 +tries=1 +noall +comments @"$1" "$2" SOA 2>/dev/null) &&
		echo "$out" | grep -q "status: NOERROR" && echo "$out" | grep -q "flags: qr aa"
}

# NSD reads every zone file before it answers: allow 10 s and 1 s a 1,000 zones.
READY_TRIES=$((100 + NZONES / 100))
for check in "$ROOT_ADDR ." "$TLD_ADDR test" "$NS1_ADDR d00001.test" "$NS2_ADDR d$(printf %05d "$NZONES").test"; do
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
		if [ $i -ge $READY_TRIES ]; then
			show_logs
			fail "no authoritative answer for '$2' SOA from $1 after $((READY_TRIES / 10)) s"
		fi
		sleep 0.1
	done
done
NSD_S=$(calc a/b 2 $(($(now_ms) - T_NSD)) 1000)
for pid in $SERVER_PIDS; do
	CHILD_PIDS="$CHILD_PIDS $(ps -o pid= --ppid "$pid" | tr '\n' ' ')"
done
NSD_RSS_MB=$(calc a/b 1 "$(ps -o rss= --ppid "${SERVER_PIDS##* }" | sort -n | tail -n 1)" 1024)
say "NSD answers for all zones $NSD_S s after its start (largest zone server process: $NSD_RSS_MB MB)"

# check_all ADDR FILE WHAT: every query of FILE (one a zone) gets NOERROR from
# ADDR, in one dnsperf pass. A zone NSD could not load would be answered
# REFUSED by the zone server, a missing delegation NXDOMAIN by test.
check_all() {
	dnsperf -s "$1" -d "$2" -n 1 -c 1 -q 100 -t 5 >"$TMP/check.out" 2>&1
	want=$(wc -l <"$2")
	got=$(sed -n 's/^ *Response codes: *NOERROR \([0-9]*\) .*/\1/p' "$TMP/check.out")
	[ "${got:-0}" -eq "$want" ] || {
		show_log "$TMP/zones/log"
		tail -n 12 "$TMP/check.out" >&2
		fail "$1 $3 for ${got:-0} of $want zones"
	}
}
check_all "$NS1_ADDR" "$TMP/check-soa.txt" "answers SOA"
check_all "$NS2_ADDR" "$TMP/check-soa.txt" "answers SOA"
check_all "$TLD_ADDR" "$TMP/check-ns.txt" "has a delegation"
if grep -i 'error' "$TMP/root/log" "$TMP/tld/log" "$TMP/zones/log" >&2; then
	fail "NSD logged errors (above)"
fi

# Query counters from NSD (nsd-control stats, which also zeroes them): what
# reached the servers, libunbound's queries included.
NSD_CTL=1
for s in root tld zones; do
	nsd-control -c "$TMP/$s/nsd.conf" stats >/dev/null 2>&1 || NSD_CTL=0
done
[ $NSD_CTL = 1 ] || say "nsd-control cannot read the counters: the queries NSD received are reported as n/a"

# nsd_queries: the queries the three servers received since the last call.
nsd_queries() {
	if [ $NSD_CTL = 0 ]; then
		echo n/a
		return
	fi
	for s in root tld zones; do
		nsd-control -c "$TMP/$s/nsd.conf" stats 2>/dev/null | sed -n 's/^num\.queries=//p'
	done | awk '{ s += $1; n++ } END { if (n == 3) print s; else print "n/a" }'
}
say "servers ready: NSD pids$SERVER_PIDS"

if [ "$MODE" = serve ]; then
	say "serving until interrupted (Ctrl-C or kill $$); to query them:"
	for n in $SIZES; do
		say "  $CUTOVER check --root-hints $TMP/root.hints -r $RULES -f json -d $TMP/domains-$n.txt"
	done
	say "  $CUTOVER check --root-hints $TMP/root.hints -r $RULES -f json --timeout $NX_TIMEOUT -d $TMP/nx-$NX.txt"
	say "  $DNSBENCH -s $NS1_ADDR -d $TMP/queries.txt -l 5 -c 100"
	[ $NSD_CTL = 1 ] && say "  nsd-control -c $TMP/zones/nsd.conf stats_noreset"
	# NSD runs until this shell is interrupted; the trap stops it.
	for pid in $SERVER_PIDS; do
		wait "$pid"
	done
	fail "an NSD exited"
fi

# --- cutover ----------------------------------------------------------------

INVALID=0 # set when a measurement is not valid (cutover failed or reported errors)

# check_report FILE N STATUS CMD...: the report of a run lists N domains and
# has no error finding, or say what is wrong and return 1. Prints the counts
# of findings: "ok info warn fail error".
check_report() {
	rep=$1
	want=$2
	st=$3
	shift 3
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
	if [ "$ndom" -ne "$want" ] || [ "$err" -ne 0 ] || [ "$errf" -ne 0 ] || [ "$st" -ge 3 ]; then
		say "INVALID: $ndom domains (want $want), $errf error findings, exit status $st from:"
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

# stats_field NAME: NAME's value in cutover's stats line
# ("cutover: stats: domains=N queries=Q answers=A timeouts=T tcp=F
# retransmits=R lookups=L elapsed=S"), or n/a without one.
stats_field() {
	v=$(grep '^cutover: stats: ' "$TMP/cutover.err" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p")
	case $v in '' | *[!0-9.]*) echo n/a ;; *) echo "$v" ;; esac
}

# sniff_start / sniff_end: bench/firstpkt captures the first query to
# 127.54.0.0/16 on loopback; sniff_end prints its time in ms after timeit
# started the command (n/a when none was seen).
sniff_start() {
	"$FIRSTPKT" 127.54.0.0 16 "$LIMIT" >"$TMP/first" 2>&1 &
	FP_PID=$!
	i=0
	until grep -q '^ready' "$TMP/first" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -ge 100 ] || ! alive "$FP_PID"; then
			say "bench/firstpkt is not capturing: $(head -n 1 "$TMP/first")"
			stop_sniffer
			return 0
		fi
		sleep 0.02
	done
}
sniff_end() {
	stop_sniffer
	awk -v f="$(field first_ns "$TMP/first")" -v s="$(field start_ns "$TMP/ru")" 'BEGIN {
		if (f !~ /^[0-9]+$/ || s !~ /^[0-9]+$/) { print "n/a"; exit }
		# seconds and nanoseconds apart: a double holds neither whole
		fs = substr(f, 1, length(f) - 9); fn = substr(f, length(f) - 8)
		ss = substr(s, 1, length(s) - 9); sn = substr(s, length(s) - 8)
		printf "%.1f\n", (fs - ss) * 1000 + (fn - sn) / 1e6 }'
}

# run_cutover N FILE JOBS [OPTION...]: one timed run of cutover check for the
# N domains of FILE; prints "wall_ms rss_kb cpu_ms first_ms queries answers
# timeouts lookups elapsed_s nsd_queries ok info warn fail error".
# The report goes to standard output, redirected to a file: -o FILE would add
# an fsync to the time.
run_cutover() {
	n=$1
	file=$2
	jobs=$3
	shift 3
	# shellcheck disable=SC2086 # STATS_OPT is empty or one word
	set -- "$CUTOVER" check --root-hints "$TMP/root.hints" -r "$RULES" -f json -j "$jobs" $STATS_OPT "$@" -d "$file"
	nsd_queries >/dev/null
	sniff_start
	"$TIMEIT" -t "$LIMIT" "$TMP/ru" "$@" >"$TMP/report.json" 2>"$TMP/cutover.err"
	first=$(sniff_end)
	nsdq=$(nsd_queries)
	st=$(field status "$TMP/ru")
	if [ "$(field timed_out "$TMP/ru")" = 1 ]; then
		say "INVALID: killed after BENCH_LIMIT=$LIMIT s: $*"
		return 1
	fi
	counts=$(check_report "$TMP/report.json" "$n" "${st:-127}" "$@") || return 1
	echo "$(field wall_ms "$TMP/ru") $(field maxrss_kb "$TMP/ru") $(cpu_ms "$TMP/ru") $first" \
		"$(stats_field queries) $(stats_field answers) $(stats_field timeouts) $(stats_field lookups) $(stats_field elapsed) $nsdq $counts"
}

# run_into FILE KEY N DOMAINFILE JOBS [OPTION...]: run_cutover, appending
# "KEY figures..." to FILE, or set INVALID.
run_into() {
	out=$1
	key=$2
	shift 2
	if line=$(run_cutover "$@"); then
		echo "$key $line" >>"$out"
		# shellcheck disable=SC2086 # split into fields on purpose
		set -- $line
		say "  $key: wall $1 ms, peak RSS $2 kB, CPU $3 ms, first query at $4 ms," \
			"queries $5 (NSD received ${10}), findings ${11} ${12} ${13} ${14} ${15}"
	else
		INVALID=1
	fi
}

say "warm-up run of $BASE_N domains (-j $DEFAULT_JOBS), untimed"
run_cutover "$BASE_N" "$TMP/domains-$BASE_N.txt" "$DEFAULT_JOBS" >/dev/null || INVALID=1

# -j values for the smallest size.
: >"$TMP/jobs-runs.txt"
for j in $JOBS_LIST; do
	say "$BASE_N domains, -j $j, $RUNS runs"
	r=0
	while [ $r -lt "$RUNS" ]; do
		r=$((r + 1))
		run_into "$TMP/jobs-runs.txt" "$j" "$BASE_N" "$TMP/domains-$BASE_N.txt" "$j"
	done
done

# Sizes, at the default -j: the runs of the sizes alternate, so that a change
# in the load of the machine touches each size alike.
: >"$TMP/size-runs.txt"
r=0
while [ $r -lt "$RUNS" ]; do
	r=$((r + 1))
	for n in $SIZES; do
		say "$n domains, -j $DEFAULT_JOBS, run $r of $RUNS"
		run_into "$TMP/size-runs.txt" "$n" "$n" "$TMP/domains-$n.txt" "$DEFAULT_JOBS"
	done
done

# Names that do not exist: the root answers NXDOMAIN for invalid., so each
# costs little DNS, and the time is mostly reading, de-duplicating and
# scheduling them (and the report).
: >"$TMP/nx-runs.txt"
r=0
while [ $r -lt "$RUNS" ]; do
	r=$((r + 1))
	say "$NX_BASE names under invalid., run $r of $RUNS"
	run_into "$TMP/nx-runs.txt" "$NX_BASE" "$NX_BASE" "$TMP/nx-$NX_BASE.txt" "$DEFAULT_JOBS" --timeout "$NX_TIMEOUT"
done
r=0
[ "$NX" -gt "$NX_BASE" ] || r=$NX_RUNS
while [ "$r" -lt "$NX_RUNS" ]; do
	r=$((r + 1))
	say "$NX names under invalid., run $r of $NX_RUNS"
	run_into "$TMP/nx-runs.txt" "$NX" "$NX" "$TMP/nx-$NX.txt" "$DEFAULT_JOBS" --timeout "$NX_TIMEOUT"
done

# --- cutover: one domain ----------------------------------------------------

say "one domain, $ONE_RUNS runs"
: >"$TMP/one"
: >"$TMP/one-cpu"
r=0
while [ $r -lt "$ONE_RUNS" ]; do
	r=$((r + 1))
	set -- "$CUTOVER" check --root-hints "$TMP/root.hints" -r "$RULES" -f json d00001.test
	"$TIMEIT" -t "$LIMIT" "$TMP/ru" "$@" >"$TMP/one.json" 2>"$TMP/cutover.err"
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
DNSPERF_QPS=$(awk '{ print $2 }' "$TMP/pairs.txt" | median)

stop_servers

# --- summary ----------------------------------------------------------------

# met VALUE OP TARGET: "met" or "not met"; "n/a" without a value.
met() {
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
		if (v !~ /^[0-9.]+$/) { print "n/a"; exit }
		ok = op == "<=" ? v + 0 <= t + 0 : v + 0 >= t + 0
		print ok ? "met" : "not met" }'
}

# The audit's queries per second in each run: queries (stats line) / wall.
awk '{ print $1, ($6 ~ /^[0-9]+$/ && $2 > 0 ? $6 * 1000 / $2 : "n/a"),
	($11 ~ /^[0-9]+$/ && $2 > 0 ? $11 * 1000 / $2 : "n/a") }' "$TMP/size-runs.txt" >"$TMP/size-qps.txt"

echo
echo "cutover benchmark, $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores," \
	"$("$CUTOVER" --version 2>/dev/null | head -n 1) ($CUTOVER${STATS_OPT:+, with --stats})"
echo "load average before: $LOAD_BEFORE, after: $(cut -d' ' -f1-3 /proc/loadavg)" \
	"(other work on the machine skews the figures)"
echo "$NZONES zones generated in $GEN_S s; NSD answered for all of them $NSD_S s after it started"
echo
echo "### Domains at -j $DEFAULT_JOBS (medians of $RUNS runs)"
echo
echo "| N | wall s | per domain ms | peak RSS MB | queries | queries/s | of dnsperf |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in $SIZES; do
	w=$(col_median "$TMP/size-runs.txt" "$n" 2)
	m=$(col_median "$TMP/size-runs.txt" "$n" 3)
	q=$(col_median "$TMP/size-runs.txt" "$n" 6)
	qps=$(col_median "$TMP/size-qps.txt" "$n" 2)
	echo "| $n | $(scale "$w" 1000 2) | $(calc a/b 3 "$w" "$n") | $(scale "$m" 1024 1) | $q" \
		"| $(calc a 0 "$qps") | $(pct "$(calc a*b/c 1 "$qps" 100 "$DNSPERF_QPS")") |"
done
echo
echo "queries: as cutover's --stats line counts them (its query engine; libunbound's"
echo "lookups are counted apart, as lookups); queries/s: queries / wall; of dnsperf: the"
echo "share of dnsperf's $DNSPERF_QPS queries/s against the same NSD (median of $PAIRS runs)."
echo "first query: from the start of the process to its first query on the wire;"
echo "audit s: the stats line's elapsed; NSD queries: what the three servers received"
echo "in the run, libunbound's queries included."
echo
echo "| N | CPU s | first query ms | audit s | queries/domain | answers | timeouts | lookups | NSD queries | NSD queries/s | findings ok/info/warn/fail/error |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"
for n in $SIZES; do
	last=$(awk -v k="$n" '$1 == k { l = $12 "/" $13 "/" $14 "/" $15 "/" $16 } END { print l }' "$TMP/size-runs.txt")
	echo "| $n | $(scale "$(col_median "$TMP/size-runs.txt" "$n" 4)" 1000 2)" \
		"| $(col_median "$TMP/size-runs.txt" "$n" 5) | $(col_median "$TMP/size-runs.txt" "$n" 10)" \
		"| $(calc a/b 2 "$(col_median "$TMP/size-runs.txt" "$n" 6)" "$n")" \
		"| $(col_median "$TMP/size-runs.txt" "$n" 7) | $(col_median "$TMP/size-runs.txt" "$n" 8)" \
		"| $(col_median "$TMP/size-runs.txt" "$n" 9) | $(col_median "$TMP/size-runs.txt" "$n" 11)" \
		"| $(calc a 0 "$(col_median "$TMP/size-qps.txt" "$n" 3)") | ${last:-n/a} |"
done
echo
echo "### Names that do not exist (under invalid., --timeout $NX_TIMEOUT; medians of $RUNS and $NX_RUNS runs)"
echo
echo "| names | wall s | per name ms | first query ms | audit s | peak RSS MB | CPU s | queries | NSD queries |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
for n in $NX_LIST; do
	w=$(col_median "$TMP/nx-runs.txt" "$n" 2)
	echo "| $n | $(scale "$w" 1000 2) | $(calc a/b 4 "$w" "$n")" \
		"| $(col_median "$TMP/nx-runs.txt" "$n" 5) | $(col_median "$TMP/nx-runs.txt" "$n" 10)" \
		"| $(scale "$(col_median "$TMP/nx-runs.txt" "$n" 3)" 1024 1)" \
		"| $(scale "$(col_median "$TMP/nx-runs.txt" "$n" 4)" 1000 2) | $(col_median "$TMP/nx-runs.txt" "$n" 6)" \
		"| $(col_median "$TMP/nx-runs.txt" "$n" 11) |"
done
echo
echo "### $BASE_N domains by -j (medians of $RUNS runs)"
echo
echo "| -j | wall s | peak RSS MB | CPU s | first query ms | queries |"
echo "| ---: | ---: | ---: | ---: | ---: | ---: |"
for j in $JOBS_LIST; do
	echo "| $j | $(scale "$(col_median "$TMP/jobs-runs.txt" "$j" 2)" 1000 2)" \
		"| $(scale "$(col_median "$TMP/jobs-runs.txt" "$j" 3)" 1024 1)" \
		"| $(scale "$(col_median "$TMP/jobs-runs.txt" "$j" 4)" 1000 2)" \
		"| $(col_median "$TMP/jobs-runs.txt" "$j" 5) | $(col_median "$TMP/jobs-runs.txt" "$j" 6) |"
done
echo
echo "one domain: median wall $ONE_MS ms, CPU $ONE_CPU ms ($ONE_RUNS runs)"
echo
echo "### Engine (dnsbench -c 100) vs dnsperf (-c 1 -q 100), $SECONDS_PER_RUN s each, on $NS1_ADDR"
echo
echo "| pair | dnsperf qps | engine qps | ratio |"
echo "| ---: | ---: | ---: | ---: |"
while read -r p perf eng ratio; do
	echo "| $p | $perf | $eng | $ratio% |"
done <"$TMP/pairs.txt"

# The figures the targets are judged on.
WALL_MS=$(col_median "$TMP/jobs-runs.txt" "$DEFAULT_JOBS" 2)
RSS_KB=$(col_median "$TMP/jobs-runs.txt" "$DEFAULT_JOBS" 3)
WALL_S=$(scale "$WALL_MS" 1000 2)
RSS_MB=$(scale "$RSS_KB" 1024 1)
B_WALL=$(col_median "$TMP/size-runs.txt" "$BASE_N" 2)
B_RSS=$(col_median "$TMP/size-runs.txt" "$BASE_N" 3)
T_WALL=$(col_median "$TMP/size-runs.txt" "$TOP_N" 2)
T_RSS=$(col_median "$TMP/size-runs.txt" "$TOP_N" 3)
T_RSS_MB=$(scale "$T_RSS" 1024 1)
RSS_GROWTH=$(calc a/b 2 "$T_RSS" "$B_RSS")
TIME_GROWTH=$(calc a/b 2 "$(calc a/b 6 "$T_WALL" "$TOP_N")" "$(calc a/b 6 "$B_WALL" "$BASE_N")")
# The audit's queries: its --stats line, or else what NSD received.
AUDIT_PCT=$(calc a*b/c 1 "$(col_median "$TMP/size-qps.txt" "$BASE_N" 2)" 100 "$DNSPERF_QPS")
AUDIT_SRC="--stats"
if [ "$AUDIT_PCT" = n/a ]; then
	AUDIT_PCT=$(calc a*b/c 1 "$(col_median "$TMP/size-qps.txt" "$BASE_N" 3)" 100 "$DNSPERF_QPS")
	AUDIT_SRC="queries NSD received"
fi
NXB_WALL=$(col_median "$TMP/nx-runs.txt" "$NX_BASE" 2)
NX_WALL=$(col_median "$TMP/nx-runs.txt" "$NX" 2)
NX_GROWTH=n/a
[ "$NX" -gt "$NX_BASE" ] &&
	NX_GROWTH=$(calc a/b 2 "$(calc a/b 6 "$NX_WALL" "$NX")" "$(calc a/b 6 "$NXB_WALL" "$NX_BASE")")
NX_FIRST=$(col_median "$TMP/nx-runs.txt" "$NX" 5)

row() { echo "| $1 | $2 | $3 | $4 |"; }
echo
echo "### Targets"
echo
row "measure" "figure" "target" "result"
row "---" "---:" "---:" "---"
row "$BASE_N domains, wall (-j $DEFAULT_JOBS, median of $RUNS)" "$WALL_S s" "<= $TARGET_WALL_S s" \
	"$(met "$WALL_S" '<=' "$TARGET_WALL_S")"
row "$BASE_N domains, peak RSS (-j $DEFAULT_JOBS, median of $RUNS)" "$RSS_MB MB" "<= $TARGET_RSS_MB MB" \
	"$(met "$RSS_MB" '<=' "$TARGET_RSS_MB")"
row "one domain, wall (median of $ONE_RUNS)" "$ONE_MS ms" "<= $TARGET_ONE_MS ms" \
	"$(met "$ONE_MS" '<=' "$TARGET_ONE_MS")"
row "engine qps / dnsperf qps (median of $PAIRS pairs)" "$(pct "$RATIO")" ">= $TARGET_RATIO_PCT%" \
	"$(met "$RATIO" '>=' "$TARGET_RATIO_PCT")"
row "$TOP_N domains, peak RSS" "$T_RSS_MB MB" "<= $TARGET_RSS_MB MB" "$(met "$T_RSS_MB" '<=' "$TARGET_RSS_MB")"
row "peak RSS, $TOP_N / $BASE_N domains" "$RSS_GROWTH" "<= $TARGET_RSS_GROWTH" \
	"$(met "$RSS_GROWTH" '<=' "$TARGET_RSS_GROWTH")"
row "wall time per domain, $TOP_N / $BASE_N domains" "$TIME_GROWTH" "<= $TARGET_TIME_GROWTH" \
	"$(met "$TIME_GROWTH" '<=' "$TARGET_TIME_GROWTH")"
row "audit qps / dnsperf qps ($BASE_N domains, -j $DEFAULT_JOBS; $AUDIT_SRC)" "$(pct "$AUDIT_PCT")" ">= $TARGET_AUDIT_PCT%" \
	"$(met "$AUDIT_PCT" '>=' "$TARGET_AUDIT_PCT")"
row "wall time per name, $NX / $NX_BASE names that do not exist" "$NX_GROWTH" "<= $TARGET_NX_GROWTH" \
	"$(met "$NX_GROWTH" '<=' "$TARGET_NX_GROWTH")"
row "$NX names that do not exist: start to first query" "$NX_FIRST ms" "<= $TARGET_FIRST_MS ms" \
	"$(met "$NX_FIRST" '<=' "$TARGET_FIRST_MS")"

if [ "$INVALID" -ne 0 ]; then
	echo
	say "some measurements are INVALID (see the messages above): do not trust these figures"
	exit 2
fi
exit 0
