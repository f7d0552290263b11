#!/bin/sh
# Make one NSD server of a running world re-read its zone files, for tests that
# change DNS mid-run. Edit the server's own copy, then reload it:
#
#   sed -i 's/198\.51\.100\.20/203.0.113.7/' "$WORLD/new2/zones/good.test.zone"
#   sh tests/world/reload.sh "$WORLD" new2
#
# (each server has its copy in WORLD/<server>/zones/, so new1 and new2 can be
# made to differ; the files in tests/fixtures/ are never touched). A zone file
# is re-read when its modification time changed. Returns once the server
# answers from the reloaded zones; fails, with the log, if a zone has errors
# (NSD then stops serving that zone).
#
# usage: tests/world/reload.sh DIR SERVER
set -u

. "$(dirname "$0")/common.sh"

[ $# -eq 2 ] || {
	echo "usage: $0 DIR SERVER" >&2
	exit 2
}
DIR=$(world_dir "$1") || {
	echo "world: no directory '$1'" >&2
	exit 1
}
name=$2
[ "$(server_field "$name" 3)" = nsd ] || {
	echo "world: '$name' is not an nsd server (see $SERVERS)" >&2
	exit 2
}
pid=$(cat "$DIR/$name/pid" 2>/dev/null)
pid_is_ours "$pid" "$DIR" || {
	echo "world: server '$name' is not running in '$DIR'" >&2
	exit 1
}
log=$DIR/$name/log

# children PID...: the pids of their child processes.
children() {
	for p in "$@"; do
		ps -o pid= --ppid "$p"
	done
}

# NSD 4.6 runs as xfrd (the pid in the pid file) -> main -> serving children.
# SIGHUP to xfrd makes main re-read the changed zone files, fork new serving
# children and retire the old ones: once those are gone, only new data is served.
old=$(children $(children "$pid"))
lines=$(wc -l <"$log")
kill -HUP "$pid"

i=0
while :; do
	busy=
	for p in $old; do
		kill -0 "$p" 2>/dev/null && busy=$p
	done
	[ -z "$busy" ] && [ -n "$(children $(children "$pid"))" ] && break
	i=$((i + 1))
	if [ $i -gt 100 ]; then
		echo "world: server '$name' did not finish reloading within 10s" >&2
		tail -n +$((lines + 1)) "$log" >&2
		exit 1
	fi
	sleep 0.1
done

if tail -n +$((lines + 1)) "$log" | grep -qE 'error:'; then
	echo "world: server '$name' reloaded with errors:" >&2
	tail -n +$((lines + 1)) "$log" >&2
	exit 1
fi
exit 0
