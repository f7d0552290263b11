#!/bin/sh
# Write the first seeds of the fuzz corpora, tests/fuzz/corpus/NAME/seed-*,
# from the repository's own rule sets and fixture zones, DNS messages made
# with Net::DNS (libnet-dns-perl, which make deps installs) and keys made
# with openssl. Run once, from the top of the tree; the fuzzers' finds are
# added to the corpora with `make fuzz-merge` (README.md, "Fuzzing").
set -eu
cd "$(dirname "$0")/../.."
C=tests/fuzz/corpus
mkdir -p $C/dns-answer $C/rules $C/set-vars $C/domains $C/spf $C/dmarc $C/dkim $C/spf-walk $C/plan $C/mtasts $C/dnssec $C/xfr

# rules: the shipped rule sets and every fixture, good and bad
for f in rules/*.yml tests/fixtures/rules/*.yml; do
	cp "$f" "$C/rules/seed-$(basename "$f" .yml)"
done

# plan: every plan fixture, good and bad
for f in tests/fixtures/plans/*.yml; do
	cp "$f" "$C/plan/seed-$(basename "$f" .yml)"
done

# TXT records of the fixture zones, unescaped (\DDD, \"), one file each
txt() { # PREFIX DIR
	perl -e '
		my ($prefix, $dir) = @ARGV; my $n = 0; my %seen;
		for my $f (glob "tests/fixtures/zones/*.zone") {
			open my $in, "<", $f or die; local $/; my $z = <$in>;
			while ($z =~ /"((?:\\.|[^"\\])*)"/g) {
				my $s = $1; next unless $s =~ /^\Q$prefix\E/i; next if $seen{$s}++;
				$s =~ s/\\(\d{3})/chr($1)/ge; $s =~ s/\\(.)/$1/g;
				open my $out, ">", sprintf("%s/seed-%02d", $dir, $n++) or die;
				print $out $s;
			}
		}' "$1" "$2"
}
txt "v=spf1" $C/spf
txt "v=DMARC1" $C/dmarc
txt "v=DKIM1" $C/dkim
printf 'v=spf1 a:%%{d}.x exists:%%{ir}.%%{l1r-}.%%{d2}._spf.%%{o} include:%%{h} ip6:::1/0 mx/24//64 ~all exp=e.%%{d}' >$C/spf/seed-macros
printf 'v=DMARC1; p=quarantine; sp=none; np=reject; psd=n; t=y; pct=50; rua=mailto:a@x.example!10m,mailto:b@y.example; ruf=mailto:f@fuzz.test; fo=1:d:s; adkim=s; aspf=r; rf=afrf; ri=3600' >$C/dmarc/seed-all-tags

# mtasts: RFC 8461's example policy (CRLF), policies with LF, mode none and a
# NUL; MTA-STS and TLS-RPT records (RFC 8461 3.1, RFC 8460 3); an mx pattern
# and a host name around a NUL
printf 'version: STSv1\r\nmode: enforce\r\nmx: mail.example.com\r\nmx: *.example.net\r\nmx: backupmx.example.com\r\nmax_age: 604800\r\n' \
	>$C/mtasts/seed-policy-rfc
printf 'version: STSv1\nmode: testing\nmax_age: 86400\nmx: mail.fuzz.test\nmode: enforce\nnote: \303\251t\303\251\n' >$C/mtasts/seed-policy-lf
printf 'version: STSv1\nmode: none\nmax_age: 31557601\n' >$C/mtasts/seed-policy-none
printf 'version: STSv1\nmode: enf\000rce\nMode: testing\nmx : x\n\nmax_age: 1d\n' >$C/mtasts/seed-policy-bad
printf 'v=STSv1; id=20160831085700Z;' >$C/mtasts/seed-record-rfc
printf 'v=STSv1 ;id=a; id=b; ext.1=x ; ' >$C/mtasts/seed-record-odd
printf 'v=TLSRPTv1; rua=mailto:reports@example.com,https://reporting.example.com/v1/tlsrpt' >$C/mtasts/seed-tlsrpt-rfc
printf 'v=TLSRPTv1;rua=ftp://x, mailto:a@b?subject=x ; RUA=mailto:c@d;' >$C/mtasts/seed-tlsrpt-odd
printf '*.example.com\000Mail.Example.COM.' >$C/mtasts/seed-match

# dkim: key files as `--dkim-key` and `private_key:` read them
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
openssl genpkey -algorithm ed25519 -out "$tmp/ed.pem" 2>/dev/null
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:1024 -out "$tmp/rsa.pem" 2>/dev/null
cp "$tmp/ed.pem" $C/dkim/seed-ed25519-private.pem
cp "$tmp/rsa.pem" $C/dkim/seed-rsa-private.pem
openssl pkey -in "$tmp/rsa.pem" -pubout >$C/dkim/seed-rsa-public.pem 2>/dev/null
openssl rsa -in "$tmp/rsa.pem" -RSAPublicKey_out >$C/dkim/seed-rsa-pkcs1.pem 2>/dev/null
p=$(openssl pkey -in "$tmp/rsa.pem" -pubout -outform DER 2>/dev/null | base64 -w 0)
printf 'sel._domainkey\tIN\tTXT\t( "v=DKIM1; h=sha256; k=rsa; "\n\t  "p=%s" )  ; ----- DKIM key sel for fuzz.test\n' \
	"$p" >$C/dkim/seed-rsa-zone.txt
printf 'v=DKIM1; k=rsa; t=y:s; s=email; h=sha256:sha1; n=note; p=%s' "$p" >$C/dkim/seed-rsa-record

# domains
printf '# domains\nfuzz.test example.org\twww.example.net # comment\r\n\n  a.b.c.\n' >$C/domains/seed-lines
printf 'x.test\n' >$C/domains/seed-one

# set-vars: assignments, a NUL, a template
printf 'new_ip=192.0.2.20\nmail_host=mail\nhost={domain}\n\000{new_ip} www.{domain} {mail_host}.{host} {undefined} { x} {}' \
	>$C/set-vars/seed-template
printf 'new_ip=192.0.2.20\000checks:\n  - check: wildcard\n    expect: {A: "{new_ip}"}\n    when: new_ip\n' \
	>$C/set-vars/seed-rules

# spf-walk: records answered to the walk, NAME TYPE DATA a line
printf '@ TXT v=spf1 include:_a mx a:mail redirect=_r\n_a TXT v=spf1 ip4:192.0.2.0/24 include:_b -all\n_b TXT v=spf1 exists:%%{i}._x ptr ~all\n_r TXT v=spf1 -all\n@ MX 10 mail.fuzz.test.\nmail A 192.0.2.25\nmail AAAA 2001:db8::25\n' \
	>$C/spf-walk/seed-tree
printf '@ TXT v=spf1 include:loop -all\nloop TXT v=spf1 include:@ include:fuzz.test. -all\n' >$C/spf-walk/seed-loop
printf '@ TXT v=spf1 a:n1 a:n2 a:n3 mx:n4 include:sf include:to -all\nsf SERVFAIL\nto TIMEOUT\n@ TXT v=spf1 +all\nn1 CNAME n2\nn2 CNAME n1\n' \
	>$C/spf-walk/seed-errors
printf '@ TXT v=spf1 mx -all\n@ MX 1 m1\n@ MX 2 m2\n@ MX 3 m3\n@ MX 4 m4\n@ MX 5 m5\n@ MX 6 m6\n@ MX 7 m7\n@ MX 8 m8\n@ MX 9 m9\n@ MX 10 m10\n@ MX 11 m11\n' \
	>$C/spf-walk/seed-mx

# xfr: a flags byte (0: the default limits), the query's ID, then the
# stream an AXFR query for fuzz.test gets back: length-prefixed messages
perl -MNet::DNS -e '
	my $dir = shift;
	my $soa = "fuzz.test. 300 SOA ns1.fuzz.test. h.fuzz.test. 7 3600 600 86400 300";
	sub msg {
		my ($rcode, @rrs) = @_;
		my $p = Net::DNS::Packet->new("fuzz.test", "AXFR");
		$p->header->id(0x4242); $p->header->qr(1); $p->header->aa(1); $p->header->rcode($rcode);
		$p->push(answer => Net::DNS::RR->new($_)) for @rrs;
		my $w = $p->data;
		return pack("n", length $w) . $w;
	}
	my %streams = (
		"whole" => msg("NOERROR", $soa, "fuzz.test. 300 NS ns1.fuzz.test.", "fuzz.test. 300 MX 10 mail.fuzz.test.",
			"www.fuzz.test. 300 A 192.0.2.10", "fuzz.test. 300 TXT \"v=spf1 \" \"mx -all\"",
			"_imaps._tcp.fuzz.test. 300 SRV 0 1 993 mail.fuzz.test.", "sub.fuzz.test. 300 NS ns.sub.fuzz.test.",
			"ns.sub.fuzz.test. 300 A 192.0.2.53", "fuzz.test. 300 CAA 0 issue \"ca.example\"",
			"fuzz.test. 300 HTTPS 1 . alpn=h2", $soa),
		"split" => msg("NOERROR", $soa, "mail.fuzz.test. 300 A 192.0.2.25")
			. msg("NOERROR", "other.example. 300 A 192.0.2.99", "www.fuzz.test. 2147483948 CNAME mail.fuzz.test.")
			. msg("NOERROR", $soa),
		"refused" => msg("REFUSED"),
		"notauth" => msg("NOTAUTH"),
		"no-soa" => msg("NOERROR", "www.fuzz.test. 300 A 192.0.2.10", $soa),
		"serial" => msg("NOERROR", $soa, "fuzz.test. 300 SOA ns1.fuzz.test. h.fuzz.test. 8 3600 600 86400 300"),
		"after-end" => msg("NOERROR", $soa, $soa, "www.fuzz.test. 300 A 192.0.2.10"),
	);
	for my $name (keys %streams) {
		open my $out, ">", "$dir/seed-$name" or die; binmode $out;
		print $out chr(0), pack("n", 0x4242), $streams{$name};
	}
	open my $out, ">", "$dir/seed-limits" or die; binmode $out;
	print $out chr(3), pack("n", 0x4242), $streams{whole};
' $C/xfr

# dns-answer: a byte of flags (0: the message from every source), a byte
# picking the check (14: all of them; 0..13 one rule of the harness), then
# an answer of fuzz.test's as the checks ask for it
perl -MNet::DNS -e '
	my $dir = shift;
	my @answers = (
		["fuzz.test", "A", ["fuzz.test. 300 A 192.0.2.10"]],
		["fuzz.test", "AAAA", [], ["fuzz.test. 300 SOA ns1.fuzz.test. h.fuzz.test. 1 2 3 4 5"]],
		["fuzz.test", "NS", ["fuzz.test. 300 NS ns1.fuzz.test.", "fuzz.test. 300 NS ns2.fuzz.test."],
		 [], ["ns1.fuzz.test. 300 A 192.0.2.1", "ns2.fuzz.test. 300 AAAA 2001:db8::2"]],
		["fuzz.test", "SOA", ["fuzz.test. 86400 SOA ns1.fuzz.test. h.fuzz.test. 2147483648 3600 7200 60 4294967295"]],
		["fuzz.test", "MX", ["fuzz.test. 300 MX 10 mail.fuzz.test.", "fuzz.test. 300 MX 0 ."]],
		["fuzz.test", "TXT", ["fuzz.test. 300 TXT \"v=spf1 a mx include:_spf.fuzz.test ~all\"",
				       "fuzz.test. 300 TXT \"v=spf1 \" \"+all\""]],
		["www.fuzz.test", "A", ["www.fuzz.test. 300 CNAME www.fuzz.test.", "www.fuzz.test. 300 A 192.0.2.10"]],
		["x.fuzz.test", "A", ["x.fuzz.test. 2147483708 A 192.0.2.20"]],
		["_dmarc.fuzz.test", "TXT", ["_dmarc.fuzz.test. 300 TXT \"v=DMARC1; p=none; rua=mailto:x\@elsewhere.example\""]],
		["sel._domainkey.fuzz.test", "TXT", ["sel._domainkey.fuzz.test. 300 TXT \"v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQC\""]],
		["25.2.0.192.in-addr.arpa", "PTR", ["25.2.0.192.in-addr.arpa. 300 PTR mail.fuzz.test.", "25.2.0.192.in-addr.arpa. 300 PTR other.example."]],
		["mail.fuzz.test", "A", ["mail.fuzz.test. 300 A 192.0.2.25", "mail.fuzz.test. 300 A 192.0.2.26"]],
		["nx.fuzz.test", "A", [], ["fuzz.test. 300 SOA ns1.fuzz.test. h.fuzz.test. 1 2 3 4 5"], [], "NXDOMAIN"],
		["fuzz.test", "A", [], ["fuzz.test. 300 NS ns.elsewhere.example."], ["ns.elsewhere.example. 300 A 192.0.2.77"], "NOERROR", 1],
		["fuzz.test", "TXT", [], [], [], "SERVFAIL"],
	);
	my $n = 0;
	for my $a (@answers) {
		my ($qname, $qtype, $an, $ns, $ad, $rcode, $noaa) = @$a;
		my $p = Net::DNS::Packet->new($qname, $qtype);
		$p->header->qr(1); $p->header->aa($noaa ? 0 : 1); $p->header->rcode($rcode // "NOERROR");
		$p->push(answer => Net::DNS::RR->new($_)) for @$an;
		$p->push(authority => Net::DNS::RR->new($_)) for @{$ns // []};
		$p->push(additional => Net::DNS::RR->new($_)) for @{$ad // []};
		my $wire = $p->data;
		for my $pick (0 .. 14) {
			open my $out, ">", sprintf("%s/seed-%02d-%02d", $dir, $n, $pick) or die;
			binmode $out; print $out chr(0), chr($pick), $wire;
		}
		$n++;
	}
	# truncated, and cut short mid-record
	my $p = Net::DNS::Packet->new("fuzz.test", "TXT"); $p->header->qr(1); $p->header->tc(1);
	open my $out, ">", "$dir/seed-tc" or die; binmode $out; print $out chr(0), chr(14), $p->data;
	$p = Net::DNS::Packet->new("fuzz.test", "MX"); $p->header->qr(1); $p->header->aa(1);
	$p->push(answer => Net::DNS::RR->new("fuzz.test. 300 MX 10 mail.fuzz.test."));
	my $w = $p->data;
	open $out, ">", "$dir/seed-cut" or die; binmode $out; print $out chr(0), chr(14), substr($w, 0, length($w) - 3);
' $C/dns-answer

# dnssec: a flags byte (tests/fuzz/dnssec.c: which sources, splice or
# replace, which questions), a byte picking the rule (4: all of them), then
# a DNSSEC answer of fuzz.test's, right in form and wrong in substance
perl -MNet::DNS -e '
	my $dir = shift;
	my $key = "JXDoW8d+SrSfLReYqturOugJY1Pwd2rfaLKJkBobq/c=";
	my $sig = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1Njc4OTo7PD0+Pw==";
	my $soa = "fuzz.test. 300 SOA ns1.fuzz.test. hostmaster.fuzz.test. 2026010101 14400 3600 1209600 300";
	my $nx = "cutover-nx-7q3kz9x1.fuzz.test";
	# [question name, type, which (flags bits 3-5), rcode, answer, authority]
	my @answers = (
		["fuzz.test", "DNSKEY", 1, "NOERROR", [
			"fuzz.test. 300 DNSKEY 257 3 15 $key",
			"fuzz.test. 300 DNSKEY 256 3 13 $sig",
			"fuzz.test. 300 DNSKEY 385 3 15 $key",
			"fuzz.test. 300 DNSKEY 257 2 8 AwEAAQ==",
			"fuzz.test. 300 RRSIG DNSKEY 15 2 300 20380101000000 20200101000000 36853 fuzz.test. $sig",
			"fuzz.test. 300 RRSIG DNSKEY 13 3 300 20380101000000 20200101000000 1 other.test. $sig"]],
		["fuzz.test", "SOA", 2, "NOERROR", [$soa,
			"fuzz.test. 300 RRSIG SOA 15 2 300 20200102000000 20200101000000 36853 fuzz.test. $sig"]],
		["fuzz.test", "NS", 3, "NOERROR", ["fuzz.test. 300 NS ns1.fuzz.test.",
			"fuzz.test. 300 RRSIG NS 15 5 300 20380101000000 20200101000000 36853 fuzz.test. $sig",
			"fuzz.test. 300 RRSIG A 15 2 300 20380101000000 20200101000000 36853 fuzz.test. $sig"]],
		[$nx, "A", 4, "NXDOMAIN", [], [$soa,
			"fuzz.test. 300 NSEC mail.fuzz.test. A NS SOA MX RRSIG NSEC DNSKEY",
			"fuzz.test. 300 RRSIG NSEC 15 2 300 20380101000000 20200101000000 36853 fuzz.test. $sig"]],
		[$nx, "A", 4, "NXDOMAIN", [], [$soa,
			"0q5dc1jldsp3gv9m880jjg6rgkfcrd1g.fuzz.test. 300 NSEC3 1 0 0 - 821SM54F0A5CUUPSVA5K4LQNFUB79J3K A NS SOA RRSIG DNSKEY NSEC3PARAM",
			"821sm54f0a5cuupsva5k4lqnfub79j3k.fuzz.test. 300 NSEC3 1 1 0 - PJ7ODO9233AT01KQKR3LVLSVQKEF9C3J A RRSIG",
			"pj7odo9233at01kqkr3lvlsvqkef9c3j.fuzz.test. 300 NSEC3 1 0 0 - 0Q5DC1JLDSP3GV9M880JJG6RGKFCRD1G A RRSIG",
			"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.fuzz.test. 300 NSEC3 1 0 500 AABB 0Q5DC1JLDSP3GV9M880JJG6RGKFCRD1G A",
			"0q5dc1jldsp3gv9m880jjg6rgkfcrd1g.fuzz.test. 300 RRSIG NSEC3 15 3 300 20380101000000 20200101000000 36853 fuzz.test. $sig"]],
		[$nx, "A", 4, "NOERROR", ["$nx. 300 A 192.0.2.20",
			"$nx. 300 RRSIG A 15 2 300 20380101000000 20200101000000 36853 fuzz.test. $sig"],
			["*.fuzz.test. 300 NSEC mail.fuzz.test. A RRSIG NSEC"]],
		[$nx, "A", 4, "NOERROR", [], [$soa, "$nx. 300 NSEC zzz.fuzz.test. TXT RRSIG NSEC"]],
		["fuzz.test", "DS", 5, "NOERROR", [
			"fuzz.test. 3600 DS 36853 15 2 " . ("ab" x 32),
			"fuzz.test. 3600 DS 36853 15 99 ab",
			"fuzz.test. 3600 DS 1 8 1 " . ("cd" x 20)]],
		["fuzz.test", "A", 6, "NOERROR", ["fuzz.test. 300 A 192.0.2.10",
			"fuzz.test. 300 RRSIG A 15 2 300 20380101000000 20370101000000 36853 fuzz.test. $sig"]],
	);
	my $n = 0;
	for my $a (@answers) {
		my ($qname, $qtype, $which, $rcode, $an, $ns) = @$a;
		my $p = Net::DNS::Packet->new($qname, $qtype);
		$p->header->qr(1); $p->header->aa(1); $p->header->rcode($rcode);
		$p->push(answer => Net::DNS::RR->new($_)) for @$an;
		$p->push(authority => Net::DNS::RR->new($_)) for @{$ns // []};
		my $wire = $p->data;
		# every source, replacing; every source, spliced; ns1 alone,
		# spliced with the message RCODE; all questions of ns2, replaced
		for my $flags (3 | $which << 3, 3 | 4 | $which << 3, 0 | 4 | 64 | $which << 3, 1) {
			for my $pick (0, 4) {
				open my $out, ">", sprintf("%s/seed-%02d-%03d-%d", $dir, $n, $flags, $pick) or die;
				binmode $out; print $out chr($flags), chr($pick), $wire;
			}
		}
		$n++;
	}
' $C/dnssec
