#!/usr/bin/perl
# blackhole: a "name server" that reads every query (UDP and TCP) and never
# answers, so clients see timeouts rather than refused connections.
# usage: blackhole.pl ADDRESS PORT PIDFILE   (writes PIDFILE once both sockets
# are bound; exits on SIGTERM or SIGINT)
use strict;
use warnings;
use IO::Socket::INET;
use IO::Select;

my ($addr, $port, $pidfile) = @ARGV;
die "usage: blackhole.pl ADDRESS PORT PIDFILE\n" unless defined $pidfile;

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
print STDERR "blackhole: listening on $addr:$port (udp, tcp), pid $$\n";

my $sel = IO::Select->new($udp, $tcp);
my ($queries, $conns) = (0, 0);
while (!$done) {
	for my $s ($sel->can_read(1)) {
		if ($s == $udp) {
			my $buf;
			$queries++ if defined $udp->recv($buf, 65535);
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
print STDERR "blackhole: exiting: $queries udp queries, $conns tcp connections ignored\n";
unlink($pidfile);
exit 0;
