#!/bin/sh
# Sign the DNSSEC fixture zones of the loopback world in DIR: run by
# tests/world/start.sh once every server's zones/ holds its copy of the
# fixture files, before NSD starts. Keys are made afresh at every start
# (ldns-keygen, ECDSA P-256: milliseconds each) into DIR/dnssec/; each copy
# named in the table below is replaced by the zone signed with ldns-signzone
# (inception and expiration given, relative to now, so no fixture depends on
# the day), then spoilt as its row says; the DS records (ldns-key2ds, SHA-256)
# are appended to tld's copy of test.zone. What each zone is for:
# tests/fixtures/README.md, "DNSSEC fixtures".
#
# usage: tests/world/dnssec.sh DIR
set -u

. "$(dirname "$0")/common.sh"

[ $# -eq 1 ] && DIR=$(cd "$1" && pwd -P) || {
	echo "usage: tests/world/dnssec.sh DIR (a world's directory)" >&2
	exit 2
}
K=$DIR/dnssec
DS_TTL=3600 # the DS records' TTL in test. (the NS records there have 300)

for tool in ldns-keygen ldns-signzone ldns-key2ds; do
	command -v "$tool" >/dev/null 2>&1 || {
		echo "dnssec: '$tool' not found (Debian package ldnsutils: make deps)" >&2
		exit 1
	}
done
rm -rf "$K" && mkdir -p "$K" && cd "$K" || exit 1 # ldns-keygen writes where it runs

# (Each process costs tens of milliseconds on a busy machine: what the shell
# can do itself, it does.)
now=$(date +%s)
# the time DAYS days from now (negative: ago), in seconds, as ldns-signzone takes it
day() {
	stamp=$((now + $1 * 86400))
}

# keys NAME ZONE csk|ksk+zsk: make the keys NAME signs with; K/NAME.keys lists
# their base names, K/NAME.ksk the one a DS is made of.
keys() {
	ksk=$(ldns-keygen -a ECDSAP256SHA256 -k "$2") || return 1
	echo "$ksk" >"$1.ksk" && echo "$ksk" >"$1.keys" || return 1
	if [ "$3" = ksk+zsk ]; then
		ldns-keygen -a ECDSAP256SHA256 "$2" >>"$1.keys" || return 1
	fi
}

# sign ZONE KEYS HOW SERVERS: sign the fixture of ZONE with the keys KEYS as HOW
# says, and put the result in place of the copy of each server of SERVERS
# (comma-separated)
#   valid     signatures from a day ago to 30 days ahead, NSEC
#   nsec3     the same with NSEC3 (no salt, no extra iterations: RFC 9276)
#   expiring  signatures that expire 3 days from now
#   expired   signatures from 30 days ago that expired 2 days ago
#   bogus     valid, then the apex A record changed: its signature does not verify
#   no-denial valid, then every NSEC record and its signature removed
sign() {
	zone=$1 name=$2 how=$3 servers=$4 opts=
	day -1 && inception=$stamp
	day 30 && expiration=$stamp
	case $how in
	nsec3) opts="-n -t 0" ;;
	expiring) day 3 && expiration=$stamp ;;
	expired) day -30 && inception=$stamp && day -2 && expiration=$stamp ;;
	esac
	key1= key2=
	{ read -r key1 && read -r key2; } <"$name.keys"
	out=$K/$zone-$name.signed
	# the file zones.conf gives the row's first server (old and new
	# providers may serve different files of one zone: move.test)
	file=$(zone_file "${servers%%,*}" "$zone") || return 1
	# shellcheck disable=SC2086 # the options and the second key are words, or none
	ldns-signzone $opts -i "$inception" -e "$expiration" -o "$zone." -f "$out" \
		"$DIR/${servers%%,*}/zones/$file" "$key1" $key2 || return 1
	case $how in
	bogus)
		awk -v apex="$zone." '$1 == apex && $4 == "A" { $5 = "198.51.100.99" } { print }' \
			"$out" >"$out.tmp" && mv "$out.tmp" "$out" || return 1
		;;
	no-denial)
		awk '$4 != "NSEC" && !($4 == "RRSIG" && $5 == "NSEC")' "$out" >"$out.tmp" &&
			mv "$out.tmp" "$out" || return 1
		;;
	esac
	oldifs=$IFS
	IFS=,
	# shellcheck disable=SC2086 # split at the commas
	set -- $servers
	IFS=$oldifs
	for s; do
		f=$(zone_file "$s" "$zone") && [ -f "$DIR/$s/zones/$f" ] || {
			echo "dnssec: server '$s' has no copy of $zone (tests/fixtures/zones.conf)" >&2
			return 1
		}
		cp "$out" "$DIR/$s/zones/$f" || return 1
	done
}
# zone_file SERVER ZONE: the file tests/fixtures/zones.conf gives SERVER for ZONE
zone_file() {
	awk -v s="$1" -v z="$2" '!/^#/ && $2 == z && ("," $1 ",") ~ ("," s ",") { print $3; found = 1; exit }
		END { exit !found }' "$FIXTURES/zones.conf"
}

# ds NAME...: the DS of each NAME's key-signing key, for tld's test.zone
ds() {
	: >ds.raw || return 1
	for name; do
		read -r ksk <"$name.ksk" && ldns-key2ds -n -2 "$ksk.key" >>ds.raw || return 1
	done
	awk -v ttl="$DS_TTL" '{ $2 = ttl; print }' ds.raw >ds
}

fail() {
	echo "dnssec: $1" >&2
	exit 1
}

# zone              key name    keys      signed as  on servers
while read -r zone name kind how servers; do
	case $zone in '' | '#'*) continue ;; esac
	[ -f "$K/$name.keys" ] || keys "$name" "$zone" "$kind" || fail "ldns-keygen failed for $zone"
	sign "$zone" "$name" "$how" "$servers" || fail "cannot sign $zone ($how) for $servers"
done <<'EOF'
# the same keys and signatures on both providers
dnssec-ok.test       ok          ksk+zsk   valid      old1,old2,new1,new2
# signed at the old provider; the new one serves the fixture unsigned
dnssec-unsigned.test unsigned    csk       valid      old1,old2
# signed at both providers, with other keys (the DS is the old keys')
dnssec-rekey.test    rekey-old   csk       valid      old1,old2
dnssec-rekey.test    rekey-new   ksk+zsk   valid      new1,new2
# the same, with a DS of each provider's keys at the parent
dnssec-both.test     both-old    csk       valid      old1,old2
dnssec-both.test     both-new    csk       valid      new1,new2
# unsigned at the old provider, signed at the new one, no DS
dnssec-tosigned.test tosigned    csk       valid      new1,new2
# the new provider's zones, each broken one way
dnssec-expiring.test expiring    csk       expiring   new1,new2
dnssec-expired.test  expired     csk       expired    new1,new2
dnssec-bogus.test    bogus       csk       bogus      new1,new2
dnssec-nodenial.test nodenial    csk       no-denial  new1,new2
dnssec-nsec3.test    nsec3       csk       nsec3      new1,new2
# the provider move rehearsed end to end (t0840): other files, other keys
move.test            move-old    csk       valid      old1,old2
move.test            move-new    ksk+zsk   valid      new1,new2
EOF

# DS at the parent: every signed zone's, but dnssec-tosigned's (none) and
# dnssec-rekey's and move.test's new keys'; dnssec-both has the keys of both
# providers
ds ok unsigned rekey-old both-old both-new expiring expired bogus nodenial nsec3 move-old ||
	fail "ldns-key2ds failed"
rm -f K*.ds # ldns-keygen's own, of no use here
parent=$DIR/tld/zones/test.zone
[ -f "$parent" ] || fail "no copy of test.zone in $DIR/tld/zones"
{
	echo
	echo "; DS records of the DNSSEC fixtures, added by tests/world/dnssec.sh"
	cat "$K/ds"
} >>"$parent" || fail "cannot add the DS records to $parent"
