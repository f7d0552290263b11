#!/bin/sh
# Resource limits (issue 7, item 4, and defects 10 and 15): a low limit on
# open files, standard output closed or its reader gone, a full disk. Each
# ends in a clean exit with a message, never a crash, a SIGPIPE death or a
# truncated report in place of the old one.

. "$(dirname "$0")/lib.sh"

# limited N ARG...: run_cutover under `ulimit -n N` (soft and hard limit)
limited() {
	_n=$1
	shift
	(ulimit -n "$_n" && exec "$CUTOVER" "$@") >"$TMP/cutover.out" 2>"$TMP/cutover.err"
	RC=$?
	OUT=$(cat "$TMP/cutover.out")
	ERR=$(cat "$TMP/cutover.err")
}

# --- 10,000 domains with 64 descriptors ------------------------------------
# Names under good.test's wildcard, each checked within good.test. Each also
# asks for big.good.test TXT, which is truncated over UDP, so every domain
# opens TCP connections too: far more sockets than the limit allows at once.
# The engine must queue them, never fail a query for want of a descriptor.
seq -f 'n%g.good.test' 1 10000 >"$TMP/domains"
cat >"$TMP/limits.yml" <<'EOF'
name: limits
checks:
  - check: soa
  - check: ttl
    names: ["{domain}"]
    types: [A]
    max: 86400
  - check: ttl
    names: ["big.good.test"]
    types: [TXT]
    max: 86400
EOF
limited 64 check --root-hints "$ROOT_HINTS" -r "$TMP/limits.yml" -f json -j 1000 --stats -d "$TMP/domains"
is "$RC" 0 "ulimit -n 64, 10,000 domains: exit 0" || diag "$(printf '%s\n' "$ERR" | head -5)"
is "$(json_field '.domains | length')" 10000 "ulimit -n 64: all 10,000 domains reported"
is "$(finding_count soa.ok ok)" 10000 "ulimit -n 64: soa.ok for each domain"
is "$(finding_count ttl.ok ok)" 20000 "ulimit -n 64: ttl.ok for each name, big.good.test over TCP included"
is "$(json_field '.summary.error')" 0 "ulimit -n 64: no error finding"
like "$ERR" "stats: domains=10000 .* tcp=[1-9][0-9]{3,} " "ulimit -n 64: thousands of TCP fallbacks were made"
! printf '%s\n' "$ERR" | grep -qi "too many open files"
ok $? "ulimit -n 64: no 'Too many open files'"

# --- too few descriptors to start (defect 10) ------------------------------
# At 10-12, libevent inside libunbound could not make its signal socketpair,
# printed evsig_init_ and called exit(1): Nagios WARNING, no status line.
for n in 10 12; do
	limited $n check --root-hints "$ROOT_HINTS" -f nagios good.test
	is "$RC" 3 "ulimit -n $n: exit 3"
	like "$ERR" "^cutover: the limit on open files is $n \(ulimit -n\): cutover needs at least 32" \
		"ulimit -n $n: says the limit is too low"
	is "$OUT" "" "ulimit -n $n: no report"
done
# A low soft limit under a higher hard one is raised, not refused.
(ulimit -S -n 12 && ulimit -H -n 256 && exec "$CUTOVER" check --root-hints "$ROOT_HINTS" -f json good.test) \
	>"$TMP/cutover.out" 2>"$TMP/cutover.err"
RC=$?
OUT=$(cat "$TMP/cutover.out")
is "$RC" 0 "soft limit 12, hard 256: raised, exit 0"
sees ns.ok ok good.test

# --- standard output closed (defect 15) -------------------------------------
"$CUTOVER" check --root-hints "$ROOT_HINTS" good.test >&- 2>"$TMP/err"
RC=$?
is "$RC" 3 "stdout closed: exit 3"
like "$(cat "$TMP/err")" "^cutover: standard output is closed: give -o FILE for the report$" \
	"stdout closed: says so (not 'Invalid argument')"
"$CUTOVER" records --root-hints "$ROOT_HINTS" good.test >&- 2>"$TMP/err"
is "$?" 3 "records, stdout closed: exit 3"
like "$(cat "$TMP/err")" "^cutover: standard output is closed" "records, stdout closed: says so"
"$CUTOVER" help check >&- 2>"$TMP/err"
is "$?" 3 "help, stdout closed: exit 3"
like "$(cat "$TMP/err")" "^cutover: cannot write standard output: Bad file descriptor$" "help, stdout closed: says so"
# With -o, a closed stdout does not matter, and the report file is not
# taken for descriptor 1.
"$CUTOVER" check --root-hints "$ROOT_HINTS" -f json -o "$TMP/closed.json" good.test >&- 2>"$TMP/err"
is "$?" 0 "stdout closed, -o FILE: exit 0"
is "$(jq -r '.domains[0]' "$TMP/closed.json")" good.test "stdout closed, -o FILE: the report is whole"

# --- a reader that goes away: cutover ... | head -c 10 ----------------------
seq -f 'n%g.good.test' 1 300 >"$TMP/domains300"
{
	"$CUTOVER" check --root-hints "$ROOT_HINTS" -r tests/fixtures/rulesets/dns.yml -f json \
		--stats -d "$TMP/domains300" 2>"$TMP/err"
	echo $? >"$TMP/rc"
} | head -c 10 >"$TMP/head.out"
is "$(cat "$TMP/rc")" 3 "broken pipe: exit 3, not killed by SIGPIPE (141)"
like "$(cat "$TMP/err")" "^cutover: cannot write standard output: Broken pipe$" "broken pipe: says so"
! grep -q "stats:" "$TMP/err"
ok $? "broken pipe: the run stopped there (no statistics of a run that could not be reported)"
is "$(cat "$TMP/head.out")" '{
  "versi' "broken pipe: the reader got the start of the report"

# --- a full disk ------------------------------------------------------------
limited 1024 check --root-hints "$ROOT_HINTS" -f json -o /dev/full good.test
is "$RC" 3 "-o /dev/full: exit 3"
like "$ERR" "^cutover: cannot write '/dev/full': No space left on device$" "-o /dev/full: says why"
# A regular file on a full file system (a 64 KB tmpfs of our own, in a mount
# namespace): the old report stays as it was, and no temporary file is left.
mkdir "$TMP/full"
unshare -m sh -c '
	mount -t tmpfs -o size=64k tmpfs "$1" || exit 99
	echo "the old report" >"$1/report.json"
	dd if=/dev/zero of="$1/fill" bs=1k count=100 2>/dev/null
	"$2" check --root-hints "$3" -r tests/fixtures/rulesets/dns.yml -f json -o "$1/report.json" \
		-d "$4" 2>"$5/full.err"
	echo $? >"$5/full.rc"
	cat "$1/report.json" >"$5/full.after"
	ls "$1" >"$5/full.ls"
' sh "$TMP/full" "$CUTOVER" "$ROOT_HINTS" "$TMP/domains300" "$TMP"
is "$?" 0 "full disk: the tmpfs could be mounted (unshare -m, as root)"
is "$(cat "$TMP/full.rc")" 3 "full disk: exit 3"
like "$(cat "$TMP/full.err")" "^cutover: cannot write '$TMP/full/report.json': No space left on device$" \
	"full disk: says why"
is "$(cat "$TMP/full.after")" "the old report" "full disk: the old report is untouched"
is "$(cat "$TMP/full.ls" | tr '\n' ' ')" "fill report.json " "full disk: no temporary file left"

done_testing
