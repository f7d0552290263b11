#!/bin/sh
# --ns NAME[/ADDR] (issue 11): the zone checked on servers given by the user,
# as if the parent delegated there, before it does. nsgiven.test is still
# delegated to the old provider (old1, old2) while the new one (new1, new2)
# already serves the new copy with name servers inside the zone;
# undelegated.test is not delegated at all (tests/fixtures/README.md).

. "$(dirname "$0")/lib.sh"

RULES=tests/fixtures/rulesets/nsgiven.yml
NEW="--ns ns1.nsgiven.test/127.53.2.1 --ns ns2.nsgiven.test/127.53.2.2"

# field CODE JQ: JQ of the first finding with that code
field() {
	printf '%s\n' "$OUT" | jq -r --arg c "$1" "[.findings[] | select(.code == \$c)][0] | $2"
}

# --- without --ns: the delegation as the parent has it (the old provider) -----
audit -r "$RULES" nsgiven.test
is "$RC" 2 "discovered: exit 2 (the old provider still serves the old www)"
sees ns.ok ok nsgiven.test
sees_no ns.delegation-given nsgiven.test
is "$(findings record.mismatch nsgiven.test status actual server)" "fail | 192.0.2.10 | ns1.oldprov.test/127.53.1.1
fail | 192.0.2.10 | ns2.oldprov.test/127.53.1.2" "discovered: www is the old address on both old servers"
is "$(field soa.ok .message)" "serial 2026010101 on 2 servers; negative-caching TTL 300; timers sane" \
	"discovered: the old provider's serial"

# --- --ns NAME/ADDR: the new provider, as it will be --------------------------
# shellcheck disable=SC2086
audit -r "$RULES" $NEW nsgiven.test
is "$RC" 0 "given: exit 0 (the new provider is ready)"
sees ns.delegation-given info nsgiven.test
is "$(field ns.delegation-given .actual)" "ns1.nsgiven.test/127.53.2.1, ns2.nsgiven.test/127.53.2.2" \
	"given: the finding lists the servers given"
like "$(field ns.delegation-given .message)" "given with --ns, not discovered from the parent" \
	"given: the report says the delegation was given"
sees ns.ok ok nsgiven.test
like "$(field ns.ok .message)" "^2 servers .ns1.nsgiven.test ns2.nsgiven.test. answer authoritatively" \
	"given: the given servers are the ones asked"
sees record.ok ok nsgiven.test
is "$(field soa.ok .message)" "serial 2026120101 on 2 servers; negative-caching TTL 300; timers sane" \
	"given: the new provider's serial"
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | .server // empty] | unique | join(" ")')" "" \
	"given: no finding names a server (none failed)"

# The text report says so too.
run_cutover check --root-hints "$ROOT_HINTS" -r "$RULES" $NEW nsgiven.test
like "$OUT" "ns.delegation-given" "text: the given delegation is in the report"

# --- glue: the address given is compared with what the zone says --------------
audit -r "$RULES" --ns ns1.nsgiven.test/127.53.2.1 --ns ns2.nsgiven.test/127.53.2.1 nsgiven.test
sees ns.glue-mismatch fail nsgiven.test
is "$(findings ns.glue-mismatch nsgiven.test subject expected actual)" \
	"ns2.nsgiven.test | A 127.53.2.2 | A 127.53.2.1" "glue: the zone's address expected, the given one got"
like "$(field ns.glue-mismatch .message)" "the address given with --ns for ns2.nsgiven.test" \
	"glue: the message speaks of the address given, not of the parent"

# --- a name inside the zone without an address cannot be looked up -----------
audit -r "$RULES" --ns ns1.nsgiven.test nsgiven.test
is "$RC" 2 "in-zone name without address: exit 2 (a delegation that cannot work)"
sees ns.no-servers error nsgiven.test
sees ns.unresolvable fail nsgiven.test
like "$(field ns.unresolvable .message)" "give it .--ns ns1.nsgiven.test/ADDR." \
	"in-zone name: the finding says how to give its address"

# --- a name outside the zone is looked up through the resolver ----------------
audit -r "$RULES" --ns ns1.newprov.test --ns ns2.newprov.test undelegated.test
sees ns.delegation-given info undelegated.test
is "$(field ns.delegation-given .actual)" "ns1.newprov.test/127.53.2.1, ns2.newprov.test/127.53.2.2" \
	"looked up: the names' addresses come from the resolver"
sees ns.ok ok undelegated.test
sees_no ns.no-delegation undelegated.test

# Without --ns the same zone has no delegation at all.
audit -r "$RULES" undelegated.test
sees ns.no-delegation fail undelegated.test

# --- given by address alone: the parent's NS set is unknown, not compared -----
audit -r "$RULES" --ns 127.53.2.1 --ns 127.53.2.2 nsgiven.test
sees ns.ok ok nsgiven.test
sees_no ns.parent-child-mismatch nsgiven.test
is "$(field ns.delegation-given .actual)" "127.53.2.1, 127.53.2.2" "addresses: listed as given"

# --- the given names are compared with the NS set the zone publishes ---------
audit -r "$RULES" --ns ns1.oldprov.test --ns ns1.nsgiven.test/127.53.2.1 nsgiven.test
sees ns.parent-child-mismatch fail nsgiven.test
is "$(finding_count ns.parent-child-mismatch)" 2 "mixed: each provider's NS set differs from the given one"
like "$(field ns.parent-child-mismatch .message)" "the servers given with --ns are ns1.nsgiven.test ns1.oldprov.test" \
	"mixed: the message names the given set"
sees soa.serial-mismatch fail nsgiven.test
is "$(findings soa.serial-mismatch nsgiven.test server)" "ns1.oldprov.test/127.53.1.1" \
	"mixed: the old provider's server is behind"

# --- a server that does not serve the zone is lame -----------------------------
audit -r "$RULES" --ns lame.hosts.test nsgiven.test
sees ns.lame fail nsgiven.test
is "$(findings ns.lame nsgiven.test server)" "lame.hosts.test/127.53.3.1" "lame: the given server named"

# --- every domain of the run is taken as delegated there ----------------------
audit -r "$RULES" $NEW nsgiven.test undelegated.test
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.code == "ns.delegation-given") | .domain] | join(" ")')" \
	"nsgiven.test undelegated.test" "two domains: both checked on the given servers"
sees ns.parent-child-mismatch fail undelegated.test

# --- propagation asks the given servers as the authoritative ones --------------
printf '%s\n' "$RESOLVER" >"$TMP/resolvers"
run_cutover propagation --root-hints "$ROOT_HINTS" --resolvers "$TMP/resolvers" -f json $NEW www.nsgiven.test A
is "$(json_field '[.servers[]? | select(.kind == "authoritative") | .address] | sort | join(" ")')" \
	"127.53.2.1 127.53.2.2" "propagation: the authoritative servers are the given ones"
is "$(json_field '.expected | join(" ")')" "198.51.100.20" \
	"propagation: the new value is the new provider's"
is "$(json_field '[.servers[] | select(.kind == "recursive") | .status + " " + (.answer | join(" "))] | join(",")')" \
	"old 192.0.2.10" "propagation: the world's resolver still holds the old provider's value"

# --- bad values are usage errors ------------------------------------------------
for bad in "bad..name" "ns1.example.net/300.1.1.1" "ns1.example.net/" "/127.0.0.1" "."; do
	run_cutover check --root-hints "$ROOT_HINTS" --ns "$bad" nsgiven.test
	is "$RC" 3 "--ns '$bad': exit 3"
	like "$ERR" "cutover: --ns: " "--ns '$bad': the error names the option"
done

# records reads through the resolver only: --ns is refused, not ignored.
run_cutover records --root-hints "$ROOT_HINTS" --ns 127.53.2.1 nsgiven.test
is "$RC" 3 "records --ns: exit 3"
like "$ERR" "records: --ns does not apply" "records --ns: says why"

# The help of the commands that take it tells of it.
for cmd in check propagation plan; do
	run_cutover help "$cmd"
	like "$OUT" "--ns NAME\[/ADDR\]" "help $cmd: --ns"
done

done_testing
