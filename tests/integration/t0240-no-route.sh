#!/bin/sh
# A server this machine has no route to (an IPv6 address on an IPv4-only
# host) is "not checked from here" (ns.no-route, info), not unreachable.
#
# The host's own IPv6 route would carry a query to 2001:db8::53 off the
# machine, so this test runs a second world, and cutover, inside a network
# namespace of its own (unshare -n) that has only a loopback interface: there
# connect() fails with "network unreachable" and nothing is ever sent.

. "$(dirname "$0")/lib.sh"

need unshare util-linux
need ip iproute2
# This is the only test of ns.no-route: a machine that cannot make a network
# namespace loses it, and that is a failure unless CUTOVER_TESTS_ALLOW_NO_NETNS
# is set to accept the loss (said loudly then, here and in t0990).
if ! unshare -n true 2>/dev/null; then
	if [ -n "${CUTOVER_TESTS_ALLOW_NO_NETNS:-}" ]; then
		diag "COVERAGE LOST: this machine does not allow a network namespace (unshare -n): ns.no-route is NOT TESTED"
		skip "ns.no-route NOT TESTED: no network namespace (CUTOVER_TESTS_ALLOW_NO_NETNS is set)"
	else
		fail "a network namespace (unshare -n) for the only test of ns.no-route"
		diag "this machine does not allow unshare -n; run as root where namespaces are allowed, or set CUTOVER_TESTS_ALLOW_NO_NETNS=1 to accept that ns.no-route goes untested"
	fi
	done_testing
	exit 0
fi

NSWORLD=$TMP/netns-world
mkdir -p "$NSWORLD"
# The world's processes outlive the namespace's shell; stop them by pid.
at_exit "sh tests/world/stop.sh '$NSWORLD' >/dev/null 2>&1"
printf 'v6.test SOA\n' >"$TMP/q"

unshare -n sh -c '
	world=$1 tmp=$2
	ip link set lo up || exit 90
	"$DNSBENCH" -s 2001:db8::53 -d "$tmp/q" -n 3 -v >"$tmp/bench.out" 2>&1
	sh tests/world/start.sh "$world" >"$tmp/start.log" 2>&1 || exit 91
	"$CUTOVER" check --root-hints "$world/root.hints" -r tests/fixtures/rulesets/dns.yml -f json v6.test good.test >"$tmp/out.json" 2>"$tmp/err"
	echo $? >"$tmp/rc"
	sh tests/world/stop.sh "$world" >/dev/null 2>&1
	exit 0
' sh "$NSWORLD" "$TMP"
rc=$?
is "$rc" 0 "the namespace came up and its world started" || diag "$(cat "$TMP/start.log" 2>/dev/null)"

like "$(cat "$TMP/bench.out")" "^engine: sent=0 " "no route: the engine sent nothing"
like "$(cat "$TMP/bench.out")" "no route from this machine" "no route: reported as no route from this machine"

OUT=$(cat "$TMP/out.json" 2>/dev/null)
is "$(cat "$TMP/rc" 2>/dev/null)" 0 "v6.test: exit 0 (an address not checked is no failure)" || diag "$(cat "$TMP/err")"
sees ns.no-route info v6.test
is "$(printf '%s\n' "$OUT" | jq -r '.findings[] | select(.code == "ns.no-route") | .server')" \
	"v6.hosts.test/2001:db8::53" "v6.test: the IPv6-only server is the one not checked"
sees_no ns.unreachable v6.test
sees ns.ok ok v6.test
sees soa.ok ok v6.test
sees ns.ok ok good.test

done_testing
