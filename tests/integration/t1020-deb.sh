#!/bin/sh
# The Debian package: `make deb` builds it (dpkg-buildpackage from a copy of
# the sources, this tree's build/ left alone) and lintian finds no error; its
# control fields carry the computed dependencies and Recommends:
# dns-root-data; it holds what `make install` installs; and, unpacked into a
# temporary root (dpkg -x), the installed binary runs with its installed rule
# sets against the test world, and its completion completes.

. "$(dirname "$0")/lib.sh"

need dpkg-buildpackage dpkg-dev
need dh debhelper
need lintian lintian
need bash bash
need zsh zsh

# --- make deb ------------------------------------------------------------

# what make deb must not touch: the tree's build (the binary these tests run)
state_of_build() {
	ls -l --time-style=+%s.%N build/cutover build/flags 2>/dev/null
	cat build/flags 2>/dev/null
}
before=$(state_of_build)
make -s deb DEB_DIR="$TMP/deb" >"$TMP/deb.log" 2>&1
RC=$?
is "$RC" 0 "make deb: exit 0 (dpkg-buildpackage, then lintian --fail-on error)" ||
	diag "$(tail -n 30 "$TMP/deb.log")"
is "$(state_of_build)" "$before" "make deb leaves the tree's build/ alone"
deb=$(ls "$TMP"/deb/cutover_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || bail_out "make deb made no .deb (see above)"
pass "make deb made $(basename "$deb")"

# lintian ran (make deb keeps its report) and found no error
[ -f "$TMP/deb/lintian.txt" ]
ok $? "make deb kept lintian's report"
is "$(grep '^E: ' "$TMP/deb/lintian.txt")" "" "lintian: no error"
note "lintian: $(grep -c '^[EWIP]: ' "$TMP/deb/lintian.txt") tags: $(cut -d' ' -f1,3 "$TMP/deb/lintian.txt" | sort -u | tr '\n' ' ')"
# and lintian does judge: a package with an error (no copyright file) fails
mkdir -p "$TMP/bad"
dpkg-deb -R "$deb" "$TMP/bad/root"
rm "$TMP/bad/root/usr/share/doc/cutover/copyright"
dpkg-deb -b --root-owner-group "$TMP/bad/root" "$TMP/bad/cutover_bad.deb" >/dev/null 2>&1
lintian --fail-on error "$TMP/bad/cutover_bad.deb" >"$TMP/bad/lintian.txt" 2>&1
lrc=$?
[ "$lrc" -ne 0 ]
ok $? "lintian --fail-on error fails on a package without a copyright file"
like "$(cat "$TMP/bad/lintian.txt")" "^E: .*no-copyright-file" "lintian names the error"

# --- control fields -------------------------------------------------------

field() {
	dpkg-deb -f "$deb" "$1"
}
is "$(field Package)" "cutover" "Package: cutover"
run_cutover --version
is "cutover $(field Version)" "$OUT" "Version is the binary's version"
is "$(field Architecture)" "$(dpkg --print-architecture)" "Architecture: this machine's"
depends=$(field Depends | tr ',' '\n' | sed 's/^ *//')
for lib in libc6 libldns3 libunbound8 libevent-2.1-7 libjansson4 libyaml-0-2 libcurl4 libsqlite3-0; do
	like "$depends" "^$lib( |\$)" "Depends (computed by dh_shlibdeps) has $lib"
done
is "$(field Recommends)" "dns-root-data" "Recommends: dns-root-data"

# --- contents: what make install installs ---------------------------------

dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|' >"$TMP/contents"
has() { # PATH DESC
	grep -qxF "$1" "$TMP/contents"
	ok $? "the package has $1${2:+ ($2)}"
}
has /usr/bin/cutover
has /usr/share/man/man1/cutover.1.gz "the man page"
has /usr/share/bash-completion/completions/cutover "bash completion"
has /usr/share/zsh/vendor-completions/_cutover "zsh completion"
has /usr/share/doc/cutover/copyright
for f in rules/*.yml rules/*.txt; do
	has "/usr/share/cutover/rules/$(basename "$f")" "a shipped rule set"
done
for f in contrib/plans/*.yml; do
	has "/usr/share/cutover/plans/$(basename "$f")" "an example plan"
done
units=$(ls contrib/systemd/*.service contrib/systemd/*.timer 2>/dev/null)
if [ -n "$units" ]; then
	for u in $units; do
		grep -q "/systemd/system/$(basename "$u")\$" "$TMP/contents"
		ok $? "the package has the systemd unit $(basename "$u")"
	done
	# and what they run
	grep -q "/cutover-textfile\$" "$TMP/contents"
	ok $? "the package has the units' helper cutover-textfile"
else
	skip "no contrib/systemd units in this tree"
fi

# --- the installed package ------------------------------------------------

ROOT=$TMP/root
dpkg -x "$deb" "$ROOT"
ok $? "dpkg -x unpacks it"
INSTALLED=$ROOT/usr/bin/cutover
[ -x "$INSTALLED" ]
ok $? "usr/bin/cutover is executable"
zcat "$ROOT/usr/share/man/man1/cutover.1.gz" | grep -q '/usr/share/cutover/rules/'
ok $? "the installed man page names /usr/share/cutover/rules"
zcat "$ROOT/usr/share/man/man1/cutover.1.gz" | sed 's/\\-/-/g' | grep -q '/lib/systemd/system/cutover-check@.timer'
ok $? "and where the systemd units are"
is "$(zcat "$ROOT/usr/share/man/man1/cutover.1.gz" | grep -o '@[A-Z]*@' | sort -u)" "" \
	"no @PLACEHOLDER@ is left in it"
is "$(grep -rlo '@[A-Z]*@' "$ROOT/lib/systemd/system" "$ROOT/usr/lib/cutover" 2>&1)" "" \
	"nor in the units and their helper"

TESTED=$CUTOVER
CUTOVER=$INSTALLED
unset CUTOVER_RULES_DIR
run_cutover --version
is "$RC" 0 "installed cutover --version: exit 0"
is "$OUT" "cutover $(field Version)" "installed cutover --version"
run_cutover help
like "$OUT" "^  check +audit domains" "installed cutover help lists check"
run_cutover help check
like "$OUT" "^usage: cutover check" "installed cutover help check"

# A bare -r NAME is looked up beside the binary (usr/bin/../share/cutover/rules)
# before the compiled-in /usr/share/cutover: in the unpacked root, its own.
run_cutover completion rule-sets
is "$OUT" "$(ls "$ROOT/usr/share/cutover/rules/" | sed -n 's/\.yml$//p' | LC_ALL=C sort)" \
	"the installed binary finds the installed rule sets"
[ -d /usr/share/cutover ] && note "/usr/share/cutover exists on this machine: the unpacked one comes first"

run_cutover check --root-hints "$ROOT_HINTS" -r pre-cutover -s new_ip=198.51.100.20 -f json \
	highttl.test serial.test
is "$RC" 2 "installed cutover check -r pre-cutover: exit 2 (findings fail)"
sees ttl.too-high fail highttl.test
sees soa.serial-mismatch fail serial.test
sees soa.ok ok highttl.test
run_cutover check --root-hints "$ROOT_HINTS" -r "$ROOT/usr/share/cutover/rules/default.yml" -f json good.test
is "$RC" 0 "installed cutover check -r .../rules/default.yml good.test: exit 0"
sees ns.ok ok good.test
run_cutover check --root-hints "$ROOT_HINTS" -f json lame.test
sees ns.lame fail lame.test
run_cutover check --root-hints "$ROOT_HINTS" -f tap lame.test
like "$OUT" "^not ok [0-9]+ - ns.lame " "installed cutover -f tap, the default rule set: ns.lame"

# the installed bash completion, completing with the installed binary
out=$(PATH=$ROOT/usr/bin:$PATH bash -c '
	. /usr/share/bash-completion/bash_completion
	. "$1"
	COMP_WORDS=(cutover check -r pre-)
	COMP_CWORD=3
	COMP_LINE="cutover check -r pre-"
	COMP_POINT=${#COMP_LINE}
	_cutover cutover pre- -r
	printf "%s\n" "${COMPREPLY[@]}"' sh "$ROOT/usr/share/bash-completion/completions/cutover" 2>&1)
is "$out" "pre-cutover" "the installed bash completion completes -r pre- with the installed rule set"
zsh -n "$ROOT/usr/share/zsh/vendor-completions/_cutover" 2>/dev/null
ok $? "the installed zsh completion parses (zsh -n)"
CUTOVER=$TESTED

done_testing
