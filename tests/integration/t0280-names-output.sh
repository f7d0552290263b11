#!/bin/sh
# Regression tests of issue 7's adversarial pass: -o through symbolic links
# and planted temporary names (defect 3), internationalised names (defect
# 8), and the domains that are not domains (defect 15).

. "$(dirname "$0")/lib.sh"

DNS_RULES=tests/fixtures/rulesets/dns.yml

usage_error() { # DESC ERE ARG...
	_d=$1 _re=$2
	shift 2
	run_cutover check --root-hints "$ROOT_HINTS" "$@"
	is "$RC" 3 "$_d: exit 3"
	like "$ERR" "$_re" "$_d: message"
	is "$OUT" "" "$_d: nothing on stdout"
}

# --- -o and symbolic links (defect 3) ---------------------------------------
# The temporary file was PATH.tmp.PID, opened with fopen("w"): a symlink
# planted under that name made a root run overwrite its target, and PATH
# became a link to it. In a PID namespace of its own cutover is PID 1, so
# the old name is known in advance: plant the link and see it ignored.
mkdir "$TMP/out"
echo "precious" >"$TMP/victim"
echo "the old report" >"$TMP/out/report.json"
ln -s "$TMP/victim" "$TMP/out/report.json.tmp.1"
unshare -p -f "$CUTOVER" check --root-hints "$ROOT_HINTS" -r $DNS_RULES -f json -o "$TMP/out/report.json" \
	good.test >"$TMP/pid.out" 2>"$TMP/pid.err"
is "$?" 0 "planted PATH.tmp.PID link: exit 0" || diag "$(cat "$TMP/pid.err")"
is "$(cat "$TMP/victim")" "precious" "planted PATH.tmp.PID link: its target is untouched"
ok "$([ -f "$TMP/out/report.json" ] && [ ! -L "$TMP/out/report.json" ] && echo 0 || echo 1)" \
	"planted PATH.tmp.PID link: the report is a regular file, not a link"
is "$(jq -r '.domains[0]' "$TMP/out/report.json")" good.test "planted PATH.tmp.PID link: the report was written"
is "$(ls "$TMP/out" | tr '\n' ' ')" "report.json report.json.tmp.1 " "no temporary file left beside it"

# -o onto a symbolic link: the file it points to is replaced, the link stays,
# and the old file keeps its owner and mode.
mkdir "$TMP/link"
echo "old" >"$TMP/link/cutover.prom"
chown nobody:nogroup "$TMP/link/cutover.prom"
chmod 640 "$TMP/link/cutover.prom"
ln -s cutover.prom "$TMP/link/current.prom"
run_cutover check --root-hints "$ROOT_HINTS" -r $DNS_RULES -f prometheus -o "$TMP/link/current.prom" good.test
is "$RC" 0 "-o a symlink: exit 0"
ok "$([ -L "$TMP/link/current.prom" ] && echo 0 || echo 1)" "-o a symlink: it is still a symlink"
is "$(readlink "$TMP/link/current.prom")" cutover.prom "-o a symlink: pointing where it did"
like "$(cat "$TMP/link/cutover.prom")" '^cutover_status\{domain="good.test"\} 0$' "-o a symlink: its target holds the report"
is "$(stat -c '%U:%G %a' "$TMP/link/cutover.prom")" "nobody:nogroup 640" "-o a symlink: the target keeps owner and mode"
is "$(ls "$TMP/link" | tr '\n' ' ')" "current.prom cutover.prom " "-o a symlink: no temporary file left"
# A new file: 0666 less the umask (mkstemp's 0600 would lock out a reader).
(umask 022 && exec "$CUTOVER" check --root-hints "$ROOT_HINTS" -r $DNS_RULES -o "$TMP/link/new.txt" good.test)
is "$(stat -c '%a' "$TMP/link/new.txt")" 644 "-o a new file: mode 0644 under umask 022"
# cutover records -o goes the same way
ln -s records.zone "$TMP/link/records-link"
echo "old" >"$TMP/link/records.zone"
chmod 604 "$TMP/link/records.zone"
run_cutover records --root-hints "$ROOT_HINTS" -o "$TMP/link/records-link" good.test
ok "$([ -L "$TMP/link/records-link" ] && echo 0 || echo 1)" "records -o a symlink: it is still a symlink"
like "$(cat "$TMP/link/records.zone")" "^good.test. [0-9]+ IN MX 10 mail.good.test." "records -o a symlink: its target holds the records"
is "$(stat -c '%a' "$TMP/link/records.zone")" 604 "records -o a symlink: the target keeps its mode"
# a dangling link into a missing directory, and a loop of links: errors
ln -s nowhere/report.json "$TMP/link/dangling"
run_cutover check --root-hints "$ROOT_HINTS" -r $DNS_RULES -o "$TMP/link/dangling" good.test
is "$RC" 3 "-o a link into a missing directory: exit 3"
like "$ERR" "^cutover: cannot write '$TMP/link/dangling': No such file or directory$" "-o a dangling link: message"
ln -s loop2 "$TMP/link/loop1"
ln -s loop1 "$TMP/link/loop2"
run_cutover check --root-hints "$ROOT_HINTS" -r $DNS_RULES -o "$TMP/link/loop1" good.test
is "$RC" 3 "-o a loop of links: exit 3"
like "$ERR" "Too many levels of symbolic links" "-o a loop of links: message"

# --- internationalised names (defect 8) -------------------------------------
# bücher.test was sent as raw UTF-8 and reported as not existing. It is
# asked as its A-label, and reports show both forms.
audit -r $DNS_RULES "bücher.test"
is "$RC" 0 "bücher.test: exit 0" || diag_run
sees ns.ok ok xn--bcher-kva.test
sees wildcard.ok ok xn--bcher-kva.test
is "$(json_field '.domains[0]')" xn--bcher-kva.test "bücher.test: checked as xn--bcher-kva.test"
is "$(json_field '[.findings[].unicode] | unique | join(" ")')" "bücher.test" "bücher.test: every finding has unicode bücher.test"
# UTS #46 maps case: BÜCHER.test is the same name, so it is checked once
audit -r $DNS_RULES "BÜCHER.test" xn--bcher-kva.test
is "$(json_field '.domains | join(" ")')" xn--bcher-kva.test "BÜCHER.test and its A-label: one domain"
run_cutover check --root-hints "$ROOT_HINTS" -r $DNS_RULES "bücher.test"
like "$OUT" "^xn--bcher-kva.test \(bücher.test\)  OK " "text: the heading shows both forms"
# ASCII names have no unicode field
audit -r $DNS_RULES good.test
is "$(json_field '[.findings[] | has("unicode")] | any')" false "good.test: no unicode field"
usage_error "invalid UTF-8" "^cutover: '\?\.test' is not a valid internationalised domain name: " \
	"$(printf '\377.test')"
usage_error "disallowed code point" "is not a valid internationalised domain name" "$(printf 'a\342\230\203\342\200\215b.test')"

# --- domains that are not domains (defect 15) -------------------------------
usage_error "IPv4 address" "^cutover: '192.0.2.1' is not a domain name: it is an IP address" 192.0.2.1
usage_error "IPv6 address" "^cutover: '2001:db8::1' is not a domain name: it is an IP address" 2001:db8::1
usage_error "a space" "^cutover: 'good.test nowild.test' is not a domain name: it contains a space" \
	"good.test nowild.test"
usage_error "'#'" "^cutover: 'good.test#x' is not a domain name: it contains '#'" "good.test#x"
usage_error "'/'" "^cutover: 'good.test/' is not a domain name: it contains '/'" "good.test/"
usage_error "empty" "^cutover: '' is not a domain name: it is empty" ""
usage_error "a terminal escape" "^cutover: '\?\[31mx.test' is not a domain name: it contains a control character" \
	"$(printf '\033[31mx.test')"
# the bad name is refused whatever comes before it: nothing is asked
usage_error "one bad name among good ones" "^cutover: '192.0.2.1' is not a domain name" good.test 192.0.2.1

# A domain of 253 octets is a domain, but "*.{domain}" (255) is not: the
# wildcard check said "wildcard name '' must start with '*.'", and the dkim
# check crashed on the names it could not make.
l63=$(printf 'a%.0s' $(seq 1 63))
long="$l63.$l63.$l63.$(printf 'b%.0s' $(seq 1 51)).good.test"
is "${#long}" 253 "the long name has 253 octets"
audit -r $DNS_RULES "$long"
is "$RC" 3 "253-octet domain: exit 3 (what cannot be asked is an error)"
sees ns.enclosing-zone info "$long"
sees_at check.no-data error "*.$long"
like "$(json_field '.findings[] | select(.code == "check.no-data" and .subject == "*.'"$long"'") | .message')" \
	"^wildcard name '\*\.a+\..*good\.test' is not a domain name: it is 255 octets long \(at most 253\)$" \
	"253-octet domain: the wildcard name is too long, and says so"
like "$(json_field '.findings[] | select(.code == "check.no-data" and .subject == "www.'"$long"'") | .message')" \
	"is not a valid name: it is 257 octets long \(at most 253\)$" "253-octet domain: www.DOMAIN is too long, and says so"
audit "$long"
ok "$([ "$RC" -lt 4 ] && echo 0 || echo 1)" "253-octet domain, default rules: no crash (exit $RC)"
like "$(json_field '.findings[] | select(.check == "dkim") | .message')" \
	"^selectors cannot be probed under .*: '[a-z]+\._domainkey\..*' is not a domain name: it is [0-9]+ octets long" \
	"253-octet domain: dkim says why it cannot probe"
usage_error "254 octets" "^cutover: '.*' is not a domain name: it is 254 octets long \(at most 253\)$" \
	"$l63.$l63.$l63.$(printf 'b%.0s' $(seq 1 52)).good.test"

done_testing
