#!/bin/sh
# Start one more unbound resolver on the world's root, for tests and
# benchmarks that want resolvers of their own (t0500: primed, fresh,
# serve-stale, fifty at once; bench/propagation.sh): iterating from the
# world's root hints, caching, on every ADDRESS given, port 53.
#
# usage: tests/world/resolver.sh DIR ROOT_HINTS ACCESS EXTRA ADDRESS...
#
#   DIR         its directory (made): unbound.conf, pid, log
#   ACCESS      allow, or deny (it drops every query: a dead resolver)
#   EXTRA       more server: lines, one a line with a leading tab ("" for none)
#
# Returns once unbound runs (it daemonizes); stop it with kill $(cat DIR/pid).
set -u
[ $# -ge 5 ] || {
	echo "usage: $0 DIR ROOT_HINTS ACCESS EXTRA ADDRESS..." >&2
	exit 2
}
d=$1 hints=$2 access=$3 extra=$4
shift 4
mkdir -p "$d" || exit 1
{
	echo "server:"
	for a; do printf '\tinterface: %s\n' "$a"; done
	cat <<CONF
	port: 53
	do-ip4: yes
	do-ip6: no
	num-threads: 1
	verbosity: 1
	username: ""
	chroot: ""
	directory: "$d"
	pidfile: "$d/pid"
	logfile: "$d/log"
	use-syslog: no
	do-daemonize: yes
	so-reuseport: no
	root-hints: "$hints"
	module-config: "iterator"
	do-not-query-localhost: no
	local-zone: "test." nodefault
	prefetch: no
	access-control: 127.0.0.0/8 $access
$extra
remote-control:
	control-enable: no
CONF
} >"$d/unbound.conf"
out=$(unbound-checkconf "$d/unbound.conf" 2>&1) || {
	echo "resolver: unbound-checkconf rejects $d/unbound.conf: $out" >&2
	exit 1
}
unbound -c "$d/unbound.conf" || {
	echo "resolver: unbound did not start: $(cat "$d/log" 2>/dev/null)" >&2
	exit 1
}
