#!/usr/bin/perl
# blackhole: a "name server" that reads every query (UDP and TCP) and never
# answers, so clients see timeouts rather than refused connections; or, in
# mode "garbage", answers every UDP query with a broken packet (a hostile or
# buggy server), cycling through the ways a DNS message can be malformed; or,
# in mode "shadow", answers for mut-wild-shadow.test as a server that does not
# synthesize from its wildcard, and for mut-lame-answers.test without authority
# (see shadow below).
# usage: blackhole.pl ADDRESS PORT PIDFILE [silent|garbage|shadow]   (writes PIDFILE
# once both sockets are bound; exits on SIGTERM or SIGINT)
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;

my ($addr, $port, $pidfile, $mode) = @ARGV;
$mode //= 'silent';
die "usage: blackhole.pl ADDRESS PORT PIDFILE [silent|garbage|shadow]\n"
	unless defined $pidfile && $mode =~ /^(silent|garbage|shadow)$/;

# garbage QUERY N: the N-th broken answer to QUERY. Each keeps the ID, the QR
# bit and the question (so a client matches it to its query) and breaks what
# follows: counts that promise records that are not there, an RDLENGTH past
# the end, a compression pointer to itself, a label longer than 63, an SOA
# whose RDATA stops after the first name, a pointer past the end, an NS
# record with no RDATA at all (it parses: a record without its name).
sub garbage {
	my ($q, $n) = @_;
	return undef if length($q) < 17;
	my $id = substr($q, 0, 2);
	my $qlen = 0;	# length of the question's name
	my $p = 12;
	while ($p < length($q)) {
		my $l = ord(substr($q, $p, 1));
		$p += 1 + $l;
		last if $l == 0;
	}
	my $question = substr($q, 12, $p + 4 - 12);
	my $hdr = sub { my ($an) = @_; $id . pack('nnnnn', 0x8400, 1, $an, 0, 0) };
	my $ptr = pack('n', 0xC00C);	# the question's name
	my @kinds = (
		sub { $hdr->(3) . $question },
		sub { $hdr->(1) . $question . $ptr . pack('nnNn', 1, 1, 300, 200) . "\x7f\0\0\1" },
		sub { my $at = 12 + length($question);
		      $hdr->(1) . $question . pack('n', 0xC000 | $at) . pack('nnNn', 1, 1, 300, 4) . "\x7f\0\0\1" },
		sub { $hdr->(1) . $question . "\x46" . ('a' x 70) . "\0" . pack('nnNn', 1, 1, 300, 4) . "\x7f\0\0\1" },
		sub { $hdr->(1) . $question . $ptr . pack('nnNn', 6, 1, 300, 2) . $ptr },
		sub { $hdr->(1) . $question . pack('n', 0xC000 | 0x3FFF) . pack('nnNn', 1, 1, 300, 4) . "\x7f\0\0\1" },
		sub { $hdr->(1) . $question . $ptr . pack('nnNn', 2, 1, 300, 0) },
	);
	return $kinds[$n % @kinds]->();
}

# shadow QUERY: the answer to QUERY of a server that answers two zones, each
# in one wrong way only; other zones are REFUSED.
# - mut-wild-shadow.test: authoritative, with the zone's wildcard,
#   *.mut-wild-shadow.test A 198.51.100.20, which it answers when asked for that
#   name, but every other name under the zone gets A 192.0.2.66, as though an
#   explicit record shadowed the wildcard. The apex SOA and NS are the zone
#   file's; other types have no data. Only the wildcard check's random name
#   tells this server from a good one.
# - mut-lame-answers.test: answers everything with data but without authority
#   (AA=0), as a server that lost the zone but kept a stale copy would: serial
#   2026010101, every name A 192.0.2.10, MX 10 mail, all with TTL 86400. A
#   check that read these answers would find a stale serial, a wrong address
#   and high TTLs; they must be lame and nothing else.
sub shadow {
	my ($q) = @_;
	require Net::DNS;
	my $query = eval { Net::DNS::Packet->new(\$q) } or return undef;
	my ($question) = $query->question or return undef;
	my $reply = $query->reply;
	my $name = lc $question->qname;
	my $type = $question->qtype;
	my ($zone) = grep { $name eq $_ || $name =~ /\.\Q$_\E$/ } 'mut-wild-shadow.test', 'mut-lame-answers.test';
	if (!$zone) {
		$reply->header->rcode('REFUSED');
		return $reply->data;
	}
	my $lame = $zone eq 'mut-lame-answers.test';
	my $ttl = $lame ? 86400 : 300;
	$reply->header->rcode('NOERROR');
	$reply->header->aa($lame ? 0 : 1);
	my $soa = "$zone. $ttl IN SOA ns1.newprov.test. hostmaster.newprov.test. "
	    . ($lame ? 2026010101 : 2026112501) . " 14400 3600 1209600 300";
	my @answer;
	if ($name eq $zone && $type eq 'SOA') {
		@answer = ($soa);
	} elsif ($name eq $zone && $type eq 'NS') {
		@answer = ("$zone. $ttl IN NS ns1.newprov.test.", "$zone. $ttl IN NS shadow.hosts.test.");
	} elsif ($name eq $zone && $type eq 'MX') {
		@answer = ("$zone. $ttl IN MX 10 mail.$zone.") if $lame;
	} elsif ($type eq 'A') {
		my $addr = $lame ? '192.0.2.10'
		    : $name eq $zone || $name eq "*.$zone" || $name eq "www.$zone" ? '198.51.100.20' : '192.0.2.66';
		@answer = ("$name. $ttl IN A $addr");
	}
	$reply->push(answer => Net::DNS::RR->new($_)) for @answer;
	$reply->push(authority => Net::DNS::RR->new($soa)) unless @answer;
	return $reply->data;
}

# No ReuseAddr on the UDP socket: on Linux it would let two processes share
# the port, and a second world must fail to start instead.
my $udp = IO::Socket::INET->new(LocalAddr => $addr, LocalPort => $port,
				Proto => 'udp')
	or die "blackhole: cannot bind udp $addr:$port: $@\n";
my $tcp = IO::Socket::INET->new(LocalAddr => $addr, LocalPort => $port,
				Proto => 'tcp', Listen => 128, ReuseAddr => 1)
	or die "blackhole: cannot bind tcp $addr:$port: $@\n";

my $done = 0;
$SIG{TERM} = $SIG{INT} = sub { $done = 1 };

# Write the pid file atomically, only now that the sockets are bound.
open(my $fh, '>', "$pidfile.tmp") or die "blackhole: $pidfile.tmp: $!\n";
print $fh "$$\n";
close($fh) or die "blackhole: $pidfile.tmp: $!\n";
rename("$pidfile.tmp", $pidfile) or die "blackhole: $pidfile: $!\n";
print STDERR "blackhole: listening on $addr:$port (udp, tcp), mode $mode, pid $$\n";

my $sel = IO::Select->new($udp, $tcp);
my ($queries, $conns) = (0, 0);
while (!$done) {
	for my $s ($sel->can_read(1)) {
		if ($s == $udp) {
			my $buf;
			my $from = $udp->recv($buf, 65535);
			next unless defined $from;
			if ($mode eq 'garbage') {
				my $answer = garbage($buf, $queries);
				send($udp, $answer, 0, $from) if defined $answer;
			} elsif ($mode eq 'shadow') {
				my $answer = shadow($buf);
				send($udp, $answer, 0, $from) if defined $answer;
			}
			$queries++;
		} elsif ($s == $tcp) {
			# Hold the connection open and read whatever comes.
			my $c = $tcp->accept or next;
			$conns++;
			$sel->add($c);
		} else {
			my $n = sysread($s, my $buf, 65535);
			if (!$n) {
				$sel->remove($s);
				close($s);
			}
		}
	}
}
print STDERR "blackhole: exiting: $queries udp queries ($mode), $conns tcp connections ignored\n";
unlink($pidfile);
exit 0;
