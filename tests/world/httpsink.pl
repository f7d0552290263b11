#!/usr/bin/perl
# httpsink: a small HTTP/1.1 server for the HTTP client's and the webhooks'
# tests. It records every request it reads, one JSON object a line, in LOG:
#
#   {"addr": "127.53.11.1:8080" (where it came in), "method": "POST",
#    "path": "/hook?status=ok" (with the query, as sent), "host": "...",
#    "content_type": "application/json" (null when none), "user_agent": "...",
#    "body": "..." (as UTF-8 text when it is, else each byte a character)}
#
# and answers by the path (the query is ignored):
#
#   /status/NNN   status NNN (200-599), body "status NNN"
#   /slow/MS      waits MS milliseconds (other clients are served meanwhile),
#                 then 200 "ok"
#   /close        closes the connection without answering
#   /big/N        200 with a body of N bytes ("x"), N at most 100000000
#   /redirect?to=URL  302 to URL (percent-decoded)
#   anything else 200 "ok"
#
# Keep-alive as HTTP/1.1 has it (a request may say "Connection: close"),
# request bodies by Content-Length or chunked, "Expect: 100-continue"
# answered; many clients at once in one select loop, no fork. The log line is
# written before the answer, so a client that has its answer finds its line.
#
# usage: httpsink.pl LOG PIDFILE ADDR:PORT...
# ADDR may be an IPv6 address in brackets; PORT 0 lets the kernel choose. Once
# every socket listens it writes PIDFILE, then one line "ADDR:PORT" a socket
# (the port it got) on standard output. SIGTERM or SIGINT ends it.
use strict;
use warnings;
use IO::Socket::IP;
use IO::Select;
use Time::HiRes qw(time);
use JSON::PP;
use Encode qw(decode);
use Errno qw(EAGAIN EWOULDBLOCK EINTR);

my ($log, $pidfile, @listen) = @ARGV;
die "usage: httpsink.pl LOG PIDFILE ADDR:PORT...\n" unless defined $pidfile && @listen;
$SIG{PIPE} = 'IGNORE';

my $json = JSON::PP->new->canonical(1)->utf8(1);
my %reason = (200 => 'OK', 204 => 'No Content', 302 => 'Found', 400 => 'Bad Request', 404 => 'Not Found',
	500 => 'Internal Server Error', 503 => 'Service Unavailable');

my (@servers, %listener, %conn);
my $rsel = IO::Select->new;
my $wsel = IO::Select->new;
for my $spec (@listen) {
	my ($addr, $port) = $spec =~ /^\[?([^\[\]]+?)\]?:(\d+)$/
		or die "httpsink: '$spec' is not ADDR:PORT\n";
	my $s = IO::Socket::IP->new(LocalHost => $addr, LocalPort => $port, Listen => 128, ReuseAddr => 1,
		Blocking => 0) or die "httpsink: cannot listen on $spec: $@\n";
	push @servers, $s;
	$listener{fileno $s} = $s;
	$rsel->add($s);
}

open my $pf, '>', $pidfile or die "httpsink: $pidfile: $!\n";
print $pf "$$\n";
close $pf;
$SIG{TERM} = $SIG{INT} = sub { unlink $pidfile; exit 0 };
$| = 1;
for my $s (@servers) {
	my $host = $s->sockhost;
	$host = "[$host]" if $host =~ /:/;
	print "$host:", $s->sockport, "\n";
}

sub record {
	my ($c, $req) = @_;
	my $body = $req->{body};
	my $text = eval { decode('UTF-8', $body, Encode::FB_CROAK) } // $body;
	my %line = (addr => $c->{local}, method => $req->{method}, path => $req->{target},
		host => $req->{headers}{host}, content_type => $req->{headers}{'content-type'},
		user_agent => $req->{headers}{'user-agent'}, body => $text);
	open my $fh, '>>', $log or die "httpsink: $log: $!\n";
	print $fh $json->encode(\%line), "\n";
	close $fh or die "httpsink: $log: $!\n";
}

sub respond {
	my ($c, $req, $status, $body, @headers) = @_;
	my $head = "HTTP/1.1 $status " . ($reason{$status} // 'Status') . "\r\n";
	$head .= "$_\r\n" for @headers;
	if ($status != 204) {
		$head .= "Content-Type: text/plain\r\nContent-Length: " . length($body) . "\r\n";
	}
	$head .= "Connection: close\r\n" if $c->{close_after};
	$c->{out} .= $head . "\r\n";
	$c->{out} .= $body if $status != 204 && $req->{method} ne 'HEAD';
	$wsel->add($c->{sock});
}

sub pct_decode {
	my ($s) = @_;
	$s =~ s/%([0-9A-Fa-f]{2})/chr(hex($1))/ge;
	return $s;
}

# Answer a complete request (record it first).
sub handle {
	my ($c, $req) = @_;
	record($c, $req);
	my ($path, $query) = $req->{target} =~ /^([^?]*)(?:\?(.*))?$/;
	$query //= '';
	if ($path eq '/close') {
		drop($c);
	} elsif ($path =~ m{^/status/(\d{3})$} && $1 >= 200 && $1 <= 599) {
		respond($c, $req, $1, "status $1");
	} elsif ($path =~ m{^/slow/(\d+)$}) {
		$c->{due} = time + $1 / 1000;
		$c->{waiting} = $req;
	} elsif ($path =~ m{^/big/(\d+)$} && $1 <= 100_000_000) {
		respond($c, $req, 200, 'x' x $1);
	} elsif ($path eq '/redirect' && $query =~ /(?:^|&)to=([^&]*)/) {
		respond($c, $req, 302, "redirect", "Location: " . pct_decode($1));
	} else {
		respond($c, $req, 200, "ok");
	}
}

sub drop {
	my ($c) = @_;
	$rsel->remove($c->{sock});
	$wsel->remove($c->{sock});
	delete $conn{fileno $c->{sock}};
	close $c->{sock};
	$c->{closed} = 1;
}

# Take every complete request out of the connection's input, until one must
# wait (a slow answer) or the connection is gone.
sub parse {
	my ($c) = @_;
	while (!$c->{closed} && !$c->{waiting}) {
		my $end = index($c->{in}, "\r\n\r\n");
		if ($end < 0) {
			drop($c) if length($c->{in}) > 65536;
			return;
		}
		my ($line, @lines) = split /\r\n/, substr($c->{in}, 0, $end);
		my ($method, $target, $version) = split / /, $line // '';
		my %h;
		for (@lines) {
			my ($k, $v) = /^([^:]+):\s*(.*?)\s*$/ or next;
			$h{lc $k} = $v;
		}
		unless (defined $version && $version =~ m{^HTTP/1\.[01]$}) {
			drop($c);
			return;
		}
		my $rest = substr($c->{in}, $end + 4);
		my $body = '';
		if (lc($h{'transfer-encoding'} // '') eq 'chunked') {
			my $at = 0;
			my $done;
			while (1) {
				my $nl = index($rest, "\r\n", $at);
				last if $nl < 0;
				my $size = hex(substr($rest, $at, $nl - $at));
				if ($size == 0) {
					my $fin = index($rest, "\r\n\r\n", $nl - 2);
					last if $fin < 0;
					$done = $fin + 4;
					last;
				}
				last if length($rest) < $nl + 2 + $size + 2;
				$body .= substr($rest, $nl + 2, $size);
				$at = $nl + 2 + $size + 2;
			}
			if (!defined $done) {
				continue_100($c, \%h);
				return;
			}
			$rest = substr($rest, $done);
		} elsif (my $len = $h{'content-length'}) {
			if (length($rest) < $len) {
				continue_100($c, \%h);
				return;
			}
			$body = substr($rest, 0, $len);
			$rest = substr($rest, $len);
		}
		$c->{in} = $rest;
		$c->{continued} = 0;
		$c->{close_after} = lc($h{connection} // '') eq 'close' || $version eq 'HTTP/1.0';
		handle($c, {method => $method, target => $target, headers => \%h, body => $body});
	}
}

sub continue_100 {
	my ($c, $h) = @_;
	return if $c->{continued} || lc($h->{expect} // '') ne '100-continue';
	$c->{continued} = 1;
	$c->{out} .= "HTTP/1.1 100 Continue\r\n\r\n";
	$wsel->add($c->{sock});
}

while (1) {
	my $now = time;
	my $timeout;
	for my $c (values %conn) {
		next unless $c->{waiting};
		my $left = $c->{due} - $now;
		$left = 0 if $left < 0;
		$timeout = $left if !defined $timeout || $left < $timeout;
	}
	# Nothing ready (a timeout, a signal) is an empty list.
	my ($r, $w) = IO::Select->select($rsel, $wsel, undef, $timeout);
	for my $s (@{ $r // [] }) {
		if (my $l = $listener{fileno $s}) {
			while (my $cs = $l->accept) {
				$cs->blocking(0);
				my $host = $cs->sockhost;
				$host = "[$host]" if $host =~ /:/;
				$conn{fileno $cs} = {sock => $cs, in => '', out => '', local => "$host:" . $cs->sockport};
				$rsel->add($cs);
			}
			next;
		}
		my $c = $conn{fileno $s} or next;
		my $n = sysread($s, my $buf, 65536);
		if (!defined $n) {
			drop($c) unless $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
			next;
		}
		if ($n == 0) {
			drop($c);
			next;
		}
		$c->{in} .= $buf;
		parse($c);
	}
	for my $s (@{ $w // [] }) {
		my $c = $conn{fileno $s} or next;
		my $n = syswrite($s, $c->{out});
		if (!defined $n) {
			drop($c) unless $! == EAGAIN || $! == EWOULDBLOCK || $! == EINTR;
			next;
		}
		substr($c->{out}, 0, $n) = '';
		next if length $c->{out};
		$wsel->remove($s);
		if ($c->{close_after}) {
			drop($c);
		} else {
			parse($c);
		}
	}
	$now = time;
	for my $c (values %conn) {
		next unless $c->{waiting} && $c->{due} <= $now;
		my $req = delete $c->{waiting};
		respond($c, $req, 200, "ok");
	}
}
