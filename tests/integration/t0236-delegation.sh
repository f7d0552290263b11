#!/bin/sh
# The zone-level members of the zoo of misbehaving servers, and the
# delegation defects of issue 7 (tests/fixtures/README.md, "the zoo"): glue
# outside the parent's zone, CNAME loops, NS records that point at
# themselves, referral loops, upward referrals, a parent's server that
# serves the child too, a parent whose addresses all drop queries, and no
# route to the root. Each is a finding -- code, status, subject -- within a
# loose time bound, never a crash or a hang.

. "$(dirname "$0")/lib.sh"

# timed ARG...: audit ARG... and set MS to how long it took
timed() {
	_t0=$(date +%s%N)
	audit "$@"
	MS=$((($(date +%s%N) - _t0) / 1000000))
}

# within MS LIMIT DESC: one test, that the last run took less than LIMIT ms
within() {
	ok "$([ "$1" -lt "$2" ] && echo 0 || echo 1)" "$3 (${1} ms, limit ${2} ms)"
}

# field CODE SUBJECT JQ: JQ of the first finding with that code and subject
field() {
	printf '%s\n' "$OUT" | jq -r --arg c "$1" --arg s "$2" \
		"[.findings[] | select(.code == \$c and .subject == \$s)][0] | $3"
}

DNS=tests/fixtures/rulesets/dns.yml

# --- glue outside the parent's zone (defect 5) -------------------------------
# zoo-sloppy.test's server gives ns.evil.org the address 127.77.0.5, where
# nothing listens; ns.evil.org really is 127.53.2.1, which serves the zone.
timed -r "$DNS" --timeout 1000 oobglue.zoo-sloppy.test
sees ns.glue-out-of-zone warn oobglue.zoo-sloppy.test
sees_at ns.glue-out-of-zone warn ns.evil.org
is "$(field ns.glue-out-of-zone ns.evil.org '.expected + " | " + .actual')" "127.53.2.1 | 127.77.0.5" \
	"oobglue: the address it resolves to expected, the foreign glue got"
like "$(field ns.glue-out-of-zone ns.evil.org .message)" "outside zoo-sloppy.test: resolvers discard" \
	"oobglue: the message says why the glue is not used"
sees_no ns.unreachable oobglue.zoo-sloppy.test
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | .server // empty] | unique | join(" ")')" \
	"" "oobglue: no finding names a server (none failed)"
sees soa.ok ok oobglue.zoo-sloppy.test
is "$(field soa.ok oobglue.zoo-sloppy.test/SOA .message)" \
	"serial 2026112501 on 1 server; negative-caching TTL 300; timers sane" \
	"oobglue: the zone is read from the real address (the glue's would refuse)"
within "$MS" 3000 "oobglue: within 3 x --timeout"

# --- CNAME loops (defect 7) ---------------------------------------------------
# www -> www, a -> b -> a: record and ttl read them; neither says ok.
timed -r tests/fixtures/rulesets/zoo.yml --timeout 1000 zoo-cname.test
sees check.cname-loop fail zoo-cname.test
sees_at check.cname-loop fail www.zoo-cname.test
sees_at check.cname-loop fail a.zoo-cname.test
is "$(field check.cname-loop a.zoo-cname.test .actual)" "a.zoo-cname.test -> b.zoo-cname.test -> a.zoo-cname.test" \
	"zoo-cname: the loop is shown link by link"
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.code == "check.cname-loop") | .check + " " + .subject] | sort | join(", ")')" \
	"record a.zoo-cname.test, record www.zoo-cname.test, ttl a.zoo-cname.test, ttl www.zoo-cname.test" \
	"zoo-cname: each check that reads a looping name says so, once a name"
sees_no record.ok zoo-cname.test
sees_no ttl.ok zoo-cname.test
sees_no check.no-data zoo-cname.test
is "$RC" 2 "zoo-cname: exit status 2 (a name that cannot resolve fails)"
within "$MS" 3000 "zoo-cname: within 3 x --timeout"

# --- NS records that point at themselves -------------------------------------
# zoo-selfns.test NS zoo-selfns.test., no glue: only the zone could say where
# its server is.
timed -r "$DNS" --timeout 1000 zoo-selfns.test
sees_at ns.unresolvable fail zoo-selfns.test
like "$(field ns.unresolvable zoo-selfns.test .message)" "inside the zone it serves, and the parent gives no glue" \
	"zoo-selfns: the message names the circular dependency"
sees ns.no-servers error zoo-selfns.test
is "$RC" 2 "zoo-selfns: exit status 2 (a broken delegation, not only unknown)"
within "$MS" 3000 "zoo-selfns: within 3 x --timeout"

# ns.zoo-nscname.test is a CNAME to itself, without glue
timed -r "$DNS" --timeout 1000 zoo-nscname.test
sees_at ns.unresolvable fail ns.zoo-nscname.test
like "$(field ns.unresolvable ns.zoo-nscname.test .message)" "inside the zone it serves" \
	"zoo-nscname: the name server is inside the zone, without glue"
sees_at check.cname-loop fail ns.zoo-nscname.test
sees_no ns.glue-mismatch zoo-nscname.test
within "$MS" 3000 "zoo-nscname: within 3 x --timeout"

# --- a referral loop between two servers --------------------------------------
timed -r "$DNS" --timeout 1000 sub.zoo-refloop.test
sees_at ns.lame fail ns1.oldprov.test
sees_at ns.lame fail ns2.oldprov.test
like "$(field ns.lame ns1.oldprov.test .message)" "refers the zone to ns2.oldprov.test, which the zone is delegated to: a referral loop" \
	"zoo-refloop: ns1 refers to ns2, a referral loop"
like "$(field ns.lame ns2.oldprov.test .message)" "refers the zone to ns1.oldprov.test, .*a referral loop" \
	"zoo-refloop: ns2 refers back to ns1"
within "$MS" 3000 "zoo-refloop: within 3 x --timeout"

# --- an upward referral (defect 15) -------------------------------------------
# zoo-upward.test names a.root-servers.test its server, which answers for
# names below it with a referral to test.: lame, not "not delegated"
timed -r "$DNS" --timeout 1000 www.zoo-upward.test
sees_at ns.discovery-failed error www.zoo-upward.test
like "$(field ns.discovery-failed www.zoo-upward.test .message)" \
	"^the servers of zoo-upward.test are lame for it: .*a.root-servers.test/127.53.0.1 answered with a referral to test, an upward referral" \
	"zoo-upward: an upward referral is named as one"
sees_no ns.enclosing-zone www.zoo-upward.test
within "$MS" 3000 "zoo-upward: within 3 x --timeout"

# --- a parent's server that serves the child too (defect 14) ------------------
# it answers for shared.zoo-sloppy.test with authority and no addresses
timed -r "$DNS" --timeout 1000 shared.zoo-sloppy.test
sees_at ns.ok ok shared.zoo-sloppy.test
sees_no ns.glue-mismatch shared.zoo-sloppy.test
within "$MS" 3000 "zoo-shared: within 3 x --timeout"
# wrong glue is still wrong glue
audit -r "$DNS" glue.test
sees_at ns.glue-mismatch fail ns1.glue.test

# --- a parent whose 61 addresses drop every query (defect 13) ------------------
# d1 ... d61.zoo-droppers.test are 127.53.8.1 ... 127.53.8.61: sockets that
# never read, so queries time out (no ICMP error comes back)
perl -MIO::Socket::INET -e '
	my @s = map { IO::Socket::INET->new(LocalAddr => "127.53.8.$_", LocalPort => 53,
		Proto => "udp") or die "127.53.8.$_: $!\n" } 1 .. 61;
	open(my $f, ">", $ARGV[0]) or die; print $f "$$\n"; close $f;
	sleep 300' "$TMP/droppers.pid" &
at_exit 'kill "$(cat "$TMP/droppers.pid" 2>/dev/null)" 2>/dev/null'
i=0
while [ ! -s "$TMP/droppers.pid" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
ok "$([ -s "$TMP/droppers.pid" ] && echo 0 || echo 1)" "61 dropping addresses are held"
timed -r "$DNS" --timeout 1000 x.zoo-slowparent.test
sees_at ns.discovery-failed error x.zoo-slowparent.test
like "$(field ns.discovery-failed x.zoo-slowparent.test .message)" \
	"^no server of zoo-slowparent.test gave a delegation for x.zoo-slowparent.test within the discovery budget of 5000 ms \(5 x --timeout 1000 ms\)" \
	"zoo-slowparent: the budget is named, with --timeout"
# the budget is 5 s; before it, 61 addresses 3 at a time took 21 s
within "$MS" 7000 "zoo-slowparent: discovery ends at its budget"

# --- no route to the root, a silent resolver (defect 15) ----------------------
printf '. 3600000 NS a.root-servers.test.\na.root-servers.test. 3600000 A 127.53.4.5\n' >"$TMP/silent.hints"
_t0=$(date +%s%N)
run_cutover check --root-hints "$TMP/silent.hints" --timeout 300 -r "$DNS" -f json good.test
MS=$((($(date +%s%N) - _t0) / 1000000))
sees_at ns.discovery-failed error good.test
like "$(field ns.discovery-failed good.test .message)" \
	"the root servers could not be reached \(no answer within 900 ms \(3 x --timeout 300 ms\)\): check this machine's network connectivity, or use --resolver" \
	"silent root: the root is named, with connectivity and --resolver"
within "$MS" 3000 "silent root: within the discovery budget (1500 ms)"

run_cutover check --resolver "$(addr blackhole)" --timeout 300 -r "$DNS" -f json good.test
like "$(field ns.discovery-failed good.test .message)" "the resolver given with --resolver did not answer for the root zone either" \
	"silent --resolver: the resolver is named"
run_cutover check --resolver "$(addr blackhole)" --timeout 300 -r tests/fixtures/rulesets/via-resolver.yml -f json good.test
sees_at check.no-data error www.good.test/A
like "$(field check.no-data www.good.test/A .message)" "no answer within 900 ms \(3 x --timeout 300 ms\)" \
	"silent --resolver: the resolver's budget and --timeout are both said"

# no network at all: a namespace whose loopback is down
if unshare -n true 2>/dev/null; then
	unshare -n "$CUTOVER" check --root-hints "$ROOT_HINTS" --timeout 500 -r "$DNS" -f json good.test \
		>"$TMP/noroute.json" 2>"$TMP/noroute.err"
	OUT=$(cat "$TMP/noroute.json")
	like "$(field ns.discovery-failed good.test .message)" "the root servers could not be reached" \
		"no route: the root servers could not be reached"
else
	fail "no route: cannot make a network namespace (unshare -n): this case is not covered"
fi

done_testing
