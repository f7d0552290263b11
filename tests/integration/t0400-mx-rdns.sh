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
is "$(finding_count mx.unresolvable)" 2 "mx-literal.test: both exchanges unresolvable"
like "$(json_field '.findings[] | select(.code == "mx.unresolvable" and .subject == "198.18.1.25.mx-literal.test") | .message')" \
	'looks like an address literal' "an address written as a name is called one"
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

done_testing
