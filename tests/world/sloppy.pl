#!/usr/bin/perl
# sloppy: an authoritative server that does not scrub what it hands out, as
# old or home-made servers do. It serves zone files (read with
# Net::DNS::ZoneFile, which, unlike NSD, keeps records outside the zone),
# answering from the one with the longest apex that holds the name. A name at
# or below a delegation gets a referral whose additional section holds every
# address the file has for the NS names, whatever zone they are in: glue
# outside the zone, which resolvers must discard. Answers with authority are
# minimal: nothing in the additional section.
# usage: sloppy.pl ADDRESS PORT PIDFILE ZONEFILE...   (writes PIDFILE once its
# sockets are bound; exits on SIGTERM or SIGINT)
use strict;
use warnings;
use Net::DNS;
use Net::DNS::Nameserver;
use Net::DNS::ZoneFile;

my ($addr, $port, $pidfile, @files) = @ARGV;
die "usage: sloppy.pl ADDRESS PORT PIDFILE ZONEFILE...\n" unless @files;

# apex => { soa => the SOA record, rrs => [every record of the file] }
my %zones;
for my $file (@files) {
	my @rrs = Net::DNS::ZoneFile->new($file)->read;
	my ($soa) = grep { $_->type eq 'SOA' } @rrs;
	die "sloppy: $file has no SOA record\n" unless $soa;
	$zones{lc $soa->owner} = {soa => $soa, rrs => \@rrs};
}

sub under {
	my ($name, $zone) = @_;
	$name = lc $name;
	return $name eq $zone || substr($name, -length($zone) - 1) eq ".$zone";
}

# the records of ZONE at NAME (and TYPE, unless undef)
sub records {
	my ($zone, $name, $type) = @_;
	return grep { lc $_->owner eq lc $name && (!defined $type || $_->type eq $type) }
		@{$zones{$zone}{rrs}};
}

sub reply {
	my ($qname, $qclass, $qtype) = @_;
	$qname = lc $qname;
	my ($apex) = sort { length($b) <=> length($a) } grep { under($qname, $_) } keys %zones;
	return ('REFUSED', [], [], [], {}) unless defined $apex;
	my $soa = $zones{$apex}{soa};
	# the closest delegation below the apex that holds the name
	my $cut;
	for my $rr (grep { $_->type eq 'NS' && lc $_->owner ne $apex } @{$zones{$apex}{rrs}}) {
		my $o = lc $rr->owner;
		$cut = $o if under($qname, $o) && (!defined $cut || length($o) > length($cut));
	}
	if (defined $cut) {
		my @ns = records($apex, $cut, 'NS');
		my @glue = map { (records($apex, $_->nsdname, 'A'), records($apex, $_->nsdname, 'AAAA')) } @ns;
		return ('NOERROR', [], \@ns, \@glue, {aa => 0});
	}
	my @ans = records($apex, $qname, $qtype);
	return ('NOERROR', \@ans, [], [], {aa => 1}) if @ans;
	return ((records($apex, $qname) ? 'NOERROR' : 'NXDOMAIN'), [], [$soa], [], {aa => 1});
}

my $ns = Net::DNS::Nameserver->new(
	LocalAddr => [$addr],
	LocalPort => $port,
	ReplyHandler => \&reply,
	Verbose => 0,
) or die "sloppy: cannot listen on $addr port $port\n";
$SIG{TERM} = $SIG{INT} = sub { unlink $pidfile; exit 0 };
open(my $fh, '>', $pidfile) or die "sloppy: $pidfile: $!\n";
print $fh "$$\n";
close $fh;
$ns->main_loop;
