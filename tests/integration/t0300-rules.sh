#!/bin/sh
# Rule sets: every bad rule file in tests/fixtures/rules/ stops `cutover check`
# with exit status 3 and one message "cutover: FILE:LINE:COL: message" on
# stderr, the one its first line "# error: LINE:COL: message" states (with the
# "# set: NAME=VALUE" lines it carries given as --set); undefined variables,
# --set and `when:`; the shipped rule sets on the control zone good.test.

. "$(dirname "$0")/lib.sh"

R=tests/fixtures/rules

# bad_fixture FILE: run it, expect exit 3, its message, and nothing on stdout
bad_fixture() {
	_f=$1
	if [ -s "$_f" ]; then
		_want=$(sed -n 's/^# error: //p' "$_f" | head -n 1)
	else
		_want="1:1: empty rule file"
	fi
	if [ -z "$_want" ]; then
		fail "$_f states its error in a first line '# error: LINE:COL: message'"
		return
	fi
	set --
	while IFS= read -r _a; do
		[ -n "$_a" ] && set -- "$@" --set "$_a"
	done <<EOF
$(sed -n 's/^# set: //p' "$_f")
EOF
	run_cutover check -r "$_f" "$@" good.test
	is "$RC" 3 "$_f: exit status 3" || diag_run
	is "$ERR" "cutover: $_f:$_want" "$_f: $_want"
	is "$OUT" "" "$_f: nothing on stdout"
}

n=0
for f in "$R"/*.yml; do
	case ${f##*/} in good-*) continue ;; esac
	bad_fixture "$f"
	n=$((n + 1))
done
[ "$n" -ge 40 ]
ok $? "found the bad fixtures ($n)"

# --- files that cannot be read -----------------------------------------------

run_cutover check -r "$R/no-such-file.yml" good.test
is "$RC" 3 "a missing rule file: exit status 3"
is "$ERR" "cutover: cannot open '$R/no-such-file.yml': No such file or directory" \
	"a missing rule file is named, with the reason"

run_cutover check -r "$R" good.test
is "$RC" 3 "a directory as rule file: exit status 3"
is "$ERR" "cutover: cannot read '$R': Is a directory" "a directory as rule file is named"

# --- variables ---------------------------------------------------------------

run_cutover check -r "$R/undefined-var.yml" good.test
is "$RC" 3 "an undefined variable: exit status 3"
like "$ERR" "undefined variable 'new_ip' \\(set it with --set new_ip=VALUE\\)$" \
	"an undefined variable is named, with how to set it"

run_cutover check -r "$R/undefined-var.yml" --set new_ip=198.51.100.20 --resolver "$RESOLVER" -f json good.test
is "$RC" 0 "with --set new_ip the rule set loads and runs (www.good.test is 198.51.100.20)" || diag_run
is "$ERR" "" "with --set new_ip nothing on stderr"
has_finding record.ok ok good.test
ok $? "with --set new_ip the record check ran: record.ok"

run_cutover check -r "$R/undefined-var.yml" -s new_ip=192.0.2.99 --resolver "$RESOLVER" -f json good.test
is "$RC" 2 "the substituted value is what is checked: 192.0.2.99 fails" || diag_run
has_finding record.mismatch fail good.test
ok $? "record.mismatch against the value from -s"

# a later --set replaces an earlier one
run_cutover check -r "$R/undefined-var.yml" --set new_ip=192.0.2.99 --set new_ip=198.51.100.20 --resolver "$RESOLVER" \
	-f json good.test
is "$RC" 0 "the last --set of a name wins" || diag_run
has_finding record.ok ok good.test
ok $? "the last --set of a name wins: record.ok"

# a value is checked after substitution
run_cutover check -r "$R/bad-uint-after-set.yml" --set max_ttl=900 --resolver "$RESOLVER" -f json good.test
is "$RC" 0 "max: \"{max_ttl}\" with --set max_ttl=900 is a number" || diag_run
has_finding ttl.ok ok good.test
ok $? "and the ttl check ran with it: ttl.ok"

run_cutover check --set domain=example.org good.test
is "$RC" 3 "--set domain=...: exit status 3"
is "$ERR" "cutover: --set: cannot set 'domain': it is always the domain under check" \
	"--set domain is refused"

run_cutover check --set new-ip=1 good.test
is "$RC" 3 "--set with a bad name: exit status 3"
is "$ERR" "cutover: --set: invalid variable name 'new-ip' (letters, digits and '_', not starting with a digit)" \
	"--set with a bad name is refused"

run_cutover check --set new_ip good.test
is "$RC" 3 "--set without '=': exit status 3"
is "$ERR" "cutover: --set: invalid assignment 'new_ip' (expected NAME=VALUE)" "--set without '=' is refused"

# --- the shipped rule sets and when: -----------------------------------------

run_cutover check -r rules/default.yml --resolver "$RESOLVER" -f json good.test
is "$RC" 0 "default on good.test: exit status 0" || diag_run
has_finding wildcard.ok ok good.test
ok $? "default reports the wildcard of good.test"

run_cutover check -r rules/pre-cutover.yml --resolver "$RESOLVER" -f json good.test
is "$RC" 0 "pre-cutover on good.test without new_ip: exit status 0" || diag_run
is "$ERR" "" "pre-cutover without new_ip: nothing on stderr"
is "$(finding_count wildcard.ok)$(finding_count wildcard.wrong-target)" 00 \
	"pre-cutover without new_ip skips the wildcard check (when: new_ip)"
run_cutover check -r rules/pre-cutover.yml --resolver "$RESOLVER" good.test
like "$ERR" "^cutover: note: rules/pre-cutover.yml:[0-9]+:[0-9]+: check 'wildcard' skipped: 'new_ip' is not set$" \
	"pre-cutover without new_ip, text report: a note names the skipped check"

run_cutover check -r rules/pre-cutover.yml --set new_ip=198.51.100.20 --resolver "$RESOLVER" -f json good.test
is "$RC" 0 "pre-cutover with the right new_ip: exit status 0" || diag_run
has_finding wildcard.ok ok good.test
ok $? "pre-cutover with new_ip checks the wildcard: wildcard.ok"

run_cutover check -r rules/pre-cutover.yml --set new_ip=192.0.2.99 --resolver "$RESOLVER" -f json good.test
is "$RC" 2 "pre-cutover with another new_ip: exit status 2" || diag_run
has_finding wildcard.wrong-target fail good.test
ok $? "pre-cutover with another new_ip: wildcard.wrong-target"

done_testing
