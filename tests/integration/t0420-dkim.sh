#!/bin/sh
# dkim: key records found and judged (parse, key type and size, t=y, revoked,
# several records), the published key against the private key, and probing
# common selectors with a guard against a wildcard under _domainkey.
#
# The keys are generated here, with opendkim-genkey (RSA) and openssl
# (Ed25519), and their records appended to the world's copies of the dkim
# zones, which new1 and new2 then reload; the copies are put back at exit.

. "$(dirname "$0")/lib.sh"

need opendkim-genkey opendkim-tools
need openssl openssl

KEYS=$TMP/keys
mkdir -p "$KEYS/dkim.test" "$KEYS/dkimwild.test" "$KEYS/dkimprobe.test"

# rsa DOMAIN SELECTOR BITS: $KEYS/DOMAIN/SELECTOR.private and .txt
rsa() {
	opendkim-genkey -b "$3" -s "$2" -d "$1" -D "$KEYS/$1" 2>/dev/null ||
		bail_out "opendkim-genkey -b $3 -s $2 failed"
	echo >>"$KEYS/$1/$2.txt" # it writes no final newline
}

# ed25519 FILE: an Ed25519 private key in FILE; prints the p= value (the 32
# raw bytes of the public key, the end of its DER SubjectPublicKeyInfo)
ed25519() {
	openssl genpkey -algorithm ed25519 -out "$1" 2>/dev/null || bail_out "openssl genpkey ed25519 failed"
	openssl pkey -in "$1" -pubout -outform DER | tail -c 32 | base64 -w0
}

# record FILE: the TXT strings of an opendkim-genkey .txt file, joined
record() {
	grep -o '"[^"]*"' "$1" | tr -d '"\n'
}

# strings TEXT: TEXT as zone-file character-strings of at most 250 bytes
strings() {
	printf '%s' "$1" | fold -w 250 | sed 's/.*/"&"/' | tr '\n' ' '
}

D=$KEYS/dkim.test
rsa dkim.test rsa2048 2048
rsa dkim.test rsa1024 1024
rsa dkim.test rsa512 512
rsa dkim.test other 2048
ED=$(ed25519 "$D/ed.private")
ED2=$(ed25519 "$D/ed2.private")
RSA2048=$(record "$D/rsa2048.txt")
P2048=${RSA2048#*p=}
BARE=$(openssl rsa -in "$D/rsa2048.private" -RSAPublicKey_out -outform DER 2>/dev/null | base64 -w0)
[ ${#P2048} -gt 255 ] && [ ${#BARE} -gt 255 ] && [ ${#ED} -eq 44 ] && [ -n "$ED2" ] ||
	bail_out "generated keys are not what this test expects"
printf 'this is not a key\n' >"$D/garbage.private"

{
	cat "$D/rsa2048.txt" "$D/rsa1024.txt" "$D/rsa512.txt"
	# the key of "other" published at "mismatch": not rsa2048's
	sed 's/^other\._domainkey/mismatch._domainkey/' "$D/other.txt"
	echo "ed._domainkey 300 IN TXT \"v=DKIM1; k=ed25519; p=$ED\""
	echo "edspaced._domainkey 300 IN TXT \"v=DKIM1; k=ed25519; p=$(echo "$ED" | sed 's/.\{8\}/& /g')\""
	# a bare RSAPublicKey (PKCS#1) of rsa2048's key, over two strings
	echo "bare._domainkey 300 IN TXT $(strings "v=DKIM1; k=rsa; p=$BARE")"
	# rsa2048's record cut short: still base64, no longer a key
	echo "truncated._domainkey 300 IN TXT \"v=DKIM1; k=rsa; p=$(printf '%s' "$P2048" | cut -c1-200)\""
	echo "testing._domainkey 300 IN TXT \"v=DKIM1; t=y; k=ed25519; p=$ED\""
	echo "multi._domainkey 300 IN TXT \"v=DKIM1; k=ed25519; p=$ED\""
	echo "multi._domainkey 300 IN TXT \"v=DKIM1; k=ed25519; p=$ED2\""
	# a CNAME to another selector's record, as Microsoft 365 publishes them
	echo "alias._domainkey 300 IN CNAME ed._domainkey"
	# an RSA key announced as Ed25519
	echo "kmix._domainkey 300 IN TXT $(strings "v=DKIM1; k=ed25519; p=$P2048")"
} >"$TMP/dkim.add"

W=$KEYS/dkimwild.test
WILD=$(ed25519 "$W/wild.private")
SEL1=$(ed25519 "$W/selector1.private")
{
	echo "*._domainkey 300 IN TXT \"v=DKIM1; k=ed25519; p=$WILD\""
	echo "selector1._domainkey 300 IN TXT \"v=DKIM1; k=ed25519; p=$SEL1\""
} >"$TMP/dkimwild.add"

P=$KEYS/dkimprobe.test
rsa dkimprobe.test default 2048
GOOGLE=$(ed25519 "$P/google.private")
{
	cat "$P/default.txt"
	echo "google._domainkey 300 IN TXT \"v=DKIM1; k=ed25519; p=$GOOGLE\""
} >"$TMP/dkimprobe.add"

for s in new1 new2; do
	for z in dkim dkimwild dkimprobe; do
		at_exit "cp '$FIXTURES/zones/$z.test.zone' '$WORLD/$s/zones/' && reload $s"
		cat "$FIXTURES/zones/$z.test.zone" "$TMP/$z.add" >"$WORLD/$s/zones/$z.test.zone"
	done
	reload "$s" || bail_out "$s does not load the dkim zones with the generated keys"
done
dig_at new2 rsa2048._domainkey.dkim.test TXT
is "$(dig_rdata TXT | grep -o '"[^"]*"' | tr -d '"\n')" "$RSA2048" \
	"new2 serves the generated 2048-bit record, split over strings"

# codes_at SUBJECT: the codes of the findings at SUBJECT, sorted, space-separated
codes_at() {
	printf '%s\n' "$OUT" | jq -r --arg j "$1" '[.findings[] | select(.subject == $j) | .code] | sort | join(" ")'
}

# rule SELECTOR [PRIVATE-KEY]: a dkim rule
rule() {
	echo "  - check: dkim"
	echo "    selector: $1"
	[ -z "${2:-}" ] || echo "    private_key: \"$2\""
}

# --- named selectors, each judged ----------------------------------------------

{
	echo "name: dkim"
	echo "checks:"
	rule rsa2048 "$KEYS/{domain}/rsa2048.private"
	rule rsa1024 "$D/rsa1024.private"
	rule rsa512
	rule ed "$D/ed.private"
	rule edspaced
	rule bare "$D/rsa2048.private"
	rule mismatch "$D/rsa2048.private"
	rule ed "$D/ed2.private"
	rule truncated "$D/rsa2048.private"
	rule badb64
	rule badtag
	rule vlast
	rule kmix
	rule testing
	rule revoked
	rule multi
	rule notakey
	rule nosuch
	rule alias "$D/ed.private"
} >"$TMP/dkim.yml"
audit -r "$TMP/dkim.yml" dkim.test
is "$RC" 2 "dkim.test fails" || diag_run

sees dkim.ok ok dkim.test
sees_at dkim.ok ok rsa2048._domainkey.dkim.test/TXT
is "$(codes_at rsa2048._domainkey.dkim.test/TXT)" dkim.ok "a good 2048-bit key matching its private key: only ok"
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.subject == "rsa2048._domainkey.dkim.test/TXT") | .message')" \
	'RSA key of 2048 bits, the public half of .*/dkim.test/rsa2048.private$' \
	"the ok message says type, size and the private key ({domain} expanded in its path)"
sees dkim.weak-key warn dkim.test
sees_at dkim.weak-key warn rsa1024._domainkey.dkim.test/TXT
is "$(codes_at rsa1024._domainkey.dkim.test/TXT)" dkim.weak-key "1024 bits: weak, and it matches its private key"
sees dkim.key-too-short fail dkim.test
sees_at dkim.key-too-short fail rsa512._domainkey.dkim.test/TXT
is "$(codes_at rsa512._domainkey.dkim.test/TXT)" dkim.key-too-short "512 bits: too short, not also weak"
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.subject == "ed._domainkey.dkim.test/TXT") | .code] | sort | join(" ")')" \
	"dkim.key-mismatch dkim.ok" "Ed25519: ok against its own private key, a mismatch against another"
sees_at dkim.key-mismatch fail ed._domainkey.dkim.test/TXT
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.subject == "ed._domainkey.dkim.test/TXT" and .code == "dkim.ok") | .actual')" \
	"k=ed25519, 256 bits" "Ed25519 ok says k=ed25519, 256 bits"
sees_at dkim.ok ok edspaced._domainkey.dkim.test/TXT
# a bare RSAPublicKey is read (it matches its private key: no key-mismatch),
# but OpenDKIM (d2i_PUBKEY_bio only) and most verifiers reject it
sees dkim.key-format warn dkim.test
is "$(codes_at bare._domainkey.dkim.test/TXT)" dkim.key-format \
	"a bare RSAPublicKey is read and matches the private key, but is dkim.key-format, not dkim.ok"
sees dkim.key-mismatch fail dkim.test
is "$(codes_at mismatch._domainkey.dkim.test/TXT)" dkim.key-mismatch "another RSA key: key-mismatch only"
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "dkim.key-mismatch" and .subject == "mismatch._domainkey.dkim.test/TXT") | .expected + " " + .actual')" \
	"$P2048 $(record "$D/other.txt" | sed 's/.*p=//')" "key-mismatch: expected the private key's p=, actual the published one"

# A truncated record is an invalid key, never a mismatch (opendkim-testkey
# says "keys do not match" for both).
sees dkim.invalid-key fail dkim.test
is "$(codes_at truncated._domainkey.dkim.test/TXT)" dkim.invalid-key "truncated record: invalid-key, not key-mismatch"
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.subject == "truncated._domainkey.dkim.test/TXT") | .message')" \
	'not a valid rsa key: p= is not an RSA public key' "truncated: the message says why"
for sel in badb64 badtag vlast kmix; do
	is "$(codes_at $sel._domainkey.dkim.test/TXT)" dkim.invalid-key "$sel: invalid-key"
done
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.subject == "vlast._domainkey.dkim.test/TXT") | .message')" \
	'v= must be the first tag' "vlast: v= must come first"
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.subject == "kmix._domainkey.dkim.test/TXT") | .message')" \
	'Ed25519 key has 32 bytes' "kmix: an RSA key is not an Ed25519 key"
sees dkim.testing warn dkim.test
is "$(codes_at testing._domainkey.dkim.test/TXT)" dkim.testing "t=y: testing"
sees dkim.revoked fail dkim.test
is "$(codes_at revoked._domainkey.dkim.test/TXT)" dkim.revoked "empty p=: revoked"
sees dkim.multiple fail dkim.test
is "$(codes_at multi._domainkey.dkim.test/TXT)" "dkim.multiple dkim.ok dkim.ok" \
	"two TXT records: multiple, and each judged"
sees dkim.missing fail dkim.test
is "$(codes_at notakey._domainkey.dkim.test/TXT)" dkim.missing "a TXT record that is no key record: missing"
is "$(codes_at nosuch._domainkey.dkim.test/TXT)" dkim.missing "no record: missing"
is "$(finding_count dkim.missing)" 2 "nothing else is missing"
is "$(codes_at alias._domainkey.dkim.test/TXT)" dkim.ok "a selector that is a CNAME: the record at its end is judged"

{
	echo "name: min-bits"
	echo "checks:"
	rule rsa2048
	echo "    min_bits: 4096"
} >"$TMP/min.yml"
audit -r "$TMP/min.yml" dkim.test
is "$(codes_at rsa2048._domainkey.dkim.test/TXT)" dkim.weak-key "min_bits: 4096 makes the 2048-bit key weak"

# --- a lookup that fails is an error, not "missing" ---------------------------

{
	echo "name: broken"
	echo "checks:"
	rule broken
} >"$TMP/broken.yml"
audit --timeout 700 -r "$TMP/broken.yml" dkim.test
sees check.no-data error dkim.test
is "$(codes_at broken._domainkey.dkim.test/TXT)" check.no-data "the selector's servers do not answer: no-data (error)"
is "$(finding_count dkim.missing)" 0 "and not dkim.missing"

# --- private keys that cannot be used ----------------------------------------

{
	echo "name: keys"
	echo "checks:"
	rule rsa2048 "$D/nonexistent.private"
	rule ed "$D/garbage.private"
} >"$TMP/keys.yml"
audit -r "$TMP/keys.yml" dkim.test
sees dkim.private-key-error error dkim.test
is "$(finding_count dkim.private-key-error error)" 2 "an unreadable and an unparseable key file are errors"
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "dkim.private-key-error") | .message')" \
	'nonexistent.private: No such file or directory' "the error names the missing file"
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "dkim.private-key-error") | .message')" \
	'garbage.private: not a PEM key or a DKIM key record' "the error names the file that is no key"
is "$(finding_count dkim.ok ok)" 2 "the published keys are still judged"
is "$(finding_count dkim.key-mismatch)" 0 "a key that could not be read is no mismatch"

cat >"$TMP/pairs.yml" <<YML
name: pairs
checks:
  - check: dkim
    selector: [rsa2048, ed]
    private_key: ["$D/rsa2048.private"]
YML
audit -r "$TMP/pairs.yml" dkim.test
sees check.no-data error dkim.test
like "$(json_field '.findings[0].message')" 'private_key lists 1 files for 2 selectors' \
	"one private key for two selectors is refused"

cat >"$TMP/pairs.yml" <<YML
name: pairs
checks:
  - check: dkim
    selector: [rsa2048, ed]
    private_key: ["$D/rsa2048.private", "$D/ed.private"]
YML
audit -r "$TMP/pairs.yml" dkim.test
is "$RC/$(finding_count dkim.ok ok)" 0/2 "two selectors with their keys, in order: both ok"

# --- probing common selectors ------------------------------------------------

cat >"$TMP/probe.yml" <<'YML'
name: probe
checks:
  - check: dkim
YML
audit -r "$TMP/probe.yml" dkimprobe.test dkimwild.test dkimnone.test
sees dkim.found info dkimprobe.test
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.domain == "dkimprobe.test" and .code == "dkim.found") | .actual] | sort | join(" ")')" \
	"default google" "dkimprobe.test: default and google found"
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.domain == "dkimprobe.test") | .code] | sort | join(" ")')" \
	"dkim.found dkim.found dkim.ok dkim.ok" "dkimprobe.test: each found key judged ok, no wildcard"

sees dkim.wildcard warn dkimwild.test
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.domain == "dkimwild.test" and .code == "dkim.found") | .actual] | join(" ")')" \
	selector1 "dkimwild.test: only the selector whose record is not the wildcard's is claimed"
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.domain == "dkimwild.test" and .code == "dkim.wildcard") | .subject')" \
	'^[a-z]{16}\._domainkey\.dkimwild\.test/TXT$' "the wildcard was seen at a random 16-letter selector"

sees dkim.not-found info dkimnone.test
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.domain == "dkimnone.test") | .code] | join(" ")')" \
	dkim.not-found "dkimnone.test: nothing found, said once"

# a wildcard "v=spf1 -all" answers at every selector: not a key record (RFC
# 6376 3.6.1 discards a v= other than DKIM1), so no wildcard key, nothing found
audit -r "$TMP/probe.yml" dkimspf.test
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.domain == "dkimspf.test") | .code] | join(" ")')" \
	dkim.not-found "dkimspf.test: a wildcard v=spf1 record is no wildcard key: nothing found"
{
	echo "name: dkimspf"
	echo "checks:"
	rule s2026
} >"$TMP/dkimspf.yml"
audit -r "$TMP/dkimspf.yml" dkimspf.test
is "$(codes_at s2026._domainkey.dkimspf.test/TXT)" dkim.missing \
	"dkimspf.test: a named selector answered only by the v=spf1 wildcard is missing, not an invalid key"

# not finding one is information (a selector can be any name), not a failure
audit -r "$TMP/probe.yml" dkimnone.test
is "$RC" 0 "not finding a common selector is no failure"
sees dkim.not-found info dkimnone.test
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "dkim.not-found") | .message')" \
	'^none of 32 common selectors' "dkimnone.test: _domainkey exists (a TXT there), so the selectors were probed"

# _domainkey.DOMAIN does not exist (NXDOMAIN): no selector below it can (RFC
# 8020), so it is said at once and the 33 probes are never sent
audit -r "$TMP/probe.yml" --stats nowild.test
sees dkim.not-found info nowild.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "dkim.not-found") | .subject')" \
	_domainkey.nowild.test/TXT "nowild.test: the finding is about _domainkey.nowild.test"
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "dkim.not-found") | .message')" \
	'_domainkey\.nowild\.test does not exist \(NXDOMAIN\)' "nowild.test: says why nothing was probed"
# (lookups counts delegation discovery's too: a handful; the probes would
# add 33)
n=$(printf '%s\n' "$ERR" | sed -n 's/.* lookups=\([0-9]*\) .*/\1/p')
ok $([ -n "$n" ] && [ "$n" -lt 10 ] && echo 0 || echo 1) "nowild.test: no probes sent ($n lookups in all)"
# ...but a named selector is looked up all the same, and missing: the
# shortcut is for probing only
audit -r "$TMP/dkimspf.yml" nowild.test
is "$(findings dkim.missing nowild.test status subject actual)" "fail | s2026._domainkey.nowild.test/TXT | (none)" \
	"nowild.test: a named selector under a _domainkey that does not exist is missing"
sees_no dkim.not-found nowild.test

done_testing
