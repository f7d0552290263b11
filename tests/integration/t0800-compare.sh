#!/bin/sh
# cutover compare: cmp.test and cmpdisc.test on the old provider (old1, old2)
# against their copies on the new one (new1, new2), with the differences
# tests/fixtures/README.md lists. The names from a zone transfer (the old
# provider allows one of cmp.test), from --zone, and discovered (cmpdisc.test:
# nobody allows one); `delegated` as a side, and --ns behind it; sides that do
# not answer; every compare code with its subject, server, and old and new
# values; the text report side by side; exit codes; bad options.

. "$(dirname "$0")/lib.sh"

OLD1=ns1.oldprov.test/127.53.1.1
NEW1=ns1.newprov.test/127.53.2.1
NEW2=ns1.newprov.test,ns2.newprov.test
EXPORT=tests/fixtures/zones/cmpdisc.test-export.zone

# cmp ARG...: cutover compare against the world, JSON report in OUT
cmp() {
	run_cutover compare --root-hints "$ROOT_HINTS" -f json "$@"
}
# at CODE STATUS SUBJECT [SERVER]: one test, that OUT has that finding there
at() {
	sees_on "$1" "$2" "$3" "${4:-}"
}
# values CODE SUBJECT: "old | new" (expected | actual) of that finding in OUT
values() {
	printf '%s\n' "$OUT" | jq -r --arg c "$1" --arg j "$2" \
		'[.findings[]? | select(.code == $c and .subject == $j) | "\(.expected // "-") | \(.actual // "-")"] | join("; ")'
}
# msg_of CODE [SUBJECT]: the message of the first such finding in OUT, whatever its
# server (lib.sh's message_of wants the server)
msg_of() {
	printf '%s\n' "$OUT" | jq -r --arg c "$1" --arg j "${2:-}" \
		'[.findings[]? | select(.code == $c and ($j == "" or .subject == $j)) | .message][0] // ""'
}
# none_at SUBJECT: one test, that OUT has no finding about SUBJECT
none_at() {
	_n=$(printf '%s\n' "$OUT" | jq --arg j "$1" '[.findings[]? | select(.subject == $j)] | length')
	is "$_n" 0 "no finding about $1"
}

# --- the world: who allows a transfer -----------------------------------------

out=$(dig @127.53.1.1 +tcp +time=2 +tries=1 cmp.test AXFR 2>&1)
like "$out" 'XFR size: 1[0-9] records' "old1 transfers cmp.test (zones.conf: xfr)"
out=$(dig @127.53.2.1 +tcp +time=2 +tries=1 cmp.test AXFR 2>&1)
like "$out" 'Transfer failed' "new1 refuses to transfer cmp.test"
out=$(dig @127.53.1.1 +tcp +time=2 +tries=1 cmpdisc.test AXFR 2>&1)
like "$out" 'Transfer failed' "old1 refuses to transfer cmpdisc.test"

# --- "delegated" twice on a side is the delegation once ----------------------------
# (the side's servers were counted once and written twice: a heap overflow
# with four or more addresses; --ns makes four)
cmp cmp.test --ns 127.53.1.1 --ns 127.53.1.2 --ns ns1.oldprov.test --ns ns2.oldprov.test \
	--from delegated,delegated --to "$NEW2"
is "$RC" 2 "delegated twice: the same verdict as once (exit 2)"
at compare.missing fail ftp.cmp.test/A
like "$(msg_of compare.names)" "between the old servers \\(delegated, delegated\\)" \
	"delegated twice: the side is told as given"

# --- names from a zone transfer: the old side, delegated -------------------------

cmp cmp.test --from delegated --to "$NEW2"
is "$RC" 2 "cmp.test: a record missing and values changed: exit 2"
at compare.names info cmp.test "$OLD1"
like "$(msg_of compare.names)" \
	"^11 names from a zone transfer \\(AXFR\\) from $OLD1: 16 RRsets compared between the old servers \\(delegated\\) and the new ones \\(ns1.newprov.test, ns2.newprov.test\\); zone transfers: old servers: $OLD1 gave 17 records" \
	"compare.names: the names came from old1's transfer, how many, and how many RRsets"
like "$(msg_of compare.names)" "new servers: $NEW1: transfer refused; ns2.newprov.test/127.53.2.2: transfer refused" \
	"compare.names: the new provider refuses transfers"
at compare.missing fail ftp.cmp.test/A
is "$(values compare.missing ftp.cmp.test/A)" "192.0.2.21 | (none)" "missing: old value, none on the new side"
at compare.value fail www.cmp.test/A
is "$(values compare.value www.cmp.test/A)" "192.0.2.10 | 198.51.100.10" "value: old and new"
like "$(msg_of compare.value www.cmp.test/A)" "only the old servers have 192.0.2.10; only the new ones have 198.51.100.10" \
	"value: the message says which is old and which is new"
at compare.value fail obscure-host.cmp.test/A
at compare.ttl warn api.cmp.test/CNAME
is "$(values compare.ttl api.cmp.test/CNAME)" "300 | 3600" "ttl: old 300, new 3600"
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.subject == "api.cmp.test/CNAME") | .code] | join(",")')" \
	compare.ttl "a TTL apart: the value is the same (no compare.value, no compare.ok)"
at compare.extra warn mail.cmp.test/AAAA
is "$(values compare.extra mail.cmp.test/AAAA)" "(none) | 2001:db8::25" "extra: nothing old, the new value"
at compare.ok ok mail.cmp.test/A
at compare.inconsistent warn _dmarc.cmp.test/TXT ns2.newprov.test/127.53.2.2
like "$(msg_of compare.inconsistent)" \
	'the new servers disagree: ns2.newprov.test/127.53.2.2 answers "v=DMARC1; p=none; [^"]*" \(TTL 300\), ns1.newprov.test/127.53.2.1 answers "v=DMARC1; p=reject;' \
	"inconsistent: which server answers what"
at compare.ok ok _dmarc.cmp.test/TXT
# the SOA and NS differ by design; the negative-caching TTL is judged
at compare.provider-specific info cmp.test/SOA
at compare.provider-specific info cmp.test/NS
is "$(values compare.provider-specific cmp.test/NS)" "ns1.oldprov.test., ns2.oldprov.test. | ns1.newprov.test., ns2.newprov.test." \
	"the NS sets, old and new"
at compare.ttl warn cmp.test/SOA
is "$(values compare.ttl cmp.test/SOA)" "300 | 3600" "the negative-caching TTL: old 300, new 3600"
like "$(msg_of compare.ttl cmp.test/SOA)" "negative-caching TTL" "its message says which TTL"
# data, not its form: TXT split otherwise
at compare.ok ok cmp.test/TXT
is "$(values compare.ok cmp.test/TXT)" '"v=spf1 mx include:_spf.example.net -all" | "v=spf1 mx include:_spf.example.net -all"' \
	"TXT in one string and in two: the same data"
at compare.ok ok shop.cmp.test/A
at compare.ok ok webmail.cmp.test/CNAME
at compare.ok ok _submission._tcp.cmp.test/SRV
at compare.ok ok sub.cmp.test/NS
none_at ns.sub.cmp.test/A
sees_no compare.unreachable cmp.test
is "$(json_field '[.findings[] | select(.code | startswith("compare.")) | .check] | unique | join(",")')" compare \
	"every finding is the compare check's"

# the text report: old and new side by side
run_cutover compare --root-hints "$ROOT_HINTS" cmp.test --from delegated --to "$NEW2"
is "$RC" 2 "text: exit 2"
like "$OUT" '^  FAIL  compare\.value +www\.cmp\.test/A +old: 192\.0\.2\.10 +new: 198\.51\.100\.10 +the values differ' \
	"text: old and new in columns of their own"
like "$OUT" '^  FAIL  compare\.missing +ftp\.cmp\.test/A +old: 192\.0\.2\.21 +new: \(none\) ' "text: missing shows (none) as new"
like "$OUT" '^  WARN  compare\.inconsistent +_dmarc\.cmp\.test/TXT +@ns2\.newprov\.test/127\.53\.2\.2 +the new servers disagree' \
	"text: a finding about one side has no values"
like "$OUT" '^FAIL: 3 fail, 0 error, 4 warn, 5 info, 9 ok in 1 domain' "text: the summary (the info: names, the apex SOA and NS, and cmp.test unsigned on both sides)"

# the same data in another form: every name in other case, TXT split
# otherwise, another order (the sloppy server keeps cmp.test-case.zone as
# written; NSD answers in lower case)
cmp cmp.test --from ns1.oldprov.test --to sloppy.hosts.test/127.53.6.2
is "$RC" 0 "case and TXT splitting are no difference: exit 0"
is "$(json_field '[.findings[] | select(.check == "compare") | .code] | unique | join(",")')" compare.names,compare.ok "nothing but compare.ok"
is "$(json_field '[.findings[] | select(.check == "dnssec") | .code] | unique | join(",")')" dnssec.insecure,dnssec.order \
	"compare runs the dnssec check with the same sides: unsigned on both, and says what that means for the order"
is "$(finding_count compare.ok ok)" 15 "15 RRsets the same"
at compare.ok ok shop.cmp.test/A
is "$(values compare.ok webmail.cmp.test/CNAME)" "webmail.hosting.example. | webmail.hosting.example." \
	"WEBMAIL.hosting.EXAMPLE. is webmail.hosting.example."
is "$(values compare.ok _dmarc.cmp.test/TXT)" '"v=DMARC1; p=reject; rua=mailto:dmarc@cmp.test" | "v=DMARC1; p=reject; rua=mailto:dmarc@cmp.test"' \
	"a TXT in three strings is the one in one"
at compare.ok ok cmp.test/SOA
like "$(msg_of compare.names)" "sloppy.hosts.test/127.53.6.2: no SOA in the transfer's first message" \
	"a server that answers AXFR without the zone: no transfer"

# the sides the other way round: the transfer from the new (to) side
cmp cmp.test --from "$NEW1" --to ns1.oldprov.test
at compare.names info cmp.test "$OLD1"
like "$(msg_of compare.names)" "old servers: $NEW1: transfer refused; new servers: $OLD1 gave 17 records" \
	"no old server allows a transfer: the names come from the new side's"
at compare.missing fail mail.cmp.test/AAAA
is "$(values compare.missing mail.cmp.test/AAAA)" "2001:db8::25 | (none)" "reversed: the extra record is missing"
at compare.extra warn ftp.cmp.test/A

# --- names discovered: nobody allows a transfer of cmpdisc.test ------------------

cmp cmpdisc.test --from delegated --to "$NEW2"
is "$RC" 2 "cmpdisc.test: exit 2"
at compare.names info cmpdisc.test
like "$(msg_of compare.names)" '^11 names from discovery: 13 RRsets compared .*; no server allows a zone transfer \(old servers: ns1.oldprov.test/127.53.1.1: transfer refused;.*\) and no zone file was given' \
	"compare.names: discovered, because every server refused a transfer"
at compare.value fail cdn-origin.cmpdisc.test/A
is "$(values compare.value cdn-origin.cmpdisc.test/A)" "192.0.2.80 | 198.51.100.80" "found by following www's CNAME"
at compare.ok ok www.cmpdisc.test/CNAME
at compare.ok ok mx-in.cmpdisc.test/A
at compare.ok ok cmpdisc.test/MX
at compare.ok ok default._domainkey.cmpdisc.test/TXT
is "$(values compare.ok default._domainkey.cmpdisc.test/TXT)" \
	'"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=" | "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="' \
	"a probed DKIM selector; its key split otherwise is the same"
at compare.ok ok _dmarc.cmpdisc.test/TXT
at compare.ok ok _imaps._tcp.cmpdisc.test/SRV
at compare.ok ok autodiscover.cmpdisc.test/CNAME
at compare.extra warn blog.cmpdisc.test/A
none_at obscure-host.cmpdisc.test/A

# --name: a name discovery does not guess
cmp cmpdisc.test --from delegated --to "$NEW2" --name obscure-host --selector default
at compare.missing fail obscure-host.cmpdisc.test/A
at compare.ok ok default._domainkey.cmpdisc.test/TXT

# --- names from a zone file -----------------------------------------------------

cmp cmpdisc.test --from delegated --to "$NEW2" --zone "$EXPORT"
is "$RC" 2 "--zone: exit 2"
at compare.names info cmpdisc.test
like "$(msg_of compare.names)" "^9 names from the zone file $EXPORT: 13 RRsets compared .*; no server allows a zone transfer" \
	"compare.names: the names of the zone file"
at compare.missing fail obscure-host.cmpdisc.test/A
is "$(values compare.missing obscure-host.cmpdisc.test/A)" "192.0.2.40 | (none)" "a name only the zone file has"
at compare.value fail cdn-origin.cmpdisc.test/A
none_at blog.cmpdisc.test/A

# names of a zone file asked 500 a round, judged and let go a round later:
# the export and 1,200 names neither side has, three batches
{
	cat "$EXPORT"
	awk 'BEGIN { for (i = 1; i <= 1200; i++) printf "gen%04d 300 IN A 192.0.2.%d\n", i, i % 250 }'
} >"$TMP/big.zone"
cmp cmpdisc.test --from delegated --to "$NEW2" --zone "$TMP/big.zone"
like "$(msg_of compare.names)" "^1209 names from the zone file $TMP/big.zone: 13 RRsets compared" \
	"1,209 names in three batches: the same 13 RRsets compared"
at compare.missing fail obscure-host.cmpdisc.test/A
at compare.value fail cdn-origin.cmpdisc.test/A
is "$(finding_count compare.ok ok)" 9 "the same 9 RRsets the same"
is "$(json_field '[.findings[] | select(.subject != null) | .subject] | map(select(startswith("gen"))) | length')" 0 \
	"names neither side has: no finding"

# --- delegated behind --ns --------------------------------------------------------

cmp cmpdisc.test --from ns1.oldprov.test --to delegated --ns ns1.newprov.test
at ns.delegation-given info cmpdisc.test
at compare.value fail cdn-origin.cmpdisc.test/A
like "$(msg_of compare.names)" "between the old servers \\(ns1.oldprov.test\\) and the new ones \\(delegated\\)" \
	"delegated is the servers --ns gives"
is "$(findings compare.unreachable cmpdisc.test)" "" "--ns: every server answers"

# --- sides that do not answer -----------------------------------------------------

cmp cmp.test --from delegated --to ns1.newprov.test,dead.hosts.test
is "$RC" 2 "a dead server of the new side: the failures still fail (exit 2)"
at compare.unreachable error cmp.test dead.hosts.test/127.53.4.4
like "$(msg_of compare.unreachable)" \
	"^dead.hosts.test/127.53.4.4 \\(new side\\) gave no usable answer to 1[0-9][0-9] of 1[0-9][0-9] questions \\(first cmp.test/A: connection refused\\)" \
	"unreachable: which server, how many questions, why"
at compare.value fail www.cmp.test/A

cmp cmp.test --from ns1.oldprov.test --to blackhole.hosts.test/127.53.4.5 --timeout 300
is "$RC" 3 "the new side never answers: nothing compared, exit 3"
at compare.unreachable error cmp.test blackhole.hosts.test/127.53.4.5
like "$(msg_of compare.unreachable)" "first cmp.test/A: (timed out|server not responding)" "unreachable: timed out (or not responding, once the engine marks it dead)"
is "$(finding_count compare.ok)" 0 "nothing is said to be the same"
like "$(msg_of compare.names)" "blackhole.hosts.test/127.53.4.5: timed out" "the transfer from the blackhole timed out"

cmp cmp.test --from ns1.oldprov.test --to nothing.hosts.test
is "$RC" 3 "a side without an address: exit 3"
at compare.unreachable error cmp.test
like "$(msg_of compare.unreachable)" "nothing.hosts.test \\(new side, to\\) has no address" "unreachable: the name has no address"

# --- exit codes ---------------------------------------------------------------------

cmp cmp.test --from "$NEW1" --to "$NEW2"
is "$RC" 0 "only a warning (new2 disagrees with new1): exit 0"
at compare.inconsistent warn _dmarc.cmp.test/TXT ns2.newprov.test/127.53.2.2
is "$(json_field .summary.fail)/$(json_field .summary.error)" "0/0" "no failure, no error"
cmp cmp.test --from "$NEW1" --to "$NEW2" --fail-on warn
is "$RC" 1 "--fail-on warn: exit 1"
cmp cmpdisc.test --from ns1.oldprov.test --to ns2.oldprov.test
is "$RC" 0 "the same zone on both sides: exit 0"
is "$(json_field '[.findings[] | .status] | unique | join(",")')" "info,ok" "only ok and compare.names"

# other formats, -o
run_cutover compare --root-hints "$ROOT_HINTS" -f tap -o "$TMP/cmp.tap" cmp.test --from delegated --to "$NEW2"
is "$RC" 2 "-f tap -o: exit 2"
like "$(cat "$TMP/cmp.tap")" '^not ok [0-9]+ - .*compare\.missing.*ftp\.cmp\.test/A' "tap: the missing record is not ok"
run_cutover compare --root-hints "$ROOT_HINTS" -f junit cmp.test --from delegated --to "$NEW2"
like "$OUT" '<failure' "junit: failures"

# --- the check in a rule file ------------------------------------------------------

printf 'checks:\n  - check: compare\n    from: [delegated]\n    to: [ns1.newprov.test]\n' >"$TMP/cmp.yml"
audit -r "$TMP/cmp.yml" cmp.test
is "$RC" 2 "check -r: the compare check in a rule set"
at compare.missing fail ftp.cmp.test/A
printf 'checks:\n  - check: compare\n    from: [delegated, "ns1..x"]\n    to: [ns1.newprov.test]\n' >"$TMP/bad.yml"
audit -r "$TMP/bad.yml" cmp.test
is "$RC" 3 "a bad side in a rule file: exit 3"
like "$ERR" "bad.yml:3:[0-9]+: .*from: 'ns1..x' is not a host name" "the error names the file, line and column"
printf 'checks:\n  - check: compare\n    from: [delegated]\n    to: [ns1.newprov.test]\n    zone_file: %s\n' \
	/nonexistent.zone >"$TMP/bad.yml"
audit -r "$TMP/bad.yml" cmp.test
is "$RC" 3 "a zone file that cannot be read: exit 3"
like "$ERR" "bad.yml:5:[0-9]+: zone_file: /nonexistent.zone: cannot read it" "the error names the rule's line"

# a zone file named after the domain, missing when the check runs: said as an
# error, and the names discovered instead
printf 'checks:\n  - check: compare\n    from: [delegated]\n    to: [ns1.newprov.test]\n    zone_file: "%s/{domain}.zone"\n' \
	"$TMP" >"$TMP/late.yml"
audit -r "$TMP/late.yml" cmpdisc.test
is "$RC" 2 "a zone file that cannot be read when the check runs, and a difference: exit 2"
at compare.names error cmpdisc.test
like "$(msg_of compare.names)" "^the zone file could not be read \($TMP/cmpdisc.test.zone: cannot read it: No such file or directory\): the names were discovered instead" \
	"compare.names (error) says why"
at compare.value fail cdn-origin.cmpdisc.test/A

# --- bad usage ----------------------------------------------------------------------

bad() { # DESC ERE ARG...
	_desc=$1 _want=$2
	shift 2
	run_cutover compare --root-hints "$ROOT_HINTS" "$@"
	is "$RC" 3 "$_desc: exit 3"
	like "$ERR" "$_want" "$_desc: says why"
}
bad "a bad --from" "^cutover: compare: --from 'ns1\\.\\.x': 'ns1\\.\\.x' is not a host name \\(want delegated, NAME, NAME/ADDR or ADDR\\)" \
	cmp.test --from ns1..x --to delegated
bad "an empty item" "^cutover: compare: --to 'ns1.newprov.test,': an empty item" cmp.test --from delegated --to ns1.newprov.test,
bad "an address that is not one" "--from '1.2.3.4/x': '1.2.3.4' is not a host name" cmp.test --from 1.2.3.4/x --to delegated
bad "no --to" "^cutover: compare: --to SERVERS is required" cmp.test --from delegated
bad "no domain" "^cutover: compare: no domain given" --from delegated --to delegated
bad "two domains" "^cutover: compare: one DOMAIN at a time" cmp.test cmpdisc.test --from delegated --to delegated
printf 'a 300 IN A 192.0.2.1\nb 300 IN A 192.0.2.300\n' >"$TMP/bad.zone"
bad "a zone file with an error" "^cutover: compare: --zone $TMP/bad.zone:2: " cmp.test --from delegated --to delegated \
	--zone "$TMP/bad.zone"
bad "a directory as zone file" "^cutover: compare: --zone /: not a regular file" cmp.test --from delegated --to delegated --zone /
bad "a bad selector" "^cutover: compare: --selector 'a\\.\\.b'" cmp.test --from delegated --to delegated --selector a..b

run_cutover help compare
like "$OUT" "^usage: cutover compare \\[options\\] DOMAIN --from SERVERS --to SERVERS" "help compare"
run_cutover help checks
like "$OUT" "^compare: every RRset on the old servers" "help checks lists compare"

done_testing
