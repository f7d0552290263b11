#!/bin/sh
# The shipped service rule sets against svc.test's servers
# (tests/world/services.sh): webapp-test-plan on the old (127.53.20.2) and
# the new web server (127.53.20.1) side by side, post-cutover on the moved
# domain, and the mistakes a user can make with their variables.

. "$(dirname "$0")/lib.sh"

OLD=127.53.20.2 NEW=127.53.20.1 MAIL=127.53.21.2

# svc ARGS...: a JSON audit that trusts the world's test CA
svc() {
	audit --ca-file "$CA_FILE" "$@"
}

# not_ok_at SERVER: the findings at SERVER that are not ok, one a line ("not
# a report" when OUT is none)
not_ok_at() {
	printf '%s\n' "$OUT" | jq -n -r --arg s "$1" 'input | if (.findings | type) != "array" then "not a report"
		else .findings[] | select(.server == $s and .status != "ok") | .code + " " + .subject end' 2>&1
}

# --- webapp-test-plan: old and new side by side -----------------------------

svc -r webapp-test-plan -s old_ip=$OLD -s new_ip=$NEW svc.test
is "$RC" 2 "webapp-test-plan: exit 2, the old server fails" || diag_run
is "$ERR" "" "webapp-test-plan: nothing on stderr"
sees http.status fail svc.test
is "$(findings http.status svc.test)" "fail | https://www.svc.test/uploads/cat.txt | $OLD | 200 | 404" \
	"the uploaded file is missing (404) on the old server only"
is "$(not_ok_at $NEW)" "" "the new server passes every check"
is "$(findings http.ok svc.test subject server | grep -c " $NEW\$")" 4 \
	"the new server: front page, login page, uploaded file and the HTTP redirect"
is "$(findings http.ok svc.test subject server | grep " $OLD\$")" \
	"https://www.svc.test/ | $OLD
https://www.svc.test/login | $OLD" "the old server: front page and login page work there too"
sees smtp.ok ok svc.test
is "$(findings smtp.ok svc.test subject server)" "mail.svc.test:587 | $MAIL" \
	"mail submission: mail.svc.test port 587 with STARTTLS"
# each function on old and new next to each other in the text report
run_cutover check --root-hints "$ROOT_HINTS" --ca-file "$CA_FILE" -r webapp-test-plan -s old_ip=$OLD \
	-s new_ip=$NEW svc.test
is "$(printf '%s\n' "$OUT" | grep 'uploads/cat.txt' | sed 's/  */ /g' | cut -d' ' -f2-5)" \
	"FAIL http.status https://www.svc.test/uploads/cat.txt @$OLD
OK http.ok https://www.svc.test/uploads/cat.txt @$NEW" "text: the uploaded file on old and new, one line after the other"

# A function broken before the move shows on both sides: here, a login page
# text neither server has.
svc -r webapp-test-plan -s old_ip=$OLD -s new_ip=$NEW -s login_text="Welcome back" svc.test
is "$RC" 2 "webapp-test-plan with another login text: exit 2" || diag_run
sees http.content fail svc.test
is "$(findings http.content svc.test subject server)" "https://www.svc.test/login | $NEW
https://www.svc.test/login | $OLD" "the login text is missing on both servers"

# The host and paths are variables: --set replaces a default.
svc -r webapp-test-plan -s old_ip=$NEW -s new_ip=$NEW -s host=svc.test -s upload_path=/ \
	-s upload_text="new site" svc.test
is "$RC" 0 "webapp-test-plan on the new server alone, for the apex: exit 0" || diag_run
is "$(findings http.ok svc.test subject | sort -u)" "http://svc.test:8080/
https://svc.test/
https://svc.test/login" "the apex's pages, from --set host= and upload_path="

# --- post-cutover: the move landed, the TTLs were left low ---------------------

svc -r post-cutover -s new_ip=$NEW -s mail_ip=$MAIL -s resolvers="$RESOLVER" svc.test
is "$RC" 0 "post-cutover: warnings only, exit 0" || diag_run
sees ttl.too-low warn svc.test
is "$(findings ttl.too-low svc.test status subject expected actual | sort -u)" \
	"warn | mail.svc.test/A | >= 3600 | 300
warn | svc.test/A | >= 3600 | 300
warn | svc.test/MX | >= 3600 | 300
warn | www.svc.test/A | >= 3600 | 300" "the TTLs left at 300: apex A and MX, www and mail A"
is "$(finding_count ttl.too-low)" 8 "ttl.too-low on each of the two servers"
is "$(findings record.ok svc.test subject actual)" "mail.svc.test/A | $MAIL
svc.test/A | $NEW
www.svc.test/A | $NEW" "the records point at the new addresses"
sees propagation.converged ok svc.test
is "$(finding_count propagation.converged)" 2 "propagation complete for the apex and www"
is "$(findings http.ok svc.test subject server)" "https://www.svc.test/ | $NEW" "the site, from the new server"
is "$(findings smtp.ok svc.test subject server)" "mail.svc.test:25 | $MAIL
mail.svc.test:587 | $MAIL" "mail on 25 and 587 with STARTTLS, from the new mail server"
svc -r post-cutover -s new_ip=$NEW -s mail_ip=$MAIL -s resolvers="$RESOLVER" --fail-on warn svc.test
is "$RC" 1 "post-cutover --fail-on warn: the TTLs left low make it fail"

# As if DNS had not moved yet: the new address is not in the records, and the
# resolver still has the address it holds.
svc -r post-cutover -s new_ip=$OLD -s mail_ip=$MAIL -s resolvers="$RESOLVER" svc.test
is "$RC" 2 "post-cutover before the move: exit 2" || diag_run
is "$(findings record.mismatch svc.test subject expected actual | sort -u)" \
	"svc.test/A | $OLD | $NEW
www.svc.test/A | $OLD | $NEW" "the records still have the other address"
sees propagation.pending warn svc.test
sees_no propagation.converged svc.test

# --- mistakes -----------------------------------------------------------------

run_cutover check --root-hints "$ROOT_HINTS" -r post-cutover svc.test
is "$RC" 3 "post-cutover without new_ip: exit 3"
like "$ERR" "^cutover: [^ ]*rules/post-cutover\\.yml:20:13: undefined variable 'new_ip' \\(set it with --set new_ip=VALUE\\)$" \
	"post-cutover without new_ip: named where a default uses it"
is "$OUT" "" "post-cutover without new_ip: no report"

run_cutover check --root-hints "$ROOT_HINTS" -r webapp-test-plan -s old_ip=$OLD -s new_ip=$NEW -s http_port=x svc.test
is "$RC" 3 "webapp-test-plan with a port that is none: exit 3"
like "$ERR" "^cutover: [^ ]*rules/webapp-test-plan\\.yml:[0-9]+:10: invalid URL for 'url'" \
	"a bad value from --set: the URL it makes, named with its file, line and column"

run_cutover check --root-hints "$ROOT_HINTS" -r webapp-test-plan -s new_ip=$NEW svc.test
is "$RC" 3 "webapp-test-plan without old_ip: exit 3"
like "$ERR" "undefined variable 'old_ip' \\(set it with --set old_ip=VALUE\\)$" "webapp-test-plan needs old_ip"

done_testing
