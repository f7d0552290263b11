#!/bin/sh
# Every finding code cutover can emit (`cutover help codes`, made from
# src/codes.c) is seen by some integration test: a `sees CODE STATUS DOMAIN`
# line in tests/integration/.

. "$(dirname "$0")/lib.sh"

run_cutover help codes
is "$RC" 0 "help codes runs"
printf '%s\n' "$OUT" >"$TMP/codes"
while read -r code status rest; do
	grep -qE "^[[:space:]]*sees $code [a-z]+ " tests/integration/t*.sh
	ok $? "$code ($status) has a test that sees it"
done <"$TMP/codes"

# The README's table of checks and codes lists exactly the codes of the list
# in src/codes.h, no more, no fewer.
awk '/^### Checks and finding codes/ { on = 1; next } on && /^#/ { on = 0 } on' README.md |
	grep -oE '`[a-z]+\.[a-z-]+`' | tr -d '`' | sort -u >"$TMP/readme-codes"
cut -d' ' -f1 "$TMP/codes" | sort -u >"$TMP/list-codes"
ok "$([ -s "$TMP/readme-codes" ] && echo 0 || echo 1)" "the README has a table of codes"
diff "$TMP/list-codes" "$TMP/readme-codes" >"$TMP/codes.diff"
ok $? "the README's table of codes is the list in src/codes.h"
[ -s "$TMP/codes.diff" ] && diag "$(cat "$TMP/codes.diff")"

done_testing
