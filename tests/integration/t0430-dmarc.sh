#!/bin/sh
# dmarc: the record that applies, found by the RFC 9989 tree walk and by the
# public suffix list (RFC 7489), under a real multi-label public suffix (co.uk,
# served by the fake root) and under .test; tags, policy strength, report
# authorisations. Fixtures: dmarc.test, dmarc-corp.co.uk, dmarc-orphan.co.uk,
# mut-dmarc-broken.co.uk, co.uk (psd=y) (tests/fixtures/README.md).

. "$(dirname "$0")/lib.sh"

cat >"$TMP/dmarc.yml" <<'YML'
name: dmarc
checks:
  - check: dmarc
    policy_min: quarantine
YML

# field CODE DOMAIN JQ: JQ (e.g. .message) of the first finding with that
# code for that domain
field() {
	printf '%s\n' "$OUT" | jq -r --arg c "$1" --arg d "$2" \
		"[.findings[] | select(.code == \$c and .domain == \$d)][0] | $3"
}

# --- under co.uk: the tree walk against the public suffix list ---------------

audit -r "$TMP/dmarc.yml" dmarc-corp.co.uk mail.dmarc-corp.co.uk dept.dmarc-corp.co.uk \
	mail.dept.dmarc-corp.co.uk host.sub.dmarc-corp.co.uk ghost.dmarc-corp.co.uk \
	txtonly.dmarc-corp.co.uk a.b.c.d.e.f.dmarc-corp.co.uk dmarc-orphan.co.uk twice.dmarc-corp.co.uk
is "$RC" 2 "exit status 2 (ghost.dmarc-corp.co.uk is not delegated)" || diag_run

sees dmarc.ok ok dmarc-corp.co.uk
like "$(field dmarc.ok dmarc-corp.co.uk .message)" '^_dmarc\.dmarc-corp\.co\.uk applies to dmarc-corp\.co\.uk through p= \(its own record\)' \
	"dmarc-corp.co.uk: its own record, through p="

# a subdomain with no record: the parent's sp= applies, and both methods agree
sees dmarc.ok ok mail.dmarc-corp.co.uk
is "$(field dmarc.ok mail.dmarc-corp.co.uk '.subject + " " + .actual')" "_dmarc.dmarc-corp.co.uk/TXT quarantine" \
	"mail.dmarc-corp.co.uk: _dmarc.dmarc-corp.co.uk applies, sp=quarantine"
like "$(field dmarc.ok mail.dmarc-corp.co.uk .message)" 'through sp= \(RFC 9989 tree walk: no record at _dmarc\.mail\.dmarc-corp\.co\.uk; organizational domain dmarc-corp\.co\.uk, the domain below the public suffix domain co\.uk \(psd=y\)' \
	"mail.dmarc-corp.co.uk: the message says which record applied and why"
sees_no dmarc.discovery-differs mail.dmarc-corp.co.uk

# a record at an intermediate label without psd=: it is dept's own policy
# (p=none, weak), but not the organizational domain's, so mail.dept gets
# dmarc-corp.co.uk's sp= (RFC 9989 4.10.2), as with the public suffix list
sees dmarc.policy-weak warn dept.dmarc-corp.co.uk
is "$(field dmarc.policy-weak dept.dmarc-corp.co.uk '.subject + " " + .expected + " " + .actual')" \
	"_dmarc.dept.dmarc-corp.co.uk/TXT quarantine none" "dept.dmarc-corp.co.uk: its own p=none is below quarantine"
sees dmarc.ok ok mail.dept.dmarc-corp.co.uk
is "$(field dmarc.ok mail.dept.dmarc-corp.co.uk '.subject + " " + .actual')" "_dmarc.dmarc-corp.co.uk/TXT quarantine" \
	"mail.dept.dmarc-corp.co.uk: the intermediate record without psd= does not apply"

# psd=n at an intermediate label: RFC 9989 makes sub its own organizational
# domain (p=none), the public suffix list says dmarc-corp.co.uk (sp=quarantine)
sees dmarc.discovery-differs warn host.sub.dmarc-corp.co.uk
is "$(field dmarc.discovery-differs host.sub.dmarc-corp.co.uk '.expected + " | " + .actual')" \
	"_dmarc.sub.dmarc-corp.co.uk p=none | _dmarc.dmarc-corp.co.uk sp=quarantine" \
	"host.sub.dmarc-corp.co.uk: both records and policies in the finding"
sees dmarc.policy-weak warn host.sub.dmarc-corp.co.uk
like "$(field dmarc.policy-weak host.sub.dmarc-corp.co.uk .message)" 'organizational domain sub\.dmarc-corp\.co\.uk, it says psd=n' \
	"host.sub.dmarc-corp.co.uk: weak judged on the record RFC 9989 applies"

# a name that does not exist (NXDOMAIN, RFC 8020) gets np= (RFC 7489
# receivers: sp=); one with only a TXT record exists, so sp= for both
d=ghost.dmarc-corp.co.uk
sees dmarc.discovery-differs warn $d
is "$(field dmarc.discovery-differs $d '.expected + " | " + .actual')" \
	"_dmarc.dmarc-corp.co.uk np=reject | _dmarc.dmarc-corp.co.uk sp=quarantine" "$d: np=reject, or sp= for RFC 7489"
like "$(field dmarc.discovery-differs $d .message)" "$d does not exist \\(NXDOMAIN, RFC 8020\\)" "$d: says why np= applies"
sees_no dmarc.discovery-differs txtonly.dmarc-corp.co.uk
like "$(field dmarc.ok txtonly.dmarc-corp.co.uk .message)" 'through sp=' \
	"txtonly.dmarc-corp.co.uk: a name with a TXT only exists: sp=, not np="

# two records at the name: RFC 9989 discards them and walks on to the
# organizational domain; RFC 7489 falls back to it only when there is none
# (6.6.3 steps 3 and 5), so it ends with no DMARC
sees dmarc.multiple fail twice.dmarc-corp.co.uk
sees dmarc.discovery-differs warn twice.dmarc-corp.co.uk
is "$(field dmarc.discovery-differs twice.dmarc-corp.co.uk '.expected + " | " + .actual')" \
	"_dmarc.dmarc-corp.co.uk sp=quarantine | no policy (2 DMARC records at _dmarc.twice.dmarc-corp.co.uk)" \
	"twice.dmarc-corp.co.uk: the parent's sp= against no DMARC for RFC 7489"
like "$(field dmarc.discovery-differs twice.dmarc-corp.co.uk .message)" 'RFC 7489 6\.6\.3 steps 3 and 5' \
	"twice.dmarc-corp.co.uk: says why RFC 7489 stops"

# 9 labels: the walk jumps to the last 7, past the psd=n record at 8 labels
sees dmarc.ok ok a.b.c.d.e.f.dmarc-corp.co.uk
is "$(field dmarc.ok a.b.c.d.e.f.dmarc-corp.co.uk '.subject + " " + .actual')" "_dmarc.dmarc-corp.co.uk/TXT quarantine" \
	"a.b.c.d.e.f.dmarc-corp.co.uk: _dmarc.b.c.d.e.f is skipped by the walk"

# no record of its own under a psd=y public suffix: RFC 9989 applies co.uk's,
# RFC 7489 none
sees dmarc.discovery-differs warn dmarc-orphan.co.uk
is "$(field dmarc.discovery-differs dmarc-orphan.co.uk '.expected + " | " + .actual')" \
	"_dmarc.co.uk p=quarantine | no record (no policy)" "dmarc-orphan.co.uk: co.uk's psd=y record against none"
sees_no dmarc.missing dmarc-orphan.co.uk

# What RFC 7489 receivers apply is unknown when the lookup at the
# organizational domain fails: the tree walk's record applies, and an unknown
# is no difference. (mut-dmarc-broken.co.uk's _dmarc is delegated to a dead
# server; c.d.e.f's record stops the walk before it.)
audit -r "$TMP/dmarc.yml" mut-dmarc-broken.co.uk a.b.c.d.e.f.mut-dmarc-broken.co.uk
is "$(findings dmarc.ok a.b.c.d.e.f.mut-dmarc-broken.co.uk status subject actual)" \
	"ok | _dmarc.c.d.e.f.mut-dmarc-broken.co.uk/TXT | reject" \
	"a.b.c.d.e.f.mut-dmarc-broken.co.uk: c.d.e.f's record (psd=n) applies"
sees_no dmarc.discovery-differs a.b.c.d.e.f.mut-dmarc-broken.co.uk
is "$(findings check.no-data mut-dmarc-broken.co.uk status subject)" \
	"error | _dmarc.mut-dmarc-broken.co.uk/TXT" "mut-dmarc-broken.co.uk: its own lookup fails: could not be determined"
sees_no dmarc.discovery-differs mut-dmarc-broken.co.uk

# --- under .test: one name a case ---------------------------------------------

audit -r "$TMP/dmarc.yml" good.dmarc.test nothing.dmarc.test multiple.dmarc.test syntax.dmarc.test \
	notfirst.dmarc.test weak.dmarc.test testing.dmarc.test pctzero.dmarc.test removed.dmarc.test unknown.dmarc.test \
	nop.dmarc.test spbad.dmarc.test spbadnorua.dmarc.test extok.dmarc.test extbad.dmarc.test child.psdy.dmarc.test hostile.dmarc.test
is "$RC" 2 "exit status 2" || diag_run

sees dmarc.ok ok good.dmarc.test
is "$(finding_count dmarc.ok)" 3 "dmarc.ok for good, unknown and extok only"
sees dmarc.missing fail nothing.dmarc.test
like "$(field dmarc.missing nothing.dmarc.test .message)" 'tree walk up to _dmarc\.test$' "nothing.dmarc.test: walked up to test."
sees dmarc.multiple fail multiple.dmarc.test
is "$(field dmarc.multiple multiple.dmarc.test .actual)" 2 "multiple.dmarc.test: two records"
sees_no dmarc.ok multiple.dmarc.test

sees dmarc.syntax fail syntax.dmarc.test
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.code == "dmarc.syntax" and .domain == "syntax.dmarc.test") | .actual] | join(" ")')" \
	"p adkim fo rua" "syntax.dmarc.test: each bad tag named"
like "$(field dmarc.syntax syntax.dmarc.test .message)" 'p=rejected is not none, quarantine or reject' "p=rejected named"
# an invalid p= without a valid rua: receivers apply no policy at all
like "$(field dmarc.policy-weak syntax.dmarc.test .actual)" '^no policy' "syntax.dmarc.test: no policy applies"

sees dmarc.syntax fail notfirst.dmarc.test
sees dmarc.missing fail notfirst.dmarc.test

sees dmarc.policy-weak warn weak.dmarc.test
# t=y is RFC 9989's (one level less); RFC 7489 receivers do not know it and
# apply p= as written; pct is RFC 7489's (6.6.4: pct=0 is the next lower
# policy for all mail, pct=50 the policy for half), RFC 9989 receivers ignore it
sees_no dmarc.policy-weak testing.dmarc.test
sees_no dmarc.ok testing.dmarc.test
sees dmarc.discovery-differs warn testing.dmarc.test
is "$(field dmarc.discovery-differs testing.dmarc.test '.expected + " | " + .actual')" \
	"_dmarc.testing.dmarc.test p=quarantine (t=y lowers reject) | _dmarc.testing.dmarc.test p=reject" \
	"testing.dmarc.test: t=y lowers reject for RFC 9989 only"
sees dmarc.discovery-differs warn pctzero.dmarc.test
is "$(field dmarc.discovery-differs pctzero.dmarc.test '.expected + " | " + .actual')" \
	"_dmarc.pctzero.dmarc.test p=reject | _dmarc.pctzero.dmarc.test p=quarantine (pct=0: reject applies to no mail)" \
	"pctzero.dmarc.test: pct=0 lowers reject for RFC 7489 only"
is "$(field dmarc.discovery-differs removed.dmarc.test '.expected + " | " + .actual')" \
	"_dmarc.removed.dmarc.test p=reject | _dmarc.removed.dmarc.test p=reject for 50% of failing mail, quarantine for the rest (pct=50)" \
	"removed.dmarc.test: pct=50 halves reject for RFC 7489 only"

sees dmarc.removed-tag info removed.dmarc.test
is "$(printf '%s\n' "$OUT" | jq -r '[.findings[] | select(.code == "dmarc.removed-tag" and .domain == "removed.dmarc.test") | .actual] | join(" ")')" \
	"pct rf ri rua" "removed.dmarc.test: pct, rf, ri and the !size limit"
sees dmarc.unknown-tag info unknown.dmarc.test
is "$(field dmarc.unknown-tag unknown.dmarc.test .actual)" foo "unknown.dmarc.test: foo named"

sees dmarc.no-policy warn nop.dmarc.test
is "$(field dmarc.policy-weak nop.dmarc.test .actual)" "none (the record has no p=)" "nop.dmarc.test: treated as p=none"

# p=reject with an invalid sp=: RFC 9989 rejects (sp= is not the tag for the
# name itself); RFC 7489 6.6.3 step 6: p=none with a valid rua, else no DMARC
sees dmarc.syntax fail spbad.dmarc.test
is "$(field dmarc.discovery-differs spbad.dmarc.test '.expected + " | " + .actual')" \
	"_dmarc.spbad.dmarc.test p=reject | _dmarc.spbad.dmarc.test p=none (sp= is invalid; rua makes RFC 7489 receivers act as p=none)" \
	"spbad.dmarc.test: RFC 7489 acts as p=none (valid rua)"
is "$(field dmarc.discovery-differs spbadnorua.dmarc.test '.expected + " | " + .actual')" \
	"_dmarc.spbadnorua.dmarc.test p=reject | _dmarc.spbadnorua.dmarc.test p=no policy (sp= is invalid and there is no valid rua: RFC 7489 receivers apply no DMARC)" \
	"spbadnorua.dmarc.test: RFC 7489 applies no DMARC (no rua)"
# no p= with a valid rua: none for both (RFC 9989 4.7, RFC 7489 step 6)
sees_no dmarc.discovery-differs nop.dmarc.test

sees dmarc.external-authorized ok extok.dmarc.test
is "$(field dmarc.external-authorized extok.dmarc.test .subject)" \
	"extok.dmarc.test._report._dmarc.reports.dmarc.test/TXT" "extok.dmarc.test: authorisation looked up at D._report._dmarc.DEST"
sees dmarc.external-unauthorized warn extbad.dmarc.test
is "$(finding_count dmarc.external-unauthorized)" 2 "extbad.dmarc.test: both destinations unauthorised"
sees_no dmarc.external-unauthorized good.dmarc.test

# psd=y: the public suffix domain's record applies to the name below it
sees dmarc.discovery-differs warn child.psdy.dmarc.test
is "$(field dmarc.discovery-differs child.psdy.dmarc.test '.expected + " | " + .actual')" \
	"_dmarc.psdy.dmarc.test p=reject | no record (no policy)" "child.psdy.dmarc.test: psd=y record against none"

# a hostile record: findings, never a crash
sees dmarc.syntax fail hostile.dmarc.test
like "$(field dmarc.syntax hostile.dmarc.test .message)" 'p=\\x00\\x01reject' "hostile.dmarc.test: control bytes shown escaped"

# --- a lookup that fails is "could not be determined", never "missing" -----

audit -r "$TMP/dmarc.yml" child.refused.test
sees check.no-data error child.refused.test
sees_no dmarc.missing child.refused.test

# --- severity and no policy_min ----------------------------------------------

cat >"$TMP/plain.yml" <<'YML'
name: plain
checks:
  - check: dmarc
YML
audit -r "$TMP/plain.yml" weak.dmarc.test
sees dmarc.ok ok weak.dmarc.test
is "$RC" 0 "without policy_min, p=none passes"

done_testing
