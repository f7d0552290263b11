#!/bin/sh
# The loopback DNS world itself, checked with dig: every server serves what
# tests/fixtures/zones.conf says, every fixture zone looks the way
# tests/fixtures/README.md says, and the resolver recurses from the fake root.
# If this test fails, the failures of every other test mean nothing.

. "$(dirname "$0")/lib.sh"

# a name no zone has, for wildcard checks
RANDOM_LABEL=nothing-here-$$

# serial_of FILE: the serial in a fixture zone file (the line marked "; serial")
serial_of() {
	awk '/^[ \t]+[0-9]+[ \t]+; serial/ { print $1; exit }' "$FIXTURES/zones/$1"
}

# ns_set SECTION: the NS targets in that DIG_ variable, sorted, space-separated
ns_set() {
	printf '%s\n' "$1" | awk '$4 == "NS" { print $5 }' | sort | tr '\n' ' ' | sed 's/ $//'
}

# soa_field N: field N of the SOA rdata in DIG_ANSWER (1 mname, 3 serial, 4
# refresh, 5 retry, 6 expire, 7 minimum)
soa_field() {
	dig_rdata SOA | awk -v n="$1" '{ print $n }'
}

# --- every server serves every zone of the manifest, from the right file ----

while read -r servers zone file options; do
	case $servers in '' | '#'*) continue ;; esac
	want=$(serial_of "$file")
	for s in $(echo "$servers" | tr ',' ' '); do
		dig_at "$s" "$zone" SOA
		is "$DIG_STATUS/$DIG_FLAGS/$(soa_field 3)" "NOERROR/qr aa/$want" \
			"$s serves $zone from $file (authoritative, serial $want)"
		# option xfr: the server transfers the zone (AXFR) to loopback
		case ,$options, in *,xfr,*) ;; *) continue ;; esac
		out=$(dig @"$(addr "$s")" +tcp +time=2 +tries=1 "$zone" AXFR 2>&1)
		like "$out" ';; XFR size: [0-9]+ records' "$s transfers $zone (xfr)"
	done
done <"$FIXTURES/zones.conf"

# --- the root, test. and the resolver's hints --------------------------------

like "$(cat "$ROOT_HINTS")" '^\. +3600000 +NS +a\.root-servers\.test\.' "root hints name a.root-servers.test."
like "$(cat "$ROOT_HINTS")" '^a\.root-servers\.test\. +3600000 +A +127\.53\.0\.1$' "root hints give it 127.53.0.1"
is "$RESOLVER" 127.53.9.1 "RESOLVER is 127.53.9.1"
is "$(cat "$WORLD/env")" "WORLD=$WORLD
ROOT_HINTS=$WORLD/root.hints
RESOLVER=127.53.9.1
CA_FILE=$WORLD/pki/ca.pem" "WORLD/env has WORLD, ROOT_HINTS, RESOLVER, CA_FILE"

dig_at root . NS
is "$(dig_rdata NS)" a.root-servers.test. "root: . NS a.root-servers.test."
dig_at root www.good.test A
is "$DIG_STATUS/$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "NOERROR/qr/a.nic.test." "root refers test. to a.nic.test."
like "$DIG_ADDITIONAL" '^a\.nic\.test\. 300 IN A 127\.53\.0\.2$' "root gives glue for a.nic.test."

dig_at tld missing.test SOA
is "$DIG_STATUS/$DIG_FLAGS" "NXDOMAIN/qr aa" "tld: missing.test is not delegated (NXDOMAIN)"
dig_at tld www.missing.test A
is "$DIG_STATUS" NXDOMAIN "tld: www.missing.test NXDOMAIN"
dig_at tld a.root-servers.test A
is "$DIG_STATUS/$DIG_FLAGS/$(dig_rdata A)" "NOERROR/qr aa/127.53.0.1" "tld: a.root-servers.test A 127.53.0.1"

# --- delegations: the NS set test. refers to, and the one the zone publishes ----

# zone  parent NS set  |  child NS set (as new1 serves it; - when new1 does not)
while IFS='|' read -r zone parent child; do
	zone=$(echo $zone) parent=$(echo $parent) child=$(echo $child)
	dig_at tld "$zone" NS
	is "$DIG_STATUS/$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "NOERROR/qr/$parent" \
		"tld delegates $zone to $parent"
	for ns in $parent; do
		case $ns in *.test.) ;; *) continue ;; esac
		printf '%s\n' "$DIG_ADDITIONAL" | grep -q "^$ns 300 IN A 127\.53\."
		ok $? "tld gives glue for $ns in the referral for $zone"
	done
	[ "$child" = - ] && continue
	dig_at new1 "$zone" NS
	is "$DIG_STATUS/$DIG_FLAGS/$(ns_set "$DIG_ANSWER")" "NOERROR/qr aa/$child" \
		"$zone publishes NS $child"
done <<'EOF'
oldprov.test        | ns1.oldprov.test. ns2.oldprov.test.   | -
newprov.test        | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
hosts.test          | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
good.test           | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
lame.test           | lame.hosts.test. ns1.newprov.test.    | lame.hosts.test. ns1.newprov.test.
refused.test        | lame.hosts.test.                      | -
mismatch.test       | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns3.newprov.test.
dead.test           | dead.hosts.test. ns1.newprov.test.    | dead.hosts.test. ns1.newprov.test.
slow.test           | blackhole.hosts.test. ns1.newprov.test. | blackhole.hosts.test. ns1.newprov.test.
hostile.test        | garbage.hosts.test. ns1.newprov.test.   | garbage.hosts.test. ns1.newprov.test.
moved.test          | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
same.test           | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
gone.test           | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
stilldelegated.test | ns1.newprov.test. ns1.oldprov.test.   | ns1.newprov.test. ns1.oldprov.test.
serial.test         | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
negttl.test         | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
timers.test         | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
highttl.test        | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
ttldiff.test        | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
nowild.test         | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
wildwrong.test      | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
recwrong.test       | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
recdiff.test        | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
dkim.test           | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
dkimwild.test       | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
dkimprobe.test      | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
dkimnone.test       | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
dkimspf.test        | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
spf.test            | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
dmarc.test          | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
mx-good.test        | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
mx-none.test        | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
mx-null.test        | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
mx-nullmixed.test   | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
mx-cname.test       | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
mx-literal.test     | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
mx-exfail.test      | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
mx-dead.test        | dead.hosts.test.                      | -
rdns-noptr.test     | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
rdns-nofc.test      | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
mut-rdns-fail.test  | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
rdns-name.test      | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
records-partial.test | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
records-rua.test    | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
records-rt.test     | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
records-hostile.test | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
zoo-wrongid.test    | ns1.newprov.test. zoo-wrongid.hosts.test.    | ns1.newprov.test. zoo-wrongid.hosts.test.
zoo-wrongq.test     | ns1.newprov.test. zoo-wrongq.hosts.test.     | ns1.newprov.test. zoo-wrongq.hosts.test.
zoo-wrongsrc.test   | ns1.newprov.test. zoo-wrongsrc.hosts.test.   | ns1.newprov.test. zoo-wrongsrc.hosts.test.
zoo-wrongport.test  | ns1.newprov.test. zoo-wrongport.hosts.test.  | ns1.newprov.test. zoo-wrongport.hosts.test.
zoo-tcpclose.test   | ns1.newprov.test. zoo-tcpclose.hosts.test.   | ns1.newprov.test. zoo-tcpclose.hosts.test.
zoo-tcpreset.test   | ns1.newprov.test. zoo-tcpreset.hosts.test.   | ns1.newprov.test. zoo-tcpreset.hosts.test.
zoo-tcpshort.test   | ns1.newprov.test. zoo-tcpshort.hosts.test.   | ns1.newprov.test. zoo-tcpshort.hosts.test.
zoo-tcpgarbage.test | ns1.newprov.test. zoo-tcpgarbage.hosts.test. | ns1.newprov.test. zoo-tcpgarbage.hosts.test.
zoo-tcpstall.test   | ns1.newprov.test. zoo-tcpstall.hosts.test.   | ns1.newprov.test. zoo-tcpstall.hosts.test.
zoo-tcpzeros.test   | ns1.newprov.test. zoo-tcpzeros.hosts.test.   | ns1.newprov.test. zoo-tcpzeros.hosts.test.
zoo-tcpwrongid.test | ns1.newprov.test. zoo-tcpwrongid.hosts.test. | ns1.newprov.test. zoo-tcpwrongid.hosts.test.
zoo-ttlhigh.test    | zoo-ttlhigh.hosts.test.                      | zoo-ttlhigh.hosts.test.
zoo-big.test        | zoo-big.hosts.test.                          | zoo-big.hosts.test.
zoo-tcpparent.test  | ns2.newprov.test. zoo-tcpwrongid.hosts.test. zoo-tcpzeros.hosts.test. | -
zoo-manyns.test     | ns2.newprov.test.                            | -
mut-ttl-edge.test   | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
mut-soa-timers.test | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
mut-negttl-lowttl.test | ns1.newprov.test. ns2.newprov.test. | ns1.newprov.test. ns2.newprov.test.
mut-negttl-lowmin.test | ns1.newprov.test. ns2.newprov.test. | ns1.newprov.test. ns2.newprov.test.
mut-serial-wrap.test | ns1.newprov.test. ns2.newprov.test.  | ns1.newprov.test. ns2.newprov.test.
mut-prev-child.test | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns1.oldprov.test. ns2.newprov.test.
mut-wild-shadow.test | ns1.newprov.test. shadow.hosts.test. | ns1.newprov.test. shadow.hosts.test.
mut-lame-answers.test | ns1.newprov.test. shadow.hosts.test. | ns1.newprov.test. shadow.hosts.test.
mut-glue-lame.test  | ns.mut-glue-lame.test.                | -
svc.test            | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
sts-none.test       | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
sts-syntax.test     | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
sts-unreach.test    | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
sts-badpolicy.test  | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
sts-uncovered.test  | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
sts-modenone.test   | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
sts-wildcard.test   | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
prov-do.test        | ns1.digitalocean.com. ns2.digitalocean.com. | ns1.digitalocean.com. ns2.digitalocean.com.
prov-vanity.test    | ns1.prov-vanity.test. ns2.prov-vanity.test. | ns1.prov-vanity.test. ns2.prov-vanity.test.
dnssec-ok.test      | ns1.oldprov.test. ns2.oldprov.test.   | ns1.oldprov.test. ns2.oldprov.test.
dnssec-unsigned.test | ns1.oldprov.test. ns2.oldprov.test.  | ns1.oldprov.test. ns2.oldprov.test.
dnssec-rekey.test   | ns1.oldprov.test. ns2.oldprov.test.   | ns1.oldprov.test. ns2.oldprov.test.
dnssec-both.test    | ns1.oldprov.test. ns2.oldprov.test.   | ns1.oldprov.test. ns2.oldprov.test.
dnssec-tosigned.test | ns1.oldprov.test. ns2.oldprov.test.  | ns1.oldprov.test. ns2.oldprov.test.
dnssec-expiring.test | ns1.newprov.test. ns2.newprov.test.  | ns1.newprov.test. ns2.newprov.test.
dnssec-expired.test | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
dnssec-bogus.test   | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
dnssec-nodenial.test | ns1.newprov.test. ns2.newprov.test.  | ns1.newprov.test. ns2.newprov.test.
dnssec-nsec3.test   | ns1.newprov.test. ns2.newprov.test.   | ns1.newprov.test. ns2.newprov.test.
cmp.test            | ns1.oldprov.test. ns2.oldprov.test.   | ns1.newprov.test. ns2.newprov.test.
cmpdisc.test        | ns1.oldprov.test. ns2.oldprov.test.   | ns1.newprov.test. ns2.newprov.test.
EOF

for h in lame:127.53.3.1 dead:127.53.4.4 blackhole:127.53.4.5 garbage:127.53.4.6 \
	$(awk '!/^#/ && $3 ~ /^zoo:/ { print $1 ":" $2 }' tests/world/servers); do
	dig_at new1 "${h%%:*}.hosts.test" A
	is "$DIG_FLAGS/$(dig_rdata A)" "qr aa/${h#*:}" "${h%%:*}.hosts.test A ${h#*:}"
done
dig_at new2 ns3.newprov.test A
is "$(dig_rdata A)" 127.53.2.3 "ns3.newprov.test A 127.53.2.3"

# --- good.test: everything right ---------------------------------------------

for s in new1 new2; do
	dig_at "$s" good.test SOA
	is "$(dig_rdata SOA)" "ns1.newprov.test. hostmaster.newprov.test. 2026112501 14400 3600 1209600 300" \
		"$s: good.test SOA timers 14400 3600 1209600 300"
	is "$(dig_ttl SOA)" 300 "$s: good.test SOA TTL 300"
	for q in good.test:A:198.51.100.20 www.good.test:A:198.51.100.20 \
		"$RANDOM_LABEL.good.test:A:198.51.100.20" "good.test:MX:10 mail.good.test." \
		mail.good.test:A:198.18.3.25; do
		name=${q%%:*} rest=${q#*:}
		dig_at "$s" "$name" "${rest%%:*}"
		is "$DIG_FLAGS/$(dig_rdata "${rest%%:*}")/$(dig_ttl "${rest%%:*}")" "qr aa/${rest#*:}/300" \
			"$s: $name ${rest%%:*} ${rest#*:} TTL 300"
	done
done

# big.good.test TXT: more than 1232 bytes; truncated over UDP, whole over TCP
dig_at new1 big.good.test TXT +bufsize=1232 +ignore
like "$DIG_FLAGS" '(^| )tc( |$)' "new1: big.good.test TXT over UDP (bufsize 1232) is truncated (TC=1)"
dig_at new1 big.good.test TXT +notcp +noedns +ignore
like "$DIG_FLAGS" '(^| )tc( |$)' "new1: big.good.test TXT over UDP without EDNS is truncated (TC=1)"
dig_at new1 big.good.test TXT +tcp
is "$(dig_rdata TXT | wc -l)" 20 "new1: big.good.test TXT over TCP has 20 records"
size=$(printf '%s\n' "$DIG_OUT" | sed -n 's/^;; MSG SIZE  rcvd: //p')
[ "${size:-0}" -gt 1232 ]
ok $? "new1: big.good.test TXT answer is $size bytes (> 1232)"
longest=$(dig_rdata TXT | awk '{ n = length($0) - 2; if (n > m) m = n } END { print m }')
[ "$longest" -le 255 ] && [ "$longest" -ge 190 ]
ok $? "big.good.test TXT strings are about 200 bytes (longest $longest)"

# --- delegation failure modes ------------------------------------------------

dig_at lame lame.test SOA
is "$DIG_STATUS" REFUSED "lame: lame.test REFUSED"
dig_at lame refused.test SOA
is "$DIG_STATUS" REFUSED "lame: refused.test REFUSED"
for s in new1 new2 old1 old2 tld; do
	dig_at "$s" refused.test SOA
	like "$DIG_STATUS/$DIG_FLAGS" '^(REFUSED/.*|NOERROR/qr)$' "$s: no authoritative answer for refused.test"
done

dig_at dead dead.test SOA
is "$DIG_STATUS" connection-refused "dead (127.53.4.4): connection refused"
dig_at blackhole slow.test SOA
is "$DIG_STATUS" timeout "blackhole (127.53.4.5): UDP query times out"
dig_at blackhole slow.test SOA +tcp
is "$DIG_STATUS" timeout "blackhole (127.53.4.5): TCP connects, query times out"

# --- the zoo of misbehaving servers (tests/world/zoo.pl) -----------------------

# The decoys come first, then new1's answer: another ID; another question (name,
# then type); another source address; another port. Seen from an unconnected
# socket (tests/world/datagrams.pl), which takes datagrams from anywhere.
while IFS='|' read -r server want; do
	got=$(perl tests/world/datagrams.pl "$(addr "$server")" www.zoo-wrongid.test 1 | tr '\n' ';')
	is "$got" "$want" "$server: decoy, then the real answer"
done <<'EOF'
zoo-wrongid|127.53.5.1#53 other-id REFUSED www.zoo-wrongid.test/1;127.53.5.1#53 id NOERROR www.zoo-wrongid.test/1;
zoo-wrongq|127.53.5.2#53 id REFUSED decoy.www.zoo-wrongid.test/1;127.53.5.2#53 id REFUSED www.zoo-wrongid.test/16;127.53.5.2#53 id NOERROR www.zoo-wrongid.test/1;
zoo-wrongsrc|127.53.5.103#53 id REFUSED www.zoo-wrongid.test/1;127.53.5.3#53 id NOERROR www.zoo-wrongid.test/1;
EOF
got=$(perl tests/world/datagrams.pl 127.53.5.4 www.zoo-wrongid.test 1 | tr '\n' ';')
like "$got" '^127\.53\.5\.4#[0-9]+ id REFUSED www\.zoo-wrongid\.test/1;127\.53\.5\.4#53 id NOERROR www\.zoo-wrongid\.test/1;$' \
	"zoo-wrongport: a decoy from another port, then the real answer"
is "$(addr zoo-decoy)" 127.53.5.103 "zoo-decoy: the address wrong-source's decoys come from"
dig_at zoo-wrongid www.zoo-wrongid.test A
is "$DIG_FLAGS/$(dig_rdata A)" "qr aa/198.51.100.20" "zoo-wrongid: dig takes the real answer"

# TC=1 over UDP, then over TCP each its own way
for s in zoo-tcpclose zoo-tcpreset zoo-tcpshort zoo-tcpgarbage zoo-tcpstall zoo-tcpzeros zoo-tcpwrongid; do
	is "$(perl tests/world/datagrams.pl "$(addr "$s")" "$s.test" 6)" \
		"$(addr "$s")#53 id NOERROR $s.test/6 tc" "$s: every UDP answer is truncated, with no records"
done
while IFS='|' read -r server want; do
	dig_at "$server" "$server.test" SOA +tcp
	like "$DIG_OUT" "$want" "$server: over TCP, $want"
done <<'EOF'
zoo-tcpclose|communications error .*: end of file
zoo-tcpreset|communications error .*: connection reset
zoo-tcpshort|communications error .*: end of file
zoo-tcpgarbage|malformed message packet
zoo-tcpstall|communications error .*: timed out
zoo-tcpzeros|short \(< header size\) message
zoo-tcpwrongid|ID mismatch
EOF

dig_at zoo-ttlhigh www.zoo-ttlhigh.test A
is "$DIG_FLAGS/$(dig_rdata A)/$(dig_ttl A)" "qr aa/198.51.100.20/2147483948" \
	"zoo-ttlhigh: www.zoo-ttlhigh.test A, TTL 2^31 + 300"
dig_at zoo-ttlhigh zoo-ttlhigh.test SOA
is "$(dig_ttl SOA)/$(soa_field 7)" "2147483948/86400" "zoo-ttlhigh: SOA TTL 2^31 + 300, MINIMUM 86400"
dig_at zoo-big zoo-big.test TXT +ignore
like "$DIG_FLAGS" '(^| )tc( |$)' "zoo-big: TXT over UDP is truncated"
dig_at zoo-big zoo-big.test TXT +tcp
is "$(printf '%s\n' "$DIG_OUT" | sed -n 's/^;; MSG SIZE  rcvd: //p')/$(dig_ttl TXT)" 65535/7200 \
	"zoo-big: TXT over TCP is 65,535 bytes, TTL 7200"
dig_at zoo-big www.zoo-big.test A
is "$DIG_FLAGS/$(dig_rdata A)" "qr aa/198.51.100.20" "zoo-big: anything else as new1 answers it"

# many.zoo-manyns.test: a referral to 1,600 name servers with glue, about 64 KB
dig_at new2 many.zoo-manyns.test NS +tcp
ns=$(printf '%s\n' "$DIG_AUTHORITY" | grep -c ' IN NS ns[0-9]*\.many\.zoo-manyns\.test\.$')
glue=$(printf '%s\n' "$DIG_ADDITIONAL" | grep -c ' IN A 127\.53\.2\.1$')
is "$DIG_STATUS/$DIG_FLAGS/$ns/$glue" "NOERROR/qr/1600/1600" \
	"new2 refers many.zoo-manyns.test to 1,600 name servers, each with glue"
size=$(printf '%s\n' "$DIG_OUT" | sed -n 's/^;; MSG SIZE  rcvd: //p')
[ "${size:-0}" -gt 60000 ] && [ "${size:-0}" -le 65535 ]
ok $? "the referral is $size bytes: near the 64 KB a TCP message holds"
dig_at new1 many.zoo-manyns.test NS +tcp
is "$DIG_FLAGS/$(dig_rdata NS | wc -l)" "qr aa/1600" "new1: many.zoo-manyns.test publishes the same 1,600"
dig_at new2 child.zoo-tcpparent.test NS
is "$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "qr/ns1.newprov.test." \
	"new2: zoo-tcpparent.test refers child.zoo-tcpparent.test to ns1.newprov.test"

# --- previous servers --------------------------------------------------------

for s in new1 new2; do
	dig_at "$s" moved.test SOA
	is "$(soa_field 3)" 2026112502 "$s: moved.test serial 2026112502"
	dig_at "$s" www.moved.test A
	is "$(dig_rdata A)" 198.51.100.20 "$s: www.moved.test A 198.51.100.20"
done
for s in old1 old2; do
	dig_at "$s" moved.test SOA
	is "$DIG_FLAGS/$(soa_field 3)" "qr aa/2026010101" "$s: still serves moved.test, serial 2026010101"
	dig_at "$s" www.moved.test A
	is "$(dig_rdata A)" 192.0.2.10 "$s: www.moved.test A 192.0.2.10 (old)"
	dig_at "$s" moved.test A
	is "$(dig_rdata A)" 192.0.2.10 "$s: moved.test A 192.0.2.10 (old)"
done

for q in "same.test SOA" "same.test NS" "same.test A" "same.test MX" "www.same.test A" \
	"mail.same.test A" "$RANDOM_LABEL.same.test A"; do
	dig_at new1 $q
	want=$DIG_ANSWER
	for s in new2 old1 old2; do
		dig_at "$s" $q
		is "$DIG_FLAGS/$DIG_ANSWER" "qr aa/$want" "$s: $q as new1 serves it"
	done
done

for s in old1 old2; do
	dig_at "$s" gone.test SOA
	is "$DIG_STATUS" REFUSED "$s: gone.test REFUSED"
done

for q in "stilldelegated.test SOA" "stilldelegated.test NS" "www.stilldelegated.test A"; do
	dig_at new1 $q
	want=$DIG_ANSWER
	dig_at old1 $q
	is "$DIG_FLAGS/$DIG_ANSWER" "qr aa/$want" "old1: $q as new1 serves it"
done

# --- SOA ---------------------------------------------------------------------

dig_at new1 serial.test SOA
is "$(soa_field 3)" 2026112501 "new1: serial.test serial 2026112501"
dig_at new2 serial.test SOA
is "$(soa_field 3) $(soa_field 5)" "2026112401 600" "new2: serial.test serial 2026112401, retry 600"

for s in new1 new2; do
	dig_at "$s" negttl.test SOA
	is "$(dig_ttl SOA)/$(soa_field 7)" 86400/86400 "$s: negttl.test SOA TTL 86400, MINIMUM 86400"
	dig_at "$s" nothere.negttl.test TXT
	like "$DIG_AUTHORITY" '^negttl\.test\. 86400 IN SOA .* 86400$' "$s: negative answer in negttl.test carries SOA TTL 86400"
	dig_at "$s" timers.test SOA
	is "$(soa_field 4) $(soa_field 5) $(soa_field 6)" "300 600 3600" "$s: timers.test refresh 300 retry 600 expire 3600"
done

# fixtures for planted bugs: values at a limit, the serial wrap, SOA TTL != MINIMUM
for s in new1 new2; do
	dig_at "$s" mut-ttl-edge.test A
	is "$(dig_ttl A)" 900 "$s: mut-ttl-edge.test A TTL 900 (the limit)"
	dig_at "$s" www.mut-ttl-edge.test A
	is "$(dig_ttl A)" 901 "$s: www.mut-ttl-edge.test A TTL 901 (one over)"
	dig_at "$s" zero.mut-ttl-edge.test A
	is "$DIG_FLAGS/$(dig_ttl A)" "qr aa/0" "$s: zero.mut-ttl-edge.test A TTL 0"
	dig_at "$s" mut-ttl-edge.test SOA
	is "$(dig_ttl SOA)/$(soa_field 7)" 900/900 "$s: mut-ttl-edge.test SOA TTL 900, MINIMUM 900"
	dig_at "$s" mut-soa-timers.test SOA
	is "$(soa_field 4) $(soa_field 5) $(soa_field 6) $(soa_field 7)" "604800 604800 604800 86400" \
		"$s: mut-soa-timers.test refresh = retry = expire = 604800, minimum 86400"
	dig_at "$s" mut-negttl-lowttl.test SOA
	is "$(dig_ttl SOA)/$(soa_field 7)" 300/86400 "$s: mut-negttl-lowttl.test SOA TTL 300, MINIMUM 86400"
	dig_at "$s" mut-negttl-lowmin.test SOA
	is "$(dig_ttl SOA)/$(soa_field 7)" 3600/1800 "$s: mut-negttl-lowmin.test SOA TTL 3600, MINIMUM 1800"
done
dig_at new1 mut-serial-wrap.test SOA
is "$(soa_field 3)" 4294967290 "new1: mut-serial-wrap.test serial 4294967290"
dig_at new2 mut-serial-wrap.test SOA
is "$(soa_field 3)" 10 "new2: mut-serial-wrap.test serial 10"
dig_at old1 mut-prev-child.test NS
is "$DIG_FLAGS/$(ns_set "$DIG_ANSWER")" "qr aa/ns1.newprov.test. ns1.oldprov.test. ns2.newprov.test." \
	"old1: serves mut-prev-child.test, whose NS set lists it"
# shadow: the wildcard itself, but no synthesis from it
dig_at shadow mut-wild-shadow.test SOA
is "$DIG_STATUS/$DIG_FLAGS/$(soa_field 3)" "NOERROR/qr aa/2026112501" "shadow: mut-wild-shadow.test SOA, authoritative"
dig_at shadow '*.mut-wild-shadow.test' A
is "$DIG_FLAGS/$(dig_rdata A)" "qr aa/198.51.100.20" "shadow: *.mut-wild-shadow.test A 198.51.100.20"
dig_at shadow "$RANDOM_LABEL.mut-wild-shadow.test" A
is "$DIG_FLAGS/$(dig_rdata A)" "qr aa/192.0.2.66" "shadow: any other name A 192.0.2.66 (no synthesis)"
dig_at new1 "$RANDOM_LABEL.mut-wild-shadow.test" A
is "$(dig_rdata A)" 198.51.100.20 "new1: a random name under mut-wild-shadow.test gets the wildcard"
dig_at shadow good.test SOA
is "$DIG_STATUS" REFUSED "shadow: REFUSED for other zones"
# shadow: data for mut-lame-answers.test, without authority
dig_at shadow mut-lame-answers.test SOA
is "$DIG_STATUS/$DIG_FLAGS/$(soa_field 3)/$(dig_ttl SOA)" "NOERROR/qr/2026010101/86400" \
	"shadow: mut-lame-answers.test SOA serial 2026010101 TTL 86400, AA=0"
dig_at shadow "www.mut-lame-answers.test" A
is "$DIG_FLAGS/$(dig_rdata A)/$(dig_ttl A)" "qr/192.0.2.10/86400" "shadow: www.mut-lame-answers.test A 192.0.2.10, AA=0"

# --- TTLs --------------------------------------------------------------------

for s in new1 new2; do
	for n in highttl.test www.highttl.test; do
		dig_at "$s" "$n" A
		is "$(dig_ttl A)" 86400 "$s: $n A TTL 86400"
	done
	dig_at "$s" mail.highttl.test A
	is "$(dig_ttl A)" 300 "$s: mail.highttl.test A TTL 300"
done
dig_at new1 www.ttldiff.test A
is "$(dig_ttl A)/$(dig_rdata A)" 300/198.51.100.20 "new1: www.ttldiff.test A TTL 300"
dig_at new2 www.ttldiff.test A
is "$(dig_ttl A)/$(dig_rdata A)" 3600/198.51.100.20 "new2: www.ttldiff.test A TTL 3600"

# --- wildcards and records -----------------------------------------------------

for s in new1 new2; do
	dig_at "$s" "$RANDOM_LABEL.nowild.test" A
	is "$DIG_STATUS/$DIG_FLAGS" "NXDOMAIN/qr aa" "$s: nowild.test has no wildcard (NXDOMAIN)"
	dig_at "$s" www.nowild.test A
	is "$(dig_rdata A)" 198.51.100.20 "$s: www.nowild.test A 198.51.100.20"
	dig_at "$s" "$RANDOM_LABEL.wildwrong.test" A
	is "$(dig_rdata A)" 192.0.2.10 "$s: *.wildwrong.test A 192.0.2.10"
	dig_at "$s" www.recwrong.test A
	is "$(dig_rdata A)" 192.0.2.10 "$s: www.recwrong.test A 192.0.2.10"
	dig_at "$s" recdiff.test SOA
	is "$(soa_field 3)" 2026112501 "$s: recdiff.test serial 2026112501"
done
dig_at new1 www.recdiff.test A
is "$(dig_rdata A)" 198.51.100.20 "new1: www.recdiff.test A 198.51.100.20"
dig_at new2 www.recdiff.test A
is "$(dig_rdata A)" 192.0.2.10 "new2: www.recdiff.test A 192.0.2.10"

# --- dkim fixtures (the generated keys are added by t0420) ---------------------

for s in new1 new2; do
	dig_at "$s" revoked._domainkey.dkim.test TXT
	is "$DIG_FLAGS/$(dig_rdata TXT)" 'qr aa/"v=DKIM1; k=rsa; p="' "$s: revoked._domainkey.dkim.test has an empty p="
	dig_at "$s" broken._domainkey.dkim.test TXT
	is "$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "qr/dead.hosts.test." \
		"$s: broken._domainkey.dkim.test is delegated to dead.hosts.test"
	dig_at "$s" _domainkey.dkimnone.test TXT
	is "$(dig_rdata TXT)" '"o=~"' "$s: dkimnone.test has a TXT at _domainkey, no key under it"
	dig_at "$s" "$RANDOM_LABEL._domainkey.dkimwild.test" TXT
	is "$DIG_STATUS" NXDOMAIN "$s: dkimwild.test has no wildcard until t0420 adds one"
	dig_at "$s" "$RANDOM_LABEL._domainkey.dkimspf.test" TXT
	is "$(dig_rdata TXT)" '"v=spf1 -all"' "$s: dkimspf.test's wildcard SPF record answers under _domainkey"
done

# --- spf fixtures (mail) ------------------------------------------------------

for s in new1 new2; do
	dig_at "$s" tree11.spf.test TXT
	is "$(dig_rdata TXT)" '"v=spf1 include:t1.tree.spf.test include:t2.tree.spf.test a mx ip4:192.0.2.99 -all"' \
		"$s: tree11.spf.test has its SPF record"
	dig_at "$s" mx11.spf.test MX
	is "$(dig_rdata MX | wc -l)" 11 "$s: mx11.spf.test has 11 exchanges"
	dig_at "$s" mx10.spf.test MX
	is "$(dig_rdata MX | wc -l)" 10 "$s: mx10.spf.test has 10 exchanges"
	dig_at "$s" space.spf.test TXT
	is "$(dig_rdata TXT)" '" v=spf1 ip4:198.51.100.25 -all"' "$s: space.spf.test's record begins with a space"
	dig_at "$s" nx1.spf.test A
	is "$DIG_STATUS" NXDOMAIN "$s: nx1.spf.test does not exist (a void lookup)"
done
# --- dmarc: uk., co.uk. (a multi-label public suffix) and the DMARC names ----

dig_at root www.dmarc-corp.co.uk A
is "$DIG_STATUS/$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "NOERROR/qr/a.nic.test." "root refers uk. to a.nic.test."
dig_at tld co.uk NS
is "$DIG_STATUS/$DIG_FLAGS/$(ns_set "$DIG_ANSWER")" "NOERROR/qr aa/a.nic.test." "tld serves co.uk (delegated by uk.)"
for z in dmarc-corp.co.uk dmarc-orphan.co.uk mut-dmarc-broken.co.uk; do
	dig_at tld "$z" NS
	is "$DIG_STATUS/$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "NOERROR/qr/ns1.newprov.test. ns2.newprov.test." \
		"co.uk delegates $z to ns1+ns2.newprov.test"
done
dig_at tld _dmarc.co.uk TXT
is "$(dig_rdata TXT)" '"v=DMARC1; p=quarantine; psd=y"' "co.uk publishes a public suffix domain record (psd=y)"
dig_at tld _dmarc.uk TXT
is "$DIG_STATUS/$(dig_rdata TXT)" "NXDOMAIN/" "uk. has no DMARC record"
dig_at tld _dmarc.test TXT
is "$DIG_STATUS/$(dig_rdata TXT)" "NXDOMAIN/" "test. has no DMARC record"
for q in _dmarc.dmarc-corp.co.uk:sp=quarantine _dmarc.dept.dmarc-corp.co.uk:p=none \
	_dmarc.sub.dmarc-corp.co.uk:psd=n _dmarc.b.c.d.e.f.dmarc-corp.co.uk:psd=n; do
	dig_at new1 "${q%%:*}" TXT
	like "$(dig_rdata TXT)" "${q#*:}" "${q%%:*} has ${q#*:}"
done
dig_at new1 _dmarc.twice.dmarc-corp.co.uk TXT
is "$(dig_rdata TXT | wc -l)" 2 "twice.dmarc-corp.co.uk has two DMARC records"
dig_at new2 _dmarc.dmarc-orphan.co.uk TXT
is "$DIG_STATUS/$(dig_rdata TXT)" "NXDOMAIN/" "dmarc-orphan.co.uk has no DMARC record"
dig_at new1 _dmarc.mut-dmarc-broken.co.uk TXT
is "$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "qr/dead.hosts.test." "_dmarc.mut-dmarc-broken.co.uk is delegated to dead.hosts.test"
dig_at new2 _dmarc.c.d.e.f.mut-dmarc-broken.co.uk TXT
is "$(dig_rdata TXT)" '"v=DMARC1; p=reject; psd=n"' "_dmarc.c.d.e.f.mut-dmarc-broken.co.uk has psd=n"
for t in A AAAA MX; do
	dig_at new1 txtonly.dmarc-corp.co.uk $t
	is "$DIG_STATUS/$(dig_rdata $t)" "NOERROR/" "txtonly.dmarc-corp.co.uk has no $t (non-existent for DMARC)"
done
dig_at new1 _dmarc.dmarc.test TXT
is "$DIG_STATUS/$(dig_rdata TXT)" "NXDOMAIN/" "dmarc.test has no DMARC record of its own"
dig_at new2 _dmarc.multiple.dmarc.test TXT
is "$(dig_rdata TXT | wc -l)" 2 "multiple.dmarc.test has two DMARC records"
dig_at new1 extok.dmarc.test._report._dmarc.reports.dmarc.test TXT
is "$(dig_rdata TXT)" '"v=DMARC1"' "reports.dmarc.test authorises extok.dmarc.test's reports"
dig_at new1 extbad.dmarc.test._report._dmarc.reports.dmarc.test TXT
is "$DIG_STATUS" NXDOMAIN "reports.dmarc.test does not authorise extbad.dmarc.test's"
dig_at resolver _dmarc.co.uk TXT +rec
is "$DIG_STATUS/$(dig_rdata TXT)" 'NOERROR/"v=DMARC1; p=quarantine; psd=y"' "resolver: _dmarc.co.uk from the fake root"

# --- NSD is not rate-limited (rrl-ratelimit: 0) ---------------------------------

n=400
i=0
while [ $i -lt $n ]; do
	echo "www.good.test A"
	i=$((i + 1))
done >"$TMP/burst"
answered=$(dig @127.53.2.1 +norec +time=1 +tries=1 +noall +comments -f "$TMP/burst" 2>&1 |
	grep -c '^;; flags: qr aa;')
is "$answered" $n "new1 answers $n identical queries in a burst in full (no RRL)"

# --- the resolver -------------------------------------------------------------

for q in www.good.test:198.51.100.20 www.moved.test:198.51.100.20 lame.hosts.test:127.53.3.1 \
	"$RANDOM_LABEL.wildwrong.test:192.0.2.10"; do
	dig_at resolver "${q%%:*}" A +rec
	is "$DIG_STATUS/$(dig_rdata A)" "NOERROR/${q#*:}" "resolver: ${q%%:*} A ${q#*:}"
done
dig_at resolver www.missing.test A +rec
is "$DIG_STATUS" NXDOMAIN "resolver: www.missing.test NXDOMAIN (not delegated)"
dig_at resolver big.good.test TXT +rec
is "$DIG_STATUS/$(dig_rdata TXT | wc -l)" NOERROR/20 "resolver: big.good.test TXT, 20 records (over TCP upstream)"
# unbound answers the documentation reverse zones itself unless told not to
# (local-zone: ... nodefault): the NXDOMAIN must come from the fake root
dig_at resolver 10.2.0.192.in-addr.arpa PTR +rec
like "$DIG_STATUS $DIG_AUTHORITY" '^NXDOMAIN \. [0-9]+ IN SOA a\.root-servers\.test\.' \
	"resolver: 10.2.0.192.in-addr.arpa PTR goes to the fake root (nodefault)"

# --- mx and rdns fixtures (mail) ---------------------------------------------

while IFS='|' read -r q want; do
	set -- $q
	dig_at new1 "$1" "$2"
	is "$DIG_STATUS/$(dig_rdata "$2" | tr '\n' ' ')" "NOERROR/$want" "new1: $1 $2 $want"
done <<'EOF2'
mx-good.test MX|10 mail.mx-good.test. 20 backup.mx-good.test. 
mx-none.test MX|
mx-null.test MX|0 . 
mx-nullmixed.test MX|0 . 10 mail.mx-nullmixed.test. 
mail.mx-cname.test CNAME|host.mx-cname.test. 
mx-literal.test MX|10 198.18.1.25.mx-literal.test. 15 2001:2::1:25.mx-literal.test. 20 nowhere.mx-literal.test. 30 198.18.1.27. 
mx-exfail.test MX|10 mail.child.deadparent.test. 
records-partial.test MX|10 mail.records-partial.test. 20 mx.oldprov.test. 
records-rt.test MX|
EOF2

# the reverse zones of the mail fixtures: delegated by the root itself, and
# reached by the resolver (not answered by unbound as RFC 6303 zones)
for z in 18.198.in-addr.arpa 0.0.0.0.2.0.0.0.1.0.0.2.ip6.arpa; do
	dig_at root "$z" NS
	is "$DIG_STATUS/$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "NOERROR/qr/ns1.newprov.test. ns2.newprov.test." \
		"root delegates $z to ns1+ns2.newprov.test"
done
while read -r rev ptr; do
	dig_at resolver "$rev" PTR +rec
	is "$DIG_STATUS/$(dig_rdata PTR)" "NOERROR/$ptr" "resolver: $rev PTR $ptr"
done <<'EOF2'
25.1.18.198.in-addr.arpa mail.mx-good.test.
5.2.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.2.0.0.0.1.0.0.2.ip6.arpa mail.mx-good.test.
20.2.18.198.in-addr.arpa host.rdns-nofc.test.
40.2.18.198.in-addr.arpa host.child.deadparent.test.
EOF2
dig_at resolver 10.2.18.198.in-addr.arpa PTR +rec
like "$DIG_STATUS $DIG_AUTHORITY" '^NXDOMAIN 18\.198\.in-addr\.arpa\. [0-9]+ IN SOA ns1\.newprov\.test\.' \
	"resolver: no PTR for 198.18.2.10 (rdns-noptr.test), from the fixture zone"

# --- the zoo of misbehaving delegations (t0236) -------------------------------

dig_at tld zoo-selfns.test NS
is "$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")/$DIG_ADDITIONAL" "qr/zoo-selfns.test./" \
	"tld: zoo-selfns.test NS zoo-selfns.test. (itself), no glue"
dig_at tld zoo-nscname.test NS
is "$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "qr/ns.zoo-nscname.test. ns1.newprov.test." \
	"tld: zoo-nscname.test delegated to ns.zoo-nscname.test (and ns1.newprov.test)"
printf '%s\n' "$DIG_ADDITIONAL" | grep -q '^ns\.zoo-nscname\.test\.'
ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "tld: no glue for ns.zoo-nscname.test"
for q in ns.zoo-nscname.test www.zoo-cname.test; do
	dig_at new1 "$q" A
	is "$DIG_FLAGS/$(dig_rdata CNAME)" "qr aa/$q." "new1: $q is a CNAME to itself"
done
dig_at new1 a.zoo-cname.test A
is "$(dig_rdata CNAME | tr '\n' ' ')" "a.zoo-cname.test. b.zoo-cname.test. " "new1: a.zoo-cname.test -> b -> a"

dig_at sloppy oobglue.zoo-sloppy.test NS
is "$DIG_STATUS/$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")/$DIG_ADDITIONAL" \
	"NOERROR/qr/ns.evil.org./ns.evil.org. 300 IN A 127.77.0.5" \
	"sloppy: refers oobglue.zoo-sloppy.test to ns.evil.org with glue outside its zone"
dig_at resolver ns.evil.org A +rec
is "$(dig_rdata A)" 127.53.2.1 "resolver: ns.evil.org really is 127.53.2.1"
dig_at new1 oobglue.zoo-sloppy.test SOA
is "$DIG_STATUS/$DIG_FLAGS" "NOERROR/qr aa" "new1 serves oobglue.zoo-sloppy.test"
dig_at sloppy shared.zoo-sloppy.test NS
is "$DIG_FLAGS/$(ns_set "$DIG_ANSWER")/$DIG_ADDITIONAL" "qr aa/ns1.shared.zoo-sloppy.test./" \
	"sloppy: answers for shared.zoo-sloppy.test as its own server, without addresses"

dig_at old1 sub.zoo-refloop.test SOA
is "$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "qr/ns2.oldprov.test." "old1: refers sub.zoo-refloop.test to ns2"
dig_at old2 sub.zoo-refloop.test SOA
is "$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "qr/ns1.oldprov.test." "old2: refers sub.zoo-refloop.test back to ns1"

dig_at new1 zoo-upward.test NS
is "$(dig_rdata NS)" a.root-servers.test. "new1: zoo-upward.test names the root's server"
dig_at root www.zoo-upward.test NS
is "$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "qr/a.nic.test." "root: refers www.zoo-upward.test up to test."

dig_at new1 zoo-slowparent.test NS
is "$(dig_rdata NS | wc -l)" 61 "new1: zoo-slowparent.test names 61 servers"
dig_at new1 d61.zoo-droppers.test A
is "$(dig_rdata A)" 127.53.8.61 "new1: d61.zoo-droppers.test A 127.53.8.61"


# --- the DNSSEC fixtures (signed at start by tests/world/dnssec.sh) ----------

# key_tags SERVER ZONE: the key tags of the signatures over the DNSKEY set SERVER serves
key_tags() {
	dig_at "$1" "$2" DNSKEY +dnssec
	printf '%s\n' "$DIG_ANSWER" | awk '$4 == "RRSIG" && $5 == "DNSKEY" { print $11 }' | sort -u | tr '\n' ' '
}
# sig_expires SERVER ZONE: the expiration of the RRSIG over its SOA (YYYYMMDDHHMMSS)
sig_expires() {
	dig_at "$1" "$2" SOA +dnssec
	printf '%s\n' "$DIG_ANSWER" | awk '$4 == "RRSIG" { print $9; exit }'
}
# the DS records test. has for each zone: one a key tests/world/dnssec.sh names
for z in dnssec-ok:1 dnssec-unsigned:1 dnssec-rekey:1 dnssec-both:2 dnssec-tosigned:0 \
	dnssec-expiring:1 dnssec-expired:1 dnssec-bogus:1 dnssec-nodenial:1 dnssec-nsec3:1; do
	dig_at tld "${z%%:*}.test" DS
	is "$DIG_STATUS/$(dig_rdata DS | grep -c .)" "NOERROR/${z#*:}" "tld: ${z%%:*}.test has ${z#*:} DS record(s)"
done
dig_at tld dnssec-ok.test DS
like "$DIG_ANSWER" '^dnssec-ok\.test\. 3600 IN DS [0-9]+ 13 2 ' "the DS: TTL 3600, ECDSA P-256, SHA-256"
# who signs what
for sz in old1:dnssec-ok new1:dnssec-ok new2:dnssec-ok old1:dnssec-unsigned old2:dnssec-rekey \
	new1:dnssec-rekey old1:dnssec-both new2:dnssec-both new1:dnssec-tosigned new1:dnssec-nsec3; do
	dig_at "${sz%%:*}" "${sz#*:}.test" DNSKEY +dnssec
	like "$DIG_ANSWER" " RRSIG DNSKEY 13 " "${sz%%:*} serves ${sz#*:}.test signed"
done
for sz in new1:dnssec-unsigned new2:dnssec-unsigned old1:dnssec-tosigned; do
	dig_at "${sz%%:*}" "${sz#*:}.test" DNSKEY +dnssec
	is "$DIG_STATUS/$DIG_ANSWER" NOERROR/ "${sz%%:*} serves ${sz#*:}.test unsigned"
done
is "$(key_tags old1 dnssec-ok.test)" "$(key_tags new1 dnssec-ok.test)" "dnssec-ok.test: the same keys at both providers"
old_tags=$(key_tags old1 dnssec-rekey.test) new_tags=$(key_tags new1 dnssec-rekey.test)
ok "$([ -n "$old_tags" ] && [ "$old_tags" != "$new_tags" ] && echo 0 || echo 1)" \
	"dnssec-rekey.test: other keys at the new provider ($old_tags/ $new_tags)"
now=$(date -u +%Y%m%d%H%M%S)
in7=$(date -u -d '+7 days' +%Y%m%d%H%M%S)
exp=$(sig_expires new1 dnssec-ok.test)
ok "$([ "$exp" \> "$in7" ] && echo 0 || echo 1)" "dnssec-ok.test: signatures valid beyond a week ($exp)"
exp=$(sig_expires new1 dnssec-expiring.test)
ok "$([ "$exp" \> "$now" ] && [ "$exp" \< "$in7" ] && echo 0 || echo 1)" \
	"dnssec-expiring.test: signatures expire within the week ($exp)"
exp=$(sig_expires new2 dnssec-expired.test)
ok "$([ -n "$exp" ] && [ "$exp" \< "$now" ] && echo 0 || echo 1)" "dnssec-expired.test: signatures expired ($exp)"
dig_at new1 dnssec-bogus.test A +dnssec
is "$(dig_rdata A)" 198.51.100.99 "dnssec-bogus.test: the apex A changed after signing"
like "$DIG_ANSWER" " RRSIG A 13 2 " "dnssec-bogus.test: ... with the signature of the old value"
dig_at new1 nothing-here.dnssec-ok.test A +dnssec
like "$DIG_STATUS $DIG_AUTHORITY" "^NXDOMAIN .* NSEC " "dnssec-ok.test: NXDOMAIN proven with NSEC"
dig_at new1 nothing-here.dnssec-nodenial.test A +dnssec
is "$DIG_STATUS/$(printf '%s\n' "$DIG_AUTHORITY" | awk '$4 == "NSEC" || $4 == "NSEC3"' | grep -c .)" \
	NXDOMAIN/0 "dnssec-nodenial.test: NXDOMAIN without NSEC"
dig_at new2 nothing-here.dnssec-nsec3.test A +dnssec
like "$DIG_STATUS $DIG_AUTHORITY" "^NXDOMAIN .* NSEC3 1 0 0 - " \
	"dnssec-nsec3.test: NXDOMAIN proven with NSEC3 (no salt, no iterations)"

# --- the service servers (tests/world/services.sh): web, MTA-STS, SMTP --------

need curl curl
need openssl openssl
[ -r "$CA_FILE" ]
ok $? "the world's test CA is \$CA_FILE ($CA_FILE)"

# web NAME ADDRESS URL-PATH [CURL-OPTION...]: one request to https://NAME with
# NAME pinned to ADDRESS, verified against the test CA. Sets WEB_EXIT (curl's
# exit status), WEB_CODE (the HTTP status), WEB_TYPE (Content-Type), WEB_LOCATION,
# WEB_BODY and WEB_ERR (curl's error message).
web() {
	_n=$1 _a=$2 _p=$3
	shift 3
	WEB_CODE=$(curl -sS --max-time 5 --cacert "$CA_FILE" --resolve "$_n:443:$_a" \
		-o "$TMP/web.body" -D "$TMP/web.head" -w '%{http_code}' "$@" "https://$_n$_p" 2>"$TMP/web.err")
	WEB_EXIT=$?
	WEB_BODY=$(cat "$TMP/web.body" 2>/dev/null)
	WEB_ERR=$(cat "$TMP/web.err")
	WEB_TYPE=$(sed -n 's/^[Cc]ontent-[Tt]ype: *\([^;\r]*\).*/\1/p' "$TMP/web.head" 2>/dev/null)
	WEB_LOCATION=$(sed -n 's/^[Ll]ocation: *\([^\r]*\).*/\1/p' "$TMP/web.head" 2>/dev/null)
	rm -f "$TMP/web.body" "$TMP/web.head"
}

# web-new (127.53.20.1): the new site; every line NAME PATH STATUS BODY
while read -r name path code body; do
	web "$name" 127.53.20.1 "$path"
	is "$WEB_EXIT/$WEB_CODE/$WEB_BODY" "0/$code/$body" "web-new: https://$name$path $code '$body'"
done <<'EOF2'
www.svc.test / 200 new site: welcome to svc
svc.test / 200 new site: welcome to svc
www.svc.test /uploads/cat.txt 200 meow
www.svc.test /missing 404 not found
EOF2
web www.svc.test 127.53.20.1 /login
is "$WEB_CODE/$WEB_TYPE" 200/text/html "web-new: /login 200 text/html"
like "$WEB_BODY" 'Sign in' "web-new: /login says Sign in"
web www.svc.test 127.53.20.1 /moved
is "$WEB_CODE $WEB_LOCATION" "301 https://www.svc.test/" "web-new: /moved 301 to https://www.svc.test/"
web www.svc.test 127.53.20.1 /headers -H 'X-Test: hello 42'
is "$WEB_CODE/$WEB_BODY" "200/x-test=hello 42" "web-new: /headers echoes X-Test"
web www.svc.test 127.53.20.1 /slow/0
is "$WEB_CODE/$WEB_BODY" "200/slow" "web-new: /slow/0 200 'slow'"
web www.svc.test 127.53.20.1 /slow/5 --max-time 0.5
is "$WEB_EXIT" 28 "web-new: /slow/5 keeps a client waiting (curl times out)"
out=$(curl -sS --max-time 5 -o /dev/null -w '%{http_code} %{redirect_url}' http://127.53.20.1:8080/ 2>&1)
is "$out" "301 https://www.svc.test/" "web-new: http://127.53.20.1:8080/ 301 to https://www.svc.test/"

# the MTA-STS policies, by SNI on web-new, as tests/fixtures/mta-sts/ has them
for f in "$FIXTURES"/mta-sts/*.txt; do
	name=$(basename "$f" .txt)
	web "$name" 127.53.20.1 /.well-known/mta-sts.txt
	is "$WEB_CODE/$WEB_TYPE" 200/text/plain "web-new: https://$name/.well-known/mta-sts.txt 200 text/plain"
	curl -sS --max-time 5 --cacert "$CA_FILE" --resolve "$name:443:127.53.20.1" \
		"https://$name/.well-known/mta-sts.txt" 2>&1 | cmp -s - "$f"
	ok $? "web-new: $name serves $(basename "$f") byte for byte"
done
grep -q "$(printf '\r')$" "$FIXTURES/mta-sts/mta-sts.svc.test.txt"
ok $? "mta-sts.svc.test's policy has CRLF lines"
web mta-sts.sts-unreach.test 127.53.20.1 /.well-known/mta-sts.txt
is "$WEB_CODE" 404 "web-new: no policy for mta-sts.sts-unreach.test (404)"

# web-old (127.53.20.2): the old site, without the uploaded file
web www.svc.test 127.53.20.2 /
is "$WEB_EXIT/$WEB_CODE/$WEB_BODY" "0/200/old site: welcome to svc" "web-old: / 200 'old site: welcome to svc'"
web www.svc.test 127.53.20.2 /login
is "$WEB_CODE" 200 "web-old: /login 200"
like "$WEB_BODY" 'Sign in' "web-old: /login says Sign in"
web www.svc.test 127.53.20.2 /uploads/cat.txt
is "$WEB_CODE" 404 "web-old: /uploads/cat.txt 404"

# the certificates that fail: curl refuses them, and the server is there
web expired.svc.test 127.53.20.3 /
is "$WEB_EXIT" 60 "web-expired: curl rejects the certificate"
like "$WEB_ERR" 'expired' "web-expired: because it has expired"
web wrongname.svc.test 127.53.20.4 /
is "$WEB_EXIT" 60 "web-wrongname: curl rejects the certificate"
like "$WEB_ERR" 'subject name' "web-wrongname: because wrongname.svc.test is not its name"
for h in expired:127.53.20.3 wrongname:127.53.20.4; do
	web "${h%%:*}.svc.test" "${h#*:}" / --insecure
	is "$WEB_CODE/$WEB_BODY" "200/ok" "web-${h%%:*}: / 200 'ok' without verification"
done
web expiring.svc.test 127.53.20.5 /
is "$WEB_EXIT/$WEB_CODE/$WEB_BODY" "0/200/ok" "web-expiring: / 200 'ok', the certificate valid"
openssl s_client -connect 127.53.20.5:443 -servername expiring.svc.test </dev/null 2>/dev/null |
	openssl x509 -noout -checkend $((4 * 86400)) >/dev/null &&
	! openssl s_client -connect 127.53.20.5:443 -servername expiring.svc.test </dev/null 2>/dev/null |
		openssl x509 -noout -checkend $((6 * 86400)) >/dev/null
ok $? "web-expiring: its certificate expires in 4 to 6 days"
web down.svc.test 127.53.20.9 /
is "$WEB_EXIT" 7 "web-down (127.53.20.9): connection refused"

# smtp ADDRESS PORT [CURL-OPTION...]: a session with curl (EHLO, HELP, QUIT);
# sets SMTP_EXIT and SMTP_SAID (the server's lines, one a line).
smtp() {
	_a=$1 _p=$2
	shift 2
	_s=smtp
	[ "$_p" = 465 ] && _s=smtps
	SMTP_SAID=$(curl -sv --max-time 5 --cacert "$CA_FILE" "$@" "$_s://$_a:$_p/" 2>&1 >/dev/null)
	SMTP_EXIT=$?
	SMTP_SAID=$(printf '%s\n' "$SMTP_SAID" | sed -n 's/^< //p' | tr -d '\r')
}

for p in 25 587; do
	smtp 127.53.21.1 $p
	like "$SMTP_SAID" '^220 plain\.svc\.test ' "smtp-plain:$p greets as plain.svc.test"
	like "$SMTP_SAID" '^250 HELP' "smtp-plain:$p answers EHLO"
	printf '%s\n' "$SMTP_SAID" | grep -q STARTTLS
	ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "smtp-plain:$p offers no STARTTLS"
	smtp 127.53.21.1 $p --ssl-reqd
	is "$SMTP_EXIT" 64 "smtp-plain:$p: curl --ssl-reqd fails (no TLS to be had)"
	smtp 127.53.21.2 $p
	like "$SMTP_SAID" '^250-STARTTLS' "smtp-tls:$p offers STARTTLS"
	smtp mail.svc.test $p --ssl-reqd --resolve "mail.svc.test:$p:127.53.21.2"
	is "$SMTP_EXIT" 0 "smtp-tls:$p: STARTTLS with a certificate valid for mail.svc.test"
done
smtp mail.svc.test 465 --resolve mail.svc.test:465:127.53.21.2
is "$SMTP_EXIT" 0 "smtp-tls:465: implicit TLS with a certificate valid for mail.svc.test"
like "$SMTP_SAID" '^220 mail\.svc\.test ' "smtp-tls:465 greets as mail.svc.test"
smtp 127.53.21.3 25
like "$SMTP_SAID" '^250-STARTTLS' "smtp-badtls:25 offers STARTTLS"
smtp badtls.svc.test 25 --ssl-reqd --resolve badtls.svc.test:25:127.53.21.3
is "$SMTP_EXIT" 60 "smtp-badtls:25: the certificate is not for badtls.svc.test"
smtp 127.53.21.9 25
is "$SMTP_EXIT" 7 "smtp-down (127.53.21.9): connection refused"
smtp 127.53.21.4 25 --max-time 0.5
is "$SMTP_EXIT/$SMTP_SAID" 28/ "smtp-silent (127.53.21.4): no banner (curl times out)"
# one message through submission: accepted, discarded, noted
printf 'From: t0000@svc.test\r\nSubject: t0000\r\n\r\nhello\r\n' >"$TMP/msg"
smtp mail.svc.test 587 --ssl-reqd --resolve mail.svc.test:587:127.53.21.2 \
	--mail-from t0000@svc.test --mail-rcpt "t0000-$$@svc.test" -T "$TMP/msg"
is "$SMTP_EXIT" 0 "smtp-tls:587 accepts a message"
grep -q "^127\.53\.21\.2:587 t0000@svc\.test t0000-$$@svc\.test " "$WORLD/smtpd/messages"
ok $? "smtp-tls:587: the message is noted in \$WORLD/smtpd/messages"

# the service zones (on new1: the first lines of t0000 prove new2 serves the same files)
while read -r q want; do
	set -- $(echo "$q" | tr ':' ' ')
	dig_at new1 "$1" "$2"
	is "$DIG_FLAGS/$(dig_rdata "$2" | sort | tr "\n" " " | sed "s/ $//")" "qr aa/$want" "new1: $1 $2 $want"
done <<'EOF2'
svc.test:A 127.53.20.1
www.svc.test:A 127.53.20.1
mta-sts.svc.test:A 127.53.20.1
expired.svc.test:A 127.53.20.3
wrongname.svc.test:A 127.53.20.4
expiring.svc.test:A 127.53.20.5
down.svc.test:A 127.53.20.9
svc.test:MX 10 mail.svc.test.
mail.svc.test:A 127.53.21.2
plain.svc.test:A 127.53.21.1
badtls.svc.test:A 127.53.21.3
silent.svc.test:A 127.53.21.4
nosmtp.svc.test:A 127.53.21.9
_mta-sts.svc.test:TXT "v=STSv1; id=20261201T000000;"
_smtp._tls.svc.test:TXT "v=TLSRPTv1; rua=mailto:tlsrpt@svc.test"
sts-none.test:MX 10 mail.svc.test.
sts-syntax.test:MX 10 mail.svc.test.
_mta-sts.sts-syntax.test:TXT "v=STSv1;"
_smtp._tls.sts-syntax.test:TXT "v=TLSRPTv1;"
mta-sts.sts-unreach.test:A 127.53.20.9
_mta-sts.sts-unreach.test:TXT "v=STSv1; id=20261201T000000;"
mta-sts.sts-badpolicy.test:A 127.53.20.1
sts-uncovered.test:MX 10 mail.svc.test. 20 mx2.elsewhere.test.
mta-sts.sts-modenone.test:A 127.53.20.1
_smtp._tls.sts-wildcard.test:TXT "v=TLSRPTv1; rua=mailto:tlsrpt@sts-wildcard.test"
EOF2
for n in _mta-sts.sts-none.test _smtp._tls.sts-none.test; do
	dig_at new1 "$n" TXT
	is "$DIG_STATUS" NXDOMAIN "new1: $n does not exist"
done
dig_at resolver mta-sts.sts-wildcard.test A +rec
is "$DIG_STATUS/$(dig_rdata A)" NOERROR/127.53.20.1 "resolver: mta-sts.sts-wildcard.test A 127.53.20.1"

# --- provider detection fixtures (t0820): com., digitalocean.com ----------------
dig_at root ns1.digitalocean.com A
is "$DIG_STATUS/$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "NOERROR/qr/a.nic.test." "root refers com. to a.nic.test."
dig_at tld ns1.digitalocean.com A
is "$DIG_STATUS/$DIG_FLAGS/$(ns_set "$DIG_AUTHORITY")" "NOERROR/qr/ns1.newprov.test. ns2.newprov.test." \
	"com. delegates digitalocean.com to ns1+ns2.newprov.test"
for h in ns1:127.53.2.1 ns2:127.53.2.2; do
	dig_at resolver "${h%%:*}.digitalocean.com" A +rec
	is "$DIG_STATUS/$(dig_rdata A)" "NOERROR/${h#*:}" "resolver: ${h%%:*}.digitalocean.com A ${h#*:}, from the fake root"
done
dig_at new2 prov-do.test A
is "$(dig_ttl A)/$(dig_rdata A)" "30/198.51.100.20" "prov-do.test A with TTL 30 (DigitalOcean's lowest)"
dig_at new1 prov-vanity.test SOA
is "$(soa_field 1) $(soa_field 2)" "ns1.gandi.net. hostmaster.gandi.net." "prov-vanity.test: Gandi's SOA MNAME and RNAME"
dig_at new2 ns2.prov-vanity.test A
is "$(dig_rdata A)" 127.53.2.2 "prov-vanity.test: its vanity name server ns2 is new2"
# --- the compare fixtures: the old provider's copy and the new one's ----------

# SERVER | NAME | TYPE | the rdata (sorted, on one line) and TTL, or - for NXDOMAIN
while IFS='|' read -r s name type want; do
	s=$(echo $s) name=$(echo $name) type=$(echo $type) want=$(echo $want)
	dig_at "$s" "$name" "$type"
	got="$(dig_rdata "$type" | tr '\n' ' ' | sed 's/ $//') TTL $(dig_ttl "$type")"
	[ "$want" = - ] && got=-/$DIG_STATUS && want=-/NXDOMAIN
	is "$got" "$want" "$s: $name $type: $want"
done <<'EOF'
old1 | www.cmp.test         | A     | 192.0.2.10 TTL 300
new1 | www.cmp.test         | A     | 198.51.100.10 TTL 300
old2 | ftp.cmp.test         | A     | 192.0.2.21 TTL 300
new2 | ftp.cmp.test         | A     | -
old1 | api.cmp.test         | CNAME | www.cmp.test. TTL 300
new1 | api.cmp.test         | CNAME | www.cmp.test. TTL 3600
new2 | mail.cmp.test        | AAAA  | 2001:db8::25 TTL 300
old1 | cmp.test             | TXT   | "v=spf1 mx include:_spf.example.net -all" TTL 300
new1 | cmp.test             | TXT   | "v=spf1 mx " "include:_spf.example.net -all" TTL 300
new1 | _dmarc.cmp.test      | TXT   | "v=DMARC1; p=reject; rua=mailto:dmarc@cmp.test" TTL 300
new2 | _dmarc.cmp.test      | TXT   | "v=DMARC1; p=none; rua=mailto:dmarc@cmp.test" TTL 300
new1 | cdn-origin.cmpdisc.test | A  | 198.51.100.80 TTL 300
old2 | cdn-origin.cmpdisc.test | A  | 192.0.2.80 TTL 300
new2 | blog.cmpdisc.test    | A     | 198.51.100.90 TTL 300
old1 | blog.cmpdisc.test    | A     | -
old1 | obscure-host.cmpdisc.test | A | 192.0.2.40 TTL 300
new1 | obscure-host.cmpdisc.test | A | -
EOF
dig_at old1 cmp.test SOA
is "$(dig_rdata SOA)/$(dig_ttl SOA)" "ns1.oldprov.test. hostmaster.oldprov.test. 2026010101 14400 3600 1209600 300/300" \
	"old1: cmp.test SOA, negative-caching TTL 300"
dig_at new1 cmp.test SOA
is "$(dig_rdata SOA)/$(dig_ttl SOA)" "ns1.newprov.test. hostmaster.newprov.test. 2026112501 14400 3600 1209600 3600/3600" \
	"new1: cmp.test SOA, negative-caching TTL 3600"
# NSD answers every name in lower case; the sloppy server keeps the case of
# cmp.test-case.zone, and its TXT strings
dig_at sloppy Shop.cmp.test A
is "$DIG_FLAGS/$DIG_ANSWER" "qr aa/SHOP.CMP.TEST. 300 IN A 192.0.2.30" "sloppy: SHOP.CMP.TEST. A 192.0.2.30"
dig_at sloppy webmail.cmp.test CNAME
is "$(dig_rdata CNAME)" WEBMAIL.hosting.EXAMPLE. "sloppy: webmail.cmp.test CNAME in other case"
dig_at sloppy cmp.test TXT
is "$(dig_rdata TXT)" '"v=spf1" " mx include:" "_spf.example.net" " -all"' "sloppy: cmp.test TXT in four strings"
dig_at old1 webmail.cmp.test CNAME
is "$(dig_rdata CNAME)" webmail.hosting.example. "old1: webmail.cmp.test CNAME in lower case"

done_testing
