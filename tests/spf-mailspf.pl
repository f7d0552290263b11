#!/usr/bin/perl
# The RFC 7208 reference verdict (Mail::SPF, Debian's libmail-spf-perl) for
# mail from postmaster@DOMAIN sent by IP, asked of the resolver given: the
# cross-check of cutover's spf senders (tests/integration/t0410-spf.sh).
#
#   perl tests/spf-mailspf.pl RESOLVER < "DOMAIN IP" lines  ->  "DOMAIN IP RESULT"
use strict;
use warnings;
use Mail::SPF;
use Net::DNS::Resolver;

my $resolver_addr = shift @ARGV or die "usage: $0 RESOLVER\n";
my $resolver = Net::DNS::Resolver->new(
	nameservers => [$resolver_addr],
	recurse     => 1,
	udp_timeout => 3,
	tcp_timeout => 3,
	retry       => 2,
);
# The limits spelt out as RFC 7208 4.6.4 sets them (they are Mail::SPF's
# defaults too): 10 DNS-querying terms, 2 void lookups, 10 names per mx/ptr.
my $server = Mail::SPF::Server->new(
	dns_resolver                  => $resolver,
	max_dns_interactive_terms     => 10,
	max_void_dns_lookups          => 2,
	max_name_lookups_per_term     => 10,
);
while (my $line = <STDIN>) {
	chomp $line;
	next if $line =~ /^\s*(#|$)/;
	my ($domain, $ip) = split ' ', $line;
	my $request = Mail::SPF::Request->new(
		versions      => [1],
		scope         => 'mfrom',
		identity      => "postmaster\@$domain",
		ip_address    => $ip,
		helo_identity => $domain,
	);
	# Mail::SPF 2.009 does not catch Net::DNS dying on a name it cannot
	# put in a query (an empty label): say "dies", and why on stderr.
	my $result = eval { $server->process($request) };
	if (!$result) {
		print STDERR "$domain $ip: Mail::SPF died: $@";
		print "$domain $ip dies\n";
		next;
	}
	print "$domain $ip ", $result->code, "\n";
}
