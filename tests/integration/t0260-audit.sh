#!/bin/sh
# The non-blocking audit: a name below a zone cut is checked within its zone;
# checks that need only resolvers run when delegation discovery fails (which
# is reported once); a CNAME chain followed round by round stops at the round
# limit with a finding; SIGINT mid-run writes a valid report of what was done.

. "$(dirname "$0")/lib.sh"

# --- a name that is not a zone cut -------------------------------------------
# (the DNS checks: www.good.test is no mail domain)
audit -r tests/fixtures/rulesets/dns.yml www.good.test
is "$RC" 0 "www.good.test: exit 0 (info at worst)" || diag_run
sees ns.enclosing-zone info www.good.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "ns.enclosing-zone") | .actual')" good.test \
	"www.good.test: checked within the zone good.test"
sees ns.ok ok www.good.test
sees soa.ok ok www.good.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "soa.ok") | .subject')" good.test/SOA \
	"www.good.test: the SOA judged is the zone's"
sees_no ns.no-delegation www.good.test
# a zone cut itself says nothing about enclosing zones
audit good.test
sees_no ns.enclosing-zone good.test
# a name that does not exist (and no wildcard makes it) is still not delegated
audit nothere.nowild.test
sees ns.no-delegation fail nothere.nowild.test

# --- resolver-only checks when discovery fails --------------------------------
audit -r tests/fixtures/rulesets/resolver.yml -s resolver="$RESOLVER" missing.test
is "$RC" 2 "missing.test: exit 2 (not delegated)" || diag_run
sees ns.no-delegation fail missing.test
is "$(finding_count ns.no-delegation)" 1 "missing.test: the failure is reported once"
sees record.ok ok missing.test
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.code == "record.ok")] | length')" 2 \
	"missing.test: both resolver checks ran (embedded resolver and a resolver asked with RD=1)"
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "record.ok") | .message' | sort | head -1)" \
	"on 1 resolver|through the resolver" "missing.test: the record came from a resolver"
sees_no ttl.ok missing.test
sees_no check.no-data missing.test

# the same checks where discovery fails for lack of a reachable parent
audit -r tests/fixtures/rulesets/resolver.yml -s resolver="$RESOLVER" child.deadparent.test
sees ns.discovery-failed error child.deadparent.test
is "$(finding_count record.ok)" 2 "child.deadparent.test: resolver checks ran"

# rules that all read through the resolver (the mail rule set) need no
# delegation: none is discovered, so no query goes to the parent's or the
# zone's servers (a network that lets only the resolver through passes), and
# a discovery failure is not reported for them
cat >"$TMP/mailonly.yml" <<'YML'
name: mailonly
checks:
  - check: mx
  - check: spf
  - check: dmarc
YML
run_cutover check --resolver "$RESOLVER" --stats -f json -r "$TMP/mailonly.yml" good.test child.deadparent.test
like "$ERR" ' queries=0 ' "resolver-only rules: no direct query at all" || diag_run
sees spf.ok ok good.test
sees mx.ok ok good.test
sees_no ns.discovery-failed child.deadparent.test
sees check.no-data error child.deadparent.test

# a resolver that does not answer is a finding of its own
audit -r tests/fixtures/rulesets/resolvers-down.yml -s resolver="$RESOLVER" good.test
sees check.no-data error good.test
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "check.no-data") | .message')" \
	"resolver 127.53.4.4 could not be asked" "good.test: the resolver that did not answer is named"
sees_no record.ok good.test

# --- CNAME chains: one round of questions per link -----------------------------
audit -r tests/fixtures/rulesets/chain.yml chain.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "record.ok") | .subject')" www.chain.test/A \
	"chain.test: a two-link chain is followed to its A record"
sees check.too-many-rounds error chain.test
sees check.cname-loop fail chain.test
sees_at check.cname-loop fail loop1.chain.test
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.code == "check.cname-loop")] | length')" 1 \
	"chain.test: a CNAME loop is named as one, once"
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "check.cname-loop") | .actual')" \
	"loop1.chain.test -> loop2.chain.test -> loop1.chain.test" "chain.test: the loop is shown"
is "$(finding_count check.too-many-rounds)" 1 "chain.test: only the long chain runs out of rounds, not the loop"
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "check.too-many-rounds") | .message')" \
	"after 16 rounds" "chain.test: the limit is named"
# Without follow_cname a name's CNAME is what it holds, and is shown as one.
cat >"$TMP/nofollow.yml" <<'YML'
name: nofollow
checks:
  - check: record
    name: "www.{domain}"
    type: A
    expect: 198.51.100.20
YML
audit -r "$TMP/nofollow.yml" chain.test
is "$(findings record.mismatch chain.test)" \
	"fail | www.chain.test/A | ns1.newprov.test/127.53.2.1 | 198.51.100.20 | CNAME app.chain.test.
fail | www.chain.test/A | ns2.newprov.test/127.53.2.2 | 198.51.100.20 | CNAME app.chain.test." \
	"chain.test: without follow_cname, www holds a CNAME, not the address"

# At the limit: c6 -> ... -> c20 -> end takes the 16 rounds there are, c5 one more.
cat >"$TMP/chain-edge.yml" <<'YML'
name: chain-edge
checks:
  - check: record
    name: "c5.{domain}"
    type: A
    follow_cname: true
    expect: 198.51.100.20
  - check: record
    name: "c6.{domain}"
    type: A
    follow_cname: true
    expect: 198.51.100.20
YML
audit -r "$TMP/chain-edge.yml" chain.test
is "$(json_field '[.findings[] | [.code, .status, .subject // "-"] | join(" ")] | sort | join(", ")')" \
	"check.too-many-rounds error chain.test, record.ok ok c6.chain.test/A" \
	"chain.test: a chain that needs 16 rounds is followed, one that needs 17 is stopped"

# --- SIGINT mid-run ---------------------------------------------------------------
# good.test is done in milliseconds; slow.test waits on a server that never
# answers, for up to 20 s. SIGINT after one second ends the run with a valid
# report of good.test, and slow.test not in it.
"$CUTOVER" check --root-hints "$ROOT_HINTS" --timeout 20000 -f json good.test slow.test nowild.test \
	>"$TMP/int.json" 2>"$TMP/int.err" &
pid=$!
sleep 1
kill -INT $pid
wait $pid
rc=$?
is "$rc" 3 "SIGINT: exit 3 (could not determine everything)"
jq -e . "$TMP/int.json" >/dev/null
ok $? "SIGINT: the report is valid JSON"
is "$(jq -r '[.findings[].domain] | unique | join(" ")' "$TMP/int.json")" "good.test nowild.test" \
	"SIGINT: the domains that finished are reported, the unfinished one is not"
is "$(jq -r '.interrupted' "$TMP/int.json")" true "SIGINT: the report says it was interrupted"
like "$(cat "$TMP/int.err")" "interrupted: 2 of 3 domains" "SIGINT: standard error says how far it got"

# text to a file: replaced atomically, complete up to the interruption
"$CUTOVER" check --root-hints "$ROOT_HINTS" --timeout 20000 -o "$TMP/int.txt" good.test slow.test \
	2>/dev/null &
pid=$!
sleep 1
kill -TERM $pid
wait $pid
is "$?" 3 "SIGTERM: exit 3"
like "$(cat "$TMP/int.txt")" "^good.test  (OK|INFO)" "SIGTERM: the text report has good.test"
like "$(tail -1 "$TMP/int.txt")" "interrupted" "SIGTERM: the summary says the run was interrupted"

done_testing
