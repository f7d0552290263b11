#!/usr/bin/perl
# Mutation testing: plant one small bug at a time in the checks and in the
# engine's answer matching and judging code, rebuild, run the test suite,
# and report how many of the bugs it caught (the kill rate) and which it
# missed (the survivors). `make mutate` runs it; it takes long and is not part
# of `make check` or CI. No mutation tool is packaged in Debian, so this one
# is small and written for this tree.
#
# Operators (on code, never in comments, strings or preprocessor lines):
#   ROR   a relational operator flipped: < <= > >= to its boundary twin and
#         its negation (< to <= and >=), == and != to each other
#   BND   a constant beside < <= > >= shifted by one (n+1, n-1; a macro
#         X becomes (X + 1), (X - 1))
#   COND  an if condition dropped: if (c) -> if (1) and if (0); not for an
#         if whose body only frees, nor for out-of-memory checks
#   RET   a return negated: return x -> return !(x) in int predicates
#         (functions returning int whose returns are 0, 1 or truth values)
#
# How a mutant is run: the working tree is copied (git ls-files) to a scratch
# directory and built there once (BUILD=build-mutate, CFLAGS=-O2, no debug
# information, so an unchanged object is byte for byte the same). For each
# mutant the file is rewritten in the copy, its one object compiled (with
# -Wno-error: a mutant that warns is still a mutant) and compared with the
# original's: identical means equivalent, not run; an error means it does not
# compile, counted apart. Otherwise the binaries are linked again and the
# tests run: first the unit and integration tests tests/mutate.map names for
# the file, then all the others; the first failure kills the mutant. The
# original source and object are put back after each mutant, and your tree is
# never written to (only the report and the results file under build/).
#
# The integration tests share one loopback DNS world, started once, in a
# private network namespace (the script re-runs itself under `unshare -n`).
# Before any mutant the unmodified tree must pass every test: that run gives
# each test's time, and a test that takes more than 4 times as long (at
# least 60 s) is stopped and counts as a failure (a hang caught).
#
# Environment:
#   MUTATE_FILES   files to mutate, space-separated; FILE:FUNC,FUNC limits a
#                  file to those functions (default: checks/*.c, src/ttl.c,
#                  the answer matching of src/dns.c and the judging helpers of
#                  src/audit.c, as listed in default_files below)
#   MUTATE_OPS     operators, comma-separated (default ROR,BND,COND,RET)
#   MUTATE_LIMIT   run at most this many mutants, a sample drawn with
#                  MUTATE_SEED (default 300; 0 = all). A larger limit with the
#                  same seed gives a superset of a smaller one.
#   MUTATE_SEED    the sample's seed (default 1)
#   MUTATE_IDS     run only these mutants (ids as listed, comma-separated)
#   MUTATE_LIST=1  list the mutants and exit
#   MUTATE_CACHE   results file (default build/mutate-results.tsv): a mutant
#                  it records as killed is not run again (tests only grow),
#                  survivors are; MUTATE_CACHE=none for a fresh run
#   MUTATE_REPORT  the report (default build/mutate-report.txt)
#   MUTATE_DIR     scratch directory (default a new one under $TMPDIR or /tmp,
#                  removed at the end unless MUTATE_KEEP=1)
#   MUTATE_TIMEOUT_FACTOR  a test's time limit as a multiple of its
#                  unmutated time (default 4, never under 60 s)
#   MUTATE_BASELINE=0  skip the run of the unmutated tree (only to try the
#                  script out: a failure then says nothing)
#
# Exit status: 0 when the kill rate is at least MUTATE_TARGET percent (default
# 90), 1 below it, 2 on an error (the unmutated tree fails a test, ...).
use strict;
use warnings;
use Cwd qw(abs_path getcwd);
use Digest::SHA qw(sha1_hex);
use File::Basename qw(dirname basename);
use File::Path qw(make_path remove_tree);
use File::Temp qw(tempdir);
use POSIX qw(strftime);
use Time::HiRes qw(time);

$| = 1;

my $TOP = abs_path(dirname(abs_path($0)) . '/..');
chdir $TOP or die "mutate: cannot cd to $TOP: $!\n";

# The default targets: every check; the engine's answer matching; the audit's
# judging helpers (how answers and findings reach the checks and the report).
my @default_files = (
	(sort glob('checks/*.c')),
	'src/ttl.c',
	'src/dns.c:question_matches,raw_question_matches,handle_answer,udp_readable,tcp_read',
	'src/audit.c:question_find,ctx_param_uint,ctx_servers,answer_of,ctx_lookup_result,'
	    . 'ctx_finding,job_judge,resolver_only,report_discovery_failure,on_discovered,all_resolver_only',
);

my %env = map { $_ => $ENV{$_} } grep { /^MUTATE_/ } keys %ENV;
my $limit = $ENV{MUTATE_LIMIT} // 300;
my $seed = $ENV{MUTATE_SEED} // 1;
my %ops = map { uc($_) => 1 } split /[,\s]+/, ($ENV{MUTATE_OPS} // 'ROR,BND,COND,RET');
my $target = $ENV{MUTATE_TARGET} // 90;
my $factor = $ENV{MUTATE_TIMEOUT_FACTOR} // 4;
my $cache_file = $ENV{MUTATE_CACHE} // "$TOP/build/mutate-results.tsv";
my $report_file = $ENV{MUTATE_REPORT} // "$TOP/build/mutate-report.txt";

sub say_err { print STDERR "mutate: @_\n" }
sub slurp { my ($f) = @_; open my $fh, '<', $f or die "mutate: cannot read $f: $!\n"; local $/; my $s = <$fh>; close $fh; return $s }
sub spew { my ($f, $s) = @_; open my $fh, '>', $f or die "mutate: cannot write $f: $!\n"; print $fh $s; close $fh or die "mutate: cannot write $f: $!\n" }

# --- finding mutants ----------------------------------------------------------

# The text with comments, string and character literals and preprocessor
# lines blanked out (same length, newlines kept), so that a search finds code.
sub mask_c {
	my ($s) = @_;
	my $out = $s;
	my $n = length $s;
	my $i = 0;
	my $bol = 1;
	my $blank = sub { my ($from, $to) = @_; for my $k ($from .. $to - 1) { substr($out, $k, 1) = ' ' unless substr($s, $k, 1) eq "\n" } };
	while ($i < $n) {
		my $c = substr($s, $i, 1);
		if ($bol && substr($s, $i) =~ /^([ \t]*#)/) {
			# a preprocessor line, with its continuations
			my $j = $i;
			while ($j < $n) {
				my $e = index($s, "\n", $j);
				$e = $n if $e < 0;
				my $cont = $e > 0 && substr($s, $e - 1, 1) eq '\\';
				$j = $e + 1;
				last unless $cont;
			}
			$blank->($i, $j > $n ? $n : $j);
			$i = $j;
			$bol = 1;
			next;
		}
		if (substr($s, $i, 2) eq '/*') {
			my $e = index($s, '*/', $i + 2);
			$e = $e < 0 ? $n : $e + 2;
			$blank->($i, $e);
			$i = $e;
			next;
		}
		if (substr($s, $i, 2) eq '//') {
			my $e = index($s, "\n", $i);
			$e = $n if $e < 0;
			$blank->($i, $e);
			$i = $e;
			next;
		}
		if ($c eq '"' || $c eq "'") {
			my $j = $i + 1;
			while ($j < $n && substr($s, $j, 1) ne $c) {
				$j++ if substr($s, $j, 1) eq '\\';
				$j++;
			}
			$blank->($i, $j + 1);
			$i = $j + 1;
			$bol = 0;
			next;
		}
		$bol = $c eq "\n" ? 1 : ($bol && $c =~ /[ \t]/);
		$i++;
	}
	return $out;
}

# Index of the bracket matching the one at $open in the masked text.
sub match_bracket {
	my ($m, $open) = @_;
	my ($o, $c) = substr($m, $open, 1) eq '(' ? ('(', ')') : ('{', '}');
	my $depth = 0;
	for (my $i = $open; $i < length $m; $i++) {
		my $ch = substr($m, $i, 1);
		$depth++ if $ch eq $o;
		$depth-- if $ch eq $c;
		return $i if $depth == 0;
	}
	return -1;
}

# Function definitions of the masked text: [name, return type, body start, body end].
sub functions {
	my ($m) = @_;
	my @f;
	while ($m =~ /^([A-Za-z_][\w \t\*]*?)\b([A-Za-z_]\w*)[ \t]*\(/mg) {
		my ($type, $name) = ($1, $2);
		my $paren = $+[0] - 1;
		next if $type =~ /^\s*(?:return|else|if|while|for|switch)\b/ || $type !~ /\S/;
		my $close = match_bracket($m, $paren);
		next if $close < 0;
		my $rest = substr($m, $close + 1);
		next unless $rest =~ /^\s*\{/;
		my $brace = $close + 1 + $-[0] + length($&) - 1;
		my $end = match_bracket($m, $brace);
		next if $end < 0;
		push @f, [$name, $type, $brace, $end];
		pos($m) = $end;
	}
	return @f;
}

sub line_of {
	my ($s, $pos) = @_;
	return 1 + (substr($s, 0, $pos) =~ tr/\n//);
}

sub line_text {
	my ($s, $line) = @_;
	my @l = split /\n/, $s, -1;
	my $t = $l[$line - 1] // '';
	$t =~ s/^\s+|\s+$//g;
	return $t;
}

# Whether a return expression reads as a truth value or 0/1.
sub truthy { my ($e) = @_; return $e =~ /^\s*[01]\s*$/ || $e =~ /==|!=|<=|>=|(?<![-])>|<|&&|\|\||^\s*!/ }

# Mutants of one file: hashes {file, pos, len, repl, op, line}.
sub mutants_of {
	my ($spec) = @_;
	my ($file, $only) = split /:/, $spec, 2;
	my $src = slurp($file);
	my $m = mask_c($src);
	my @funcs = functions($m);
	my @regions;
	if ($only) {
		my %want = map { $_ => 1 } split /,/, $only;
		for my $f (@funcs) {
			push @regions, [$f->[2], $f->[3]] if delete $want{$f->[0]};
		}
		say_err("$file: no function named $_ (MUTATE_FILES)") for sort keys %want;
	} else {
		push @regions, [$_->[2], $_->[3]] for @funcs;
	}
	my $in = sub { my ($p) = @_; for (@regions) { return 1 if $p > $_->[0] && $p < $_->[1] } return 0 };
	my @out;
	my $add = sub {
		my ($pos, $len, $repl, $op) = @_;
		push @out, {file => $file, pos => $pos, len => $len, repl => $repl, op => $op, line => line_of($src, $pos)};
	};
	my %flip = ('<' => ['<=', '>='], '<=' => ['<', '>'], '>' => ['>=', '<='], '>=' => ['>', '<'],
		    '==' => ['!='], '!=' => ['==']);
	my $num = qr/(?:0[xX][0-9a-fA-F]+|\d+)[uUlL]*/;
	my $const = qr/(?:$num|[A-Z][A-Z0-9_]*[A-Z0-9])/;
	# The conditions of counting loops, "for (...; i < n; ...)": flipped they
	# either run no round (every test fails) or read one past the end
	# (only a sanitizer sees it). Left alone.
	my @loops;
	while ($m =~ /\bfor\s*\(/g) {
		my $open = $+[0] - 1;
		my $close = match_bracket($m, $open);
		next if $close < 0;
		my @parts = split /;/, substr($m, $open + 1, $close - $open - 1), -1;
		next unless @parts == 3 && $parts[1] =~ /^\s*\w+\s*<\s*(?:[^&|?<>=]|->)+$/;
		my $from = $open + 1 + length($parts[0]) + 1;
		push @loops, [$from, $from + length $parts[1]];
	}
	while ($m =~ /(->|<<=|>>=|<<|>>|<=|>=|==|!=|<|>)/g) {
		my ($op, $pos) = ($1, $-[0]);
		next unless $flip{$op} && $in->($pos);
		next if grep { $pos >= $_->[0] && $pos < $_->[1] } @loops;
		# A comparison that only picks one of two strings ("s" for a
		# plural, a message's wording) changes no verdict.
		next if substr($src, $pos) =~ /^[^;{}?]*\?\s*"(?:[^"\\]|\\.)*"\s*:\s*"/;
		if ($ops{ROR}) {
			$add->($pos, length $op, $_, 'ROR') for @{$flip{$op}};
		}
		next unless $ops{BND} && $op =~ /^[<>]=?$/;
		# the operand right after the operator, or right before it
		my @sides;
		if (substr($m, $pos + length $op) =~ /^(\s*)($const)(?![\w(])/) {
			push @sides, [$pos + length($op) + length($1), $2];
		}
		if (substr($m, 0, $pos) =~ /(?<![\w.>])($const)(\s*)$/) {
			push @sides, [$pos - length($2) - length($1), $1];
		}
		for my $sd (@sides) {
			my ($at, $c) = @$sd;
			next if $c =~ /^[A-Z]/ && $c !~ /_/ && length $c < 3; # not a named constant
			if ($c =~ /^$num$/) {
				(my $digits = $c) =~ s/[uUlL]+$//;
				my $suffix = substr($c, length $digits);
				my $v = $digits =~ /^0[xX]/ ? hex($digits) : $digits;
				my $fmt = $digits =~ /^0[xX]/ ? sub { sprintf('0x%x', $_[0]) } : sub { $_[0] };
				$add->($at, length $c, $fmt->($v + 1) . $suffix, 'BND');
				$add->($at, length $c, ($v == 0 ? '-1' : $fmt->($v - 1) . $suffix), 'BND');
			} else {
				$add->($at, length $c, "($c + 1)", 'BND');
				$add->($at, length $c, "($c - 1)", 'BND');
			}
		}
	}
	if ($ops{COND}) {
		while ($m =~ /\bif\s*\(/g) {
			my $open = $+[0] - 1;
			next unless $in->($open);
			my $close = match_bracket($m, $open);
			next if $close < 0;
			my $cond = substr($m, $open + 1, $close - $open - 1);
			my $body = substr($m, $close + 1, 200);
			# not sensible: an if that only frees (if (p) free(p)), or an
			# out-of-memory check the tests cannot reach
			next if $body =~ /^\s*\{?\s*(?:\w*_free|free|\w*_release)\s*\([^;]*;\s*\}?\s*(?:$|[^e\s]|e(?!lse))/s
			    && $body !~ /^\s*\{[^}]*;[^}]*;/;
			next if $cond =~ /MEM_ERR|ENOMEM/;
			$add->($open + 1, $close - $open - 1, '1', 'COND');
			$add->($open + 1, $close - $open - 1, '0', 'COND');
		}
	}
	if ($ops{RET}) {
		for my $f (@funcs) {
			my ($name, $type, $b, $e) = @$f;
			next unless $type =~ /^\s*(?:static\s+)?(?:inline\s+)?int\s*$/ && $in->($b + 1);
			next if $name =~ /cmp|compare/;
			my $body = substr($m, $b, $e - $b);
			my @rets;
			while ($body =~ /\breturn\b([^;]*);/g) {
				push @rets, [$b + $-[1], length $1, $1];
			}
			next unless @rets;
			my $pred = 1;
			my ($bool, $nonconst, %consts) = (0, 0);
			for my $r (@rets) {
				my $x = $r->[2];
				$x =~ s/^\s+|\s+$//g;
				if ($x =~ /^[01]$/) { $consts{$x} = 1; $bool = 1; next }
				if ($x eq '' || $x =~ /^-?\d+$/ || $x =~ /^[A-Z][A-Z0-9_]+$/ || $x =~ /^-/) { $pred = 0; last }
				$nonconst = 1;
				$bool = 1 if truthy($x);
			}
			next unless $pred && $bool && ($nonconst || keys %consts == 2);
			for my $r (@rets) {
				my ($at, $len, $x) = @$r;
				(my $t = substr($src, $at, $len)) =~ s/^\s+//;
				my $lead = $len - length $t;
				$add->($at + $lead, length $t, "!($t)", 'RET');
			}
		}
	}
	# One mutant per distinct mutated text.
	my (%seen, @uniq);
	for my $mu (sort { $a->{pos} <=> $b->{pos} || $a->{op} cmp $b->{op} || $a->{repl} cmp $b->{repl} } @out) {
		my $key = "$mu->{pos}:$mu->{len}:$mu->{repl}";
		next if $seen{$key}++;
		$mu->{orig} = substr($src, $mu->{pos}, $mu->{len});
		$mu->{before} = line_text($src, $mu->{line});
		my $mut = $src;
		substr($mut, $mu->{pos}, $mu->{len}) = $mu->{repl};
		$mu->{after} = line_text($mut, $mu->{line});
		$mu->{key} = join '|', $file, $mu->{op}, $mu->{before}, $mu->{orig}, $mu->{repl},
		    sha1_hex(substr($src, 0, $mu->{pos}) =~ s/\s+/ /gr);
		push @uniq, $mu;
	}
	return @uniq;
}

my @specs = $ENV{MUTATE_FILES} ? split(' ', $ENV{MUTATE_FILES}) : @default_files;
my @all;
for my $spec (@specs) {
	(my $f = $spec) =~ s/:.*//;
	die "mutate: no such file: $f\n" unless -f $f;
	push @all, mutants_of($spec);
}
for my $i (0 .. $#all) {
	$all[$i]{id} = sprintf 'M%04d', $i + 1;
}

# The sample: the full list shuffled by the seed, its first $limit.
my @run = @all;
if ($ENV{MUTATE_IDS}) {
	my %want = map { $_ => 1 } split /[,\s]+/, $ENV{MUTATE_IDS};
	@run = grep { $want{$_->{id}} } @all;
} elsif ($limit && @all > $limit) {
	srand($seed);
	my @idx = (0 .. $#all);
	for (my $i = $#idx; $i > 0; $i--) {
		my $j = int(rand($i + 1));
		@idx[$i, $j] = @idx[$j, $i];
	}
	@run = @all[sort { $a <=> $b } @idx[0 .. $limit - 1]];
}

sub describe {
	my ($mu) = @_;
	return sprintf "%s %s:%d %s '%s' -> '%s'", $mu->{id}, $mu->{file}, $mu->{line}, $mu->{op}, $mu->{orig}, $mu->{repl};
}

if ($ENV{MUTATE_LIST}) {
	my %n;
	$n{$_->{file}}++ for @all;
	print "$_: $n{$_}\n" for sort keys %n;
	printf "%d mutants, %d in the run (MUTATE_LIMIT=%s, MUTATE_SEED=%s)\n", scalar @all, scalar @run, $limit, $seed;
	print describe($_), "\n    $_->{before}\n -> $_->{after}\n" for @run;
	exit 0;
}

# --- running commands ---------------------------------------------------------

my $interrupted = 0;
my @children;	# process groups to stop on an interrupt
$SIG{INT} = $SIG{TERM} = $SIG{HUP} = sub {
	$interrupted = 1;
	kill 'TERM', -$_ for @children;
};

# Start a command (an argument list) in a process group of its own, its
# output to $log (or inherited when $log is undef). Returns its pid.
sub spawn {
	my ($argv, $log, $w) = @_;
	my $pid = fork;
	die "mutate: cannot fork: $!\n" unless defined $pid;
	if ($pid == 0) {
		setpgrp(0, 0);
		open STDIN, '<', '/dev/null';
		if ($w) {
			open STDOUT, '>&', $w;
			open STDERR, '>&', $w;
		} elsif (defined $log) {
			open STDOUT, '>', $log;
			open STDERR, '>&', \*STDOUT;
		}
		exec(@$argv) or POSIX::_exit(127);
	}
	push @children, $pid;
	kill 'TERM', -$pid if $interrupted;
	return $pid;
}

# Wait for pid; its exit status, 128 + N for signal N.
sub reap {
	my ($pid) = @_;
	waitpid($pid, 0);
	my $st = $?;
	@children = grep { $_ != $pid } @children;
	return $st & 127 ? 128 + ($st & 127) : $st >> 8;
}

# Run a shell command line; its exit status.
sub run_sh {
	my ($cmd) = @_;
	return reap(spawn(['sh', '-c', $cmd]));
}

# Run a command with its output to log; when a line of it matches stop_re,
# stop it there (its process group: the test and what it started; a test's
# traps put back what it changed). Its exit status.
sub run_logged {
	my ($argv, $log, $stop_re) = @_;
	pipe(my $r, my $w) or die "mutate: pipe: $!\n";
	my $pid = spawn($argv, undef, $w);
	close $w;
	open my $out, '>', $log or die "mutate: cannot write $log: $!\n";
	my $stopped = 0;
	while (my $line = <$r>) {
		print $out $line;
		if ($stop_re && !$stopped && $line =~ $stop_re) {
			kill 'TERM', -$pid;
			$stopped = 1;
		}
	}
	close $out;
	close $r;
	return reap($pid);
}

my $work;
my $main_pid = $$;

if (!defined $ENV{MUTATE_WORKER}) {
	main();
} else {
	worker($ENV{MUTATE_WORKER});
}
exit 0;

# --- the main process: the scratch trees, the workers, the report ------------------

sub main {
	die "mutate: must run as root (the test world's servers listen on port 53)\n" if $> != 0;
	my $jobs = $ENV{MUTATE_JOBS} || 1;
	$work = $ENV{MUTATE_DIR} || tempdir(($ENV{TMPDIR} || '/tmp') . '/cutover-mutate.XXXXXX');
	make_path($work);

	# A killed mutant stays killed (tests only grow); survivors run again.
	my %cache;
	if ($cache_file ne 'none' && -f $cache_file) {
		for (split /\n/, slurp($cache_file)) {
			my ($key, $status, $why) = split /\t/;
			$cache{$key} = [$status, $why] if $status;
		}
	}
	my (%result, @todo);
	for my $mu (@run) {
		my $c = $cache{$mu->{key}};
		if ($c && $c->[0] =~ /^(?:killed|equivalent|uncompilable)$/) {
			$result{$mu->{id}} = [$c->[0], "$c->[1] (cached)"];
		} else {
			push @todo, $mu;
		}
	}
	printf "%d mutants in this run, %d known from %s, %d to run with %d worker%s\n", scalar @run,
	    @run - @todo, $cache_file, scalar @todo, $jobs, $jobs == 1 ? '' : 's';

	my $t_start = time;
	if (@todo) {
		# One copy of the tree, built once (BUILD=build-mutate, no debug
		# information); each worker gets a copy of it.
		my $tree = "$work/tree";
		remove_tree($tree);
		make_path($tree);
		run_sh("git ls-files -z --cached --others --exclude-standard | xargs -0 sh -c 'for f; do [ -e \"\$f\" ] && printf \"%s\\0\" \"\$f\"; done' sh | tar --null -T - -cf - | tar -xf - -C '$tree'") == 0
		    or die "mutate: cannot copy the tree to $tree\n";
		say_err("building the unmutated tree in $tree");
		run_sh("cd '$tree' && make -s BUILD=build-mutate CFLAGS=-O2 all unit-bins >'$work/build.log' 2>&1") == 0
		    or die "mutate: the unmutated tree does not build (see $work/build.log)\n";
		my @pids;
		for my $k (0 .. $jobs - 1) {
			my @mine = @todo[grep { $_ % $jobs == $k } 0 .. $#todo];
			next unless @mine;
			my $wdir = "$work/w$k";
			remove_tree($wdir);
			make_path($wdir);
			run_sh("cp -a '$tree' '$wdir/tree'") == 0 or die "mutate: cannot copy $tree\n";
			spew("$wdir/ids", join("\n", map { $_->{id} } @mine) . "\n");
			unlink "$wdir/results";
			local $ENV{MUTATE_WORKER} = $k;
			local $ENV{MUTATE_DIR} = $work;
			push @pids, spawn(['unshare', '-n', 'sh', '-c', 'ip link set lo up && exec perl "$0"',
					   "$wdir/tree/tests/mutate.pl"]);
		}
		my $failed = 0;
		$failed += reap($_) != 0 for @pids;
		for my $k (0 .. $jobs - 1) {
			my $f = "$work/w$k/results";
			next unless -f $f;
			for (split /\n/, slurp($f)) {
				my ($id, $status, $why) = split /\t/, $_, 3;
				$result{$id} = [$status, $why];
			}
		}
		if ($failed && !$interrupted) {
			say_err("a worker failed (see its output above)");
		}
		# Record the new verdicts.
		if ($cache_file ne 'none') {
			make_path(dirname($cache_file));
			open my $fh, '>>', $cache_file or die "mutate: cannot write $cache_file: $!\n";
			for my $mu (@todo) {
				my $r = $result{$mu->{id}} or next;
				print $fh join("\t", $mu->{key}, @$r), "\n" unless $r->[0] eq 'error';
			}
			close $fh;
		}
	}
	report(\%result, time - $t_start);
}

sub report {
	my ($result, $seconds) = @_;
	my (%count, %byfile, %by, @survivors);
	for my $mu (@run) {
		my $r = $result->{$mu->{id}} or next;
		$count{$r->[0]}++;
		$byfile{$mu->{file}}{$r->[0]}++;
		push @survivors, $mu if $r->[0] eq 'survived';
		if ($r->[0] eq 'killed') {
			(my $t = $r->[1]) =~ s/:.*//;
			$by{$t}++;
		}
	}
	my $done = 0;
	$done += $_ for values %count;
	my $killed = $count{killed} // 0;
	my $survived = $count{survived} // 0;
	my $judged = $killed + $survived;
	my $rate = $judged ? 100 * $killed / $judged : 0;
	my $out = '';
	$out .= sprintf "cutover mutation test, %s%s\n", strftime('%Y-%m-%d %H:%M', localtime),
	    $interrupted || $done < @run ? ' (incomplete)' : '';
	$out .= sprintf "files: %s\n", join(' ', @specs);
	$out .= sprintf "mutants: %d generated, %d in this run (MUTATE_LIMIT=%s MUTATE_SEED=%s), %d judged, %.0f min\n",
	    scalar @all, scalar @run, $limit, $seed, $done, $seconds / 60;
	$out .= sprintf "killed %d, survived %d: kill rate %.1f%% (target %d%%); equivalent (same object) %d, not compiled %d%s\n",
	    $killed, $survived, $rate, $target, $count{equivalent} // 0, $count{uncompilable} // 0,
	    $count{error} ? ", errors $count{error}" : '';
	$out .= "\nper file (killed, survived, equivalent, not compiled):\n";
	for my $f (sort keys %byfile) {
		$out .= sprintf "  %-22s %4d %4d %4d %4d\n", $f, map { $byfile{$f}{$_} // 0 } qw(killed survived equivalent uncompilable);
	}
	$out .= "\nsurvivors:\n";
	$out .= sprintf "  %s\n      %s\n   -> %s\n", describe($_), $_->{before}, $_->{after} for @survivors;
	$out .= "  (none)\n" unless @survivors;
	$out .= "\nkilled first by:\n";
	$out .= sprintf "  %-28s %d\n", $_, $by{$_} for sort { $by{$b} <=> $by{$a} || $a cmp $b } keys %by;
	print "\n$out";
	make_path(dirname($report_file));
	spew($report_file, $out);
	say_err("report in $report_file");
	cleanup_work();
	exit($interrupted ? 2 : $rate >= $target ? 0 : 1);
}

sub cleanup_work {
	return unless defined $work;
	if ($ENV{MUTATE_KEEP}) {
		say_err("scratch trees kept in $work");
	} elsif (!$ENV{MUTATE_DIR}) {
		remove_tree($work);
	}
}

# --- a worker: its world, its tree, its share of the mutants ---------------------------

sub worker {
	my ($k) = @_;
	$work = $ENV{MUTATE_DIR};
	my $wdir = "$work/w$k";
	my $tree = "$wdir/tree";
	my $world = "$wdir/world";
	my $logs = "$wdir/logs";
	my $prefix = $ENV{MUTATE_JOBS} && $ENV{MUTATE_JOBS} > 1 ? "[w$k] " : '';
	make_path($logs);
	chdir $tree or die "mutate: cannot cd to $tree: $!\n";
	my %want = map { $_ => 1 } split /\n/, slurp("$wdir/ids");
	my @mine = grep { $want{$_->{id}} } @all;
	my @make = ('make', '-s', 'BUILD=build-mutate', 'CFLAGS=-O2');

	my $world_up = 0;
	my $stop_world = sub {
		return unless $world_up;
		run_sh("sh '$tree/tests/world/stop.sh' '$world' >/dev/null 2>&1");
		$world_up = 0;
	};
	my $start_world = sub {
		$stop_world->();
		remove_tree($world);
		run_sh("sh '$tree/tests/world/start.sh' '$world' >'$logs/world.log' 2>&1") == 0
		    or die "mutate: cannot start the test world (see $logs/world.log)\n";
		$world_up = 1;
		for (split /\n/, slurp("$world/env")) {
			$ENV{$1} = $2 if /^(\w+)=['"]?(.*?)['"]?$/;
		}
	};
	eval { worker_run($k, $tree, $logs, $prefix, \@mine, \@make, $start_world, $wdir); 1 } or do {
		my $err = $@;
		$stop_world->();
		die $err;
	};
	$stop_world->();
}

sub worker_run {
	my ($k, $tree, $logs, $prefix, $mine, $make, $start_world, $wdir) = @_;

	# The commands make runs for an object and for each binary.
	my $make_cmd = sub {
		my ($goal, $want) = @_;
		my @lines = grep { index($_, $want) >= 0 } split /\n/, `@$make -n -B $goal 2>/dev/null`;
		die "mutate: cannot find how make builds $goal\n" unless @lines;
		return $lines[-1];
	};
	my @unit = map { basename($_, '.c') } sort glob('tests/unit/test_*.c');
	my @integ = map { basename($_, '.sh') } sort glob('tests/integration/t*.sh');
	my %link;
	$link{cutover} = $make_cmd->('build-mutate/cutover', '-o build-mutate/cutover ');
	$link{dnsbench} = $make_cmd->('build-mutate/dnsbench', '-o build-mutate/dnsbench ');
	$link{$_} = $make_cmd->("build-mutate/tests/$_", "-o build-mutate/tests/$_ ") for @unit;

	# Which tests first for which file.
	my %map;
	for (split /\n/, slurp('tests/mutate.map')) {
		s/#.*//;
		my ($file, @tests) = split;
		$map{$file} = \@tests if $file;
	}
	my $named = sub { my $p = shift; grep { $_ eq $p || /^\Q$p\E-/ } @unit, @integ };
	my %skip = map { $_ => 1 } map { $named->($_) } @{$map{skip} // []};
	# The order of tests for a mutant of file: the mapped ones, then the
	# rest, t0990 (which judges what the whole run saw) last; without a
	# file, every test.
	my $order = sub {
		my ($file) = @_;
		my @first = map { $named->($_) } @{$map{$file // ''} // []};
		my %in = map { $_ => 1 } @first;
		my @all = (@first, grep { !$in{$_} } @unit, @integ);
		@all = ((grep { !/^t0990/ } @all), (grep { /^t0990/ } @all));
		return $file ? grep { !$skip{$_} } @all : @all;
	};

	my %duration;
	# Run one test; '' when it passed, else why not. With $first_fail, an
	# integration test is stopped at its first failure.
	my $run_test = sub {
		my ($t, $log, $first_fail) = @_;
		my $limit_s = $duration{$t} ? int($factor * $duration{$t}) + 1 : 600;
		$limit_s = 60 if $limit_s < 60;
		my $start = time;
		my ($rc, $why);
		if ($t =~ /^test_/) {
			$rc = run_logged(['timeout', '-k', 5, $limit_s, "build-mutate/tests/$t"], $log);
			$why = $rc == 124 || $rc == 137 ? "$t: timed out after ${limit_s} s" : $rc ? "$t: exit status $rc" : '';
		} else {
			$rc = run_logged(['timeout', '-k', 5, $limit_s, 'sh', "tests/integration/$t.sh"], $log,
					 $first_fail ? qr/^(?:not ok |Bail out!)/ : undef);
			my $out = slurp($log);
			my ($plan) = $out =~ /^1\.\.(\d+)/m;
			my $ran = () = $out =~ /^(?:not )?ok \d+/mg;
			my ($first) = $out =~ /^(not ok \d+ - .*)$/m;
			$why = $rc == 124 || $rc == 137 ? "$t: timed out after ${limit_s} s"
			    : $first ? "$t: $first"
			    : $out =~ /^(Bail out!.*)$/m ? "$t: $1"
			    : $rc ? "$t: exit status $rc"
			    : !defined $plan ? "$t: no plan"
			    : $plan != $ran ? "$t: planned $plan tests, ran $ran"
			    : '';
			# a test stopped midway by the timeout may not have put its zones back
			$start_world->() if $rc == 124 || $rc == 137;
		}
		$duration{$t} //= time - $start unless $why;
		return $why;
	};
	# Link what a test needs and run it.
	my $run_one = sub {
		my ($t, $log, $linked, $first_fail) = @_;
		for my $bin ($t =~ /^test_/ ? ($t) : $t =~ /^t0(?:100|240)/ ? ('cutover', 'dnsbench') : ('cutover')) {
			next if $linked->{$bin}++;
			return "$bin: does not link" if run_sh("$link{$bin} >>'$logs/link.log' 2>&1") != 0;
		}
		return $run_test->($t, $log, $first_fail);
	};

	$ENV{CUTOVER} = "$tree/build-mutate/cutover";
	$ENV{DNSBENCH} = "$tree/build-mutate/dnsbench";
	$start_world->();

	# Every test must pass on the unmutated tree, else a failure says
	# nothing; this run also gives each test's time. (MUTATE_BASELINE=0
	# skips it, only to try the script out.)
	if (($ENV{MUTATE_BASELINE} // 1) ne '0') {
		say_err("${prefix}running every test on the unmutated tree");
		$ENV{CUTOVER_SEEN_LOG} = "$logs/seen-baseline";
		unlink $ENV{CUTOVER_SEEN_LOG};
		my %linked;
		my $t0 = time;
		for my $t ($order->(undef)) {
			my $why = $run_one->($t, "$logs/baseline-$t.log", \%linked);
			return if $interrupted;
			die "mutate: the unmutated tree fails: $why (see $logs/baseline-$t.log)\n" if $why;
		}
		say_err(sprintf '%severy test passes (%.0f s): %s', $prefix, time - $t0,
			join(', ', map { sprintf '%s %.0fs', $_, $duration{$_} } $order->(undef)));
	}

	my %compile;
	my $n = 0;
	for my $mu (@$mine) {
		last if $interrupted;
		$n++;
		my $file = $mu->{file};
		(my $obj = "build-mutate/$file") =~ s/\.c$/.o/;
		my $orig_src = slurp($file);
		my $orig_obj = "$wdir/orig.o";
		run_sh("cp -p '$obj' '$orig_obj'") == 0 or die "mutate: cannot save $obj\n";
		my $mut = $orig_src;
		substr($mut, $mu->{pos}, $mu->{len}) = $mu->{repl};
		my ($status, $why) = ('', '');
		my $t0 = time;
		eval {
			spew($file, $mut);
			my $cmd = $compile{$file} //= $make_cmd->($obj, "-o $obj ");
			$cmd =~ s/ -c / -Wno-error -c /;
			if (run_sh("$cmd >'$logs/compile.log' 2>&1") != 0) {
				($status, $why) = ('uncompilable', (grep { /error/ } split /\n/, slurp("$logs/compile.log"))[0] // '');
			} elsif (run_sh("cmp -s '$obj' '$orig_obj'") == 0) {
				($status, $why) = ('equivalent', 'the object file is unchanged');
			} else {
				$ENV{CUTOVER_SEEN_LOG} = "$logs/seen-$mu->{id}";
				unlink $ENV{CUTOVER_SEEN_LOG};
				my %linked;
				for my $t ($order->($file)) {
					my $r = $run_one->($t, "$logs/$mu->{id}-$t.log", \%linked, 1);
					last if $interrupted;
					if ($r) {
						($status, $why) = ('killed', $r);
						last;
					}
				}
				($status, $why) = ('survived', 'every test passes') if !$status && !$interrupted;
			}
			1;
		} or do { $status = 'error'; $why = $@; chomp $why };
		# Put the original back, whatever happened.
		spew($file, $orig_src);
		run_sh("cp -p '$orig_obj' '$obj'");
		last if $interrupted && !$status;
		$why =~ s/[\t\n]/ /g;
		open my $fh, '>>', "$wdir/results" or die "mutate: cannot write $wdir/results: $!\n";
		print $fh join("\t", $mu->{id}, $status, $why), "\n";
		close $fh;
		printf "%s[%d/%d] %s: %s (%.0f s) %s\n", $prefix, $n, scalar @$mine, describe($mu), $status, time - $t0, $why;
	}
}
