#!/bin/sh
# Stop the loopback DNS world in DIR: SIGTERM to exactly the pids in DIR/*/pid
# (each checked to be a server of this world first), then wait for them and
# their children to exit. Quiet when all went well; safe when nothing runs.
#
# usage: tests/world/stop.sh DIR
set -u

. "$(dirname "$0")/common.sh"

[ $# -eq 1 ] || {
	echo "usage: $0 DIR" >&2
	exit 2
}
DIR=$(world_dir "$1") || exit 0	# no directory, no world
[ -f "$DIR/$MARKER" ] || exit 0	# start.sh never ran there

pids=$(running_pids "$DIR" | awk '{ print $2 }')
for pid in $pids; do
	kill -TERM "$pid" 2>/dev/null
done

# Wait (at most 5 s) for the servers and NSD's children to be gone; a server
# that ignores SIGTERM gets SIGKILL (only pids from the pid files).
i=0
while [ -n "$(leftovers "$DIR")" ]; do
	i=$((i + 1))
	if [ $i -eq 50 ]; then
		for pid in $pids; do
			pid_is_ours "$pid" "$DIR" && kill -KILL "$pid" 2>/dev/null &&
				echo "world: server pid $pid ignored SIGTERM; sent SIGKILL" >&2
		done
	fi
	if [ $i -ge 70 ]; then
		echo "world: processes of the world in '$DIR' are still running:" >&2
		for pid in $(leftovers "$DIR"); do
			echo "  $pid: $(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" >&2
		done
		exit 1
	fi
	sleep 0.1
done

rm -f "$DIR"/*/pid "$DIR/env"
exit 0
