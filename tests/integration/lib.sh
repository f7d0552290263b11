# lib.sh: sourced by every integration test (POSIX sh), first thing:
#
#   . "$(dirname "$0")/lib.sh"
#
# It cds to the top of the source tree, makes a scratch directory $TMP (removed
# at exit), and makes sure a loopback DNS world runs: tests/run-integration.sh
# starts one for all tests and exports WORLD, ROOT_HINTS, RESOLVER and CA_FILE; without
# WORLD, lib.sh starts one of its own (and stops it at exit), so one test runs
# by hand as root:
#
#   CUTOVER=./build/cutover sh tests/integration/t0200-ns.sh
#
# TAP:  plan N | ok STATUS DESC | is GOT EXPECTED DESC | like GOT ERE DESC |
#       pass DESC | fail DESC | skip REASON | diag MSG | note MSG |
#       bail_out REASON | done_testing (instead of plan, at the end)
# DNS:  addr SERVER | reload SERVER | dig_at SERVER NAME TYPE [DIG-OPTION...] |
#       dig_rdata TYPE | dig_ttl TYPE
# cutover: run_cutover ARG... | has_finding CODE STATUS [DOMAIN] |
#       sees CODE STATUS DOMAIN | sees_at CODE STATUS SUBJECT | sees_no CODE DOMAIN |
#       sees_on CODE STATUS SUBJECT SERVER | message_of CODE SERVER [SUBJECT] |
#       findings CODE DOMAIN [FIELD...] | finding_count CODE [STATUS] |
#       json_field JQ-EXPR | diag_run
# tools: need COMMAND PACKAGE (bail out when a tool the test needs is missing) |
#       start_httpsink LOG ADDR:PORT
#
# Every finding code and status that sees, sees_at or has_finding finds in a
# report is written to $CUTOVER_SEEN_LOG ("CODE STATUS TEST" lines) when it is
# set: tests/run-integration.sh sets it, and t0990 checks that every code of
# src/codes.h was seen, with its status, by an assertion that ran.
#
# Do not use `set -e` (a helper's non-zero status is an answer, not an error)
# and do not set an EXIT trap: add cleanup commands with at_exit CMD instead.

TOP=$(cd "$(dirname "$0")/../.." && pwd -P) || exit 255
FIXTURES=$TOP/tests/fixtures	# for the tests

# A relative CUTOVER or DNSBENCH means relative to where the test was started.
case ${CUTOVER:-} in
'' | /*) ;;
*) CUTOVER=$(pwd -P)/$CUTOVER ;;
esac
case ${DNSBENCH:-} in
'' | /*) ;;
*) DNSBENCH=$(pwd -P)/$DNSBENCH ;;
esac
if [ -n "${CUTOVER:-}" ] && [ -z "${DNSBENCH:-}" ]; then
	DNSBENCH=$(dirname "$CUTOVER")/dnsbench
fi
cd "$TOP" || exit 255

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cutover-test.XXXXXX") || exit 255
# The state database (propagation history, plans) of this test alone: the
# default, ~/.local/state/cutover/state.db, is the user's, and earlier runs'
# predictions there would change what propagation says.
XDG_STATE_HOME=$TMP/state
export XDG_STATE_HOME

# --- TAP -------------------------------------------------------------------

_tap_n=0
_tap_failed=0
_tap_planned=
_lib_at_exit=
_lib_world=

plan() {
	_tap_planned=$1
	echo "1..$1"
}

# _tap_result ok|"not ok" DESC
_tap_result() {
	_tap_n=$((_tap_n + 1))
	# a '#' in the description would start a TAP directive
	_d=$2
	case $_d in
	*'#'* | *'
'*) _d=$(printf '%s' "$_d" | sed 's/#/\\#/g' | tr '\n' ' ') ;;
	esac
	printf '%s %d - %s\n' "$1" "$_tap_n" "$_d"
}

pass() {
	_tap_result ok "$1"
}

fail() {
	_tap_result "not ok" "$1"
	_tap_failed=$((_tap_failed + 1))
	diag "  Failed test '$1'"
	return 1
}

# ok STATUS DESC: passes when STATUS is 0, e.g.  has_finding ns.lame fail; ok $? "lame"
ok() {
	if [ "$1" -eq 0 ] 2>/dev/null; then
		pass "$2"
	else
		fail "$2"
	fi
}

# is GOT EXPECTED DESC: string equality
is() {
	if [ "$1" = "$2" ]; then
		pass "$3"
	else
		fail "$3"
		diag "         got: '$1'"
		diag "    expected: '$2'"
		return 1
	fi
}

# like GOT ERE DESC: a line of GOT matches the extended regular expression
like() {
	if printf '%s\n' "$1" | grep -qE -- "$2"; then
		pass "$3"
	else
		fail "$3"
		diag "                  '$1'"
		diag "    doesn't match '$2'"
		return 1
	fi
}

skip() {
	_tap_n=$((_tap_n + 1))
	echo "ok $_tap_n # skip $1"
}

# diag goes to stderr (shown even without prove -v), note to stdout
diag() {
	printf '%s\n' "$*" | sed 's/^/# /' >&2
}

note() {
	printf '%s\n' "$*" | sed 's/^/# /'
}

bail_out() {
	echo "Bail out! $*"
	exit 255
}

done_testing() {
	[ -n "$_tap_planned" ] || plan "$_tap_n"
}

# at_exit CMD: run CMD (a shell command string) when the test exits
at_exit() {
	_lib_at_exit="$_lib_at_exit
$1"
}

_lib_exit() {
	rc=$?
	trap - EXIT
	eval "$_lib_at_exit"
	if [ -n "$_lib_world" ]; then
		sh "$TOP/tests/world/stop.sh" "$_lib_world" >&2
	fi
	rm -rf "$TMP"
	if [ -n "$_tap_planned" ] && [ "$_tap_planned" -ne "$_tap_n" ]; then
		diag "Looks like you planned $_tap_planned tests but ran $_tap_n."
	fi
	# like Test::More: the exit status is the number of failed tests
	if [ "$rc" -eq 0 ] && [ "$_tap_failed" -gt 0 ]; then
		rc=$((_tap_failed > 254 ? 254 : _tap_failed))
	fi
	exit "$rc"
}
trap _lib_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# need COMMAND PACKAGE: stop the test (bail out) when a tool it needs is
# missing. `make deps` installs them all: a missing one is an error, never a
# reason to skip what it checks.
need() {
	command -v "$1" >/dev/null 2>&1 ||
		bail_out "'$1' is not installed (Debian package $2): run make deps"
}
need jq jq
need dig dnsutils

# start_httpsink LOG ADDR:PORT: a real HTTP server (tests/world/httpsink.pl)
# that answers every request and appends it to LOG as a JSON line; stopped at
# exit
start_httpsink() {
	_pidf=$TMP/httpsink.$$.${2%%:*}.pid
	perl "$TOP/tests/world/httpsink.pl" "$1" "$_pidf" "$2" >/dev/null 2>"$_pidf.err" &
	_i=0
	while [ ! -s "$_pidf" ] && [ $_i -lt 50 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ -s "$_pidf" ] || bail_out "httpsink.pl did not start on $2: $(cat "$_pidf.err")"
	at_exit "kill \$(cat '$_pidf') 2>/dev/null"
}

# --- the DNS world ---------------------------------------------------------

if [ -z "${WORLD:-}" ]; then
	_lib_world=$TMP/world
	sh "$TOP/tests/world/start.sh" "$_lib_world" >&2 ||
		bail_out "cannot start the loopback DNS world (tests/world/start.sh)"
	. "$_lib_world/env"
elif [ -z "${ROOT_HINTS:-}" ] || [ -z "${RESOLVER:-}" ] || [ -z "${CA_FILE:-}" ]; then
	[ -r "$WORLD/env" ] || bail_out "WORLD=$WORLD but there is no $WORLD/env"
	. "$WORLD/env"
fi
export WORLD ROOT_HINTS RESOLVER CA_FILE CUTOVER DNSBENCH

# addr SERVER: the address of a server of the world (tests/world/servers), or
# SERVER itself when it is not a server name (an address already).
_lib_servers=$(grep -v '^#' "$TOP/tests/world/servers")
addr() {
	while read -r _name _addr _rest; do
		if [ "$_name" = "$1" ]; then
			echo "$_addr"
			return 0
		fi
	done <<EOF
$_lib_servers
EOF
	echo "$1"
}

# reload SERVER: make an NSD of the world re-read its zone files after a test
# changed them in $WORLD/SERVER/zones/ (see tests/world/reload.sh)
reload() {
	sh "$TOP/tests/world/reload.sh" "$WORLD" "$1"
}

# dig_at SERVER NAME TYPE [DIG-OPTION...]: one query, no recursion unless the
# options say +rec, 1 s timeout, 1 try. Sets DIG_OUT (dig's output),
# DIG_STATUS (the rcode, e.g. NOERROR, or "timeout", "connection-refused",
# "error"), DIG_FLAGS (e.g. "qr aa"), and DIG_ANSWER, DIG_AUTHORITY,
# DIG_ADDITIONAL (one RR a line: "owner ttl class type rdata", single spaces).
# (Parsed with shell builtins only: forks are slow, and tests ask hundreds.)
dig_at() {
	_s=$(addr "$1")
	_n=$2
	_t=$3
	shift 3
	DIG_OUT=$(dig "@$_s" +norec +time=1 +tries=1 "$@" "$_n" "$_t" 2>&1)
	DIG_STATUS='' DIG_FLAGS='' DIG_ANSWER='' DIG_AUTHORITY='' DIG_ADDITIONAL=''
	_sec=
	while IFS= read -r _l; do
		case $_l in
		*'->>HEADER<<-'*'status: '*)
			_l=${_l#*status: }
			DIG_STATUS=${_l%%,*}
			;;
		';; flags: '*)
			[ -n "$DIG_FLAGS" ] && continue
			_l=${_l#;; flags: }
			DIG_FLAGS=${_l%%;*}
			;;
		*'timed out'*) [ -n "$DIG_STATUS" ] || DIG_STATUS=timeout ;;
		*'connection refused'*) [ -n "$DIG_STATUS" ] || DIG_STATUS=connection-refused ;;
		';; ANSWER SECTION:') _sec=ANSWER ;;
		';; AUTHORITY SECTION:') _sec=AUTHORITY ;;
		';; ADDITIONAL SECTION:') _sec=ADDITIONAL ;;
		'' | ';'*) _sec= ;;
		*)
			[ -n "$_sec" ] || continue
			set -f
			set -- $_l	# squeeze blanks
			set +f
			_l=$*
			eval "DIG_$_sec=\${DIG_$_sec:+\"\$DIG_$_sec
\"}\$_l"
			;;
		esac
	done <<EOF
$DIG_OUT
EOF
	[ -n "$DIG_STATUS" ] || DIG_STATUS=error
}

# dig_rdata TYPE: the rdata of the TYPE records in DIG_ANSWER, sorted, one a line
dig_rdata() {
	_dig_type_field "$1" rdata | sort
}

# dig_ttl TYPE: the TTLs of the TYPE records in DIG_ANSWER, distinct, sorted
dig_ttl() {
	_dig_type_field "$1" ttl | sort -un
}

_dig_type_field() {
	while read -r _o _ttl _c _ty _rd; do
		[ "$_ty" = "$1" ] || continue
		if [ "$2" = ttl ]; then echo "$_ttl"; else echo "$_rd"; fi
	done <<EOF
$DIG_ANSWER
EOF
}

# --- cutover ---------------------------------------------------------------

# run_cutover ARG...: run "$CUTOVER" ARG...; stdout in OUT, stderr in ERR, exit
# status in RC. Returns 0 whatever cutover's status (test RC).
run_cutover() {
	[ -n "${CUTOVER:-}" ] || bail_out "CUTOVER is not set (the path of the cutover binary)"
	[ -x "$CUTOVER" ] || bail_out "CUTOVER=$CUTOVER is not an executable file"
	"$CUTOVER" "$@" >"$TMP/cutover.out" 2>"$TMP/cutover.err"
	RC=$?
	OUT=$(cat "$TMP/cutover.out")
	ERR=$(cat "$TMP/cutover.err")
	return 0
}

# _lib_seen CODE STATUS: note in CUTOVER_SEEN_LOG that an assertion saw it
_lib_seen() {
	[ -n "${CUTOVER_SEEN_LOG:-}" ] || return 0
	printf '%s %s %s\n' "$1" "$2" "$(basename "$0" .sh)" >>"$CUTOVER_SEEN_LOG"
}

# has_finding CODE STATUS [DOMAIN]: true when the JSON report in OUT has a
# finding with that code and status (and domain). (-n and input: jq 1.6's -e
# exits 0 when OUT is empty, as after an exit 3.)
has_finding() {
	printf '%s\n' "$OUT" | jq -e -n --arg c "$1" --arg s "$2" --arg d "${3:-}" \
		'input | any(.findings[]?; .code == $c and .status == $s and ($d == "" or .domain == $d))' \
		>/dev/null 2>&1 || return 1
	_lib_seen "$1" "$2"
}

# findings CODE DOMAIN [FIELD...]: each finding of that code for DOMAIN in OUT,
# one a line, its fields (default: status subject server expected actual)
# joined by " | ", a missing one as "-"; sorted. For asserting every finding
# whole, not only the first one's code.
findings() {
	_c=$1 _d=$2
	shift 2
	[ $# -gt 0 ] || set -- status subject server expected actual
	printf '%s\n' "$OUT" | jq -r --arg c "$_c" --arg d "$_d" --arg f "$*" \
		'($f | split(" ")) as $fs | .findings[] | select(.code == $c and .domain == $d)
		 | [.[$fs[]] | if . == null then "-" else tostring end] | join(" | ")' | sort
}

# finding_count CODE [STATUS]: how many findings in OUT have that code (and status)
finding_count() {
	printf '%s\n' "$OUT" | jq --arg c "$1" --arg s "${2:-}" \
		'[.findings[]? | select(.code == $c and ($s == "" or .status == $s))] | length'
}

# json_field EXPR: jq -r EXPR on OUT, e.g. json_field .summary.fail
json_field() {
	printf '%s\n' "$OUT" | jq -r "$1"
}

# diag_run: show the last run_cutover's exit status, stderr and stdout
diag_run() {
	diag "exit status: $RC"
	[ -z "$ERR" ] || diag "stderr:
$ERR"
	[ -z "$OUT" ] || diag "stdout:
$OUT"
}

# audit ARG...: `cutover check` against the world, JSON report in OUT
audit() {
	run_cutover check --root-hints "$ROOT_HINTS" -f json "$@"
}

# sees CODE STATUS DOMAIN: one test, that the report in OUT has that finding
sees() {
	if [ -n "$3" ] && has_finding "$1" "$2" "$3"; then
		pass "$3: $1 ($2)"
	else
		fail "$3: $1 ($2)"
		diag "findings of $3: $(printf '%s\n' "$OUT" | jq -c --arg d "$3" \
			'[.findings[]? | select(.domain == $d) | [.code, .status]]' 2>/dev/null)"
	fi
}

# sees_no CODE DOMAIN: one test, that the report in OUT (which must be a
# report: JSON with a list of findings) has no such finding
sees_no() {
	_r=$(printf '%s\n' "$OUT" | jq -r --arg c "$1" --arg d "$2" \
		'if (.findings | type) != "array" then "not a report"
		 elif any(.findings[]; .code == $c and .domain == $d) then "found" else "none" end' 2>&1)
	if [ "$_r" = none ]; then
		pass "$2: no $1"
	else
		fail "$2: no $1"
		[ "$_r" = found ] || diag "OUT is not a JSON report ($_r): $(printf '%s' "$OUT" | head -c 300)"
	fi
}

# sees_on CODE STATUS SUBJECT SERVER: one test, that the report in OUT has that
# finding at that subject, about that server ("" for none)
sees_on() {
	# -n and input: jq 1.6's -e exits 0 when it reads nothing (a run that failed)
	if printf '%s\n' "$OUT" | jq -e -n --arg c "$1" --arg s "$2" --arg j "$3" --arg v "$4" \
		'input | any(.findings[]?; .code == $c and .status == $s and .subject == $j and (.server // "") == $v)' \
		>/dev/null 2>&1; then
		_lib_seen "$1" "$2"
		pass "$3 @${4:-(none)}: $1 ($2)"
	else
		fail "$3 @${4:-(none)}: $1 ($2)"
		diag "findings: $(printf '%s\n' "$OUT" | jq -c '[.findings[]? | [.code, .status, .subject, .server, .message]]' 2>/dev/null)"
		diag "stderr: $ERR"
	fi
}

# message_of CODE SERVER [SUBJECT]: the message of the first such finding in OUT
message_of() {
	printf '%s\n' "$OUT" | jq -r --arg c "$1" --arg v "$2" --arg j "${3:-}" \
		'[.findings[]? | select(.code == $c and (.server // "") == $v and ($j == "" or .subject == $j))
		  | .message][0] // ""'
}

# sees_at CODE STATUS SUBJECT: one test, that the report in OUT has that finding
# at that subject ("sel._domainkey.example.org/TXT")
sees_at() {
	if printf '%s\n' "$OUT" | jq -e -n --arg c "$1" --arg s "$2" --arg j "$3" \
		'input | any(.findings[]?; .code == $c and .status == $s and .subject == $j)' >/dev/null 2>&1; then
		_lib_seen "$1" "$2"
		pass "$3: $1 ($2)"
	else
		fail "$3: $1 ($2)"
		diag "findings at $3: $(printf '%s\n' "$OUT" | jq -c --arg j "$3" \
			'[.findings[]? | select(.subject == $j) | [.code, .status, .message]]' 2>/dev/null)"
	fi
}

# domain_status DOMAIN: the worst status of DOMAIN's findings in OUT
domain_status() {
	printf '%s\n' "$OUT" | jq -r --arg d "$1" '[.findings[] | select(.domain == $d) | .status] as $s
		| if ($s | index("fail")) then "fail" elif ($s | index("error")) then "error"
		  elif ($s | index("warn")) then "warn" elif ($s | index("info")) then "info" else "ok" end'
}
