#!/bin/sh
# spf: one record, its syntax, the whole include/redirect tree counted as
# RFC 7208 4.6.4 counts, and senders evaluated (libspf2 fed by cutover's
# lookups, with the RFC's verdict where libspf2 strays); every verdict
# cross-checked with Mail::SPF, the RFC's reference implementation.
# Fixtures: tests/fixtures/zones/spf.test.zone.

. "$(dirname "$0")/lib.sh"

NAMES="ok tree10 tree11 void2 void3 mx11 redirect redirall allredir loop incmissing ptr plusall qall
bareall space none two syntax cidr nul macro badinc longinc badredir badmech void6 mx10"
DOMAINS=
for n in $NAMES; do DOMAINS="$DOMAINS $n.spf.test"; done
SENDERS="198.51.100.25 198.51.100.20 192.0.2.99 2001:db8::25"

audit -r tests/fixtures/rulesets/spf.yml $DOMAINS
is "$RC" 2 "exit status 2 (some fixtures fail)" || diag_run

# field CODE DOMAIN JQ: a field of the first such finding
field() {
	printf '%s\n' "$OUT" | jq -r --arg c "$1" --arg d "$2" \
		"[.findings[] | select(.code == \$c and .domain == \$d)][0] | $3"
}
# verdict DOMAIN SENDER: cutover's RFC verdict for the sender (the finding's actual)
verdict() {
	printf '%s\n' "$OUT" | jq -r --arg d "$1" --arg s "$2" \
		'[.findings[] | select(.domain == $d and .subject == $s and
		  (.code == "spf.sender-authorized" or .code == "spf.sender-not-authorized"))][0].actual'
}

# --- a valid tree ---------------------------------------------------------
sees spf.ok ok ok.spf.test
sees spf.lookups ok ok.spf.test
is "$(field spf.lookups ok.spf.test .actual)" 4 "ok: a, mx, include, include of an include: 4 lookups"
like "$(field spf.lookups ok.spf.test .message)" 'exp=why\.ok\.spf\.test \(no lookup' "ok: exp= listed, costs no lookup"
like "$(field spf.lookups ok.spf.test .message)" '_spf\.ok\.spf\.test: include:_inner\.ok\.spf\.test \(1 lookup, 4 in all\)' \
	"ok: the include of an include is listed with its cost"
sees spf.sender-authorized ok ok.spf.test
sees spf.sender-not-authorized fail ok.spf.test
is "$(verdict ok.spf.test 2001:db8::25)" pass "ok: an IPv6 sender allowed two includes down passes"
is "$(verdict ok.spf.test 192.0.2.99)" fail "ok: an address allowed nowhere fails"

# --- exactly 10 lookups over a tree is fine, 11 is not ---------------------
is "$(field spf.lookups tree10.spf.test .actual)" 10 "tree10: 10 lookups (include, include of include, redirect in an include)"
sees spf.ok ok tree10.spf.test
sees_no spf.too-many-lookups tree10.spf.test
for t in include:t1.tree.spf.test a:h1.spf.test a:h2.spf.test include:t3.tree.spf.test a:h3.spf.test \
	-exists:h4.spf.test include:t2.tree.spf.test redirect=t4.tree.spf.test a:h5.spf.test; do
	printf '%s\n' "$(field spf.lookups tree10.spf.test .message)" | grep -qF "$t (1 lookup"
	ok $? "tree10: $t listed with its cost"
done
sees spf.too-many-lookups fail tree11.spf.test
is "$(field spf.too-many-lookups tree11.spf.test .actual)" 11 "tree11: the 11th lookup (mx) is over the limit"
# libspf2 alone calls this record's fail-through a pass (its ip4 comes after
# the 11th term); the RFC says permerror.
is "$(verdict tree11.spf.test 192.0.2.99)" permerror "tree11: 192.0.2.99 permerror (RFC 7208 4.6.4)"
like "$(field spf.sender-not-authorized tree11.spf.test .message)" 'libspf2 alone says pass' \
	"tree11: the report says libspf2 alone would pass it"
is "$(verdict tree11.spf.test 198.51.100.20)" pass "tree11: a sender matched at the 10th term still passes"

# --- void lookups: 2 are fine, 3 are not -----------------------------------
sees_no spf.void-lookups void2.spf.test
is "$(field spf.ok void2.spf.test .actual)" "2 lookups, 2 void" "void2: exactly 2 void lookups is fine"
like "$(field spf.ok void2.spf.test .message)" 'a:nospf\.spf\.test in void2\.spf\.test \(nospf\.spf\.test no address\)' \
	"void2: the no-data void lookup is named with its term"
sees spf.void-lookups fail void3.spf.test
is "$(field spf.void-lookups void3.spf.test .actual)" 3 "void3: 3 void lookups"
m=$(field spf.void-lookups void3.spf.test .message)
like "$m" 'a:nx1\.spf\.test in void3\.spf\.test \(nx1\.spf\.test NXDOMAIN\); mx:nx2\.spf\.test in _v\.void3\.spf\.test \(nx2\.spf\.test NXDOMAIN\); exists:nx3\.spf\.test in _v\.void3\.spf\.test' \
	"void3: each void lookup named with the term and record that caused it"
# libspf2 has no void-lookup limit: it passes 198.51.100.25 on the ip4 term.
is "$(verdict void3.spf.test 198.51.100.25)" permerror "void3: 198.51.100.25 permerror, not pass"
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.domain == "void3.spf.test" and .subject == "198.51.100.25") | .message')" \
	'more than 2 void lookups; libspf2 alone says pass' "void3: libspf2 alone says pass, and the report says so"

# void lookups are counted per evaluation: a: on names without AAAA costs
# IPv6 senders void lookups, IPv4 senders none
sees spf.void-lookups fail void6.spf.test
sees_no spf.ok void6.spf.test
is "$(field spf.void-lookups void6.spf.test .actual)" 3 "void6: 3 void lookups"
m=$(field spf.void-lookups void6.spf.test .message)
like "$m" 'for IPv6 senders' "void6: names the family whose evaluation fails"
like "$m" 'a:only4a\.spf\.test in void6\.spf\.test \(only4a\.spf\.test no address\); a:only4b' \
	"void6: names each void lookup"
is "$(printf '%s\n' "$OUT" | jq '[.findings[] | select(.domain == "void6.spf.test" and .code == "spf.void-lookups")] | length')" 1 \
	"void6: no void-lookup finding for IPv4 senders"
is "$(verdict void6.spf.test 2001:db8::25)" permerror "void6: 2001:db8::25 permerror, although ip6: lists it"
is "$(verdict void6.spf.test 198.51.100.25)" fail "void6: an IPv4 sender is judged by the whole record (fail)"
like "$(field spf.ok ok.spf.test .actual)" '^4 lookups, 0 void for IPv4, 1 for IPv6$' \
	"ok: the a on a name without AAAA is one void lookup for IPv6 senders only"
is "$(field spf.void-lookups void3.spf.test .message | grep -c 'for IPv4 and IPv6 senders')" 1 \
	"void3: NXDOMAIN is void for both families: one finding names both"

# --- mx with 10 exchanges is fine, 11 are not -------------------------------
sees spf.ok ok mx10.spf.test
sees_no spf.mx-too-many mx10.spf.test
is "$(field spf.ok mx10.spf.test .actual)" "1 lookups, 0 void" "mx10: one lookup, no void lookup"
is "$(verdict mx10.spf.test 198.51.100.20)" pass "mx10: the 10th exchange's address passes"
is "$(verdict mx10.spf.test 192.0.2.99)" fail "mx10: others fail, not permerror"
sees spf.mx-too-many fail mx11.spf.test
is "$(field spf.mx-too-many mx11.spf.test .actual)" 11 "mx11: 11 exchanges"

# --- redirect, and redirect beside all ----------------------------------------
sees spf.ok ok redirect.spf.test
is "$(verdict redirect.spf.test 198.51.100.25)" pass "redirect: the target's host passes"
sees spf.redirect-ignored info redirall.spf.test
sees spf.redirect-ignored info allredir.spf.test
like "$(field spf.lookups redirall.spf.test .message)" 'redirect=target\.spf\.test \(ignored' "redirall: redirect listed as ignored"
is "$(field spf.lookups redirall.spf.test .actual)" 0 "redirall: an ignored redirect costs nothing"
# libspf2 follows redirect= even beside ~all and passes the target's host.
is "$(verdict redirall.spf.test 198.51.100.25)" softfail "redirall: the target's host is not authorised (softfail)"
like "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.domain == "redirall.spf.test" and .subject == "198.51.100.25") | .message')" \
	'libspf2 alone says pass' "redirall: libspf2 alone says pass, and the report says so"
is "$(verdict allredir.spf.test 198.51.100.25)" fail "allredir: -all before redirect=: fail"

# --- loops, missing includes, ptr, all --------------------------------------
sees spf.include-loop fail loop.spf.test
is "$(verdict loop.spf.test 198.51.100.25)" permerror "loop: permerror"
sees spf.include-missing fail incmissing.spf.test
is "$(field spf.include-missing incmissing.spf.test .subject)" nospf.spf.test "incmissing: names the include without a record"
sees spf.ptr warn ptr.spf.test
sees spf.permissive-all fail plusall.spf.test
sees spf.permissive-all fail qall.spf.test
sees spf.permissive-all fail bareall.spf.test
is "$(verdict plusall.spf.test 192.0.2.99)" pass "plusall: anyone passes"
is "$(verdict qall.spf.test 192.0.2.99)" neutral "qall: anyone is neutral"

# --- one record, valid syntax -----------------------------------------------
sees spf.missing fail space.spf.test
sees spf.missing fail none.spf.test
sees spf.multiple fail two.spf.test
sees spf.syntax fail syntax.spf.test
is "$(field spf.syntax syntax.spf.test .actual)" ip4:192.0.2.300 "syntax: names the offending term"
sees spf.syntax fail cidr.spf.test
is "$(field spf.syntax cidr.spf.test .actual)" a:mail.spf.test/33 "cidr: names the term with /33"
sees spf.syntax fail nul.spf.test
like "$(field spf.syntax nul.spf.test .message)" 'a NUL byte' "nul: a NUL byte is a syntax error, not a crash"
# A record with a syntax error is permerror (RFC 7208 4.6), and is not handed
# to libspf2 (whose macro expansion has had CVEs): the reason given is
# cutover's own finding.
is "$(verdict syntax.spf.test 198.51.100.25)" permerror "syntax: permerror"
m=$(field spf.sender-not-authorized syntax.spf.test .message)
like "$m" "permerror: the SPF record of syntax\\.spf\\.test is not valid at 'ip4:192\\.0\\.2\\.300'" \
	"syntax: the sender's reason is cutover's syntax finding"
! printf '%s\n' "$m" | grep -q libspf2
ok $? "syntax: libspf2 is not asked about a record with a syntax error"
! printf '%s\n' "$OUT" | jq -r '.findings[] | select(.domain == "nul.spf.test" and .code == "spf.sender-not-authorized") | .message' |
	grep -q libspf2
ok $? "nul: libspf2 is not asked either"
sees spf.macro info macro.spf.test
is "$(verdict macro.spf.test 198.51.100.25)" pass "macro: exists:%{i}... evaluated by libspf2 for the sender"

# --- targets that are no valid name (RFC 7208 4.3, 4.8: none) -------------
# an include or redirect= of one is permerror (5.2, 6.1), not a macro
for d in badinc longinc badredir; do
	sees spf.include-missing fail $d.spf.test
	sees_no spf.macro $d.spf.test
	sees_no spf.ok $d.spf.test
	for s in $SENDERS; do
		is "$(verdict $d.spf.test $s)" permerror "$d: $s permerror"
	done
done
is "$(field spf.include-missing badinc.spf.test .actual)" include:a..b.spf.test "badinc: names the term"
like "$(field spf.include-missing badinc.spf.test .message)" "'a\\.\\.b\\.spf\\.test' is not a valid domain name" \
	"badinc: says the target is no valid name"
is "$(field spf.include-missing badredir.spf.test .actual)" redirect=a..b.spf.test "badredir: names the term"
# a, mx, exists of one match nothing
sees spf.ok ok badmech.spf.test
sees_no spf.macro badmech.spf.test
is "$(verdict badmech.spf.test 198.51.100.25)" pass "badmech: the ip4 after them still passes"
is "$(verdict badmech.spf.test 192.0.2.99)" fail "badmech: others fail"

# --- every verdict against Mail::SPF ---------------------------------------
for d in $DOMAINS; do
	for s in $SENDERS; do echo "$d $s"; done
done >"$TMP/pairs"
perl tests/spf-mailspf.pl "$RESOLVER" <"$TMP/pairs" >"$TMP/mailspf" 2>"$TMP/mailspf.err"
is "$?/$(wc -l <"$TMP/mailspf" | tr -d ' ')" "0/$(wc -l <"$TMP/pairs" | tr -d ' ')" "Mail::SPF judged every pair" ||
	diag "$(cat "$TMP/mailspf.err")"
while read -r d s want; do
	got=$(verdict "$d" "$s")
	case $d/$s/$want in
	mx11.spf.test/*.*.*.*/*)
		# Mail::SPF 2.009 still follows RFC 4408 here: it looks up the
		# first 10 exchanges and ignores the rest; RFC 7208 4.6.4 makes
		# an mx with more than 10 exchanges permerror.
		is "$want/$got" fail/permerror "$d $s: Mail::SPF (RFC 4408) fail, cutover (RFC 7208) permerror"
		;;
	# Mail::SPF 2.009 dies in Net::DNS on a name with an empty label (it
	# cannot put it in a query). An include or redirect of one is
	# permerror (RFC 7208 4.3, 5.2, 6.1); an a, mx or exists of one
	# matches nothing, one of the two results the RFC 7208 test suite
	# allows (invalid-domain-empty-label: permerror or fail).
	badinc.spf.test/*/dies | badredir.spf.test/*/dies)
		is "$got" permerror "$d $s: permerror (Mail::SPF dies on the empty label)"
		;;
	badmech.spf.test/198.51.100.25/dies)
		is "$got" pass "$d $s: pass on the ip4 (Mail::SPF dies on the empty label)"
		;;
	badmech.spf.test/*/dies)
		is "$got" fail "$d $s: fail, the empty-label terms match nothing (Mail::SPF dies on them)"
		;;
	*) is "$got" "$want" "$d $s: $want, as Mail::SPF says" ;;
	esac
done <"$TMP/mailspf"

# --- a resolver that fails is not "missing" ---------------------------------
run_cutover check -f json --timeout 500 -r tests/fixtures/rulesets/spf.yml --resolver 127.53.4.4 ok.spf.test
sees check.no-data error ok.spf.test
like "$(field check.no-data ok.spf.test .message)" 'could not be looked up' "a dead resolver: could not be determined"
sees_no spf.missing ok.spf.test

# --- a term whose lookup fails ------------------------------------------------
# a:, exists: and mx: of a name under child.deadparent.test, which nobody can
# reach: could not be determined (receivers: temperror), for each kind of term,
# and the record is not called fine.
audit -r tests/fixtures/rulesets/spf.yml tempfail-a.spf.test tempfail-exists.spf.test tempfail-mx.spf.test
for d in a:host.child.deadparent.test/A exists:x.child.deadparent.test/A mx:child.deadparent.test/MX; do
	name=tempfail-${d%%:*}.spf.test
	is "$(findings check.no-data "$name" status subject)" "error | ${d#*:}" \
		"$name: the failed lookup of ${d#*:} could not be determined"
	sees_no spf.ok "$name"
	is "$(findings spf.sender-not-authorized "$name" actual | sort -u)" temperror "$name: every sender temperror"
done

done_testing
