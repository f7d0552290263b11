# Shared by start.sh, stop.sh and reload.sh (sourced, POSIX sh): where things
# are, and which processes belong to a world directory.

WORLD_SRC=$(cd "$(dirname "$0")" && pwd -P)
TOP=$(cd "$WORLD_SRC/../.." && pwd -P)
FIXTURES=$TOP/tests/fixtures
SERVERS=$WORLD_SRC/servers
MARKER=.cutover-world	# in a directory start.sh made a world in

# world_dir DIR: print DIR as an absolute path (it must exist).
world_dir() {
	(cd "$1" 2>/dev/null && pwd -P)
}

# servers [KIND]: print "name address kind" for every server (of that kind).
servers() {
	awk -v kind="${1:-}" '!/^#/ && NF >= 3 && (kind == "" || $3 == kind) { print $1, $2, $3 }' "$SERVERS"
}

# server_field NAME N: field N (2 address, 3 kind) of server NAME; empty if none.
server_field() {
	awk -v name="$1" -v n="$2" '!/^#/ && $1 == name { print $n; exit }' "$SERVERS"
}

# pid_is_ours PID DIR: true when PID is alive and is a server of the world in
# DIR: its command line is "nsd -c DIR/x/nsd.conf", "unbound -c DIR/x/unbound.conf",
# "nginx: master process nginx -c DIR/x/nginx.conf" or "perl .../zoo.pl (or
# sloppy.pl, python3 .../smtpd.py) ... DIR/x/pid ...". Guards against a stale
# pid file whose pid now belongs to another process. (Called for every server
# at every start and stop: each fork counts on a busy machine.)
pid_is_ours() {
	[ -n "$1" ] && [ -r "/proc/$1/cmdline" ] || return 1
	if [ "$2" != "${_pid_dir-}" ]; then	# DIR as a regex, made once per DIR
		_pid_dir=$2
		_pid_re=$(printf '%s' "$2" | sed 's/\./\\./g')
	fi
	tr '\0' ' ' <"/proc/$1/cmdline" 2>/dev/null | grep -qE \
		"^([^ ]*/)?(nsd|unbound) -c $_pid_re/[^ /]+/(nsd|unbound)\.conf |^nginx: master process ([^ ]*/)?nginx -c $_pid_re/[^ /]+/nginx\.conf |(zoo\.pl|sloppy\.pl|smtpd\.py) .* $_pid_re/[^ /]+/pid "
}

# running_pids DIR: "pidfile pid" for each pid file in DIR whose process is alive.
running_pids() {
	for pf in "$1"/*/pid; do
		[ -f "$pf" ] || continue
		pid=
		read -r pid <"$pf" 2>/dev/null
		if pid_is_ours "$pid" "$1"; then
			echo "$pf $pid"
		fi
	done
}

# leftovers DIR: pids of every live server process of the world in DIR (NSD's
# children included), found by command line, for checking that a world is gone;
# nothing is killed on this basis.
leftovers() {
	for f in $(grep -alF "$1/" /proc/[0-9]*/cmdline 2>/dev/null); do
		pid=${f#/proc/}
		pid=${pid%/cmdline}
		if pid_is_ours "$pid" "$1"; then
			echo "$pid"
		fi
	done
}
