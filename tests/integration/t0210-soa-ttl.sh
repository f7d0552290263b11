#!/bin/sh
# soa and ttl: serial agreement, the negative-caching TTL, timers, TTLs above
# a limit and servers that disagree on them.

. "$(dirname "$0")/lib.sh"

audit -r tests/fixtures/rulesets/soa-ttl.yml good.test nowild.test serial.test negttl.test timers.test highttl.test ttldiff.test
is "$RC" 2 "exit status 2" || diag_run

sees soa.ok ok good.test
sees ttl.ok ok good.test
sees_no ttl.too-high good.test
is "$(domain_status good.test)" ok "good.test: all ok (its wildcard makes nothere.good.test exist)"
# nowild.test has no wildcard, so nothere.nowild.test does not exist
sees ttl.no-records info nowild.test
is "$(domain_status nowild.test)" info "nowild.test: ok, and info for the name that does not exist"

sees soa.serial-mismatch fail serial.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "soa.serial-mismatch") | [.server, .expected, .actual] | join(" ")')" \
	"ns2.newprov.test/127.53.2.2 2026112501 2026112401" "serial.test: ns2 is behind, newest serial expected"

sees soa.negative-ttl-high fail negttl.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "soa.negative-ttl-high") | .expected + " " + .actual')" \
	"<= 900 86400" "negttl.test: min(SOA TTL, MINIMUM) = 86400 against 900"

sees soa.timers warn timers.test
is "$(finding_count soa.timers)" 4 "timers.test: refresh, retry (twice) and expire are off"
sees_no soa.timers good.test

sees ttl.too-high fail highttl.test
is "$(printf '%s\n' "$OUT" | jq '[.findings[] | select(.code == "ttl.too-high" and .domain == "highttl.test")] | length')" \
	4 "highttl.test: apex and www A, on both servers"
like "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.code == "ttl.too-high")][0] | .subject + " " + .actual')" \
	"^highttl.test/A 86400$" "highttl.test: subject and actual TTL"

sees ttl.inconsistent warn ttldiff.test
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "ttl.inconsistent") | .actual')" \
	"300 on ns1.newprov.test/127.53.2.1, 3600 on ns2.newprov.test/127.53.2.2" "ttldiff.test: each server's TTL"

# A timer warning alone passes the default --fail-on fail, not --fail-on warn.
audit -r tests/fixtures/rulesets/soa-ttl.yml timers.test
is "$RC" 0 "timers.test: warnings only, exit 0 by default"
audit -r tests/fixtures/rulesets/soa-ttl.yml --fail-on warn timers.test
is "$RC" 1 "timers.test: --fail-on warn gives exit 1"

# The shipped default rule set passes the control zone; pre-cutover too.
audit good.test
is "$RC" 0 "good.test passes rules/default.yml"
audit -r pre-cutover -s new_ip=198.51.100.20 good.test
is "$RC" 0 "good.test passes rules/pre-cutover.yml with new_ip"
sees wildcard.ok ok good.test
audit -r pre-cutover highttl.test
is "$RC" 2 "highttl.test fails pre-cutover"

done_testing
