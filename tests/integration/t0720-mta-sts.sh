#!/bin/sh
# mta-sts: the _mta-sts record, the policy fetched from nginx on web-new
# (127.53.20.1) under the test CA, MX coverage, TLS-RPT; resolve: pinning the
# policy host to another address (web-down 127.53.20.9 refuses connections,
# web-old 127.53.20.2 has no policy); without --ca-file the test CA is
# unknown. Fixtures: svc.test and the sts-*.test zones, tests/fixtures/mta-sts/
# (tests/fixtures/README.md).

. "$(dirname "$0")/lib.sh"

need jq

cat >"$TMP/mta-sts.yml" <<'YML'
name: mta-sts
checks:
  - check: mta-sts
YML

URL=/.well-known/mta-sts.txt

# --- every fixture, with the test CA -----------------------------------------

audit --ca-file "$CA_FILE" -r "$TMP/mta-sts.yml" svc.test sts-none.test sts-syntax.test sts-unreach.test \
	sts-badpolicy.test sts-uncovered.test sts-modenone.test sts-wildcard.test
is "$RC" 2 "exit status 2 (failures)" || diag_run

# svc.test: one record, a valid enforce policy covering its one MX
sees mta-sts.ok ok svc.test
is "$(findings mta-sts.ok svc.test)" "ok | https://mta-sts.svc.test$URL | 127.53.20.1 | - | enforce" \
	"svc.test: mta-sts.ok at the policy URL, from 127.53.20.1"
like "$(json_field '.findings[] | select(.code == "mta-sts.ok" and .domain == "svc.test") | .message')" \
	'\(id 20261201T000000\): mode enforce, max_age 604800, mx mail\.svc\.test, covering every MX' \
	"svc.test: the message gives the id, mode, max_age and patterns"
sees tls-rpt.ok ok svc.test
is "$(findings tls-rpt.ok svc.test)" \
	"ok | _smtp._tls.svc.test/TXT | - | - | v=TLSRPTv1; rua=mailto:tlsrpt@svc.test" "svc.test: tls-rpt.ok"
is "$(domain_status svc.test)" ok "svc.test: nothing but ok"

# the wildcard pattern *.svc.test covers MX mail.svc.test (one label more)
sees mta-sts.ok ok sts-wildcard.test
like "$(json_field '.findings[] | select(.code == "mta-sts.ok" and .domain == "sts-wildcard.test") | .message')" \
	'mx \*\.svc\.test, covering every MX' "sts-wildcard.test: *.svc.test covers mail.svc.test"
sees_no mta-sts.mx-not-covered sts-wildcard.test

# no records at all
sees mta-sts.missing warn sts-none.test
is "$(findings mta-sts.missing sts-none.test)" \
	"warn | _mta-sts.sts-none.test/TXT | - | v=STSv1; id=... | (no such name)" "sts-none.test: mta-sts.missing"
sees tls-rpt.missing warn sts-none.test
is "$(findings tls-rpt.missing sts-none.test)" \
	"warn | _smtp._tls.sts-none.test/TXT | - | v=TLSRPTv1; rua=... | (no such name)" "sts-none.test: tls-rpt.missing"
is "$(json_field '[.findings[] | select(.domain == "sts-none.test" and (.code | startswith("mta-sts.")))] | length')" 1 \
	"sts-none.test: no policy fetched without a record"

# "v=STSv1;" and "v=TLSRPTv1;": no id=, no rua=
sees mta-sts.record-syntax fail sts-syntax.test
is "$(findings mta-sts.record-syntax sts-syntax.test)" \
	"fail | _mta-sts.sts-syntax.test/TXT | - | v=STSv1; id=1 to 32 letters and digits | v=STSv1;" \
	"sts-syntax.test: mta-sts.record-syntax shows the record"
like "$(json_field '.findings[] | select(.code == "mta-sts.record-syntax") | .message')" \
	'nothing after v=STSv1 \(id= is required\)' "sts-syntax.test: the message says id= is required"
sees tls-rpt.syntax warn sts-syntax.test
is "$(findings tls-rpt.syntax sts-syntax.test subject actual)" "_smtp._tls.sts-syntax.test/TXT | v=TLSRPTv1;" \
	"sts-syntax.test: tls-rpt.syntax shows the record"
like "$(json_field '.findings[] | select(.code == "tls-rpt.syntax") | .message')" 'rua= is required' \
	"sts-syntax.test: the message says rua= is required"
# the policy behind an invalid record is still judged, but never ok
sees_no mta-sts.ok sts-syntax.test

# mta-sts.sts-unreach.test is 127.53.20.9, where nothing listens
sees mta-sts.policy-unreachable fail sts-unreach.test
is "$(findings mta-sts.policy-unreachable sts-unreach.test)" \
	"fail | https://mta-sts.sts-unreach.test$URL | 127.53.20.9 | - | -" \
	"sts-unreach.test: policy-unreachable from 127.53.20.9"
like "$(json_field '.findings[] | select(.code == "mta-sts.policy-unreachable" and .domain == "sts-unreach.test") | .message')" \
	'no HTTPS answer from 127\.53\.20\.9: .*(connect|refused)' "sts-unreach.test: libcurl's reason"

# version: STSv2, mode: strict, no max_age, no mx
sees mta-sts.policy-syntax fail sts-badpolicy.test
is "$(findings mta-sts.policy-syntax sts-badpolicy.test)" \
	"fail | https://mta-sts.sts-badpolicy.test$URL | 127.53.20.1 | - | -" "sts-badpolicy.test: policy-syntax"
is "$(json_field '.findings[] | select(.code == "mta-sts.policy-syntax") | .message')" \
	"the policy from 127.53.20.1 is not a valid MTA-STS policy, so senders discard it (RFC 8461 3.2): line 1: version: 'STSv2' is not STSv1; line 2: mode: 'strict' is not enforce, testing or none (in lower case); no max_age field; no mx field: at least one is required unless the mode is none" \
	"sts-badpolicy.test: every problem, with its line"
sees_no mta-sts.ok sts-badpolicy.test

# mode testing, max_age 3600, MX mx2.elsewhere.test not in the policy
sees mta-sts.mx-not-covered fail sts-uncovered.test
is "$(findings mta-sts.mx-not-covered sts-uncovered.test)" \
	"fail | mx2.elsewhere.test | 127.53.20.1 | mail.svc.test | mx2.elsewhere.test" \
	"sts-uncovered.test: the uncovered MX is the subject, the patterns expected"
is "$(finding_count mta-sts.mx-not-covered)" 1 "only the uncovered MX is reported (mail.svc.test is covered)"
like "$(json_field '.findings[] | select(.code == "mta-sts.mx-not-covered") | .message')" \
	'will not deliver to it once the mode is enforce' "sts-uncovered.test: what testing mode means for it"
sees mta-sts.mode info sts-uncovered.test
is "$(findings mta-sts.mode sts-uncovered.test)" \
	"info | https://mta-sts.sts-uncovered.test$URL | 127.53.20.1 | enforce | testing" "sts-uncovered.test: mode testing is info"
sees mta-sts.max-age warn sts-uncovered.test
is "$(findings mta-sts.max-age sts-uncovered.test)" \
	"warn | https://mta-sts.sts-uncovered.test$URL | 127.53.20.1 | >= 86400 | 3600" "sts-uncovered.test: max_age 3600 under a day"
sees_no mta-sts.ok sts-uncovered.test

# mode none: MTA-STS withdrawn (no mx needed, coverage not judged)
sees mta-sts.mode warn sts-modenone.test
is "$(findings mta-sts.mode sts-modenone.test)" \
	"warn | https://mta-sts.sts-modenone.test$URL | 127.53.20.1 | enforce | none" "sts-modenone.test: mode none is warn"
sees_no mta-sts.mx-not-covered sts-modenone.test
sees_no mta-sts.policy-syntax sts-modenone.test
sees_no mta-sts.ok sts-modenone.test

# --- resolve: the policy host pinned --------------------------------------

cat >"$TMP/pinned.yml" <<'YML'
name: pinned
checks:
  - check: mta-sts
    resolve: ["127.53.20.9", "127.53.20.1", "127.53.20.2"]
    timeout: 5s
YML
audit --ca-file "$CA_FILE" -r "$TMP/pinned.yml" svc.test
is "$RC" 2 "resolve: a refusing address fails" || diag_run
is "$(findings mta-sts.ok svc.test server)" "127.53.20.1" "resolve: 127.53.20.1 (web-new) serves the policy"
is "$(findings mta-sts.policy-unreachable svc.test server)" "127.53.20.2
127.53.20.9" "resolve: 127.53.20.2 and 127.53.20.9 are each reported on their own"
like "$(json_field '.findings[] | select(.code == "mta-sts.policy-unreachable" and .server == "127.53.20.9") | .message')" \
	'no HTTPS answer from 127\.53\.20\.9' "resolve: 127.53.20.9 refuses the connection"
like "$(json_field '.findings[] | select(.code == "mta-sts.policy-unreachable" and .server == "127.53.20.2") | .message')" \
	'127\.53\.20\.2 answered 404, not 200' "resolve: 127.53.20.2 (web-old) has no policy"
is "$(json_field '[.findings[] | select(.code == "mta-sts.policy-unreachable" or .code == "mta-sts.ok")] | length')" 3 \
	"resolve: one finding for each address given, none for the host's A record"

# a server whose certificate is for another name (web-wrongname)
cat >"$TMP/wrongname.yml" <<'YML'
name: wrongname
checks:
  - check: mta-sts
    resolve: ["127.53.20.4"]
YML
audit --ca-file "$CA_FILE" -r "$TMP/wrongname.yml" svc.test
is "$(findings mta-sts.policy-unreachable svc.test server)" "127.53.20.4" "a certificate for another name: unreachable"
like "$(json_field '.findings[] | select(.code == "mta-sts.policy-unreachable") | .message')" \
	'TLS with 127\.53\.20\.4 failed: .*(name|subject)' "a certificate for another name: the TLS reason"

# --- without --ca-file: the test CA is unknown ------------------------------

audit -r "$TMP/mta-sts.yml" svc.test
is "$RC" 2 "without --ca-file the policy cannot be fetched" || diag_run
is "$(findings mta-sts.policy-unreachable svc.test)" "fail | https://mta-sts.svc.test$URL | 127.53.20.1 | - | -" \
	"without --ca-file: policy-unreachable from 127.53.20.1"
like "$(json_field '.findings[] | select(.code == "mta-sts.policy-unreachable") | .message')" \
	'TLS with 127\.53\.20\.1 failed: .*certificate' "without --ca-file: the reason is TLS, the certificate"
sees_no mta-sts.ok svc.test
sees tls-rpt.ok ok svc.test

# --- severity restates warn and fail, never the info of mode testing --------

cat >"$TMP/severity.yml" <<'YML'
name: severity
checks:
  - check: mta-sts
    severity: warn
YML
audit --ca-file "$CA_FILE" -r "$TMP/severity.yml" sts-uncovered.test
is "$(findings mta-sts.mx-not-covered sts-uncovered.test status)" warn "severity: warn makes mx-not-covered warn"
is "$(findings mta-sts.mode sts-uncovered.test status)" info "severity: warn leaves mode testing info"

done_testing
