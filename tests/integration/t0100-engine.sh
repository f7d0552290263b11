#!/bin/sh
# The query engine (src/dns.c) through build/dnsbench against the loopback
# world: many queries in flight, TCP after truncation, a closed port, and a
# server that swallows queries (one timeout in all, not one per query).

. "$(dirname "$0")/lib.sh"

[ -n "${DNSBENCH:-}" ] || bail_out "DNSBENCH is not set (the path of the dnsbench binary)"
[ -x "$DNSBENCH" ] || bail_out "DNSBENCH=$DNSBENCH is not an executable file"

NEW1=$(addr new1)     # 127.53.2.1, authoritative for good.test
NEW2=$(addr new2)     # 127.53.2.2, the same
DEAD=$(addr dead)     # 127.53.4.4, nothing listens
HOLE=$(addr blackhole) # 127.53.4.5, reads and never answers

echo "good.test SOA" >"$TMP/soa"
echo "big.good.test TXT" >"$TMP/big"

# bench ARG...: run dnsbench; output in OUT, exit status in RC, the summary
# (last) line in LAST
bench() {
	"$DNSBENCH" "$@" >"$TMP/bench.out" 2>"$TMP/bench.err"
	RC=$?
	OUT=$(cat "$TMP/bench.out")
	LAST=$(tail -n 1 "$TMP/bench.out")
}

# field NAME: the value of NAME=... in LAST
field() {
	printf '%s\n' "$LAST" | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# below VALUE LIMIT: true when the decimal VALUE is below LIMIT
below() {
	awk -v v="$1" -v l="$2" 'BEGIN { exit !(v != "" && v + 0 < l + 0) }'
}

# bench_diag: show the last run on failure
bench_diag() {
	diag "dnsbench exit status $RC; stdout:
$OUT"
	[ -s "$TMP/bench.err" ] && diag "stderr:
$(cat "$TMP/bench.err")"
	return 0
}

# --- many queries in flight ---------------------------------------------------

bench -s "$NEW1" -d "$TMP/soa" -n 500 -c 100
is "$RC" 0 "dnsbench runs against $NEW1" || bench_diag
is "$(field queries_sent)/$(field answered)/$(field timeouts)" "500/500/0" \
	"500 SOA queries to $NEW1, 100 in flight: all answered" || bench_diag
like "$OUT" '^NOERROR: 500$' "all 500 NOERROR" || bench_diag

bench -s "$NEW2" -d "$TMP/soa" -n 500 -c 500
is "$(field answered)/$(field tcp)" "500/0" "500 SOA queries to $NEW2 all at once: all answered over UDP" ||
	bench_diag

# --- truncation goes to TCP ---------------------------------------------------

bench -s "$NEW1" -d "$TMP/big" -n 3 -v
like "$OUT" '^big\.good\.test TXT NOERROR [0-9]+ tcp=1 answers=20$' \
	"big.good.test TXT (over 1232 bytes) is answered over TCP after TC=1" || bench_diag
is "$(field answered)/$(field tcp)" "3/3" "every big.good.test answer came over TCP" || bench_diag

bench -s "$NEW2" -d "$TMP/soa" -n 20 -c 20 -T -v
like "$OUT" '^good\.test SOA NOERROR [0-9]+ tcp=1 answers=1$' "-T asks over TCP from the start" || bench_diag
is "$(field answered)/$(field tcp)" "20/20" "20 concurrent TCP queries all answered" || bench_diag

# --- a closed port: refused at once ---------------------------------------------

bench -s "$DEAD" -d "$TMP/soa" -n 10 -t 2000
is "$(field refused)/$(field timeouts)" "10/0" "$DEAD (nothing listens): connection refused" || bench_diag
below "$(field elapsed)" 0.5
ok $? "refused fast (elapsed $(field elapsed) s, timeout 2 s)" || bench_diag

bench -s "$DEAD" -d "$TMP/soa" -n 5 -T
is "$(field refused)" 5 "$DEAD over TCP: connection refused too" || bench_diag

# --- a server that never answers: one timeout for all ---------------------------

bench -s "$HOLE" -d "$TMP/soa" -n 40 -c 40 -t 1000
is "$(field timeouts)/$(field answered)" "40/0" "40 queries to $HOLE (swallows queries) all time out" ||
	bench_diag
below "$(field elapsed)" 3
ok $? "... in one timeout, not forty (elapsed $(field elapsed) s, timeout 1 s)" || bench_diag

# With only 10 in flight, the other 30 are asked after the first 10 have timed
# out: the server now counts as dead (it never answered), so they fail at once.
bench -s "$HOLE" -d "$TMP/soa" -n 40 -c 10 -t 1000
like "$OUT" '^server not responding: 30$' \
	"$HOLE with 10 in flight: 10 time out, the 30 asked after them fail at once" || bench_diag
below "$(field elapsed)" 2
ok $? "... still one timeout in all (elapsed $(field elapsed) s)" || bench_diag

bench -s "$HOLE" -d "$TMP/big" -n 5 -T -t 1000
is "$(field timeouts)" 5 "$HOLE over TCP (accepts, never answers): timeouts" || bench_diag

done_testing
