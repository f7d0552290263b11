#!/bin/sh
# The progress line on a terminal: check of several domains, compare,
# propagation --watch and plan run, each on a pseudo-terminal of its own
# (tests/integration/pty-run.py keeps every byte it shows); never with -q,
# NO_COLOR, TERM=dumb, or standard error not a terminal; the report the same
# with it and without it; a prompt and what is typed at it left alone.
#
# The line shows once a run has lasted a second: the runs here include a
# server that never answers (slow.test's blackhole.hosts.test), so that each
# lasts at least --timeout 1500 ms. No assertion is about time.
. "$(dirname "$0")/lib.sh"

need python3 python3
need perl perl

PTY="python3 $TOP/tests/integration/pty-run.py"
export TERM=xterm
unset NO_COLOR
CHECK="$CUTOVER check --root-hints $ROOT_HINTS --timeout 1500 highttl.test serial.test slow.test"

# the texts of the line, one a line, as drawn ("\r" TEXT "\e[K")
drawn() {
	perl -0777 -ne 'while (/\r([^\r\n\e]+)\e\[K/g) { print "$1\n" }' "$1"
}
# what the terminal shows without the line: its draws and erases, colours
# and carriage returns taken out
without_line() {
	perl -0777 -pe 's/\r[^\r\n\e]*\e\[K//g; s/\e\[[0-9;]*m//g; s/\r\n/\n/g' "$1"
}
# a text report without its elapsed time ("(1.512 s)"), which differs run to run
untimed() {
	sed -E 's/ \([0-9.]+ s\)$//' "$1"
}
# lacks TEXT ERE DESC: no line of TEXT matches
lacks() {
	if printf '%s\n' "$1" | grep -qE -- "$2"; then
		fail "$3"
		diag "    '$(printf '%s\n' "$1" | grep -E -- "$2" | head -3)' matches '$2'"
	else
		pass "$3"
	fi
}

LINE_RE='[0-9]+ findings?( \([0-9]+ problems?\))?, [0-9]+ in flight, [0-9]+(s|m[0-9]{2}s) elapsed'

# --- check ---------------------------------------------------------------------------------

# the reference: no terminal at all
"$CUTOVER" check --root-hints "$ROOT_HINTS" --timeout 1500 highttl.test serial.test slow.test \
	>"$TMP/plain.out" 2>"$TMP/plain.err"
is "$?" 2 "without a terminal, check of the three domains fails (serial.test)"
is "$(cat "$TMP/plain.err")" "" "and writes nothing to standard error"

$PTY "$TMP/check.tty" "$CHECK >$TMP/check.out"
is "$?" 2 "on a terminal (standard error), the same exit status"
D=$(drawn "$TMP/check.tty")
like "$D" "^check: [0-3]/3 domains, $LINE_RE\$" "the line shows domains done of 3, findings, queries in flight, elapsed time"
like "$D" "^check: [0-9]+/3 domains, [0-9]+ findings? \([0-9]+ problems?\)" "and, once found, the problems among the findings"
like "$D" ", [1-9][0-9]* in flight" "queries in flight while the blackhole server is waited for"
is "$(perl -0777 -ne 'print /\e\[K\z/ && /\r\e\[K\z/ ? "erased" : "left"' "$TMP/check.tty")" erased \
	"the line is erased at the end"
is "$(untimed "$TMP/check.out")" "$(untimed "$TMP/plain.out")" \
	"the report on standard output (a file) is the same as without the line"

# standard output the same terminal: the report is never mixed with the line
$PTY "$TMP/both.tty" "$CHECK"
like "$(drawn "$TMP/both.tty")" "^check: [0-9]+/3 domains, $LINE_RE\$" "with the report on the terminal too, the line shows"
is "$(without_line "$TMP/both.tty" | untimed /dev/stdin)" "$(untimed "$TMP/plain.out")" \
	"and the terminal, the line taken out, shows the report as it is without the line"

# the width: never wraps
$PTY --cols 40 "$TMP/narrow.tty" "$CHECK >/dev/null"
D=$(drawn "$TMP/narrow.tty")
like "$D" "^check: [0-9]/3 domains" "on 40 columns the line shows ..."
is "$(printf '%s\n' "$D" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')" 39 \
	"... cut to 39 columns, the last one left free"

# never: -q, NO_COLOR, TERM=dumb, standard error a file or a pipe
for how in "-q" "--quiet" "NO_COLOR=1" "TERM=dumb" "2>file" "2>pipe"; do
	case $how in
	-*) cmd="$CHECK $how" ;;
	NO_COLOR=1) cmd="NO_COLOR=1 $CHECK" ;;
	TERM=dumb) cmd="TERM=dumb $CHECK" ;;
	2\>file) cmd="$CHECK 2>$TMP/err.file" ;;
	2\>pipe) cmd="$CHECK 2>&1 >$TMP/never.out | cat >$TMP/err.pipe" ;;
	esac
	case $how in
	2\>pipe) ;;
	*) cmd="$cmd >$TMP/never.out" ;;
	esac
	$PTY "$TMP/never.tty" "$cmd"
	lacks "$(cat -v "$TMP/never.tty")" "in flight|\\^\\[\\[K" "$how: no line on the terminal"
	is "$(untimed "$TMP/never.out")" "$(untimed "$TMP/plain.out")" "$how: the same report"
done
lacks "$(cat -v "$TMP/err.file")" "in flight|\\^M" "standard error a file: nothing of the line in it"
lacks "$(cat -v "$TMP/err.pipe")" "in flight|\\^M" "standard error a pipe: nothing of the line in it"
NO_COLOR= $PTY "$TMP/empty.tty" "NO_COLOR= $CHECK >/dev/null"
like "$(drawn "$TMP/empty.tty")" "^check: " "an empty NO_COLOR is not set (no-color.org)"

# -q: no chatter (check's notes), warnings and errors stay
run_cutover check --root-hints "$ROOT_HINTS" -r pre-cutover highttl.test
like "$ERR" "^cutover: note: .*check 'wildcard' skipped: 'new_ip' is not set" "a skipped check is noted on standard error ..."
run_cutover check --root-hints "$ROOT_HINTS" -r pre-cutover -q highttl.test
is "$ERR" "" "... not with -q"
is "$RC" 2 "-q changes no exit status"
run_cutover propagation --root-hints "$ROOT_HINTS" --no-db -q --expect 198.51.100.20 \
	--resolver "$RESOLVER" --notify "http://127.53.20.9:8080/hook" www.prop.test
like "$ERR" "^cutover: warning: notify http://127.53.20.9:8080/hook: " "-q keeps warnings"
run_cutover check -q --timeout 5 highttl.test
like "$ERR" "^cutover: --timeout: " "and errors"

# --- compare -------------------------------------------------------------------------------

# The names are only counted once the transfers are over: a zone file of
# 4000 names (NXDOMAIN on both sides) keeps the compare busy with them for
# seconds, where discovery's few names against a silent server are over in
# a moment, which the line may or may not catch.
{
	printf '$ORIGIN slow.test.\n$TTL 300\n@ IN SOA ns1.newprov.test. h.slow.test. 1 3600 600 86400 300\n'
	i=0
	while [ $i -lt 4000 ]; do
		printf 'n%d IN A 192.0.2.1\n' $i
		i=$((i + 1))
	done
} >"$TMP/big.zone"
$PTY "$TMP/compare.tty" "$CUTOVER compare --root-hints $ROOT_HINTS slow.test --zone $TMP/big.zone \
	--from ns1.newprov.test/127.53.2.1 --to ns1.newprov.test/127.53.2.1 >$TMP/compare.out"
D=$(drawn "$TMP/compare.tty")
like "$D" "^compare: [0-9]+/[0-9]+ names, $LINE_RE\$" "compare: names done of the names known, findings, in flight, elapsed"
like "$(cat "$TMP/compare.out")" "compare\.names .*the zone file" "and the report is written"
# the same compare, which showed the line above, with -q
$PTY "$TMP/compare-q.tty" "$CUTOVER compare -q --root-hints $ROOT_HINTS slow.test --zone $TMP/big.zone \
	--from ns1.newprov.test/127.53.2.1 --to ns1.newprov.test/127.53.2.1 >$TMP/compare-q.out"
like "$(cat "$TMP/compare-q.out")" "compare\.names .*the zone file" "compare -q: the report is written ..."
lacks "$(cat -v "$TMP/compare-q.tty")" "in flight" "... and there is no line"

# --- propagation --watch -------------------------------------------------------------------

# never converges (203.0.113.99 is served nowhere): ends at --max-wait
WATCH="$CUTOVER propagation --root-hints $ROOT_HINTS --no-db --watch --interval 1 --max-wait 3 \
	--expect 203.0.113.99 --resolver $RESOLVER www.prop.test"
$PTY "$TMP/watch.tty" "$WATCH >$TMP/watch.out"
D=$(drawn "$TMP/watch.tty")
like "$D" "^propagation: [0-3]/3 servers, $LINE_RE, sweep [0-9]+, 0 of 1 resolvers new\$" \
	"--watch: servers answered in this sweep, findings, in flight, elapsed, the sweep"
like "$(cat "$TMP/watch.out")" "gave up after --max-wait 3s" "the report is written to the file"
lacks "$(cat -v "$TMP/watch.out")" "in flight|\\^M" "and nothing of the line in it"
# live mode (standard output the terminal): the line sits below the screen,
# which erases it before it redraws
$PTY "$TMP/live.tty" "$WATCH"
like "$(drawn "$TMP/live.tty")" "^propagation: [0-3]/3 servers, " "live mode: the line shows too"
is "$(perl -0777 -ne '$n++ while /\r[^\r\n\e]+\e\[K\e\[H/g; print $n + 0' "$TMP/live.tty")" 0 \
	"and is erased before every redraw of the screen"
like "$(perl -0777 -ne 'print "below\n" if /\n\r(propagation: [^\r\n\e]+)\e\[K/' "$TMP/live.tty")" below \
	"at the start of a line of its own, below the screen"

# --- plan run ------------------------------------------------------------------------------

cat >"$TMP/progress.yml" <<EOF
plan: progress
vars: {domain: slow.test}
phases:
  - id: first
    gate:
      checks: [{check: ttl, max: 86400}]
  - id: second
    steps:
      - id: lower
        manual: "lower the TTL by hand"
  - id: third
    gate:
      checks: [{check: record, name: www, type: A, expect: ["203.0.113.99"]}]
      wait: 2s
      every: 1s
EOF
# the answer is typed 2 s after the prompt appears: meanwhile the line must not come back
$PTY --answer "to stop here: " done --hold 2 "$TMP/plan.tty" \
	"$CUTOVER plan run --db $TMP/state.db --root-hints $ROOT_HINTS --timeout 1500 $TMP/progress.yml"
is "$?" 2 "plan run: the third gate fails (exit 2)"
D=$(drawn "$TMP/plan.tty")
like "$D" "^plan run: 0/3 phases, $LINE_RE, phase first: checking its gate\$" "while a gate is checked: phases done, findings, in flight, elapsed"
like "$D" "^plan run: 2/3 phases, 1 finding \(1 problem\), 0 in flight, [0-9]+s elapsed, phase third: waiting for its gate\$" \
	"while a gate is waited for: the findings of its last check"
like "$(perl -0777 -ne 'print "intact\n" if /to stop here: done\r\n/' "$TMP/plan.tty")" intact \
	"the prompt and what is typed at it are left alone"
is "$(without_line "$TMP/plan.tty" | grep -c 'in flight')" 0 "every line drawn is erased before the next output"
like "$(without_line "$TMP/plan.tty")" "^step lower: confirmed" "the events are on the terminal"
lacks "$D" "phase second" "no line while the manual step waits"
$PTY --answer "to stop here: " done "$TMP/plan-q.tty" \
	"$CUTOVER plan reset --db $TMP/state.db $TMP/progress.yml >/dev/null; $CUTOVER plan run -q --db $TMP/state.db --root-hints $ROOT_HINTS --timeout 1500 $TMP/progress.yml"
like "$(cat "$TMP/plan-q.tty")" "phase third: FAILED" "plan run -q runs the plan ..."
lacks "$(cat -v "$TMP/plan-q.tty")" "in flight" "... without the line"

done_testing
