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
# new2's older SOA has retry 600; only the newest SOA's timers are judged
sees_no soa.timers serial.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "soa.serial-mismatch") | [.server, .expected, .actual] | join(" ")')" \
	"ns2.newprov.test/127.53.2.2 2026112501 2026112401" "serial.test: ns2 is behind, newest serial expected"

sees soa.negative-ttl-high fail negttl.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "soa.negative-ttl-high") | .expected + " " + .actual')" \
	"<= 900 86400" "negttl.test: min(SOA TTL, MINIMUM) = 86400 against 900"

sees soa.timers warn timers.test
is "$(finding_count soa.timers)" 4 "timers.test: refresh, retry (twice) and expire are off"
sees_no soa.timers good.test
# good.test has refresh 14400, retry 3600 and minimum 300, negttl.test minimum
# 86400: each exactly at its limit, and fine
sees_no soa.timers negttl.test

sees ttl.too-high fail highttl.test
is "$(printf '%s\n' "$OUT" | jq '[.findings[] | select(.code == "ttl.too-high" and .domain == "highttl.test")] | length')" \
	4 "highttl.test: apex and www A, on both servers"
like "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.code == "ttl.too-high")][0] | .subject + " " + .actual')" \
	"^highttl.test/A 86400$" "highttl.test: subject and actual TTL"

sees ttl.inconsistent warn ttldiff.test
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "ttl.inconsistent") | .actual')" \
	"300 on ns1.newprov.test/127.53.2.1, 3600 on ns2.newprov.test/127.53.2.2" "ttldiff.test: each server's TTL"

# --- at the limits (fixtures for bugs that planted, these tests missed) ---------
audit -r tests/fixtures/rulesets/soa-ttl.yml mut-ttl-edge.test mut-soa-timers.test \
	mut-negttl-lowttl.test mut-negttl-lowmin.test mut-serial-wrap.test
is "$RC" 2 "mut-*.test: exit status 2" || diag_run

# A TTL of exactly max is fine, one more is not.
sees ttl.too-high fail mut-ttl-edge.test
is "$(findings ttl.too-high mut-ttl-edge.test)" \
	"fail | www.mut-ttl-edge.test/A | ns1.newprov.test/127.53.2.1 | <= 900 | 901
fail | www.mut-ttl-edge.test/A | ns2.newprov.test/127.53.2.2 | <= 900 | 901" \
	"mut-ttl-edge.test: www A (901) is above 900 on both servers, and nothing else"
is "$(findings ttl.ok mut-ttl-edge.test status subject actual)" \
	"ok | mut-ttl-edge.test/A | 900
ok | mut-ttl-edge.test/MX | 900
ok | nothere.mut-ttl-edge.test/A | 300" "mut-ttl-edge.test: a TTL of exactly 900 is ok"
# a negative-caching TTL of exactly negative_ttl_max is fine
sees soa.ok ok mut-ttl-edge.test
is "$(findings soa.ok mut-ttl-edge.test status subject actual message)" \
	"ok | mut-ttl-edge.test/SOA | 2026112501 | serial 2026112501 on 2 servers; negative-caching TTL 900; timers sane" \
	"mut-ttl-edge.test: negative-caching TTL 900 against 900 is ok"

# retry equal to refresh is a problem; expire of exactly 604800 and equal to
# refresh, and minimum of exactly 86400, are not.
sees soa.timers warn mut-soa-timers.test
is "$(findings soa.timers mut-soa-timers.test)" "warn | mut-soa-timers.test/SOA | - | < refresh | 604800" \
	"mut-soa-timers.test: only retry = refresh is off"
sees_no soa.negative-ttl-high mut-soa-timers.test

# The negative-caching TTL is min(SOA TTL, MINIMUM), whichever is lower.
sees soa.ok ok mut-negttl-lowttl.test
is "$(findings soa.ok mut-negttl-lowttl.test message)" \
	"serial 2026112501 on 2 servers; negative-caching TTL 300; timers sane" \
	"mut-negttl-lowttl.test: SOA TTL 300 below MINIMUM 86400: negative-caching TTL 300"
sees_no soa.negative-ttl-high mut-negttl-lowttl.test
sees soa.negative-ttl-high fail mut-negttl-lowmin.test
is "$(findings soa.negative-ttl-high mut-negttl-lowmin.test)" \
	"fail | mut-negttl-lowmin.test/SOA | ns1.newprov.test/127.53.2.1 | <= 900 | 1800" \
	"mut-negttl-lowmin.test: MINIMUM 1800 below SOA TTL 3600: 1800, on the first server that gives it"
like "$(findings soa.negative-ttl-high mut-negttl-lowmin.test message)" "\(min of SOA TTL 3600 and MINIMUM 1800\)" \
	"mut-negttl-lowmin.test: the message gives both"

# RFC 1982: serial 10 is 16 steps after 4294967290, so newer.
sees soa.serial-mismatch fail mut-serial-wrap.test
is "$(findings soa.serial-mismatch mut-serial-wrap.test)" \
	"fail | mut-serial-wrap.test/SOA | ns1.newprov.test/127.53.2.1 | 10 | 4294967290" \
	"mut-serial-wrap.test: ns1 (4294967290) is behind ns2 (10) across the wrap"
sees_no soa.ok mut-serial-wrap.test

# A TTL of 0 is a TTL (within max: 0); without names the apex is checked.
cat >"$TMP/ttl-edge.yml" <<'YML'
name: ttl-edge
checks:
  - check: ttl
    names: ["zero.{domain}"]
    types: [A]
    max: 0
  - check: ttl
    types: [A]
    max: 900
YML
audit -r "$TMP/ttl-edge.yml" mut-ttl-edge.test
is "$RC" 0 "mut-ttl-edge.test: TTL 0 against max 0 passes" || diag_run
is "$(findings ttl.ok mut-ttl-edge.test status subject actual)" "ok | mut-ttl-edge.test/A | 900
ok | zero.mut-ttl-edge.test/A | 0" "mut-ttl-edge.test: zero A TTL 0 is ok; the apex is the default name"

# --- a minimum: TTLs raised again after the move -------------------------------
# good.test's TTLs are all 300: what a TTL lowered for a move and never raised
# again looks like. highttl.test's apex and www (86400) are within 3600..86400.
cat >"$TMP/ttl-min.yml" <<'YML'
name: ttl-min
checks:
  - check: ttl
    names: ["{domain}", www]
    types: [A]
    min: 3600
    max: 86400
YML
audit -r "$TMP/ttl-min.yml" good.test highttl.test
is "$RC" 0 "ttl.too-low is a warning: exit 0 by default" || diag_run
sees ttl.too-low warn good.test
is "$(findings ttl.too-low good.test)" \
	"warn | good.test/A | ns1.newprov.test/127.53.2.1 | >= 3600 | 300
warn | good.test/A | ns2.newprov.test/127.53.2.2 | >= 3600 | 300
warn | www.good.test/A | ns1.newprov.test/127.53.2.1 | >= 3600 | 300
warn | www.good.test/A | ns2.newprov.test/127.53.2.2 | >= 3600 | 300" \
	"good.test: apex and www A (300) below 3600, on each server"
like "$(findings ttl.too-low good.test message | head -n 1)" \
	"^TTL 300 is below 3600: resolvers ask again every 5 minutes; a TTL lowered for the move and never raised again is a common oversight$" \
	"good.test: the message says why a low TTL matters after a move"
sees_no ttl.ok good.test
sees_no ttl.too-low highttl.test
is "$(findings ttl.ok highttl.test subject message)" \
	"highttl.test/A | 3600 <= TTL 86400 <= 86400 on 2 servers
www.highttl.test/A | 3600 <= TTL 86400 <= 86400 on 2 servers" "highttl.test: 86400 within 3600..86400"
audit -r "$TMP/ttl-min.yml" --fail-on warn good.test
is "$RC" 1 "good.test: --fail-on warn makes a TTL left low a gate"

# At the limit: a TTL of exactly min is fine, one less is not (0 included).
cat >"$TMP/ttl-min-edge.yml" <<'YML'
name: ttl-min-edge
checks:
  - check: ttl
    names: ["{domain}", www, zero]
    types: [A]
    min: 901
    max: 901
    severity: fail
YML
audit -r "$TMP/ttl-min-edge.yml" mut-ttl-edge.test
is "$RC" 2 "mut-ttl-edge.test: severity fail makes ttl.too-low fail" || diag_run
is "$(findings ttl.too-low mut-ttl-edge.test)" \
	"fail | mut-ttl-edge.test/A | ns1.newprov.test/127.53.2.1 | >= 901 | 900
fail | mut-ttl-edge.test/A | ns2.newprov.test/127.53.2.2 | >= 901 | 900
fail | zero.mut-ttl-edge.test/A | ns1.newprov.test/127.53.2.1 | >= 901 | 0
fail | zero.mut-ttl-edge.test/A | ns2.newprov.test/127.53.2.2 | >= 901 | 0" \
	"mut-ttl-edge.test: the apex (900) and zero (0) are below 901"
is "$(findings ttl.ok mut-ttl-edge.test status subject actual)" "ok | www.mut-ttl-edge.test/A | 901" \
	"mut-ttl-edge.test: www (901) is exactly at min and max"
sees_no ttl.too-high mut-ttl-edge.test

# min above max is a mistake in the rule file, found before anything is asked
# (the fixtures in tests/fixtures/rules/ttl-min-above-*.yml, run by t0300, say
# the same for a default max, a --set value and a skipped check).
printf 'checks:\n  - check: ttl\n    max: 300\n    min: 3600\n' >"$TMP/ttl-min-max.yml"
audit -r "$TMP/ttl-min-max.yml" good.test
is "$RC" 3 "min above max: exit 3"
is "$ERR" "cutover: $TMP/ttl-min-max.yml:4:10: 'min' 3600 is above 'max' 300: no TTL can pass" \
	"min above max: named with file, line and column"
is "$OUT" "" "min above max: no report"

# A timer warning alone passes the default --fail-on fail, not --fail-on warn.
audit -r tests/fixtures/rulesets/soa-ttl.yml timers.test
is "$RC" 0 "timers.test: warnings only, exit 0 by default"
sees soa.timers warn timers.test
is "$(domain_status timers.test)" warn "timers.test: warn is the worst"
audit -r tests/fixtures/rulesets/soa-ttl.yml --fail-on warn timers.test
is "$RC" 1 "timers.test: --fail-on warn gives exit 1"
sees soa.timers warn timers.test

# The shipped default rule set passes the control zone; pre-cutover too.
audit good.test
is "$RC" 0 "good.test passes rules/default.yml"
is "$(domain_status good.test)" info "good.test: rules/default.yml finds nothing worse than info (dkim.found)"
audit -r pre-cutover -s new_ip=198.51.100.20 good.test
is "$RC" 0 "good.test passes rules/pre-cutover.yml with new_ip"
sees wildcard.ok ok good.test
is "$(domain_status good.test)" ok "good.test: every finding of rules/pre-cutover.yml is ok"
audit -r pre-cutover highttl.test
is "$RC" 2 "highttl.test fails pre-cutover"
sees ttl.too-high fail highttl.test

done_testing
