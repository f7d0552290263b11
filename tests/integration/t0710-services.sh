#!/bin/sh
# The http and smtp checks against the world's real servers (tests/world:
# nginx on 127.53.20.x with certificates from the world's test CA, aiosmtpd
# on 127.53.21.x): each address judged apart, pinned with resolve: or found
# through the resolver; TLS verified against --ca-file; every code of both
# families triggered and seen.

. "$(dirname "$0")/lib.sh"

need jq
[ -n "${CA_FILE:-}" ] && [ -r "$CA_FILE" ] || bail_out "CA_FILE is not set: the world has no test CA"

# rules BODY: write a rule set of the checks in BODY (YAML lines under checks:)
rules() {
	printf 'checks:\n%s\n' "$1" >"$TMP/rules.yml"
}
# svc ARG...: check svc.test with the rule set written by rules()
svc() {
	audit --ca-file "$CA_FILE" -r "$TMP/rules.yml" "$@" svc.test
}
# at CODE STATUS SUBJECT SERVER: one test, that OUT has that finding there
at() {
	sees_on "$@"
}

NEW=127.53.20.1
OLD=127.53.20.2
WWW=https://www.svc.test

# --- http: the new server pinned, and old beside it ------------------------------------

rules "  - {check: http, url: \"https://www.{domain}/\", resolve: [\"$NEW\"], contains: \"new site\"}"
svc
is "$RC" 0 "the new server serves the front page: exit 0"
at http.ok ok "$WWW/" "$NEW"
like "$(message_of http.ok "$NEW")" "answered 200 .*certificate valid until 20[0-9-]+ .*\\(3[0-9][0-9] days\\)" \
	"http.ok names the status and the certificate's expiry"

rules "  - {check: http, url: \"https://www.{domain}/uploads/cat.txt\", resolve: [\"$OLD\", \"$NEW\"]}
  - {check: http, url: \"https://www.{domain}/\", resolve: [\"$OLD\", \"$NEW\"], contains: \"new site\"}"
svc
is "$RC" 2 "the old server lacks the upload: exit 2"
at http.status fail "$WWW/uploads/cat.txt" "$OLD"
at http.ok ok "$WWW/uploads/cat.txt" "$NEW"
is "$(findings http.status svc.test expected actual)" "200 | 404" "http.status: expected 200, got 404"
at http.content fail "$WWW/" "$OLD"
at http.ok ok "$WWW/" "$NEW"
is "$(findings http.content svc.test expected)" "new site" "http.content: the text expected"
# text: the two addresses of one URL stand next to each other
run_cutover check --root-hints "$ROOT_HINTS" --ca-file "$CA_FILE" -r "$TMP/rules.yml" svc.test
lines=$(printf '%s\n' "$OUT" | grep -n 'uploads/cat.txt' | cut -d: -f1 | tr '\n' ' ')
first=${lines%% *}
is "$lines" "$first $((first + 1)) " "text: old and new of one URL on consecutive lines"
like "$(printf '%s\n' "$OUT" | grep 'uploads/cat.txt' | head -n 1)" "FAIL +http.status .*@$OLD " \
	"text: the failing address first, in the server column"

# --- http: certificates ----------------------------------------------------------------

rules '  - {check: http, url: "https://expired.{domain}/"}
  - {check: http, url: "https://wrongname.{domain}/"}
  - {check: http, url: "https://expiring.{domain}/"}
  - {check: http, url: "https://down.{domain}/"}
  - {check: http, url: "https://nothere.{domain}/"}'
svc
is "$RC" 2 "broken services: exit 2"
at http.tls fail "https://expired.svc.test/" 127.53.20.3
like "$(message_of http.tls 127.53.20.3)" "expired" "an expired certificate: said so"
at http.tls fail "https://wrongname.svc.test/" 127.53.20.4
like "$(message_of http.tls 127.53.20.4)" "subject name|does not match|wrongname" "a certificate for another name: said so"
at http.cert-expiring warn "https://expiring.svc.test/" 127.53.20.5
like "$(findings http.cert-expiring svc.test expected actual)" "^>= 14 days \\| [45] days$" \
	"http.cert-expiring: 4 or 5 days left, 14 wanted"
at http.unreachable fail "https://down.svc.test/" 127.53.20.9
at http.unreachable fail "https://nothere.svc.test/" ""
like "$(message_of http.unreachable "")" "NXDOMAIN" "a host without an address: said why"

rules '  - {check: http, url: "https://expiring.{domain}/", cert_days_min: 3}
  - {check: http, url: "https://wrongname.{domain}/", insecure: true}'
svc
at http.ok ok "https://expiring.svc.test/" 127.53.20.5
at http.insecure warn "https://wrongname.svc.test/" ""
at http.ok ok "https://wrongname.svc.test/" 127.53.20.4
is "$RC" 0 "warnings only: exit 0 (--fail-on fail)"

# without the test CA, the system's CAs do not know the world's certificates
rules "  - {check: http, url: \"https://www.{domain}/\", resolve: [\"$NEW\"]}"
audit -r "$TMP/rules.yml" svc.test
at http.tls fail "$WWW/" "$NEW"
like "$(message_of http.tls "$NEW")" "certificate" "an unknown CA: libcurl's reason"

# --- http: redirects, methods, headers -----------------------------------------------

rules '  - {check: http, url: "http://www.{domain}:8080/", follow_redirects: true, contains: "new site"}
  - {check: http, url: "http://www.{domain}:8080/index"}
  - {check: http, url: "https://www.{domain}/moved", follow_redirects: true}
  - {check: http, url: "https://www.{domain}/login", method: HEAD}
  - {check: http, url: "https://www.{domain}/headers", headers: ["X-Test: hello"], contains: "x-test=hello"}
  - {check: http, url: "https://www.{domain}/missing", status: 404}'
svc
at http.ok ok "http://www.svc.test:8080/" "$NEW"
like "$(message_of http.ok "$NEW" http://www.svc.test:8080/)" "after 1 redirect, at https://www.svc.test/" "a followed redirect is named"
at http.status fail "http://www.svc.test:8080/index" "$NEW"
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "http.status") | .message')" \
	"answered 301 to https://www.svc.test/" "a redirect not followed: where it points"
at http.ok ok "$WWW/moved" "$NEW"
at http.ok ok "$WWW/login" "$NEW"
at http.ok ok "$WWW/headers" "$NEW"
at http.ok ok "$WWW/missing" "$NEW"

# --- smtp ------------------------------------------------------------------------------

rules '  - {check: smtp}
  - {check: smtp, host: "mail.{domain}", port: 587}
  - {check: smtp, host: "mail.{domain}", port: 465}
  - {check: smtp, host: "plain.{domain}"}
  - {check: smtp, host: "plain.{domain}", port: 587, starttls: optional}
  - {check: smtp, host: "badtls.{domain}"}
  - {check: smtp, host: "nosmtp.{domain}"}'
svc
is "$RC" 2 "mail servers: exit 2"
at smtp.ok ok "mail.svc.test:25" 127.53.21.2
like "$(message_of smtp.ok 127.53.21.2)" "greets '220 .*answers EHLO; STARTTLS, certificate valid until" \
	"smtp.ok: the greeting, STARTTLS and the certificate"
at smtp.ok ok "mail.svc.test:587" 127.53.21.2
at smtp.ok ok "mail.svc.test:465" 127.53.21.2
at smtp.starttls-missing fail "plain.svc.test:25" 127.53.21.1
at smtp.ok ok "plain.svc.test:587" 127.53.21.1
like "$(message_of smtp.ok 127.53.21.1)" "no STARTTLS offered \\(starttls: optional\\)" \
	"starttls: optional: plain, and said so"
at smtp.tls fail "badtls.svc.test:25" 127.53.21.3
at smtp.unreachable fail "nosmtp.svc.test:25" 127.53.21.9

# old and new mail servers side by side, pinned
rules '  - {check: smtp, host: "mail.{domain}", resolve: ["127.53.21.1", "127.53.21.2"]}'
svc
at smtp.starttls-missing fail "mail.svc.test:25" 127.53.21.1
at smtp.ok ok "mail.svc.test:25" 127.53.21.2

# without the test CA
rules '  - {check: smtp, host: "mail.{domain}"}'
audit -r "$TMP/rules.yml" svc.test
at smtp.tls fail "mail.svc.test:25" 127.53.21.2

# --- timeouts: one budget each, the loop never held ------------------------------------

rules '  - {check: http, url: "https://www.{domain}/slow/30", timeout: 1s}
  - {check: smtp, host: "silent.{domain}", timeout: 1s}
  - {check: http, url: "https://www.{domain}/login", contains: "Sign in"}'
svc
at http.unreachable fail "$WWW/slow/30" "$NEW"
like "$(message_of http.unreachable "$NEW")" "[Tt]imed out|timeout" "a page slower than timeout: timed out"
at smtp.unreachable fail "silent.svc.test:25" 127.53.21.4
like "$(message_of smtp.unreachable 127.53.21.4)" "[Tt]imed out|timeout" "a server that never greets: timed out"
at http.ok ok "$WWW/login" "$NEW"

# --- bad rules and options -------------------------------------------------------------

rules '  - {check: http, url: "ftp://www.{domain}/"}'
svc
is "$RC" 3 "an ftp URL: exit 3"
like "$ERR" "rules.yml:2:[0-9]+: invalid URL for 'url': .*unsupported scheme 'ftp'" "an ftp URL: file:line:col and why"
rules '  - {check: http, url: "https://www.{domain}/", resolve: ["www.example.org"]}'
svc
is "$RC" 3 "resolve: a name: exit 3"
like "$ERR" "invalid IP address 'www.example.org' for 'resolve'" "resolve: a name: said so"
rules '  - {check: http, url: "https://www.{domain}/", insecure: maybe}'
svc
like "$ERR" "invalid value 'maybe' for 'insecure' \\(expected true or false\\)" "insecure: maybe: said so"
rules '  - {check: smtp, starttls: sometimes}'
svc
like "$ERR" "invalid value 'sometimes' for 'starttls'" "starttls: sometimes: said so"
run_cutover check --ca-file "$TMP/no-such.pem" svc.test
is "$RC" 3 "--ca-file missing: exit 3"
like "$ERR" "--ca-file: cannot read '.*no-such.pem'" "--ca-file missing: said so"

done_testing
