#!/usr/bin/perl
# datagrams: ask a server one question over UDP, from an unconnected socket,
# and print every datagram that comes back within half a second, one a line:
#   SOURCE#PORT id|other-id RCODE QNAME/QTYPE [tc]
# (id: the query's ID; QNAME and QTYPE as the datagram's question has them).
# For t0000, which shows what the zoo's decoys look like: a connected socket,
# as cutover uses, would never see those from another address or port.
# usage: datagrams.pl ADDRESS NAME QTYPE-NUMBER
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;

my ($server, $name, $type) = @ARGV;
die "usage: datagrams.pl ADDRESS NAME QTYPE-NUMBER\n" unless defined $type;
my $s = IO::Socket::INET->new(Proto => 'udp') or die "datagrams: socket: $!\n";
my $id = 1 + int(rand(65535));
my $q = pack('nnnnnn', $id, 0, 1, 0, 0, 0) . join('', map { chr(length) . $_ } split /\./, $name) . "\0"
	. pack('nn', $type, 1);
send($s, $q, 0, pack_sockaddr_in(53, inet_aton($server))) or die "datagrams: send: $!\n";
while (IO::Select->new($s)->can_read(0.5)) {
	my $from = recv($s, my $buf, 65535, 0);
	next unless defined $from && length($buf) >= 12;
	my ($port, $a) = unpack_sockaddr_in($from);
	my ($rid, $flags) = unpack('nn', $buf);
	my ($p, @labels) = (12);
	while ($p < length($buf) && (my $n = ord(substr($buf, $p, 1)))) {
		push @labels, substr($buf, $p + 1, $n);
		$p += 1 + $n;
	}
	my $qtype = $p + 3 <= length($buf) ? unpack('n', substr($buf, $p + 1, 2)) : '?';
	printf "%s#%d %s %s %s/%s%s\n", inet_ntoa($a), $port, $rid == $id ? 'id' : 'other-id',
		(qw(NOERROR FORMERR SERVFAIL NXDOMAIN NOTIMP REFUSED))[$flags & 15] // ($flags & 15),
		join('.', @labels), $qtype, $flags & 0x0200 ? ' tc' : '';
}
