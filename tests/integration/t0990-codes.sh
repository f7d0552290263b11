#!/bin/sh
# Every finding code cutover can emit (`cutover help codes`, made from
# src/codes.h) was seen, with its default status, by an assertion that ran in
# this run: lib.sh's sees, sees_at and has_finding note each code and status
# they find in a report in $CUTOVER_SEEN_LOG, which tests/run-integration.sh
# sets up. So this test runs last (run-integration.sh puts it there), after
# all the others; run alone it has nothing to judge and fails.

. "$(dirname "$0")/lib.sh"

run_cutover help codes
is "$RC" 0 "help codes runs"
printf '%s\n' "$OUT" >"$TMP/codes"

if [ -z "${CUTOVER_SEEN_LOG:-}" ] || [ ! -s "$CUTOVER_SEEN_LOG" ]; then
	fail "CUTOVER_SEEN_LOG names a log of what the tests saw"
	diag "run the whole suite through tests/run-integration.sh (make check): this test checks what the others saw"
	done_testing
	exit 0
fi
pass "CUTOVER_SEEN_LOG names a log of what the tests saw"

while read -r code status rest; do
	if grep -q "^$code $status " "$CUTOVER_SEEN_LOG"; then
		pass "$code ($status) is seen by a test"
	elif [ "$code" = ns.no-route ] && [ -n "${CUTOVER_TESTS_ALLOW_NO_NETNS:-}" ]; then
		skip "$code ($status) NOT TESTED: CUTOVER_TESTS_ALLOW_NO_NETNS is set (t0240)"
		diag "COVERAGE LOST: $code is not tested on this machine (no network namespaces)"
	else
		fail "$code ($status) is seen by a test"
		other=$(awk -v c="$code" '$1 == c { print $2 " (" $3 ")" }' "$CUTOVER_SEEN_LOG" | sort -u | tr '\n' ' ')
		diag "no assertion that ran saw $code with status $status${other:+; seen only as: $other}"
	fi
done <"$TMP/codes"

# The README's table of checks and codes lists exactly the codes of the list
# in src/codes.h, no more, no fewer.
awk '/^### Checks and finding codes/ { on = 1; next } on && /^#/ { on = 0 } on' README.md |
	grep -oE '`[a-z][a-z-]*\.[a-z-]+`' | tr -d '`' | sort -u >"$TMP/readme-codes"
cut -d' ' -f1 "$TMP/codes" | sort -u >"$TMP/list-codes"
ok "$([ -s "$TMP/readme-codes" ] && echo 0 || echo 1)" "the README has a table of codes"
diff "$TMP/list-codes" "$TMP/readme-codes" >"$TMP/codes.diff"
ok $? "the README's table of codes is the list in src/codes.h"
[ -s "$TMP/codes.diff" ] && diag "$(cat "$TMP/codes.diff")"

done_testing
