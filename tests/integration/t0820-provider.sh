#!/bin/sh
# Which DNS provider: ns.provider in `check` (by NS names: prov-do.test at
# ns1+ns2.digitalocean.com; by SOA: prov-vanity.test behind vanity name
# servers with Gandi's SOA), ttl.provider-minimum (a max below what the
# provider accepts), and `cutover provider` in text and JSON, --ns, --list,
# an unknown provider (good.test) and bad usage.

. "$(dirname "$0")/lib.sh"

# --- the world: com., digitalocean.com and the two fixture zones -------------
dig_at resolver ns1.digitalocean.com A +rec
is "$DIG_STATUS/$(dig_rdata A)" "NOERROR/127.53.2.1" "resolver: ns1.digitalocean.com is new1, through com. from the fake root"

# --- ns.provider ------------------------------------------------------------
audit -r tests/fixtures/rulesets/provider-ttl.yml prov-do.test prov-vanity.test good.test
is "$RC" 2 "exit status 2 (good.test's TTLs are above 60)" || diag_run
sees ns.provider info prov-do.test
is "$(findings ns.provider prov-do.test status subject actual)" "info | prov-do.test | DigitalOcean" \
	"prov-do.test: at DigitalOcean"
like "$(json_field '.findings[] | select(.code == "ns.provider" and .domain == "prov-do.test") | .message')" \
	"^prov-do.test is at DigitalOcean, recognised by its NS names \\(ns1.digitalocean.com, ns2.digitalocean.com\\); the lowest TTL DigitalOcean accepts: 30 s$" \
	"prov-do.test: recognised by its NS names, lowest TTL 30 s"
sees ns.provider info prov-vanity.test
is "$(findings ns.provider prov-vanity.test status subject actual)" "info | prov-vanity.test | Gandi" \
	"prov-vanity.test: at Gandi"
like "$(json_field '.findings[] | select(.code == "ns.provider" and .domain == "prov-vanity.test") | .message')" \
	"recognised by its SOA MNAME ns1.gandi.net \\(vanity name servers: ns1.prov-vanity.test, ns2.prov-vanity.test\\); the lowest TTL Gandi accepts: 300 s \\(5 minutes\\)$" \
	"prov-vanity.test: recognised by its SOA behind vanity name servers"
sees ns.ok ok prov-vanity.test
sees_no ns.provider good.test
is "$(findings ns.ok good.test status)" "ok" "good.test: ns.ok, and no provider said (newprov.test is in no table)"

# --- ttl.provider-minimum ------------------------------------------------------
# max 60 at Gandi (300): said, and the TTLs of 300 judged against 300
sees ttl.provider-minimum info prov-vanity.test
is "$(findings ttl.provider-minimum prov-vanity.test)" "info | prov-vanity.test | - | <= 60 | >= 300 at Gandi" \
	"prov-vanity.test: max 60 against Gandi's 300"
like "$(json_field '.findings[] | select(.code == "ttl.provider-minimum") | .message')" \
	"^max 60 is below 300 s \\(5 minutes\\), the lowest TTL Gandi accepts: .*judged against 300.*source of the minimum: https://api.gandi.net/docs/livedns/" \
	"prov-vanity.test: the message names the provider, its minimum and the source"
is "$(findings ttl.ok prov-vanity.test status subject actual)" "ok | prov-vanity.test/A | 300" \
	"prov-vanity.test: a TTL of 300 is ok at Gandi under max 60"
sees_no ttl.too-high prov-vanity.test
# max 60 at DigitalOcean (30): nothing to say
sees_no ttl.provider-minimum prov-do.test
is "$(findings ttl.ok prov-do.test status actual)" "ok | 30" "prov-do.test: TTL 30 <= 60"
# an unknown provider: the rule holds as written
sees_no ttl.provider-minimum good.test
is "$(finding_count ttl.too-high fail)" 2 "good.test: TTL 300 above 60 on both servers"

audit -r tests/fixtures/rulesets/provider-ttl10.yml prov-do.test
is "$RC" 0 "max 10 at DigitalOcean: exit status 0" || diag_run
is "$(findings ttl.provider-minimum prov-do.test)" "info | prov-do.test | - | <= 10 | >= 30 at DigitalOcean" \
	"prov-do.test: max 10 against DigitalOcean's 30"
is "$(findings ttl.ok prov-do.test status actual)" "ok | 30" "prov-do.test: TTL 30 is ok at DigitalOcean under max 10"

# --- cutover provider: text -----------------------------------------------------
run_cutover provider --root-hints "$ROOT_HINTS" prov-do.test
is "$RC" 0 "provider prov-do.test: exit 0 (recognised)" || diag_run
is "$(printf '%s\n' "$OUT" | sed -n 1,4p)" "prov-do.test is at DigitalOcean.
  name servers: ns1.digitalocean.com, ns2.digitalocean.com
  SOA: MNAME ns1.digitalocean.com, RNAME hostmaster.prov-do.test
  recognised by: its NS names (2 of 2 are DigitalOcean's)" "provider prov-do.test: provider, name servers, SOA, how"
like "$OUT" "lowest TTL accepted: 30 s
  source: https://docs.digitalocean.com/glossary/ttl/" "provider prov-do.test: lowest TTL and its source"
like "$OUT" "To lower a record's TTL at DigitalOcean:
  1\\. In the DigitalOcean control panel open Networking > Domains" "provider prov-do.test: the steps, numbered"
is "$ERR" "" "provider prov-do.test: nothing on standard error"

run_cutover provider --root-hints "$ROOT_HINTS" www.prov-vanity.test
is "$RC" 0 "provider www.prov-vanity.test: exit 0" || diag_run
like "$OUT" "^www.prov-vanity.test is in the zone prov-vanity.test, which is at Gandi\\." "a name below the zone: its zone's provider"
like "$OUT" "recognised by: its SOA MNAME ns1.gandi.net \\(vanity name servers\\)" "provider: recognised by the SOA"
like "$OUT" "lowest TTL accepted: 300 s \\(5 minutes\\)" "provider: Gandi's 300"

# --- JSON ---------------------------------------------------------------------
run_cutover provider --root-hints "$ROOT_HINTS" -f json prov-vanity.test
is "$RC" 0 "provider -f json: exit 0" || diag_run
is "$(json_field '[.domain, .zone, .recognised, .provider.id, .provider.min_ttl, .detected_by, .evidence, .ns_matched, .ns_total, .soa.mname, .soa.rname] | map(tostring) | join(" ")')" \
	"prov-vanity.test prov-vanity.test true gandi 300 soa-mname ns1.gandi.net 0 2 ns1.gandi.net hostmaster.gandi.net" \
	"provider -f json: the provider, how, the NS and SOA names"
is "$(json_field '.provider.steps | length > 2')" true "provider -f json: the steps"
like "$(json_field .provider.source)" "^https://api.gandi.net/docs/livedns/" "provider -f json: the source"

# --ns: the given servers are the delegation
run_cutover provider --root-hints "$ROOT_HINTS" -f json --ns ns1.digitalocean.com prov-do.test
is "$RC/$(json_field '[.provider.id, .detected_by, (.ns | join(","))] | join(" ")')" \
	"0/digitalocean ns ns1.digitalocean.com" "provider --ns NAME: the given name is the delegation" || diag_run
run_cutover provider --root-hints "$ROOT_HINTS" -f json --ns ns1.digitalocean.com/127.53.2.1 prov-vanity.test
is "$RC/$(json_field '[.provider.id, .detected_by, (.ns | join(","))] | join(" ")')" \
	"0/digitalocean ns ns1.digitalocean.com" "provider --ns NAME/ADDR: the zone as it would be once delegated there" || diag_run
# given by address alone, the delegation has no NS names: the zone's own NS
# set (vanity names), then its SOA, tell
run_cutover provider --root-hints "$ROOT_HINTS" -f json --ns 127.53.2.2 prov-vanity.test
is "$RC/$(json_field '[.provider.id, .detected_by, (.ns | join(","))] | join(" ")')" \
	"0/gandi soa-mname ns1.prov-vanity.test,ns2.prov-vanity.test" \
	"provider --ns ADDR: the zone's NS set and the given server's SOA tell" || diag_run

# --- an unknown provider ------------------------------------------------------------
run_cutover provider --root-hints "$ROOT_HINTS" good.test
is "$RC" 1 "provider good.test: exit 1 (not recognised)" || diag_run
like "$OUT" "^good.test: the DNS provider is not recognised\\." "provider good.test: says so"
like "$OUT" "name servers: ns1.newprov.test, ns2.newprov.test" "provider good.test: shows the name servers"
like "$OUT" "To lower a record's TTL before a change:
  1\\. Find the DNS provider" "provider good.test: generic advice"
run_cutover provider --root-hints "$ROOT_HINTS" -f json good.test
is "$RC/$(json_field '[.recognised, .provider, .detected_by, (.advice | length)] | map(tostring) | join(" ")')" \
	"1/false null none 3" "provider -f json good.test: not recognised, with advice"

# --- the table ----------------------------------------------------------------------
run_cutover provider --list
is "$RC" 0 "provider --list: exit 0"
like "$OUT" "^gandi +Gandi: lowest TTL 300 s \\(5 minutes\\)$" "provider --list: Gandi's row"
like "$OUT" "NS: ns-#\\.awsdns-#\\.com, ns-#\\.awsdns-#\\.net" "provider --list: Route 53's patterns"
run_cutover help providers
is "$RC/$(printf '%s\n' "$OUT" | grep -c 'source: ')" "0/21" "help providers: every row with its source"
run_cutover provider --list -f json
is "$RC/$(json_field '[.providers[] | select(.id == "godaddy") | .min_ttl] | .[0]')" "0/600" "provider --list -f json: GoDaddy's 600"
is "$(json_field '[.providers[] | select(.min_ttl == null) | .id] | join(" ")')" \
	"google desec ionos infomaniak ns1 dnsimple vultr scaleway he" "provider --list -f json: unknown minimums are null"

# -o writes the file
run_cutover provider --root-hints "$ROOT_HINTS" -o "$TMP/provider.txt" prov-do.test
is "$RC/$OUT/$(head -1 "$TMP/provider.txt")" "0//prov-do.test is at DigitalOcean." "provider -o FILE"

# --- could not run, bad usage -----------------------------------------------------------
run_cutover provider --root-hints "$ROOT_HINTS" missing.test
is "$RC" 3 "provider missing.test: exit 3 (not delegated)"
like "$ERR" "^cutover: provider: the name servers of missing.test could not be found: " "provider missing.test: says why"
run_cutover provider
is "$RC/$ERR" "3/cutover: provider: no domain given
see 'cutover help provider'" "provider without a domain: exit 3"
run_cutover provider a.test b.test
is "$RC" 3 "provider with two domains: exit 3"
like "$ERR" "one domain at a time" "provider with two domains: says so"
run_cutover provider -f nagios prov-do.test
is "$RC" 3 "provider -f nagios: exit 3"
like "$ERR" "the format is text or json" "provider -f nagios: says which formats"
run_cutover provider --list good.test
is "$RC/$ERR" "3/cutover: provider: --list takes no domain" "provider --list DOMAIN: exit 3"
run_cutover provider --frobnicate
is "$RC" 3 "provider --frobnicate: exit 3"
run_cutover provider 'a b.test'
is "$RC" 3 "provider 'a b.test': exit 3"
run_cutover help provider
like "$OUT" "^usage: cutover provider \\[options\\] DOMAIN" "help provider: the usage"

done_testing
