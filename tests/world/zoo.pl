#!/usr/bin/perl
# zoo: the misbehaving name servers of the test world, one mode a process
# (tests/world/servers lists them; tests/fixtures/README.md says what each
# does and which fixture zone uses it). Each is a finding for cutover, never
# a crash and never a wait beyond the per-query budget.
#
#   silent        reads every query (UDP and TCP) and never answers: timeouts
#   garbage       answers every UDP query with a malformed packet, seven kinds
#                 in turn (a compression pointer loop among them)
#   wrong-id      a decoy first, then the real answer (asked of UPSTREAM): the
#   wrong-question  decoy has another ID; another question (name, then type);
#   wrong-source  comes from another address (DECOY); from another port of
#   wrong-port    this one. Every decoy says REFUSED: a client that takes one
#                 sees a lame server, a client that ignores it sees none
#   tcp-close     every UDP answer is truncated (TC=1, no records); over TCP
#   tcp-reset     it reads the query and then: closes; resets (RST); sends a
#   tcp-short     length prefix of 512 and 100 bytes, then closes; sends a
#   tcp-garbage   message with the query's ID and question whose counts promise
#   tcp-stall     records that are not there; says nothing, ever; sends zero
#   tcp-zeros     bytes without end; sends well-formed answers with the wrong
#   tcp-wrong-id  ID without end
#   ttl-high      the real answer with the top bit set in every TTL (RFC 2181
#                 section 8: such a TTL means 0)
#   big           the real answer, except TXT: truncated over UDP, and over TCP
#                 padded with a TXT record (TTL 7200) to exactly 65,535 bytes
#   shadow        answers mut-wild-shadow.test without wildcard synthesis and
#                 mut-lame-answers.test without authority (see shadow below)
#
# usage: zoo.pl ADDRESS PORT PIDFILE MODE [UPSTREAM [DECOY]]
# UPSTREAM is the name server whose answers the proxying modes pass on
# (wrong-*, ttl-high, big); DECOY the address wrong-source sends its decoys
# from. The pid file is written once every socket is bound; SIGTERM or SIGINT
# ends it.
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;
use Socket qw(SOL_SOCKET SO_LINGER);
use Errno qw(EAGAIN EWOULDBLOCK EINTR);

my ($addr, $port, $pidfile, $mode, $upstream, $decoy_addr) = @ARGV;
$mode //= 'silent';
my %modes = map { $_ => 1 } qw(silent garbage wrong-id wrong-question wrong-source wrong-port
	tcp-close tcp-reset tcp-short tcp-garbage tcp-stall tcp-zeros tcp-wrong-id ttl-high big shadow);
die "usage: zoo.pl ADDRESS PORT PIDFILE MODE [UPSTREAM [DECOY]]\n"
	unless defined $pidfile && $modes{$mode};
my $proxy = $mode =~ /^(wrong-|ttl-high|big)/;
die "zoo: mode $mode needs UPSTREAM\n" if $proxy && !$upstream;
die "zoo: mode wrong-source needs DECOY\n" if $mode eq 'wrong-source' && !$decoy_addr;
$SIG{PIPE} = 'IGNORE';

# --- reading a query ------------------------------------------------------

# parse_query QUERY: (ID, QUESTION, QTYPE, NAMELEN) of a query with one
# question: QUESTION is its bytes (name, type, class) as sent; undef when the
# query is too short or its name runs off the end.
sub parse_query {
	my ($q) = @_;
	return if length($q) < 17;
	my $p = 12;
	while (1) {
		return if $p >= length($q);
		my $l = ord(substr($q, $p, 1));
		return if $l > 63;
		$p += 1 + $l;
		last if $l == 0;
	}
	return if $p + 4 > length($q);
	my $question = substr($q, 12, $p + 4 - 12);
	return (substr($q, 0, 2), $question, unpack('n', substr($q, $p, 2)), $p - 12);
}

# reply ID QUESTION RCODE [FLAGS]: an answer with no records.
sub reply {
	my ($id, $question, $rcode, $flags) = @_;
	return $id . pack('nnnnn', 0x8400 | ($flags // 0) | $rcode, 1, 0, 0, 0) . $question;
}

# --- garbage (UDP) --------------------------------------------------------

# garbage QUERY N: the N-th broken answer to QUERY. Each keeps the ID, the QR
# bit and the question (so a client matches it to its query) and breaks what
# follows: counts that promise records that are not there, an RDLENGTH past
# the end, a compression pointer to itself, a label longer than 63, an SOA
# whose RDATA stops after the first name, a pointer past the end, an NS
# record with no RDATA at all (it parses: a record without its name).
sub garbage {
	my ($q, $n) = @_;
	my ($id, $question) = parse_query($q) or return undef;
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

# --- asking the upstream server -------------------------------------------

# ask_upstream QUERY: the upstream server's answer to QUERY (over TCP when
# the UDP one is truncated), or undef after two seconds without one.
sub ask_upstream {
	my ($q) = @_;
	my $u = IO::Socket::INET->new(PeerAddr => $upstream, PeerPort => 53, Proto => 'udp') or return undef;
	send($u, $q, 0) or return undef;
	my $answer;
	return undef unless IO::Select->new($u)->can_read(2) && defined $u->recv($answer, 65535);
	close($u);
	return $answer unless (unpack('n', substr($answer, 2, 2)) & 0x0200);
	my $t = IO::Socket::INET->new(PeerAddr => $upstream, PeerPort => 53, Proto => 'tcp', Timeout => 2)
		or return undef;
	print $t pack('n', length $q) . $q;
	my $len = read_exactly($t, 2) // return undef;
	return read_exactly($t, unpack('n', $len));
}

sub read_exactly {
	my ($s, $n) = @_;
	my $buf = '';
	while (length($buf) < $n) {
		return undef unless IO::Select->new($s)->can_read(2);
		my $got = sysread($s, $buf, $n - length($buf), length($buf));
		return undef unless $got;
	}
	return $buf;
}

# ttl_high ANSWER: ANSWER with the top bit set in every record's TTL.
sub ttl_high {
	my ($answer) = @_;
	require Net::DNS::Packet;
	my $pkt = Net::DNS::Packet->new(\$answer) or return $answer;
	for my $rr ($pkt->answer, $pkt->authority, $pkt->additional) {
		next if $rr->type eq 'OPT';
		$rr->{ttl} = ($rr->{ttl} // 0) | 0x80000000;
	}
	return $pkt->data;
}

# padded ANSWER: ANSWER with one more TXT record, owned by the question's
# name, TTL 7200, whose strings make the message exactly 65,535 bytes.
sub padded {
	my ($answer) = @_;
	require Net::DNS::Packet;
	require Net::DNS::RR;
	my $size = sub {
		my ($rdata) = @_;	# the TXT record's RDATA length
		my $pkt = Net::DNS::Packet->new(\$answer) or return;
		my $name = ($pkt->question)[0]->qname;
		my @strings = ('x' x 255) x int(($rdata - 1) / 256);
		push @strings, 'y' x (($rdata - 1) % 256);
		$pkt->push(answer => Net::DNS::RR->new(owner => $name, type => 'TXT', ttl => 7200,
						      txtdata => \@strings));
		return $pkt->data;
	};
	# Names past offset 16383 cannot be compression targets, so the records
	# after a large TXT may grow: adjust until the size is right.
	my $rdata = 1 + 65535 - length($size->(1));
	my $out = $size->($rdata);
	for (1 .. 3) {
		last if length($out) == 65535;
		$rdata -= length($out) - 65535;
		$out = $size->($rdata);
	}
	warn "zoo: padded answer is " . length($out) . " bytes, not 65535\n" unless length($out) == 65535;
	return $out;
}

# --- the sockets ----------------------------------------------------------

# No ReuseAddr on the UDP sockets: on Linux it would let two processes share
# the port, and a second world must fail to start instead.
my $udp = IO::Socket::INET->new(LocalAddr => $addr, LocalPort => $port, Proto => 'udp')
	or die "zoo: cannot bind udp $addr:$port: $@\n";
my $tcp = IO::Socket::INET->new(LocalAddr => $addr, LocalPort => $port, Proto => 'tcp', Listen => 128,
				ReuseAddr => 1)
	or die "zoo: cannot bind tcp $addr:$port: $@\n";
my $decoy;
if ($mode eq 'wrong-source') {
	$decoy = IO::Socket::INET->new(LocalAddr => $decoy_addr, LocalPort => $port, Proto => 'udp')
		or die "zoo: cannot bind udp $decoy_addr:$port: $@\n";
} elsif ($mode eq 'wrong-port') {
	$decoy = IO::Socket::INET->new(LocalAddr => $addr, LocalPort => 0, Proto => 'udp')
		or die "zoo: cannot bind udp $addr (any port): $@\n";
}

my $done = 0;
$SIG{TERM} = $SIG{INT} = sub { $done = 1 };

# Write the pid file atomically, only now that the sockets are bound.
open(my $fh, '>', "$pidfile.tmp") or die "zoo: $pidfile.tmp: $!\n";
print $fh "$$\n";
close($fh) or die "zoo: $pidfile.tmp: $!\n";
rename("$pidfile.tmp", $pidfile) or die "zoo: $pidfile: $!\n";
print STDERR "zoo: listening on $addr:$port (udp, tcp), mode $mode, pid $$\n";

my %count;	# what was done, for the log

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

# --- UDP --------------------------------------------------------------------

sub on_udp {
	my $buf;
	my $from = $udp->recv($buf, 65535);
	return unless defined $from;
	$count{udp}++;
	return if $mode eq 'silent';
	if ($mode eq 'garbage') {
		my $answer = garbage($buf, $count{udp} - 1);
		send($udp, $answer, 0, $from) if defined $answer;
		return;
	}
	if ($mode eq 'shadow') {
		my $answer = shadow($buf);
		send($udp, $answer, 0, $from) if defined $answer;
		return;
	}
	my ($id, $question, $qtype, $namelen) = parse_query($buf) or return;
	if ($mode =~ /^tcp-/ || ($mode eq 'big' && $qtype == 16)) {
		send($udp, reply($id, $question, 0, 0x0200), 0, $from);	# TC=1
		return;
	}
	# the proxies: decoys first (REFUSED), then the real answer
	my $refused = reply($id, $question, 5);
	if ($mode eq 'wrong-id') {
		send($udp, pack('n', unpack('n', $id) ^ 0x8001) . substr($refused, 2), 0, $from);
	} elsif ($mode eq 'wrong-question') {
		my $name = substr($question, 0, $namelen);
		send($udp, reply($id, "\x05decoy" . $name . substr($question, $namelen), 5), 0, $from);
		send($udp, reply($id, $name . pack('nn', $qtype == 1 ? 16 : 1, 1), 5), 0, $from);
	} elsif ($decoy) {
		send($decoy, $refused, 0, $from);
	}
	$count{decoys}++ if $mode =~ /^wrong-/;
	my $answer = ask_upstream($buf);
	unless (defined $answer) {
		$count{upstream_failed}++;
		return;
	}
	$answer = ttl_high($answer) if $mode eq 'ttl-high';
	send($udp, $answer, 0, $from);
}

# --- TCP --------------------------------------------------------------------

# One connection: what it has read, what waits to be written, and whether it
# closes (or resets) once that is out. An endless mode refills `out` each
# time it runs dry.
my %conns;
my $readers = IO::Select->new($udp, $tcp);

sub conn_close {
	my ($c, $reset) = @_;
	setsockopt($c->{s}, SOL_SOCKET, SO_LINGER, pack('ii', 1, 0)) if $reset;
	delete $conns{fileno $c->{s}};
	$readers->remove($c->{s});
	close($c->{s});
}

# tcp_answer CONN QUERY: what the mode does once a whole query is in.
sub tcp_answer {
	my ($c, $q) = @_;
	my ($id, $question, $qtype) = parse_query($q);
	$count{tcp_queries}++;
	if (!defined $id || $mode eq 'silent' || $mode eq 'tcp-stall') {
		return;
	} elsif ($mode eq 'tcp-close') {
		$c->{close} = 1;
	} elsif ($mode eq 'tcp-reset') {
		$c->{close} = 'reset';
	} elsif ($mode eq 'tcp-short') {
		$c->{out} = pack('n', 512) . substr(reply($id, $question, 0) . ("\0" x 100), 0, 100);
		$c->{close} = 1;
	} elsif ($mode eq 'tcp-garbage') {
		my $m = $id . pack('nnnnn', 0x8400, 1, 3, 0, 0) . $question;
		$c->{out} = pack('n', length $m) . $m;
		$c->{close} = 1;
	} elsif ($mode eq 'tcp-zeros') {
		$c->{endless} = "\0" x 4096;
	} elsif ($mode eq 'tcp-wrong-id') {
		my $wrong = pack('n', unpack('n', $id) ^ 0x8001);
		my $m = $wrong . pack('nnnnn', 0x8400, 1, 1, 0, 0) . $question
			. pack('nnnNn', 0xC00C, $qtype, 1, 300, 4) . "\xc6\x33\x64\x42";
		$c->{endless} = (pack('n', length $m) . $m) x 64;
	} else {	# the proxies answer over TCP as asked
		my $answer = ask_upstream($q);
		if (defined $answer) {
			$answer = ttl_high($answer) if $mode eq 'ttl-high';
			$answer = padded($answer) if $mode eq 'big' && $qtype == 16;
			$c->{out} = pack('n', length $answer) . $answer;
		} else {
			$count{upstream_failed}++;
		}
	}
}

sub on_tcp_readable {
	my ($c) = @_;
	my $n = sysread($c->{s}, $c->{in}, 65535, length $c->{in});
	return if !defined $n && ($! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR);
	if (!$n) {	# the client is gone
		conn_close($c);
		return;
	}
	while (length($c->{in}) >= 2 && length($c->{in}) >= 2 + unpack('n', $c->{in})) {
		my $len = unpack('n', $c->{in});
		my $q = substr($c->{in}, 2, $len);
		substr($c->{in}, 0, 2 + $len) = '';
		tcp_answer($c, $q);
	}
}

sub on_tcp_writable {
	my ($c) = @_;
	$c->{out} .= $c->{endless} if $c->{endless} && length($c->{out}) < 4096;
	if (length $c->{out}) {
		my $n = syswrite($c->{s}, $c->{out});
		if (!defined $n) {
			return if $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
			conn_close($c);	# EPIPE, ECONNRESET: the client is gone
			return;
		}
		$count{tcp_bytes} += $n;
		substr($c->{out}, 0, $n) = '';
	}
	conn_close($c, $c->{close} eq 'reset') if $c->{close} && !length $c->{out};
}

# --- the loop ---------------------------------------------------------------

while (!$done) {
	my $writers = IO::Select->new(map { $_->{s} } grep { length $_->{out} || $_->{endless} || $_->{close} }
				      values %conns);
	my ($r, $w) = IO::Select->select($readers, $writers, undef, 1);
	for my $s (@{$r // []}) {
		if ($s == $udp) {
			on_udp();
		} elsif ($s == $tcp) {
			my $c = $tcp->accept or next;
			$c->blocking(0);
			$count{tcp_connections}++;
			$conns{fileno $c} = {s => $c, in => '', out => '', close => ''};
			$readers->add($c);
		} elsif (defined fileno($s) && (my $c = $conns{fileno $s})) {
			on_tcp_readable($c);
		}
	}
	for my $s (@{$w // []}) {
		next unless defined fileno($s);	# closed while reading, this round
		my $c = $conns{fileno $s} or next;
		on_tcp_writable($c);
	}
}
print STDERR "zoo: exiting ($mode): ",
	join(', ', map { "$_ $count{$_}" } sort keys %count) || 'nothing happened', "\n";
unlink($pidfile);
exit 0;
