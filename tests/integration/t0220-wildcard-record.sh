#!/bin/sh
# wildcard and record: a * record that exists and points at the new server;
# a name that has exactly the expected values everywhere.

. "$(dirname "$0")/lib.sh"

audit -r tests/fixtures/rulesets/wildcard.yml -s new_ip=198.51.100.20 good.test nowild.test wildwrong.test
is "$RC" 2 "exit status 2" || diag_run
sees wildcard.ok ok good.test
sees wildcard.missing warn nowild.test
sees wildcard.wrong-target fail wildwrong.test
# every finding whole: the wildcard itself is wrong on both servers (not the
# random name under it, which gets the same wrong address)
is "$(findings wildcard.wrong-target wildwrong.test)" \
	"fail | *.wildwrong.test/A | ns1.newprov.test/127.53.2.1 | 198.51.100.20 | 192.0.2.10
fail | *.wildwrong.test/A | ns2.newprov.test/127.53.2.2 | 198.51.100.20 | 192.0.2.10" \
	"wildwrong.test: *.wildwrong.test/A on each server: expected the new address, got the old"
is "$(findings wildcard.ok good.test status subject actual)" "ok | *.good.test | A 198.51.100.20" \
	"good.test: the wildcard and what it holds"
is "$(findings wildcard.missing nowild.test)" "warn | *.nowild.test | - | A 198.51.100.20 | (none)" \
	"nowild.test: the wildcard expected, none there"

# A server whose wildcard record is right but a random name under it gets
# something else (shadow.hosts.test does not synthesize): only the random
# name's answer shows it.
audit -r tests/fixtures/rulesets/wildcard.yml -s new_ip=198.51.100.20 mut-wild-shadow.test
is "$RC" 2 "mut-wild-shadow.test: exit status 2" || diag_run
sees wildcard.wrong-target fail mut-wild-shadow.test
like "$(findings wildcard.wrong-target mut-wild-shadow.test)" \
	'^fail \| cutover-probe-[0-9a-f]{8}\.mut-wild-shadow\.test/A \| shadow\.hosts\.test/127\.53\.7\.1 \| 198\.51\.100\.20 \| 192\.0\.2\.66$' \
	"mut-wild-shadow.test: the random name on shadow gets 192.0.2.66"
is "$(finding_count wildcard.wrong-target)" 1 "mut-wild-shadow.test: only there (ns1 synthesizes, and the wildcard itself is right)"

# Without expect, a wildcard only has to exist; the default rule set makes a
# missing one info, not a problem.
audit nowild.test
sees wildcard.missing info nowild.test
is "$RC" 0 "nowild.test passes the default rule set"

audit -r tests/fixtures/rulesets/records.yml -s new_ip=198.51.100.20 good.test recwrong.test recdiff.test
is "$RC" 2 "exit status 2" || diag_run
sees record.ok ok good.test
is "$(findings record.ok good.test status subject actual)" "ok | good.test/MX | 10 mail.good.test.
ok | www.good.test/A | 198.51.100.20" "good.test: www A and MX both ok"
sees record.mismatch fail recwrong.test
is "$(findings record.mismatch recwrong.test)" \
	"fail | www.recwrong.test/A | ns1.newprov.test/127.53.2.1 | 198.51.100.20 | 192.0.2.10
fail | www.recwrong.test/A | ns2.newprov.test/127.53.2.2 | 198.51.100.20 | 192.0.2.10" \
	"recwrong.test: both servers have the wrong address"
sees record.inconsistent fail recdiff.test
is "$(findings record.mismatch recdiff.test)" \
	"fail | www.recdiff.test/A | ns2.newprov.test/127.53.2.2 | 198.51.100.20 | 192.0.2.10" \
	"recdiff.test: only ns2 has the wrong address"
is "$(findings record.inconsistent recdiff.test status subject)" "fail | www.recdiff.test/A" \
	"recdiff.test: the servers disagree on www A"

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
  - check: record
    name: "ftp.{domain}"
    type: A
    via: resolver
YML
# (nowild.test: no wildcard, so ftp.nowild.test does not exist)
audit -r "$TMP/missing.yml" nowild.test
sees record.missing fail nowild.test
is "$(findings record.missing nowild.test status subject server actual)" "fail | ftp.nowild.test/A | - | (none)
fail | ftp.nowild.test/A | ns1.newprov.test/127.53.2.1 | (none)
fail | ftp.nowild.test/A | ns2.newprov.test/127.53.2.2 | (none)" \
	"nowild.test: ftp is missing on each server and through the resolver"
sees record.ok ok nowild.test
is "$(findings record.ok nowild.test status subject)" "ok | nowild.test/MX" "nowild.test: only the MX is ok"
is "$RC" 2 "a missing record fails"

# expected values are a set: the same value twice is once, in any order and
# form (a name in another case, relative or absolute)
cat >"$TMP/set.yml" <<'YML'
name: set
checks:
  - check: record
    name: "www.{domain}"
    type: A
    expect: ["198.51.100.20", "198.51.100.20"]
  - check: record
    name: "{domain}"
    type: MX
    expect: ["10 MAIL.{domain}", "10 mail.{domain}."]
YML
audit -r "$TMP/set.yml" good.test
is "$RC" 0 "expected values twice: still the one record" || diag_run
is "$(findings record.ok good.test status subject expected)" "ok | good.test/MX | 10 mail.good.test.
ok | www.good.test/A | 198.51.100.20" "good.test: the expected sets, each value once"

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
