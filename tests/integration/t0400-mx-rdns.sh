#!/bin/sh
# mx and rdns: MX records as receiving MTAs see them through the resolver
# (present, null, aliases, exchanges without addresses, lookups that fail),
# and reverse DNS of every exchange address and every sending address.

. "$(dirname "$0")/lib.sh"

# --- mx ----------------------------------------------------------------------

cat >"$TMP/mx.yml" <<'YML'
name: mx
checks:
  - check: mx
YML
audit -r "$TMP/mx.yml" mx-good.test mx-none.test mx-null.test mx-nullmixed.test mx-cname.test \
	mx-literal.test mx-exfail.test mx-dead.test
is "$RC" 2 "exit status 2" || diag_run
sees mx.ok ok mx-good.test
is "$(json_field '.findings[] | select(.code == "mx.ok" and .domain == "mx-good.test") | .message')" \
	"mx-good.test: 10 mail.mx-good.test (198.18.1.25, 2001:2::25); 20 backup.mx-good.test (198.18.1.26)" \
	"mx.ok lists every exchange with its addresses"
sees mx.missing fail mx-none.test
sees mx.null info mx-null.test
sees_no mx.missing mx-null.test
sees mx.null-mixed fail mx-nullmixed.test
sees_no mx.ok mx-nullmixed.test
sees mx.cname warn mx-cname.test
is "$(json_field '.findings[] | select(.code == "mx.cname") | .subject + " " + .actual')" \
	"mail.mx-cname.test CNAME host.mx-cname.test" "mx.cname names the alias and its target"
sees mx.unresolvable fail mx-literal.test
is "$(finding_count mx.unresolvable)" 4 "mx-literal.test: every exchange unresolvable"
like "$(json_field '.findings[] | select(.code == "mx.unresolvable" and .subject == "198.18.1.25.mx-literal.test") | .message')" \
	'looks like an address literal' "an IPv4 address written as a name is called one"
like "$(json_field '.findings[] | select(.code == "mx.unresolvable" and .subject == "2001:2::1:25.mx-literal.test") | .message')" \
	'looks like an address literal' "an IPv6 address written as a name is called one"
like "$(json_field '.findings[] | select(.code == "mx.unresolvable" and .subject == "198.18.1.27") | .message')" \
	'looks like an address literal' "an address written with a trailing dot (the whole name) is called one"
is "$(json_field '[.findings[] | select(.code == "mx.unresolvable" and .subject == "nowhere.mx-literal.test") | .message | test("address literal")] | .[0]')" \
	false "a name that is not an address is not called one"
# A lookup that fails is "could not be determined" (error), never "missing"
# or "unresolvable".
sees check.no-data error mx-dead.test
sees_no mx.missing mx-dead.test
like "$(json_field '.findings[] | select(.domain == "mx-dead.test") | .message')" 'could not be determined' \
	"mx-dead.test: could not be determined"
sees check.no-data error mx-exfail.test
sees_no mx.unresolvable mx-exfail.test
is "$(domain_status mx-exfail.test)" error "mx-exfail.test: error, not fail"

# expect: a set of exchange names, case and order aside
cat >"$TMP/mx-expect.yml" <<'YML'
name: mx-expect
checks:
  - check: mx
    expect: ["BACKUP.mx-good.test", "mail.{domain}."]
YML
audit -r "$TMP/mx-expect.yml" mx-good.test
is "$RC" 0 "expect: the same set in another order and case passes" || diag_run
sees mx.ok ok mx-good.test
cat >"$TMP/mx-expect2.yml" <<'YML'
name: mx-expect2
checks:
  - check: mx
    expect: ["mail.{domain}", "mx.new-provider.test"]
YML
audit -r "$TMP/mx-expect2.yml" mx-good.test
sees mx.mismatch fail mx-good.test
is "$(json_field '.findings[] | select(.code == "mx.mismatch") | .message')" \
	"the exchanges of mx-good.test are not the expected ones: missing mx.new-provider.test; not expected backup.mx-good.test" \
	"mx.mismatch says what is missing and what is not expected"
is "$(json_field '.findings[] | select(.code == "mx.mismatch") | .expected + " | " + .actual')" \
	"mail.mx-good.test, mx.new-provider.test | backup.mx-good.test, mail.mx-good.test" "expected and actual sets"
sees_no mx.ok mx-good.test

# Exchanges of the same preference are listed by name, whatever order the
# resolver gives them in (mx10.spf.test: ten exchanges, all preference 10).
cat >"$TMP/mx-only.yml" <<'YML'
name: mx-only
checks:
  - check: mx
YML
audit -r "$TMP/mx-only.yml" mx10.spf.test
sees mx.ok ok mx10.spf.test
like "$(findings mx.ok mx10.spf.test message)" \
	"^mx10.spf.test: 10 x01[.]mx10[.]spf[.]test [(][^)]*[)]; 10 x02[.][^;]*; 10 x03[.][^;]*; 10 x04[.][^;]*; 10 x05[.][^;]*; 10 x06[.][^;]*; 10 x07[.][^;]*; 10 x08[.][^;]*; 10 x09[.][^;]*; 10 x10[.]mx10[.]spf[.]test [(][^)]*[)]$" \
	"mx10.spf.test: equal preferences in name order"

# --- rdns ----------------------------------------------------------------------

cat >"$TMP/rdns.yml" <<'YML'
name: rdns
checks:
  - check: rdns
YML
audit -r "$TMP/rdns.yml" mx-good.test rdns-noptr.test rdns-nofc.test mx-none.test mx-dead.test mut-rdns-fail.test
is "$RC" 2 "exit status 2" || diag_run
sees rdns.ok ok mx-good.test
is "$(json_field '[.findings[] | select(.code == "rdns.ok" and .domain == "mx-good.test") | .subject + "=" + .actual] | sort | join(" ")')" \
	"198.18.1.25=mail.mx-good.test 198.18.1.26=backup.mx-good.test 2001:2::25=mail.mx-good.test" \
	"mx-good.test: every address of both exchanges, IPv4 and IPv6, forward-confirmed"
sees rdns.missing fail rdns-noptr.test
is "$(json_field '[.findings[] | select(.code == "rdns.missing") | .subject] | sort | join(" ")')" \
	"198.18.2.10 2001:2::2:10" "rdns-noptr.test: no PTR for the IPv4 nor the IPv6 address, each said once (the exchange is listed twice)"
like "$(json_field '.findings[] | select(.code == "rdns.missing" and .subject == "2001:2::2:10") | .message')" \
	'at 0\.1\.0\.0\.2\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.0\.2\.0\.0\.0\.1\.0\.0\.2\.ip6\.arpa:' \
	"the IPv6 reverse name is the nibble form under ip6.arpa"
sees rdns.not-forward-confirmed fail rdns-nofc.test
is "$(json_field '.findings[] | select(.code == "rdns.not-forward-confirmed") | .actual')" \
	"host.rdns-nofc.test 198.18.2.99" "rdns-nofc.test: the PTR name resolves to another address"
sees_no rdns.ok rdns-nofc.test
sees rdns.no-addresses info mx-none.test
sees check.no-data error mx-dead.test
sees_no rdns.missing mx-dead.test
# a PTR name whose address cannot be looked up: could not be determined
is "$(findings check.no-data mut-rdns-fail.test status subject)" "error | 198.18.2.40" \
	"mut-rdns-fail.test: whether 198.18.2.40's PTR resolves back could not be determined"
sees_no rdns.not-forward-confirmed mut-rdns-fail.test

# name: the PTR must be that name; ips: sending addresses that are not the MX
cat >"$TMP/rdns-name.yml" <<'YML'
name: rdns-name
checks:
  - check: rdns
    name: "smtp.{domain}"
YML
audit -r "$TMP/rdns-name.yml" rdns-name.test
sees rdns.name-mismatch fail rdns-name.test
is "$(json_field '.findings[] | select(.code == "rdns.name-mismatch") | .subject + " " + .expected + " " + .actual')" \
	"198.18.2.30 smtp.rdns-name.test mail.rdns-name.test" "name-mismatch: address, expected name, PTR"
sees_no rdns.not-forward-confirmed rdns-name.test

cat >"$TMP/rdns-ips.yml" <<'YML'
name: rdns-ips
checks:
  - check: rdns
    ips: ["198.18.2.31", "2001:2:0::2:31"]
    name: "OUT.{domain}"
    mx: false
YML
audit -r "$TMP/rdns-ips.yml" rdns-name.test
is "$RC" 0 "ips: with name: and mx: false passes" || diag_run
is "$(json_field '[.findings[] | select(.code == "rdns.ok") | .subject] | sort | join(" ")')" \
	"198.18.2.31 2001:2::2:31" "only the ips are checked, each once, IPv6 in its short form"
cat >"$TMP/rdns-both.yml" <<'YML'
name: rdns-both
checks:
  - check: rdns
    ips: ["198.18.2.31", "198.18.2.30"]
YML
audit -r "$TMP/rdns-both.yml" rdns-name.test
is "$(json_field '[.findings[] | select(.code == "rdns.ok") | .subject + " " + (.message | test("\\(MX ") | tostring)] | sort | join(", ")')" \
	"198.18.2.30 false, 198.18.2.31 false" "the MX address also in ips is checked once"
cat >"$TMP/rdns-bad.yml" <<'YML'
name: rdns-bad
checks:
  - check: rdns
    ips: ["198.18.2.300"]
YML
audit -r "$TMP/rdns-bad.yml" rdns-name.test
sees check.no-data error rdns-name.test
like "$(json_field '.findings[0].message')" "'198.18.2.300' in ips is not an IP address" "a bad address is named"
cat >"$TMP/rdns-nomx.yml" <<'YML'
name: rdns-nomx
checks:
  - check: rdns
    mx: false
YML
audit -r "$TMP/rdns-nomx.yml" mx-good.test
sees rdns.no-addresses info mx-good.test

done_testing
