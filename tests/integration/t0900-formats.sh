#!/bin/sh
# Every output format, read by a real consumer: jq (JSON, and its schema),
# xmllint against the JUnit schema, prove (TAP), promtool (Prometheus), and
# the Nagios plugin conventions (status line, perfdata, exit codes).

. "$(dirname "$0")/lib.sh"

# the consumers (make deps installs them; a missing one is an error)
need xmllint libxml2-utils
need promtool prometheus
need prove perl
[ -r tests/junit/junit.xsd ] || bail_out "tests/junit/junit.xsd, the JUnit schema, is missing"

set -- -r pre-cutover good.test highttl.test timers.test dead.test

# JSON: the contract of design.md
audit "$@"
printf '%s\n' "$OUT" >"$TMP/r.json"
jq -e . "$TMP/r.json" >/dev/null
ok $? "json: jq parses it"
is "$(jq -r '[.version, .tool, .status] | join(" ")' "$TMP/r.json")" "1 cutover 0.1.0 fail" "json: version, tool, status"
like "$(jq -r .started "$TMP/r.json")" '^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$' "json: started is ISO 8601 UTC"
is "$(jq -r '.summary | keys_unsorted | join(" ")' "$TMP/r.json")" "ok info warn fail error" "json: summary keys"
is "$(jq '[.summary[]] | add' "$TMP/r.json")" "$(jq '.findings | length' "$TMP/r.json")" "json: summary adds up to the findings"
is "$(jq -r '[.findings[] | select((has("domain") and has("check") and has("code") and has("status") and has("message")) | not)] | length' "$TMP/r.json")" \
	0 "json: every finding has domain, check, code, status, message"
is "$(jq -r '[.findings[].status] - ["ok","info","warn","fail","error"] | length' "$TMP/r.json")" 0 "json: statuses are from the schema"
is "$(jq -r '[.findings[] | select(.code | test("^[a-z]+\\.[a-z-]+$") | not)] | length' "$TMP/r.json")" 0 "json: codes are family.what"
is "$(jq -r '[.findings[] | keys_unsorted[] | select(IN("domain","check","code","status","subject","server","message","expected","actual") | not)] | length' "$TMP/r.json")" \
	0 "json: no keys outside the schema"
is "$(jq -r '[.findings[].domain] | unique | length' "$TMP/r.json")" 4 "json: all four domains have findings"
nfind=$(jq '.findings | length' "$TMP/r.json")
nfail=$(jq '[.findings[] | select(.status == "fail")] | length' "$TMP/r.json")
nerr=$(jq '[.findings[] | select(.status == "error")] | length' "$TMP/r.json")

# JUnit, against its schema
run_cutover check --root-hints "$ROOT_HINTS" -f junit -o "$TMP/r.xml" "$@"
is "$RC" 2 "junit: exit status 2"
xmllint --noout --schema tests/junit/junit.xsd "$TMP/r.xml" 2>"$TMP/xmllint.err"
ok $? "junit: valid against tests/junit/junit.xsd" || diag "$(cat "$TMP/xmllint.err")"
is "$(xmllint --xpath 'count(//testcase)' "$TMP/r.xml")" "$nfind" "junit: one testcase per finding"
is "$(xmllint --xpath 'count(//testcase/failure)' "$TMP/r.xml")" "$nfail" "junit: a failure per fail finding"
is "$(xmllint --xpath 'count(//testcase/error)' "$TMP/r.xml")" "$nerr" "junit: an error per error finding"
is "$(xmllint --xpath 'count(//testsuite)' "$TMP/r.xml")" 4 "junit: one testsuite per domain"

# TAP, through prove
run_cutover check --root-hints "$ROOT_HINTS" -f tap -o "$TMP/r.tap" "$@"
prove -e cat "$TMP/r.tap" >"$TMP/prove.out" 2>&1
is "$?" 1 "tap: prove reads it and reports the failures"
like "$(cat "$TMP/prove.out")" "Failed $((nfail + nerr))/$nfind subtests" "tap: fail and error findings are the failed tests"
run_cutover check --root-hints "$ROOT_HINTS" -f tap -o "$TMP/ok.tap" good.test
prove -e cat "$TMP/ok.tap" >"$TMP/prove.out" 2>&1
ok $? "tap: an all-ok report passes prove"

# Prometheus text exposition, through promtool
run_cutover check --root-hints "$ROOT_HINTS" -f prometheus -o "$TMP/r.prom" "$@"
promtool check metrics <"$TMP/r.prom" >"$TMP/promtool.out" 2>&1
ok $? "prometheus: promtool check metrics accepts it" || diag "$(cat "$TMP/promtool.out")"
like "$(cat "$TMP/r.prom")" '^cutover_status\{domain="highttl.test"\} 4$' "prometheus: highttl.test status 4 (fail)"
like "$(cat "$TMP/r.prom")" '^cutover_status\{domain="good.test"\} 0$' "prometheus: good.test status 0 (ok)"
like "$(cat "$TMP/r.prom")" '^cutover_findings\{domain="dead.test",status="error"\} 1$' "prometheus: per-status counts"

# Nagios: status line with perfdata, plugin exit codes
nagios() { # DOMAIN... -> first line in LINE
	run_cutover check --root-hints "$ROOT_HINTS" -f nagios -r pre-cutover "$@"
	LINE=$(printf '%s\n' "$OUT" | head -n 1)
}
perf='\| ok=[0-9]+;;;0 info=[0-9]+;;;0 warn=[0-9]+;;;0 fail=[0-9]+;;;0 error=[0-9]+;;;0 time=[0-9.]+s$'
nagios good.test
like "$LINE" "^CUTOVER OK - .* $perf" "nagios: OK line with perfdata"
is "$RC" 0 "nagios: OK exits 0"
nagios timers.test
like "$LINE" "^CUTOVER WARNING - .*soa.timers" "nagios: WARNING names the code"
is "$RC" 1 "nagios: WARNING exits 1"
nagios highttl.test
like "$LINE" "^CUTOVER CRITICAL - .*ttl.too-high.* $perf" "nagios: CRITICAL names the code"
is "$RC" 2 "nagios: CRITICAL exits 2"
nagios dead.test
like "$LINE" "^CUTOVER UNKNOWN - " "nagios: UNKNOWN for an unreachable server"
is "$RC" 3 "nagios: UNKNOWN exits 3"

# text: grouped by domain, worst first
run_cutover check --root-hints "$ROOT_HINTS" "$@"
like "$OUT" "^highttl.test +FAIL" "text: a heading per domain with its status"
is "$(printf '%s\n' "$OUT" | awk '/^highttl.test/{f=1; next} f && NF{print $1; exit}')" FAIL "text: worst finding first"
like "$OUT" "^FAIL: " "text: a summary line"

done_testing
