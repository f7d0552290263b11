#!/bin/sh
# A hostile or broken server: garbage.hosts.test answers every query with a
# malformed packet (counts that promise missing records, an RDLENGTH past the
# end, a compression loop, a 70-byte label, an SOA cut short, a pointer past
# the end, an NS record without RDATA, in turn). cutover reports it as lame
# and never crashes; under `make check SANITIZE=1` this runs under ASan and
# UBSan.

. "$(dirname "$0")/lib.sh"

# Fourteen runs walk the server through every kind of garbage twice, whatever
# each run's questions land on.
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14; do
	audit hostile.test
	is "$RC" 2 "run $i: exit status 2 (no crash)" || diag_run
	is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.code == "ns.lame") | .server] | join(" ")')" \
		"garbage.hosts.test/127.53.4.6" "run $i: the garbage server is lame, the good one is not"
done

# The engine alone: every answer is malformed or unusable, none crashes it.
printf 'hostile.test SOA\nhostile.test A\nhostile.test NS\nwww.hostile.test MX\n' >"$TMP/q"
"$DNSBENCH" -s 127.53.4.6 -d "$TMP/q" -n 120 -c 10 -t 500 >"$TMP/bench.out" 2>&1
is "$?" 0 "dnsbench against the garbage server exits 0"
like "$(tail -n 1 "$TMP/bench.out")" "^queries_sent=120 " "dnsbench: all 120 queries sent and finished"

done_testing
