#!/bin/sh
# ns: delegation health. Each fixture zone (tests/fixtures/README.md) triggers
# one code; the report says so with the right status, and the exit status
# follows the worst finding.

. "$(dirname "$0")/lib.sh"

audit -r tests/fixtures/rulesets/moves.yml good.test lame.test refused.test mismatch.test dead.test \
	noaddr.test glue.test referral.test moved.test same.test gone.test stilldelegated.test missing.test \
	mut-glue-lame.test
is "$RC" 2 "exit status 2: some domains fail" || diag_run

sees ns.ok ok good.test
sees_no ns.lame good.test
is "$(domain_status good.test)" ok "good.test: nothing but ok"

sees ns.lame fail lame.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "ns.lame" and .domain == "lame.test") | .server')" \
	"lame.hosts.test/127.53.3.1" "lame.test: the lame server is named with its address"
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "ns.lame" and .domain == "lame.test") | .actual')" \
	REFUSED "lame.test: the lame server answered REFUSED"

# every server refuses: lame, and the other checks cannot judge anything
sees ns.lame fail refused.test
is "$(finding_count ns.ok)" 3 "ns.ok only for good.test, gone.test and same.test"

sees ns.parent-child-mismatch fail mismatch.test
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.code == "ns.parent-child-mismatch")][0] | .expected + " | " + .actual')" \
	"ns1.newprov.test ns2.newprov.test | ns1.newprov.test ns3.newprov.test" \
	"mismatch.test: expected the parent's NS set, got the zone's"
is "$(findings ns.parent-child-mismatch mismatch.test message)" \
	"the parent delegates to ns1.newprov.test ns2.newprov.test but the zone publishes ns1.newprov.test ns3.newprov.test (only at the parent: ns2.newprov.test; only in the zone: ns3.newprov.test)" \
	"mismatch.test: the message says which name is only at the parent and which only in the zone"
# ns3.newprov.test is only in the zone's own NS set, and nothing listens there
sees ns.unreachable error mismatch.test

sees ns.unreachable error dead.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "ns.unreachable" and .domain == "dead.test") | .actual')" \
	"connection refused" "dead.test: the connection was refused"

sees ns.unresolvable fail noaddr.test

# the only name server is in the zone and lame: its glue is compared with
# nothing (nobody answers for its address), and it is lame
is "$(json_field '[.findings[] | select(.domain == "mut-glue-lame.test") | [.code, .status, .server, .actual] | join(" ")] | join(", ")')" \
	"ns.lame fail ns.mut-glue-lame.test/127.53.3.1 REFUSED" "mut-glue-lame.test: its in-zone name server is lame, and that is all"
sees ns.glue-mismatch fail glue.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "ns.glue-mismatch") | [.subject, .expected, .actual] | join(" | ")')" \
	"ns1.glue.test | A 127.53.2.2 | A 127.53.2.1" "glue.test: the zone's address expected, the parent's glue got"
sees_no ns.glue-mismatch good.test

# a server that answers with a referral (AA=0) is lame too
sees ns.lame fail referral.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "ns.lame" and .domain == "referral.test") | .server + " " + .actual')" \
	"a.nic.test/127.53.0.2 not authoritative (AA=0)" "referral.test: the TLD server answers without authority"

sees ns.stale-authority fail moved.test
is "$(finding_count ns.stale-authority)" 2 "moved.test: both old servers, by name and by address, are stale"
stale=$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.code == "ns.stale-authority")][0] | .expected + " | " + .actual')
is "$stale" "SOA serial 2026112502; NS ns1.newprov.test., ns2.newprov.test.; A 198.51.100.20 | SOA serial 2026010101; NS ns1.oldprov.test., ns2.oldprov.test.; A 192.0.2.10" \
	"moved.test: the stale serial, NS set and apex address are reported against the current ones"

sees ns.previous-serving info same.test
sees_no ns.stale-authority same.test
sees ns.ok ok gone.test
sees_no ns.previous-serving gone.test
sees ns.previous-delegated fail stilldelegated.test
is "$(findings ns.previous-delegated stilldelegated.test status subject server expected)" \
	"fail | ns1.oldprov.test | - | not in the NS set" \
	"stilldelegated.test: the previous server is named as a name server of the zone"
sees ns.no-delegation fail missing.test

# A previous server that the parent no longer lists but the zone's own NS set
# still does is still delegated.
audit -r tests/fixtures/rulesets/moves.yml mut-prev-child.test
sees ns.previous-delegated fail mut-prev-child.test
is "$(findings ns.previous-delegated mut-prev-child.test status subject server expected)" \
	"fail | ns1.oldprov.test | - | not in the NS set" \
	"mut-prev-child.test: ns1.oldprov.test, in the zone's NS set only, is still a name server"
sees ns.parent-child-mismatch fail mut-prev-child.test
is "$RC" 2 "mut-prev-child.test: exit status 2"

# A previous server given by the address of a current one is still delegated;
# one that is neither a name nor an address is refused when the rules load,
# with the file, line and column.
cat >"$TMP/prev.yml" <<'YML'
name: prev
checks:
  - check: ns
    previous: ["127.53.2.2"]
YML
audit -r "$TMP/prev.yml" good.test
is "$(findings ns.previous-delegated good.test)" \
	"fail | 127.53.2.2 | 127.53.2.2 | not in the NS set | 127.53.2.2" \
	"good.test: 127.53.2.2, to be retired, is the address of ns2.newprov.test"
is "$RC" 2 "good.test with a current server as previous: exit status 2"
cat >"$TMP/prev-bad.yml" <<'YML'
name: prev
checks:
  - check: ns
    previous: ["127.53.2.2", "bad..name"]
YML
audit -r "$TMP/prev-bad.yml" good.test
is "$RC" 3 "a previous server that is no name: exit status 3"
like "$ERR" "prev-bad.yml:4:30: invalid domain name 'bad..name' for 'previous'" \
	"a previous server that is no name is refused at file:line:column"

# A server that answers with data but without authority (AA=0) is lame, and no
# check reads what it says: its serial is stale, its TTLs 86400, its
# addresses 192.0.2.10; every other finding is what ns1 alone serves.
audit -r tests/fixtures/rulesets/lame-answers.yml mut-lame-answers.test
is "$RC" 2 "mut-lame-answers.test: exit status 2 (a lame server)" || diag_run
sees ns.lame fail mut-lame-answers.test
is "$(findings ns.lame mut-lame-answers.test)" \
	"fail | shadow.hosts.test | shadow.hosts.test/127.53.7.1 | an authoritative answer (AA, SOA) | not authoritative (AA=0)" \
	"mut-lame-answers.test: shadow is lame: it answers without authority"
is "$(json_field '[.findings[] | select(.code != "ns.lame") | [.code, .status, .subject, .actual] | join(" ")] | sort | join(", ")')" \
	"record.ok ok mut-lame-answers.test/MX 10 mail.mut-lame-answers.test., record.ok ok www.mut-lame-answers.test/A 198.51.100.20, soa.ok ok mut-lame-answers.test/SOA 2026112501, ttl.ok ok mut-lame-answers.test/A 300, ttl.ok ok mut-lame-answers.test/MX 300, ttl.ok ok www.mut-lame-answers.test/A 300, wildcard.ok ok *.mut-lame-answers.test A 198.51.100.20" \
	"mut-lame-answers.test: every other check judges ns1's answers only"

# the other checks of the default rule set have nothing to judge there: the
# DNS checks get no authoritative answer, and the mail checks' lookups
# through the resolver fail (SERVFAIL): "could not be determined", never
# "missing"
audit refused.test
sees check.no-data error refused.test
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.code == "check.no-data") | .check] | sort | join(" ")')" \
	"dkim dmarc mx rdns soa spf ttl wildcard" "refused.test: every other check says it could not judge"
for c in mx.missing spf.missing dmarc.missing dkim.not-found rdns.no-addresses; do
	sees_no $c refused.test
done
is "$RC" 2 "refused.test: exit 2 (lame is a failure)"

# a domain that does not exist gives exit 2 on its own
audit missing.test
is "$RC" 2 "missing.test alone: exit status 2"
sees ns.no-delegation fail missing.test

# only errors: exit 3 (could not determine). The DNS checks only: these
# fixtures have no mail records, which the default rule set's mail checks
# would rightly fail.
audit -r tests/fixtures/rulesets/dns.yml dead.test
is "$(json_field .status)" error "dead.test: report status error"
is "$RC" 3 "dead.test: exit status 3 (error, nothing failed)"

# no address for any server; a parent that cannot be reached
audit -r tests/fixtures/rulesets/dns.yml --timeout 300 noservers.test child.deadparent.test
sees ns.no-servers error noservers.test
sees ns.discovery-failed error child.deadparent.test
is "$RC" 3 "only errors: exit status 3"

# a server that swallows queries costs one timeout for all its questions
# (the DNS checks, which ask the zone's servers through the query engine;
# the mail checks' lookups go through libunbound, which has its own)
start=$(date +%s%N)
audit -r tests/fixtures/rulesets/dns.yml --timeout 1000 slow.test
end=$(date +%s%N)
sees ns.unreachable error slow.test
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "ns.unreachable") | .server')" \
	"^blackhole.hosts.test/127.53.4.5$" "slow.test: the blackhole is the unreachable one"
elapsed_ms=$(((end - start) / 1000000))
# Every check's questions to the blackhole are in flight at once: one 1 s
# timeout, not one per question (that would be 10 s or more).
ok $([ "$elapsed_ms" -lt 3500 ] && echo 0 || echo 1) "slow.test: one timeout, not one per question (${elapsed_ms} ms)"
sees soa.ok ok slow.test

done_testing
