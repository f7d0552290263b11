#!/bin/sh
# The dnssec check against the world's signed zones (tests/world/dnssec.sh
# signs them at every start; tests/fixtures/README.md, "DNSSEC fixtures"):
# every dnssec code triggered by its fixture, on the servers it is about; a
# provider move rehearsed with from/to, each move giving its order (and the
# TTLs and DS records it names); the new provider checked before the move
# with --ns; bad parameters refused with file:line:col.

. "$(dirname "$0")/lib.sh"

need jq jq
need ldns-key2ds ldnsutils

NS1=ns1.newprov.test/127.53.2.1
NS2=ns2.newprov.test/127.53.2.2
OLD1=ns1.oldprov.test/127.53.1.1
NX=cutover-nx-7q3kz9x1

# rules BODY: a rule set of the checks in BODY (YAML lines under checks:)
rules() {
	printf 'checks:\n%s\n' "$1" >"$TMP/rules.yml"
}
# dn ARG...: check with that rule set, JSON report in OUT
dn() {
	audit -r "$TMP/rules.yml" "$@"
}
# at CODE STATUS SUBJECT SERVER: one test, that OUT has that finding there
at() {
	sees_on "$@"
}
# order_of: the order word (the actual of dnssec.order) in OUT
order_of() {
	printf '%s\n' "$OUT" | jq -r '[.findings[]? | select(.code == "dnssec.order") | .actual][0] // ""'
}
# count CODE: how many findings of CODE OUT has
count() {
	printf '%s\n' "$OUT" | jq --arg c "$1" '[.findings[]? | select(.code == $c)] | length'
}
# ds_of NAME: the DS record (owner, type, rdata; lower case) of the key
# tests/world/dnssec.sh made as NAME
ds_of() {
	ldns-key2ds -n -2 "$WORLD/dnssec/$(cat "$WORLD/dnssec/$1.ksk").key" |
		awk '{ print $1, "IN DS", $5, $6, $7, tolower($8) }'
}
# tag_of NAME: the key tag of that key
tag_of() {
	ldns-key2ds -n -2 "$WORLD/dnssec/$(cat "$WORLD/dnssec/$1.ksk").key" | awk '{ print $5 }'
}

# --- each zone where it is delegated -------------------------------------------------

rules '  - check: dnssec'

dn dnssec-ok.test
is "$RC" 0 "dnssec-ok.test: exit 0"
at dnssec.ok ok dnssec-ok.test ""
like "$(message_of dnssec.ok "")" "key tag $(tag_of ok)\\) matches a key each of the 2 servers publishes; every signature checked verifies, the first to expire on 20[0-9-]+ [0-9:]+ UTC \\(in (29|30) days\\)" \
	"dnssec.ok names the DS and when the first signature expires"
at dnssec.order info dnssec-ok.test ""
is "$(order_of)" safe "delegated, no move: order safe"
like "$(message_of dnssec.order "")" "nothing to change at the parent" "no move: nothing to change"

dn good.test
at dnssec.insecure info good.test ""
like "$(message_of dnssec.insecure "")" "no DS at the parent and its servers sign nothing" "insecure: says why"
is "$(order_of)" insecure "unsigned, no DS: order insecure"
is "$(count dnssec.ok)" 0 "good.test: no dnssec.ok (nothing is signed)"

dn dnssec-nsec3.test
at dnssec.ok ok dnssec-nsec3.test ""
is "$(count dnssec.no-denial)$(count dnssec.bogus)" 00 "NSEC3 (no salt, no iterations): the NXDOMAIN proven"

dn dnssec-expiring.test
is "$RC" 0 "signatures expiring: a warning, exit 0"
at dnssec.sig-expiring warn dnssec-expiring.test/DNSKEY "$NS1"
at dnssec.sig-expiring warn dnssec-expiring.test/DNSKEY "$NS2"
like "$(message_of dnssec.sig-expiring "$NS1")" "the first to go, expire on 20[0-9-]+ [0-9:]+ UTC, in 2 days" \
	"sig-expiring: when, and how soon"
is "$(findings dnssec.sig-expiring dnssec-expiring.test expected actual | sort -u)" ">= 7 days left | 2 days" \
	"sig-expiring: the default minimum, 7 days, against what is left"
is "$(count dnssec.ok)" 0 "expiring: no dnssec.ok"

rules '  - {check: dnssec, sig_valid_min: 2d}'
dn dnssec-expiring.test
is "$(count dnssec.sig-expiring)" 0 "sig_valid_min: 2d: nearly 3 days left is enough"
at dnssec.ok ok dnssec-expiring.test ""
rules '  - {check: dnssec, sig_valid_min: 0}'
dn dnssec-expiring.test
is "$(count dnssec.sig-expiring)" 0 "sig_valid_min: 0: no warning"
rules '  - check: dnssec'

dn dnssec-expired.test
is "$RC" 2 "expired signatures: exit 2"
for s in "$NS1" "$NS2"; do
	for t in SOA NS A MX; do
		at dnssec.bogus fail "dnssec-expired.test/$t" "$s"
	done
done
at dnssec.bogus fail dnssec-expired.test/DNSKEY "$NS1"
at dnssec.bogus fail dnssec-expired.test/NSEC "$NS1"
like "$(message_of dnssec.bogus "$NS1" dnssec-expired.test/SOA)" \
	"its signature by key $(tag_of expired) expired on 20[0-9-]+ [0-9:]+ UTC; validating resolvers answer SERVFAIL" \
	"bogus (expired): which key, and when it expired"
is "$(order_of)" safe "expired signatures: the DS still matches the key (the order is about DS and NS)"

dn dnssec-bogus.test
is "$RC" 2 "a changed record: exit 2"
at dnssec.bogus fail dnssec-bogus.test/A "$NS1"
at dnssec.bogus fail dnssec-bogus.test/A "$NS2"
is "$(count dnssec.bogus)" 2 "only the changed A record is bogus, on each server"
like "$(message_of dnssec.bogus "$NS1")" "does not verify: the data or the signature was changed after signing" \
	"bogus (changed): says the signature does not verify"

dn dnssec-nodenial.test
is "$RC" 2 "no NSEC: exit 2"
at dnssec.no-denial fail "$NX.dnssec-nodenial.test" "$NS1"
at dnssec.no-denial fail "$NX.dnssec-nodenial.test" "$NS2"
like "$(message_of dnssec.no-denial "$NS1")" "NXDOMAIN for $NX.dnssec-nodenial.test, a name that does not exist, carries no proof .*no NSEC or NSEC3 record" \
	"no-denial: the name asked and what is missing"
is "$(count dnssec.bogus)" 0 "no NSEC: every signature there verifies"

# --- the new provider checked before the move: --ns ----------------------------------

dn --ns ns1.newprov.test --ns ns2.newprov.test dnssec-unsigned.test
is "$RC" 2 "--ns, new servers unsigned under the old DS: exit 2"
at dnssec.unsigned fail dnssec-unsigned.test/DNSKEY "$NS1"
at dnssec.unsigned fail dnssec-unsigned.test/DNSKEY "$NS2"
like "$(message_of dnssec.unsigned "$NS1")" "unsigned \\(no DNSKEY\\) while the parent has a DS for it \\(key tag $(tag_of unsigned)\\)" \
	"unsigned: names the DS"
is "$(order_of)" remove-ds-first "--ns: the DS alone says: remove it first"

dn --ns ns1.newprov.test --ns ns2.newprov.test dnssec-rekey.test
at dnssec.ds-mismatch fail dnssec-rekey.test/DNSKEY "$NS1"
at dnssec.ds-mismatch fail dnssec-rekey.test/DNSKEY "$NS2"
is "$(findings dnssec.ds-mismatch dnssec-rekey.test expected | sort -u)" "$(tag_of rekey-old)" \
	"ds-mismatch: expected the DS's key tag"
like "$(findings dnssec.ds-mismatch dnssec-rekey.test actual | sort -u)" "$(tag_of rekey-new) \\(KSK\\)" \
	"ds-mismatch: got the new provider's keys"
is "$(order_of)" add-ds-first "--ns: new keys, old DS: add the new DS first"
like "$(message_of dnssec.order "")" "$(ds_of rekey-new)" "--ns: the order gives the new DS record"

dn --ns ns1.newprov.test --ns ns2.newprov.test dnssec-both.test
at dnssec.ok ok dnssec-both.test ""
is "$(order_of)" safe "--ns, a DS for both providers: safe"

# --- a provider move, from the old servers to the new ones ------------------------------

move() { # FROM TO: the rule set of a move
	rules "  - check: dnssec
    from: $1
    to: $2"
}
move delegated '[ns1.newprov.test, ns2.newprov.test]'

dn dnssec-unsigned.test
at dnssec.unsigned fail dnssec-unsigned.test/DNSKEY "$NS1"
at dnssec.unsigned fail dnssec-unsigned.test/DNSKEY "$NS2"
is "$(finding_count dnssec.unsigned)" 2 "old servers signed: dnssec.unsigned for the new ones only"
is "$(order_of)" remove-ds-first "old signed with a DS, new unsigned: remove the DS first"
like "$(message_of dnssec.order "")" "first remove the DS at the parent and wait out its TTL \\(3600 s\\), then change NS" \
	"remove-ds-first: the DS TTL from the answer"

dn dnssec-rekey.test
is "$(order_of)" add-ds-first "old signed, new signed with other keys: add the new DS first"
msg=$(message_of dnssec.order "")
like "$msg" "first add their DS beside the current one \\(key tag $(tag_of rekey-old)\\): $(ds_of rekey-new);" \
	"add-ds-first: the DS record to add, beside the old one"
like "$msg" "wait out the DS TTL \\(3600 s\\); then change NS; remove the old DS once the NS TTL \\(300 s\\)" \
	"add-ds-first: the DS TTL, then NS, then the old DS after the NS TTL"
like "$msg" "old DNSKEY set fail the new signatures until it expires \\(its TTL: 300 s\\)" \
	"add-ds-first: the old DNSKEY TTL"
at dnssec.ds-mismatch fail dnssec-rekey.test/DNSKEY "$NS1"
is "$(finding_count dnssec.ds-mismatch)" 2 "ds-mismatch for the new servers only"

dn dnssec-both.test
at dnssec.ok ok dnssec-both.test ""
is "$(order_of)" safe "a DS for both: the NS change is safe now"
like "$(message_of dnssec.order "")" "safe now as far as DNSSEC goes; once the NS TTL \\(300 s\\) has passed after it, remove the DS with key tag $(tag_of both-old)," \
	"safe: and the old DS to remove afterwards"

dn dnssec-tosigned.test
at dnssec.insecure info dnssec-tosigned.test ""
is "$(order_of)" ns-then-ds "old unsigned, new signed, no DS: NS first"
like "$(message_of dnssec.order "")" "change NS first; once the NS TTL \\(300 s\\) has passed, add their DS at the parent: $(ds_of tosigned)" \
	"ns-then-ds: the NS TTL and the DS to add after it"

dn dnssec-ok.test
at dnssec.ok ok dnssec-ok.test ""
is "$(order_of)" safe "the same keys on both sides: safe"
like "$(message_of dnssec.order "")" "matches keys both the old servers and the new ones \\(ns1.newprov.test, ns2.newprov.test\\) publish: the NS change is safe now" \
	"safe: names the new servers"

# the other way round, and the same servers on both sides
move '[ns1.newprov.test, ns2.newprov.test]' delegated
dn dnssec-rekey.test
is "$(order_of)" ns-mends "back to the servers the DS matches: the NS change mends it"
move '[ns1.newprov.test]' '[ns2.newprov.test/127.53.2.2]'
dn dnssec-rekey.test
is "$(order_of)" replace-ds "new keys on both sides, the old DS: replace it"
dn dnssec-unsigned.test
is "$(order_of)" remove-ds "unsigned on both sides under a DS: remove it"
move '[ns1.newprov.test]' '[ns1.newprov.test]'
dn dnssec-rekey.test
is "$(order_of)" replace-ds "the same server on both sides: no move"
like "$(message_of dnssec.order "")" "matches no key these servers publish: validating resolvers fail dnssec-rekey.test now; replace it with $(ds_of rekey-new)" \
	"no move: replace the DS with this one"
move delegated '[ns1.oldprov.test, ns1.newprov.test]'
dn dnssec-unsigned.test
is "$(order_of)" new-mixed "new servers that disagree: make them agree first"
at dnssec.unsigned fail dnssec-unsigned.test/DNSKEY "$NS1"
move delegated '[dead.hosts.test]'
dn dnssec-ok.test
is "$(order_of)" unknown "a new server that does not answer: the order is not known"
at check.no-data error dnssec-ok.test/DNSKEY dead.hosts.test/127.53.4.4
is "$RC" 3 "an error and no failure: exit 3"
move delegated '[nothere.newprov.test]'
dn dnssec-ok.test
at check.no-data error nothere.newprov.test ""
like "$(message_of check.no-data "" nothere.newprov.test)" "to: 'nothere.newprov.test' has no address" \
	"a new server without an address: said so"
is "$(order_of)" unknown "... and the order is not known"

# the sides without any "delegated" need no discovery: a zone not delegated yet
move "[$OLD1]" '[ns1.newprov.test]'
dn dnssec-tosigned.test
is "$(order_of)" ns-then-ds "from/to by name and address, no discovery: still judged"

# --- bad parameters --------------------------------------------------------------------

rules '  - check: dnssec
    from: delegated'
dn good.test
is "$RC" 3 "from without to: exit 3"
like "$ERR" "rules.yml:3:[0-9]+: 'from' needs 'to'" "from without to: file:line:col and why"
rules '  - check: dnssec
    to: ["ns1..newprov.test"]'
dn good.test
is "$RC" 3 "a bad server name: exit 3"
like "$ERR" "rules.yml:3:[0-9]+: to: .*ns1\\.\\.newprov\\.test" "a bad server name: file:line:col, the item"
rules '  - check: dnssec
    sig_valid_min: soon'
dn good.test
is "$RC" 3 "sig_valid_min: soon: exit 3"
like "$ERR" "rules.yml:3:[0-9]+: invalid duration 'soon' for 'sig_valid_min'" "a bad duration: file:line:col"
rules '  - check: dnssec
    types: [A, NOTATYPE]'
dn good.test
is "$RC" 3 "a bad type: exit 3"
like "$ERR" "rules.yml:3:[0-9]+:" "a bad type: file:line:col"

done_testing
