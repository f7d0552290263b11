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

done_testing
