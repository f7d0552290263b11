#!/bin/sh
# A DNS provider move rehearsed end to end (issue 11): move.test is delegated to
# the old provider (old1, old2), signed there with a DS at the parent; the new
# provider (new1, new2) has a copy signed with other keys, behind the world's
# name servers but with Gandi's SOA, missing one record, with another TTL on
# one, and the SPF record split otherwise (tests/fixtures/zones/move.test*.zone,
# tests/world/dnssec.sh). Before anything changes at the registrar: the new
# provider tested undelegated, the records compared, the DS/NS order stated,
# the provider's TTL limit known.

. "$(dirname "$0")/lib.sh"

NEW="--ns ns1.newprov.test --ns ns2.newprov.test"

# field CODE JQ: JQ of the first finding with that code
field() {
	printf '%s\n' "$OUT" | jq -r --arg c "$1" "[.findings[] | select(.code == \$c)][0] | $2"
}

# --- 1. the new provider, undelegated -------------------------------------------
# shellcheck disable=SC2086
audit -r provider-move $NEW move.test
is "$RC" 2 "new provider: exit 2 (the DS does not match its keys)"
sees ns.delegation-given info move.test
sees ns.ok ok move.test
sees soa.ok ok move.test
sees ns.provider info move.test
like "$(field ns.provider .message)" "at Gandi, recognised by its SOA MNAME ns1.gandi.net" \
	"new provider: recognised as Gandi behind vanity name servers"
is "$(findings dnssec.ds-mismatch move.test status server)" "fail | ns1.newprov.test/127.53.2.1
fail | ns2.newprov.test/127.53.2.2" "new provider: the parent's DS matches neither new server's keys"
sees dnssec.order info move.test
like "$(field dnssec.order .message)" "first add their DS beside the current one" \
	"new provider: the order says the new DS goes first"
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.check == "ttl") | .code] | unique | join(",")')" "ttl.ok" \
	"new provider: TTLs within the rule set's 3600"

# The old provider, as the parent delegates today: all well.
audit -r provider-move move.test
is "$RC" 0 "old provider: exit 0"
sees dnssec.ok ok move.test
sees_no ns.delegation-given move.test

# --- 2. record by record -----------------------------------------------------------
run_cutover compare --root-hints "$ROOT_HINTS" -f json move.test --from delegated --to ns1.newprov.test,ns2.newprov.test
is "$RC" 2 "compare: exit 2 (a record would be lost)"
is "$(findings compare.missing move.test subject expected actual)" "shop.move.test/CNAME | shops.example.net. | (none)" \
	"compare: shop was not copied"
is "$(findings compare.ttl move.test subject expected actual)" "move.test/A | 3600 | 300" "compare: the apex A's TTL differs"
is "$(findings compare.ok move.test subject | grep -c '^move.test/TXT$')" 1 \
	"compare: the SPF record split otherwise is the same"
sees compare.names info move.test
is "$(findings dnssec.ds-mismatch move.test server)" "ns1.newprov.test/127.53.2.1
ns2.newprov.test/127.53.2.2" "compare: the dnssec check ran on the new side"
like "$(field dnssec.order .message)" "move.test. IN DS [0-9]+ 13 2 [0-9a-f]{64}" \
	"compare: the order gives the DS record to add"
like "$(field dnssec.order .message)" "wait out the DS TTL \\(3600 s\\); then change NS" \
	"compare: ... and when the NS change may follow"

# --- 3. the provider's TTL limit --------------------------------------------------------
run_cutover provider --root-hints "$ROOT_HINTS" -f json $NEW move.test
is "$RC" 0 "provider: recognised (exit 0)"
is "$(json_field '.provider.name + " " + (.provider.min_ttl | tostring)')" "Gandi 300" \
	"provider: Gandi, lowest TTL 300"

# A rule asking for TTLs below what the provider accepts is told so.
cat >"$TMP/low.yml" <<'YAML'
name: low
checks:
  - check: ttl
    names: ["{domain}"]
    types: [A]
    max: 60
YAML
audit -r "$TMP/low.yml" $NEW move.test
sees ttl.provider-minimum info move.test
is "$(findings ttl.ok move.test subject)" "move.test/A" "ttl max 60 at Gandi: TTL 300 is judged against 300"

done_testing
