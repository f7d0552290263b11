#!/bin/sh
# cutover propagation: resolvers of the test's own (unbound on 127.53.12.x,
# one on fifty addresses 127.53.13.1-50, one that drops every query on
# 127.53.14.1-50), primed with the old value of www.prop.test (TTL 6 s), then
# the zone is changed on both authoritative servers (SIGHUP to NSD). The
# primed resolver must be old with a TTL of at most 6 and flips_at within a
# second of what its TTL says; a fresh one new; the watch ends converged once
# the TTL ran out; serve-stale resolvers are stale (by EDE, and by the
# history's prediction); webhooks reach a real HTTP server; history survives
# a kill. The zone is restored at the end.
. "$(dirname "$0")/lib.sh"

need unbound unbound
need jq jq
need promtool prometheus
need perl perl

# --- resolvers of our own ----------------------------------------------------

# start_unbound NAME ACCESS EXTRA-CONFIG ADDRESS... (tests/world/resolver.sh)
start_unbound() {
	_d=$TMP/$1 _access=$2 _extra=$3
	shift 3
	sh tests/world/resolver.sh "$_d" "$ROOT_HINTS" "$_access" "$_extra" "$@" >/dev/null ||
		bail_out "unbound in $_d did not start"
	at_exit "kill \$(cat '$_d/pid') 2>/dev/null"
}

PRIMED=127.53.12.1
FRESH=127.53.12.2
STALE_EDE=127.53.12.3
STALE=127.53.12.4
start_unbound primed allow '	identity: "site-a"
	hide-identity: no' $PRIMED
start_unbound fresh allow '' $FRESH
start_unbound stale-ede allow '	serve-expired: yes
	ede: yes
	ede-serve-expired: yes' $STALE_EDE
start_unbound stale allow '	serve-expired: yes' $STALE
fifty=
dropping=
i=1
while [ $i -le 50 ]; do
	fifty="$fifty 127.53.13.$i"
	dropping="$dropping 127.53.14.$i"
	i=$((i + 1))
done
# shellcheck disable=SC2086
start_unbound fifty allow '' $fifty
# shellcheck disable=SC2086
start_unbound dropping deny '' $dropping
for a in $fifty; do echo "$a fifty ${a##*.}"; done >"$TMP/fifty.txt"
for a in $dropping; do echo "$a"; done >"$TMP/dropping.txt"

# a real HTTP server that records the webhooks it receives
HOOK=127.53.11.5:8080
start_httpsink "$TMP/hooks.log" 127.53.11.5:8080

prop() {
	run_cutover propagation --root-hints "$ROOT_HINTS" "$@"
}
server() { # server ADDRESS FIELD: a field of that server in the JSON report in OUT
	json_field "[.servers[] | select(.address == \"$1\")][0].$2"
}

# --- before the change ---------------------------------------------------------

prop --no-db -f json --resolver $PRIMED www.prop.test
is "$RC" 0 "before the change: the authoritative servers' value everywhere (exit 0)"
is "$(json_field '.expected | join(",")') $(json_field .expected_from)" "192.0.2.10 authoritative" \
	"without --expect the new value is what the authoritative servers answer"
sees propagation.converged ok www.prop.test

for r in $PRIMED $STALE_EDE $STALE; do
	dig_at "$r" www.prop.test A +rec
	[ "$DIG_STATUS" = NOERROR ] || bail_out "priming $r failed: $DIG_STATUS"
	dig_at "$r" multi.prop.test A +rec
done

# --- the change ------------------------------------------------------------------

orig=$FIXTURES/zones/prop.test.zone
for s in new1 new2; do
	sed -e 's/^www       6 IN A     192.0.2.10/www       6 IN A     198.51.100.20/' \
		-e 's/^multi     6 IN A     192.0.2.10/multi     6 IN A     198.51.100.20/' \
		-e 's/^multi     6 IN A     192.0.2.11/multi     6 IN A     198.51.100.21/' \
		-e 's/2026120101/2026120102/' "$orig" >"$WORLD/$s/zones/prop.test.zone"
done
sed -i 's/^split   300 IN A     192.0.2.50/split   300 IN A     192.0.2.51/' "$WORLD/new1/zones/prop.test.zone"
restore() {
	cp "$orig" "$WORLD/new1/zones/prop.test.zone"
	cp "$orig" "$WORLD/new2/zones/prop.test.zone"
	touch "$WORLD/new1/zones/prop.test.zone" "$WORLD/new2/zones/prop.test.zone"
	reload new1 && reload new2
}
at_exit restore
reload new1 && reload new2 || bail_out "reloading the changed zone failed"
changed=$(date +%s)

# --- right after: old, new, flips_at, site -------------------------------------------

t0=$(date +%s)
prop --no-db -f json --expect 198.51.100.20 --resolver $PRIMED --resolver $FRESH www.prop.test
t1=$(date +%s)
is "$RC" 1 "the primed resolver still holds the old value: pending (exit 1)"
is "$(server $PRIMED status) $(server $PRIMED answer[0])" "old 192.0.2.10" "the primed resolver is old"
ttl=$(server $PRIMED ttl)
ok "$([ "$ttl" -ge 0 ] && [ "$ttl" -le 6 ] && echo 0 || echo 1)" "its TTL ($ttl) is no larger than the record's (6)"
flips=$(date -u -d "$(server $PRIMED flips_at)" +%s)
ok "$([ "$flips" -ge $((t0 + ttl - 1)) ] && [ "$flips" -le $((t1 + ttl + 1)) ] && echo 0 || echo 1)" \
	"flips_at ($flips) is within a second of now + TTL ($t0..$t1 + $ttl)"
is "$(json_field .eta)" "$(server $PRIMED flips_at)" "the ETA is the latest flips_at"
is "$(server $PRIMED site)" site-a "the site the resolver names (CH TXT id.server) is recorded"
is "$(server $FRESH status) $(server $FRESH answer[0])" "new 198.51.100.20" "a fresh resolver is new"
is "$(json_field '[.servers[] | select(.kind == "authoritative") | .status] | join(" ")')" "new new" \
	"every authoritative server is new"
sees propagation.pending warn www.prop.test
like "$(json_field '.findings[] | select(.code == "propagation.pending") | .message')" "ETA .*lower bound" \
	"the pending finding gives the ETA as a lower bound"

prop --no-db --expect 198.51.100.20 --resolver $PRIMED www.prop.test
like "$OUT" "a lower bound: an anycast address hides several caches" "the text report says why the ETA is a lower bound"

# serve-stale resolvers: a first sweep into the history, before their TTL runs out
prop --db "$TMP/stale.db" -f json --expect 198.51.100.20 --resolver $STALE_EDE --resolver $STALE www.prop.test
is "$(server $STALE_EDE status) $(server $STALE status)" "old old" "serve-stale resolvers: old while the TTL runs"

# --- the watch ends converged ------------------------------------------------------
# Right after the change, while the primed resolver's 6 s TTL still runs: on a
# loaded machine the steps that do not need it (sets, aliases) come after.

start=$(date +%s)
prop --db "$TMP/watch.db" --watch --interval 1 --max-wait 40 --resolver $PRIMED --resolver $FRESH \
	--notify "http://$HOOK/hook?s={status}&c={converged}&t={total}&eta={eta}&u={up}" \
	--notify-json "http://$HOOK/json" --notify "http://$HOOK/status/500" www.prop.test
end=$(date +%s)
is "$RC" 0 "the watch ends converged (exit 0)"
like "$OUT" "resolver $PRIMED: old -> new 198.51.100.20" "a line says when the primed resolver flipped"
like "$OUT" "converged: 2 of 2 resolvers have the new value" "a line says it converged"
ok "$([ "$end" -ge "$flips" ] && echo 0 || echo 1)" "the watch did not end before the old TTL ran out"
like "$ERR" "notify http://$HOOK/status/500: HTTP status 500" "a failing webhook is reported ..."
hooks=$(grep -c '"/hook' "$TMP/hooks.log")
is "$hooks" 2 "... and the others received pending, then converged"
like "$(grep '"/hook' "$TMP/hooks.log" | head -1)" 's=pending&c=1&t=2&eta=20' "the GET has the fields filled in"
grep '"/hook' "$TMP/hooks.log" | head -1 | grep -q 's=pending&c=1&t=2&eta=20' || diag "$(cat "$TMP/hooks.log")"
like "$(grep '"/hook' "$TMP/hooks.log" | tail -1)" 's=converged&c=2&t=2&eta=&u=up' "the last GET says converged, and up"
like "$(grep '"/json' "$TMP/hooks.log" | tail -1)" '"status\\?":\\?"converged' "the JSON POST says converged"
prop --db "$TMP/watch.db" --resolver $PRIMED --resolver $FRESH \
	--notify "http://$HOOK/hook?s={status}" www.prop.test
is "$(grep -c '"/hook' "$TMP/hooks.log")" 2 "a run whose state is the one recorded last notifies nobody"

prop --db "$TMP/watch.db" --history -f json www.prop.test
is "$RC" 0 "--history reads what the watch recorded"
ok "$([ "$(json_field .sweeps)" -ge 2 ] && echo 0 || echo 1)" "several sweeps are recorded"
primed_new=$(json_field "[.servers[] | select(.address == \"$PRIMED\")][0].first_new")
ok "$([ "$(date -u -d "$primed_new" +%s)" -ge $((flips - 1)) ] && echo 0 || echo 1)" \
	"the primed resolver first had the new value once its TTL ran out ($primed_new)"
ok "$([ "$(json_field .converged_at)" != null ] && echo 0 || echo 1)" "the history knows when it converged"
prop --db "$TMP/watch.db" --history www.prop.test
like "$OUT" "converged at .*: the change took" "the text history says how long the change took"

# a set judged whole, in any order; a range
prop --no-db -f json --expect 198.51.100.21 --expect 198.51.100.20 --resolver $FRESH multi.prop.test
is "$(server $FRESH status)" new "two addresses, both expected: new"
prop --no-db -f json --expect 198.51.100.20 --resolver $FRESH multi.prop.test
is "$(server $FRESH status)" old "two addresses, one of them expected: not new"
prop --no-db -f json --expect 198.51.100.0/24 --resolver $FRESH multi.prop.test
is "$(server $FRESH status)" new "a range matches every address in it"

# an alias into another zone: judged by where it points
prop --no-db -f json --resolver $FRESH ext.prop.test
is "$RC $(json_field '.expected[0]')" "0 CNAME ns1.oldprov.test." \
	"an alias into another zone: the new value is where it points, and it converged"
is "$(server $FRESH alias) $(server $FRESH answer[0])" "ns1.oldprov.test. 127.53.1.1" \
	"... the resolver followed it to the address"
prop --no-db -f json --expect 'CNAME ns2.oldprov.test' --resolver $FRESH ext.prop.test
is "$(json_field '[.servers[].status] | join(" ")')" "old old old" "an alias that points elsewhere than expected is old"
prop --no-db -f json --expect 127.53.1.1 --resolver $FRESH ext.prop.test
is "$(server $FRESH status) $(json_field '[.servers[] | select(.kind == "authoritative") | .status] | unique | join(" ")')" \
	"new error" "an address expected of an alias into another zone: its servers cannot tell, the resolver can"
like "$(json_field '[.servers[] | select(.kind == "authoritative") | .error][0]')" "an alias to ns1.oldprov.test., in another zone" \
	"... and says why"

# --- stale: past the TTL the history predicted ------------------------------------------

now=$(date +%s)
[ "$now" -gt $((changed + 8)) ] || sleep $((changed + 8 - now))
prop --db "$TMP/stale.db" -f json --expect 198.51.100.20 --resolver $STALE_EDE --resolver $STALE www.prop.test
is "$(server $STALE_EDE status) $(server $STALE_EDE ede_stale)" "stale true" \
	"a resolver that marks its answer stale (EDE 3) is stale"
is "$(server $STALE status)" stale "a resolver still old past the TTL the last sweep saw is stale"
sees propagation.stale warn www.prop.test
is "$RC" 1 "stale answers: pending (exit 1)"

# --- errors, other values, disagreement -------------------------------------------

prop --no-db -f json --timeout 1000 --expect 198.51.100.20 --resolver 127.53.4.5 --resolver $FRESH www.prop.test
is "$(server 127.53.4.5 status) $(server 127.53.4.5 error)" "error timed out" \
	"a resolver where nothing answers is an error, after one timeout"
sees propagation.unreachable warn www.prop.test
is "$RC" 0 "converged among the resolvers that answered (exit 0)"
prop --no-db -f json --timeout 500 --expect 198.51.100.20 --resolver 127.53.4.4 www.prop.test
sees propagation.unreachable error www.prop.test
is "$RC" 3 "no resolver answered: could not be determined (exit 3)"

prop --no-db -f json --expect 198.51.100.20 --old 192.0.2.10 --resolver $FRESH other.prop.test
sees propagation.other fail other.prop.test
is "$RC" 2 "a value that is neither old nor new fails (exit 2)"

prop --no-db -f json --resolver $FRESH split.prop.test
is "$RC" 3 "without --expect, authoritative servers that disagree: exit 3"
like "$ERR" "the authoritative servers disagree: .*192.0.2.5.* answers .*192.0.2.5" "... saying who answers what"
prop --no-db -f json --expect 192.0.2.51 --resolver $FRESH split.prop.test
sees propagation.disagree fail split.prop.test

# --- fifty resolvers at once ---------------------------------------------------------------

prop --no-db -f json --expect 198.51.100.20 --resolvers "$TMP/fifty.txt" www.prop.test
is "$(json_field '.converged.count') $(json_field '.converged.total')" "50 50" "50 resolvers from a file, all new"
is "$(server 127.53.13.7 label)" "fifty 7" "labels come from the file"
s0=$(date +%s)
prop --no-db -f json --timeout 1000 --expect 198.51.100.20 --resolvers "$TMP/dropping.txt" www.prop.test
s1=$(date +%s)
is "$(json_field '[.servers[] | select(.status == "error")] | length')" 50 "50 resolvers that drop every query: 50 errors"
[ "$(json_field '[.servers[] | select(.status == "error")] | length')" = 50 ] || diag_run
# one timeout for all (asked at once), not fifty in a row: a loose bound
ok "$([ $((s1 - s0)) -lt 15 ] && echo 0 || echo 1)" "... found in about one timeout, not fifty ($((s1 - s0)) s)"

# --- formats and errors ------------------------------------------------------------------

prop --no-db -f nagios --expect 198.51.100.20 --resolver $FRESH www.prop.test
like "$OUT" "^PROPAGATION OK - www.prop.test/A: 1 of 1 resolvers have 198.51.100.20 \\| converged_ratio=1.000" \
	"nagios: a status line with perfdata"
prop --no-db -f prometheus --expect 198.51.100.20 --resolver $FRESH --resolver $PRIMED www.prop.test
printf '%s\n' "$OUT" >"$TMP/metrics.prom"
ok "$(promtool check metrics <"$TMP/metrics.prom" >/dev/null 2>&1; echo $?)" "promtool accepts the metrics"
like "$OUT" "cutover_propagation_server_new\\{name=\"www.prop.test\",type=\"A\",server=\"$FRESH\",label=\"\",kind=\"recursive\",status=\"new\"\\} 1" \
	"a metric per server"

printf '127.53.12.2 fresh\n127.53.12.999 broken\n' >"$TMP/bad.txt"
prop --no-db --resolvers "$TMP/bad.txt" www.prop.test
is "$RC" 3 "a bad resolvers file: exit 3"
like "$ERR" "bad.txt:2:1: " "... naming file:line:column"
prop --no-db www.prop.test TYPE-NONSENSE
is "$RC" 3 "an unknown type: exit 3"
prop --no-db --expect 300.1.1.1 www.prop.test
like "$ERR" "--expect: '300.1.1.1' is not a value of type A" "a bad --expect value is named"
prop --no-db --notify "http://$HOOK/x?{nosuch}" www.prop.test
is "$RC" 3 "an unknown webhook variable: exit 3"

# the shipped list, with no route to the internet in the tests' namespace (or
# a closed one): every resolver an error, nothing determined
prop --no-db -f json --timeout 300 --resolvers resolvers www.prop.test
ok "$([ "$(json_field '.servers | map(select(.kind == "recursive")) | length')" -ge 8 ] && echo 0 || echo 1)" \
	"the shipped list of public resolvers loads"

# --- history survives a kill between sweeps --------------------------------------------------

"$CUTOVER" propagation --root-hints "$ROOT_HINTS" --db "$TMP/kill.db" --watch --interval 1 --max-wait 60 \
	--expect 203.0.113.99 --resolver $FRESH www.prop.test >"$TMP/kill.out" 2>&1 &
pid=$!
i=0
while [ $i -lt 100 ]; do
	n=$("$CUTOVER" propagation --db "$TMP/kill.db" --history -f json www.prop.test 2>/dev/null | jq -r .sweeps)
	[ "${n:-0}" -ge 2 ] 2>/dev/null && break
	sleep 0.1
	i=$((i + 1))
done
kill -9 $pid
wait $pid 2>/dev/null
prop --db "$TMP/kill.db" --history -f json www.prop.test
before=$(json_field .sweeps)
ok "$([ "${before:-0}" -ge 2 ] && echo 0 || echo 1)" "the sweeps before the kill are in the history ($before)"
prop --db "$TMP/kill.db" --expect 203.0.113.99 --resolver $FRESH www.prop.test
prop --db "$TMP/kill.db" --history -f json www.prop.test
is "$(json_field .sweeps)" $((before + 1)) "and the next run adds to them"

# --- as a gate: check: propagation -------------------------------------------------------------

cat >"$TMP/gate.yml" <<EOF
name: gate
checks:
  - check: propagation
    name: www
    expect: ["{new_ip}"]
    resolvers: ["$FRESH"]
    min: 90%
  - check: propagation
    name: www
    expect: ["{new_ip}"]
    old: ["192.0.2.10"]
    resolvers: ["$STALE_EDE", "127.53.4.4"]
  - check: propagation
    name: other
    expect: ["{new_ip}"]
    old: ["192.0.2.10"]
    resolvers: ["$FRESH"]
EOF
run_cutover check --root-hints "$ROOT_HINTS" -f json -r "$TMP/gate.yml" -s new_ip=198.51.100.20 prop.test
sees_at propagation.converged ok www.prop.test/A
sees_at propagation.unreachable warn www.prop.test/A
sees_at propagation.other fail other.prop.test/A

done_testing
