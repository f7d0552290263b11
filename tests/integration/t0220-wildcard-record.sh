#!/bin/sh
# wildcard and record: a * record that exists and points at the new server;
# a name that has exactly the expected values everywhere.

. "$(dirname "$0")/lib.sh"

audit -r tests/fixtures/rulesets/wildcard.yml -s new_ip=198.51.100.20 good.test nowild.test wildwrong.test
is "$RC" 2 "exit status 2" || diag_run
sees wildcard.ok ok good.test
sees wildcard.missing warn nowild.test
sees wildcard.wrong-target fail wildwrong.test
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.code == "wildcard.wrong-target")][0] | .expected + " " + .actual')" \
	"198.51.100.20 192.0.2.10" "wildwrong.test: expected the new address, got the old"

# Without expect, a wildcard only has to exist; the default rule set makes a
# missing one info, not a problem.
audit nowild.test
sees wildcard.missing info nowild.test
is "$RC" 0 "nowild.test passes the default rule set"

audit -r tests/fixtures/rulesets/records.yml -s new_ip=198.51.100.20 good.test recwrong.test recdiff.test
is "$RC" 2 "exit status 2" || diag_run
sees record.ok ok good.test
is "$(printf '%s\n' "$OUT" | jq '[.findings[] | select(.code == "record.ok" and .domain == "good.test")] | length')" 2 \
	"good.test: www A and MX both ok"
sees record.mismatch fail recwrong.test
is "$(printf '%s\n' "$OUT" | jq '[.findings[] | select(.code == "record.mismatch" and .domain == "recwrong.test")] | length')" 2 \
	"recwrong.test: both servers have the wrong address"
sees record.inconsistent fail recdiff.test
is "$(printf '%s\n' "$OUT" | jq '[.findings[] | select(.code == "record.mismatch" and .domain == "recdiff.test")] | length')" 1 \
	"recdiff.test: only ns2 has the wrong address"

# record without expect: it must exist
cat >"$TMP/missing.yml" <<'YML'
name: missing
checks:
  - check: record
    name: "ftp.{domain}"
    type: A
  - check: record
    name: "{domain}"
    type: mx
    expect: ["10 mail.{domain}."]
    severity: warn
YML
# (nowild.test: no wildcard, so ftp.nowild.test does not exist)
audit -r "$TMP/missing.yml" nowild.test
sees record.missing fail nowild.test
sees record.ok ok nowild.test
is "$RC" 2 "a missing record fails"

# severity: warn turns a failure into a warning
cat >"$TMP/sev.yml" <<'YML'
name: sev
checks:
  - check: record
    name: "www.{domain}"
    type: A
    expect: ["198.51.100.99"]
    severity: warn
YML
audit -r "$TMP/sev.yml" good.test
sees record.mismatch warn good.test
is "$RC" 0 "a warning does not fail by default"

# An RRset larger than the 1232-byte EDNS buffer comes truncated over UDP;
# cutover asks again over TCP and judges all twenty records.
cat >"$TMP/big.yml" <<'YML'
name: big
checks:
  - check: record
    name: "big.{domain}"
    type: TXT
  - check: ttl
    names: ["big.{domain}"]
    types: [TXT]
    max: 900
YML
audit -r "$TMP/big.yml" good.test
sees record.ok ok good.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "record.ok") | .actual' | tr ',' '\n' | grep -c big-)" 20 \
	"big.good.test: all 20 TXT records, over TCP"
sees ttl.ok ok good.test

# severity restates problems only: information stays information
cat >"$TMP/sev-info.yml" <<'YML'
name: sev-info
checks:
  - check: ttl
    names: ["nothere.{domain}"]
    severity: fail
YML
audit -r "$TMP/sev-info.yml" nowild.test
sees ttl.no-records info nowild.test
is "$RC" 0 "severity: fail leaves an info finding info"

done_testing
