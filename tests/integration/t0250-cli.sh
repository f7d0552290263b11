#!/bin/sh
# The command line: help and version, usage errors (exit 3 with a message),
# resolver options, domain files, output files, colour.

. "$(dirname "$0")/lib.sh"

run_cutover --version
is "$OUT" "cutover 0.1.0" "--version"
run_cutover help
like "$OUT" "^  check +audit domains" "help lists check"
run_cutover help check
like "$OUT" "--root-hints FILE" "help check documents --root-hints"
is "$RC" 0 "help check: exit 0"
run_cutover check --help
like "$OUT" "^usage: cutover check" "check --help"
run_cutover help checks
like "$OUT" "^record: " "help checks lists record"
like "$OUT" "negative_ttl_max" "help checks lists soa's parameter"
run_cutover help codes
like "$OUT" "^ttl.too-high +fail " "help codes lists ttl.too-high as fail"
run_cutover help nosuch
is "$RC" 3 "help nosuch: exit 3"
run_cutover nosuch
is "$RC" 3 "unknown command: exit 3"
like "$ERR" "^cutover: 'nosuch' is not a cutover command" "unknown command: message"
run_cutover
is "$RC" 3 "no command: exit 3"

usage_error() { # DESC ERE ARG...
	_d=$1 _re=$2
	shift 2
	run_cutover check "$@"
	is "$RC" 3 "$_d: exit 3"
	like "$ERR" "$_re" "$_d: message"
	is "$OUT" "" "$_d: nothing on stdout"
}
usage_error "no domain" "^cutover: check: no domain given" --root-hints "$ROOT_HINTS"
usage_error "bad format" "^cutover: unknown format 'xml'" -f xml good.test
usage_error "bad --fail-on" "^cutover: --fail-on: want 'warn', 'fail' or 'new', not 'error'" --fail-on error good.test
usage_error "bad --timeout" "^cutover: --timeout: want milliseconds" --timeout 5s good.test
usage_error "bad --jobs" "^cutover: --jobs: want a number" -j 0 good.test
usage_error "bad --set" "^cutover: --set: invalid assignment 'new_ip'" --set new_ip good.test
usage_error "unknown option" "unrecognized option '--frobnicate'" --frobnicate good.test
usage_error "missing root hints" "^cutover: cannot read root hints '/nonexistent/root.hints'" \
	--root-hints /nonexistent/root.hints good.test
usage_error "missing trust anchor" "^cutover: cannot read trust anchor '/nonexistent/root.key'" \
	--root-hints "$ROOT_HINTS" --trust-anchor /nonexistent/root.key good.test
usage_error "bad resolver" "^cutover: invalid resolver address 'not-an-address'" --resolver not-an-address good.test
usage_error "--resolver with --root-hints" "^cutover: --resolver forwards every lookup; it cannot be combined with --root-hints" \
	--resolver "$RESOLVER" --root-hints "$ROOT_HINTS" good.test
usage_error "missing domains file" "^cutover: cannot open '/nonexistent/domains'" -d /nonexistent/domains
usage_error "missing rule set" "^cutover: cannot open 'nosuch-rules.yml'" -r nosuch-rules.yml good.test

# Through the world's resolver instead of the embedded one.
run_cutover check --resolver "$RESOLVER" -f json good.test highttl.test
is "$RC" 0 "--resolver: default rules pass good.test and highttl.test (a day is allowed)" || diag_run
sees ns.ok ok good.test
sees ttl.ok ok highttl.test
is "$(finding_count ttl.too-high)" 0 "--resolver: a TTL of a day is not too high for rules/default.yml"
run_cutover check --resolver "$RESOLVER#53" -f json -r pre-cutover highttl.test
sees ttl.too-high fail highttl.test

# Domains from a file (comments and blank lines skipped) and the command line.
printf '# the control zone\ngood.test\n\n  serial.test   # behind\n' >"$TMP/domains"
audit -d "$TMP/domains" nowild.test
is "$(json_field '.domains | join(" ")')" "good.test serial.test nowild.test" "-d: domains in order, file first"
sees soa.serial-mismatch fail serial.test
printf 'good.test\n' | { audit -d - ; echo "$RC $(json_field '.domains[0]')" >"$TMP/stdin.out"; }
is "$(cat "$TMP/stdin.out")" "0 good.test" "-d -: domains from standard input"

# A domain given twice (in any spelling) is checked once.
audit good.test GOOD.test. good.test
is "$(json_field '.domains | join(" ")')" "good.test" "a repeated domain is listed once"
is "$(finding_count ns.ok)" 1 "a repeated domain is checked once"

# Names are case-insensitive and a trailing dot is allowed.
audit GOOD.Test.
is "$(json_field '.domains[0]')" good.test "GOOD.Test. is reported as good.test"
sees ns.ok ok good.test

# A name that is not a domain name is a usage error, before anything is asked
# (t0280 has the rest: addresses, spaces, '#', IDN, lengths).
usage_error "empty label" "^cutover: 'bad..name' is not a domain name: it has an empty label" \
	--root-hints "$ROOT_HINTS" "bad..name"
usage_error "label of 70 octets" "^cutover: 'x{70}\.test' is not a domain name: it has a label longer than 63 octets" \
	--root-hints "$ROOT_HINTS" "$(printf 'x%.0s' $(seq 1 70)).test"

# -o writes the report atomically and nothing to stdout.
run_cutover check --root-hints "$ROOT_HINTS" -f json -o "$TMP/report.json" good.test
is "$RC" 0 "-o: exit 0"
is "$OUT" "" "-o: nothing on stdout"
# (info: no DKIM key under any common selector of good.test)
is "$(jq -r .status "$TMP/report.json")" info "-o: the report is in the file"
is "$(ls "$TMP" | grep -c 'report.json.tmp')" 0 "-o: no temporary file left"
# a device (or FIFO) is written in place, never replaced by a regular file
mknod "$TMP/null" c 1 3
run_cutover check --root-hints "$ROOT_HINTS" -f json -o "$TMP/null" good.test
is "$RC" 0 "-o a device: exit 0"
ok $([ -c "$TMP/null" ] && echo 0 || echo 1) "-o a device: it is still a character device"
run_cutover check --root-hints "$ROOT_HINTS" -o /nonexistent/dir/report.json good.test
is "$RC" 3 "-o into a missing directory: exit 3"
like "$ERR" "^cutover: cannot write '/nonexistent/dir/report.json" "-o into a missing directory: message"

# Colour only on a terminal, never with NO_COLOR.
esc=$(printf '\033')
run_cutover check --root-hints "$ROOT_HINTS" good.test
case $OUT in *"$esc"*) fail "no colour when stdout is not a terminal" ;; *) pass "no colour when stdout is not a terminal" ;; esac
need script bsdutils
script -qec "$CUTOVER check --root-hints $ROOT_HINTS highttl.test -r pre-cutover" /dev/null >"$TMP/tty.out" 2>&1
case $(cat "$TMP/tty.out") in *"$esc["*) pass "colour on a terminal" ;; *) fail "colour on a terminal" ;; esac
NO_COLOR=1 script -qec "$CUTOVER check --root-hints $ROOT_HINTS highttl.test -r pre-cutover" /dev/null >"$TMP/tty.out" 2>&1
case $(cat "$TMP/tty.out") in *"$esc["*) fail "NO_COLOR: no colour on a terminal" ;; *) pass "NO_COLOR: no colour on a terminal" ;; esac

# A report that cannot be written is an error, and the run stops there
# rather than auditing the rest for nothing.
for fmt in json tap; do
	run_cutover check --root-hints "$ROOT_HINTS" -f $fmt -o /dev/full good.test nowild.test
	is "$RC" 3 "-o /dev/full ($fmt): exit 3"
	like "$ERR" "cannot write '/dev/full'" "-o /dev/full ($fmt): says it cannot write"
done
run_cutover check --root-hints "$ROOT_HINTS" --stats -f tap -o /dev/full good.test nowild.test
! printf '%s\n' "$ERR" | grep -q "stats:"
ok $? "-o /dev/full: no statistics of a run that could not be reported"

# --stats: one line on standard error, with the queries the run sent
run_cutover check --root-hints "$ROOT_HINTS" --stats good.test
like "$ERR" "^cutover: stats: domains=1 queries=[1-9][0-9]* answers=[1-9][0-9]* timeouts=0 tcp=0 retransmits=0 lookups=[0-9]+ elapsed=[0-9.]+$" \
	"--stats: one line of figures"

done_testing
