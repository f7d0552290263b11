#!/bin/sh
# cutover records: the records a mail setup needs, marked present, missing or
# different against live DNS; and the round trip: its output loaded into NSD
# is then all present.

. "$(dirname "$0")/lib.sh"

records() {
	run_cutover records --root-hints "$ROOT_HINTS" "$@"
}
# status_of NAME TYPE: the status of the record NAME/TYPE in the JSON in OUT
status_of() {
	json_field ".records[] | select(.name == \"$1\" and .type == \"$2\") | .status"
}

# --- usage -------------------------------------------------------------------

records
is "$RC" 3 "no domain: exit 3"
like "$ERR" 'no domain given' "no domain: says so"
records --profile postfix x.test
is "$RC" 3 "unknown profile: exit 3"
like "$ERR" "unknown profile 'postfix'" "unknown profile: named"
records --ip 198.18.3.300 x.test
is "$RC" 3 "bad --ip: exit 3"
like "$ERR" "'198.18.3.300' is not an IP address" "bad --ip: named"
# every name option is a name (name_canonical), checked before anything is
# looked up or printed: no null MX from an empty --mail-host, nothing that
# ends a DMARC tag or adds URI parameters in --rua
for h in '' . 'a b' 'mail_1.x.test' '*.x.test'; do
	records --mail-host "$h" x.test
	is "$RC" 3 "--mail-host '$h': exit 3"
	like "$ERR" "--mail-host '[^']*' is not a host name" "--mail-host '$h': said so"
	is "$OUT" "" "--mail-host '$h': no records printed"
done
for a in 'a@b.test?subject=x' 'a@b.test,mailto:c@d.test' 'a;p=none@b.test' 'a@b.test!10m' 'mailto:x@' \
	'@b.test' 'a@b c.test' 'a@.'; do
	records --rua "$a" x.test
	is "$RC" 3 "--rua '$a': exit 3"
	like "$ERR" "--rua '[^']*' is not a mail address" "--rua '$a': said so"
done
openssl genpkey -algorithm ed25519 -out "$TMP/sel.pem" 2>/dev/null
for sel in '' . 's1.' 'a b' '*' 'a..b'; do
	records --dkim-key "$TMP/sel.pem" --dkim-selector "$sel" x.test
	is "$RC" 3 "--dkim-selector '$sel': exit 3"
	like "$ERR" "--dkim-selector '[^']*' is not a selector" "--dkim-selector '$sel': said so"
done
l63=$(printf '%063d' 0)
records --dkim-key "$TMP/sel.pem" --dkim-selector "$l63.$l63.$l63.$(printf '%050d' 0)" x.test
is "$RC" 3 "a selector that makes SELECTOR._domainkey.DOMAIN longer than a name: exit 3"
like "$ERR" "'0{63}\.0{63}\.0{63}\.0{50}\._domainkey\.x\.test\.' is too long for a domain name" \
	"a name too long: said so"
records -f junit x.test
is "$RC" 3 "records speaks text or json only"
run_cutover records --help
is "$RC" 0 "--help exits 0"
like "$OUT" '^Exit status: 0 every record present, 1 one is different, 2 one is missing,' "--help gives the exit status"
run_cutover help records
like "$OUT" '^usage: cutover records \[options\] DOMAIN' "cutover help records"
run_cutover --help
like "$OUT" '^  records ' "records is in the command list"

# --- present, missing, different ----------------------------------------------

records -f json --ip 198.18.3.25 --ip 2001:2::3:25 --rua reports@records-rua.test records-partial.test
is "$RC" 2 "something missing: exit 2" || diag_run
is "$(json_field .status)" missing "json status: missing"
is "$(status_of mail.records-partial.test. A)" present "mail host A: present"
is "$(status_of mail.records-partial.test. AAAA)" missing "mail host AAAA: missing"
is "$(status_of records-partial.test. MX)" different "MX with an old one beside it: different"
is "$(json_field '.records[] | select(.type == "MX") | .live | sort | join(",")')" \
	"10 mail.records-partial.test.,20 mx.oldprov.test." "MX: live shows both"
is "$(status_of records-partial.test. TXT)" different "SPF: different"
is "$(json_field '.records[] | select(.name == "records-partial.test." and .type == "TXT") | .live | join(",")')" \
	"v=spf1 a -all" "SPF: live shows the SPF record only, not the other TXT"
is "$(json_field '.records[] | select(.name == "records-partial.test." and .type == "TXT") | .text')" \
	"v=spf1 mx ip4:198.18.3.25 ip6:2001:2::3:25 -all" "SPF: mx and the sending addresses"
is "$(status_of _dmarc.records-partial.test. TXT)" present "DMARC: present, compared as a tag list"
is "$(status_of records-partial.test._report._dmarc.records-rua.test. TXT)" missing \
	"report authorisation at the external rua domain: missing"

# text: zone-file lines with a status comment
records --ip 198.18.3.25 --rua reports@records-rua.test records-partial.test
is "$RC" 2 "text: exit 2"
like "$OUT" '^records-partial\.test\. 3600 IN MX 10 mail\.records-partial\.test\. ; different \(live: 10 mail\.records-partial\.test\. \| 20 mx\.oldprov\.test\.\)$' \
	"text: MX line, different, with what is live"
like "$OUT" '^mail\.records-partial\.test\. 3600 IN A 198\.18\.3\.25 ; present$' "text: A line, present"
like "$OUT" '^records-partial\.test\._report\._dmarc\.records-rua\.test\. 3600 IN TXT "v=DMARC1" ; missing$' \
	"text: report authorisation line, missing"
like "$OUT" '^; 2 present, 2 different, 1 missing, 0 unknown$' "text: the summary"

# the report authorisation is wanted when the organizational domains differ,
# by the public suffix list the dmarc check uses (co.uk is a public suffix)
records -f json --rua r@reports.dmarc-corp.co.uk mail.dmarc-corp.co.uk
is "$(json_field '[.records[] | select(.name | test("_report"))] | length')" 0 \
	"rua in the same organizational domain under co.uk: no report authorisation"
records -f json --rua r@dmarc-other.co.uk mail.dmarc-corp.co.uk
is "$(json_field '[.records[] | select(.name | test("_report")) | .name] | join(",")')" \
	"mail.dmarc-corp.co.uk._report._dmarc.dmarc-other.co.uk." \
	"rua in another organizational domain under co.uk: its report authorisation"

# only differences: exit 1
records --rua reports@records-rua.test --dmarc-policy reject records-partial.test
is "$RC" 2 "report record still missing: exit 2"
records records-partial.test
is "$RC" 1 "nothing missing, something different: exit 1" || diag_run
like "$OUT" '^_dmarc\.records-partial\.test\. 3600 IN TXT "v=DMARC1; p=quarantine" ; different' \
	"DMARC without rua differs from the live one with it"

# a lookup that fails is unknown (exit 3), never missing
records -f json mx-dead.test
is "$RC" 3 "undetermined: exit 3"
is "$(json_field '[.records[].status] | unique | join(",")')" unknown "every record of mx-dead.test: unknown"

# --- DKIM keys -----------------------------------------------------------------

openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$TMP/rsa.pem" 2>/dev/null
openssl pkey -in "$TMP/rsa.pem" -pubout -out "$TMP/rsa.pub" 2>/dev/null
p_rsa=$(openssl pkey -in "$TMP/rsa.pem" -pubout -outform DER 2>/dev/null | base64 -w0)
records -f json --dkim-key "$TMP/rsa.pem" records-partial.test
is "$(json_field '.records[] | select(.name == "default._domainkey.records-partial.test.") | .text')" \
	"v=DKIM1; k=rsa; p=$p_rsa" "RSA private key: the public key as SubjectPublicKeyInfo, selector default"
is "$(json_field '.records[] | select(.name == "default._domainkey.records-partial.test.") | .status')" missing \
	"DKIM record: missing"
value=$(json_field '.records[] | select(.name == "default._domainkey.records-partial.test.") | .value')
is "$(printf '%s' "$value" | grep -o '"[^"]*"' | awk '{ print length($0) - 2 }' | tr '\n' ' ')" \
	"255 $(( ${#p_rsa} + 18 - 255 )) " "a 2048-bit key's record is split into strings of 255 bytes"
records -f json --dkim-key "$TMP/rsa.pub" --dkim-selector s1 records-partial.test
is "$(json_field '.records[] | select(.name == "s1._domainkey.records-partial.test.") | .text')" \
	"v=DKIM1; k=rsa; p=$p_rsa" "RSA public key, --dkim-selector"
openssl genpkey -algorithm ed25519 -out "$TMP/ed.pem" 2>/dev/null
p_ed=$(openssl pkey -in "$TMP/ed.pem" -pubout -outform DER 2>/dev/null | tail -c 32 | base64 -w0)
records -f json --dkim-key "$TMP/ed.pem" records-partial.test
is "$(json_field '.records[] | select(.name == "default._domainkey.records-partial.test.") | .text')" \
	"v=DKIM1; k=ed25519; p=$p_ed" "Ed25519: the raw 32-byte public key (RFC 8463)"
need opendkim-genkey opendkim-tools
(cd "$TMP" && opendkim-genkey -b 1024 -s sel2026 -d records-partial.test)
records -f json --dkim-key "$TMP/sel2026.txt" records-partial.test
is "$(json_field '.records[] | select(.name == "sel2026._domainkey.records-partial.test.") | .text')" \
	"$(grep -o '"[^"]*"' "$TMP/sel2026.txt" | tr -d '"\n')" "opendkim-genkey .txt: its record and selector"
printf 'not a key\n' >"$TMP/junk"
records --dkim-key "$TMP/junk" records-partial.test
is "$RC" 3 "a file that is no key: exit 3"
like "$ERR" "not a PEM key or a DKIM key record" "a file that is no key: said so"

# --- hostile TXT data ------------------------------------------------------------

# records-hostile.test: live TXT data is shown escaped as zone-file text, so
# newlines in it cannot add lines to output meant to be loaded as it is; and
# it is compared as the bytes it is (a NUL byte does not end it).
records -f json --dkim-key "$TMP/rsa.pem" --dkim-selector hostile records-hostile.test
is "$(status_of records-hostile.test. TXT)" different \
	"an SPF record of 'v=spf1 mx -all', a NUL byte and more is not 'v=spf1 mx -all': different"
is "$(json_field '.records[] | select(.name == "records-hostile.test." and .type == "TXT") | .live | join(",")')" \
	'v=spf1 mx -all\000junk' "json: the live SPF record, its NUL byte escaped"
is "$(json_field '.records[] | select(.name == "hostile._domainkey.records-hostile.test.") | .live | join(",")')" \
	'v=DKIM1; p=abc\010records-hostile.test. 60 IN A 192.0.2.66\010; \"q\\ \255' \
	"json: the live DKIM record escaped, its byte that is not UTF-8 too"
is "$(status_of _dmarc.records-hostile.test. TXT) $(json_field '.records[] | select(.name == "_dmarc.records-hostile.test.") | .live | join(",")')" \
	"present v = DMARC1; p=quarantine" \
	"DMARC records as the dmarc check tells them: 'v = DMARC1' is one (present), 'v=DMARC10' is not"
records --dkim-key "$TMP/rsa.pem" --dkim-selector hostile records-hostile.test
is "$RC" 2 "hostile: exit 2 (no MX record)" || diag_run
is "$(wc -l <"$TMP/cutover.out")" 6 \
	"text: 6 lines (a heading, MX, SPF, DKIM, DMARC, the summary), none injected by live data"
like "$OUT" '^records-hostile\.test\. 3600 IN TXT "v=spf1 mx -all" ; different \(live: "v=spf1 mx -all\\000junk"\)$' \
	"text: the live SPF record escaped in the comment"
like "$OUT" '^hostile\._domainkey\.records-hostile\.test\. 3600 IN TXT "v=DKIM1; k=rsa; p=.* ; different \(live: "v=DKIM1; p=abc\\010records-hostile\.test\. 60 IN A 192\.0\.2\.66\\010; \\"q\\\\ \\255"\)$' \
	"text: the live DKIM record escaped in the comment"
{
	printf '$ORIGIN records-hostile.test.\n@ 300 IN SOA ns1.newprov.test. hostmaster.newprov.test. 1 2 3 4 5\n'
	cat "$TMP/cutover.out"
} >"$TMP/hostile.zone"
ldns-read-zone "$TMP/hostile.zone" >"$TMP/hostile.read" 2>&1
ok $? "the output loads as a zone file (ldns-read-zone)" || cat "$TMP/hostile.read"
is "$(grep -c '	IN	' "$TMP/hostile.read") $(grep -c '192\.0\.2\.66' "$TMP/hostile.read")" "5 0" \
	"it holds the SOA and the 4 records wanted, and no A record from live data"

# --- the round trip through NSD ---------------------------------------------------

# records-rt.test and records-rua.test: asked about by no other test, and
# looked up by the embedded resolver of each run (no cache between runs).
records --profile mailu --ip 198.18.3.40 --ip 2001:2::3:40 --dkim-key "$TMP/rsa.pem" \
	--rua dmarc@records-rua.test records-rt.test
is "$RC" 2 "mailu, before: exit 2 (missing)" || diag_run
printf '%s\n' "$OUT" >"$TMP/records.txt"
is "$(grep -c ' ; missing$' "$TMP/records.txt")" 16 "mailu: 16 records, every one missing"
like "$OUT" '^records-rt\.test\. 600 IN TXT "v=spf1 mx a:mail\.records-rt\.test ~all" ; missing$' "mailu: Mailu's SPF"
like "$OUT" '^_dmarc\.records-rt\.test\. 600 IN TXT "v=DMARC1; p=reject; rua=mailto:dmarc@records-rua\.test; adkim=s; aspf=s" ; missing$' \
	"mailu: Mailu's DMARC"
like "$OUT" '^dkim\._domainkey\.records-rt\.test\. 600 IN TXT "v=DKIM1; k=rsa; p=' "mailu: selector dkim"
like "$OUT" '^records-rt\.test\._report\._dmarc\.records-rua\.test\. 600 IN TXT "v=DMARC1;" ; missing$' "mailu: DMARC report record"
like "$OUT" '^_imaps\._tcp\.records-rt\.test\. 600 IN SRV 10 1 993 mail\.records-rt\.test\. ; missing$' "mailu: IMAPS SRV"
like "$OUT" '^_imap\._tcp\.records-rt\.test\. 600 IN SRV 0 0 0 \. ; missing$' "mailu: IMAP closed (port 143 not in PORTS)"
like "$OUT" '^_submissions\._tcp\.records-rt\.test\. 600 IN SRV 10 1 465 mail\.records-rt\.test\. ; missing$' "mailu: submissions SRV"
like "$OUT" '^autoconfig\.records-rt\.test\. 600 IN CNAME mail\.records-rt\.test\. ; missing$' "mailu: autoconfig"

for s in new1 new2; do
	for z in records-rt.test records-rua.test; do
		at_exit "cp '$FIXTURES/zones/$z.zone' '$WORLD/$s/zones/$z.zone'"
		{
			cat "$FIXTURES/zones/$z.zone"
			# the lines as printed, comments and all: zone-file syntax
			if [ $z = records-rua.test ]; then
				grep '^[^;]*\.records-rua\.test\. ' "$TMP/records.txt"
			else
				grep -v '^[^;]*\.records-rua\.test\. ' "$TMP/records.txt"
			fi
		} >"$WORLD/$s/zones/$z.zone"
	done
	at_exit "reload $s"
	reload "$s"
	ok $? "$s loads the records"
done
records --profile mailu --ip 198.18.3.40 --ip 2001:2::3:40 --dkim-key "$TMP/rsa.pem" \
	--rua dmarc@records-rua.test records-rt.test
is "$RC" 0 "mailu, after loading into NSD: exit 0" || diag_run
is "$(grep -c ' ; present$' "$TMP/cutover.out")" 16 "every record present"
records -f json --profile mailu --ip 198.18.3.40 --ip 2001:2::3:40 --dkim-key "$TMP/rsa.pem" \
	--rua dmarc@records-rua.test records-rt.test
is "$(json_field '[.records[].status] | unique | join(",")') $(json_field .status)" "present present" "json: all present"
# the generic profile against the Mailu setup: SPF and DMARC differ
records --ip 198.18.3.40 --ip 2001:2::3:40 --dkim-key "$TMP/rsa.pem" --dkim-selector dkim \
	--rua dmarc@records-rua.test records-rt.test
is "$RC" 1 "generic against the Mailu records: exit 1 (different)" || diag_run
like "$OUT" '^records-rt\.test\. 3600 IN TXT "v=spf1 mx ip4:198\.18\.3\.40 ip6:2001:2::3:40 -all" ; different \(live: "v=spf1 mx a:mail\.records-rt\.test ~all"\)$' \
	"generic SPF differs from Mailu's, with the live value"
like "$OUT" '^dkim\._domainkey\.records-rt\.test\. 3600 IN TXT .* ; present$' "generic DKIM record: the same data, present"
like "$OUT" '^_dmarc\.records-rt\.test\. 3600 IN TXT "v=DMARC1; p=quarantine; rua=mailto:dmarc@records-rua\.test" ; different' \
	"generic DMARC differs from Mailu's"
like "$OUT" '^records-rt\.test\._report\._dmarc\.records-rua\.test\. 3600 IN TXT "v=DMARC1" ; present$' \
	"report record: \"v=DMARC1\" is Mailu's \"v=DMARC1;\" as data"

# -o replaces the file atomically, as check's does; a failed write is exit 3
records -f json -o "$TMP/records.json" records-partial.test
is "$OUT" "" "-o: nothing on standard output"
is "$(jq -r .domain "$TMP/records.json")" records-partial.test "-o: the report is in the file"
is "$(ls "$TMP" | grep -c 'records.json.tmp')" 0 "-o: no temporary file left"
records -o /dev/full records-partial.test
is "$RC" 3 "-o /dev/full: exit 3"
like "$ERR" "cannot write '/dev/full'" "-o /dev/full: said so"

done_testing
