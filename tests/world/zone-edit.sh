#!/bin/sh
# Change a zone of a running world the way a DNS provider publishes an edit:
# the same sed script on every server's copy of ZONE.zone, the SOA serial
# (the number before "; serial") one higher, and each server reloaded. For
# the demo and the tests that play the person at the DNS provider (the
# manual steps of contrib/plans/).
#
#   sh tests/world/zone-edit.sh "$WORLD" plan.test 's/^www  *8 IN A/www 2 IN A/'
#
# usage: tests/world/zone-edit.sh DIR ZONE SED-SCRIPT
set -u

. "$(dirname "$0")/common.sh"

[ $# -eq 3 ] || { echo "usage: $0 DIR ZONE SED-SCRIPT" >&2; exit 2; }
DIR=$(world_dir "$1") || { echo "world: no directory '$1'" >&2; exit 1; }
zone=$2
script=$3
edited=
for f in "$DIR"/*/zones/"$zone.zone"; do
	[ -f "$f" ] || continue
	awk '/; serial/ && !done { sub(/[0-9]+/, $1 + 1); done = 1 } { print }' "$f" >"$f.new" &&
		sed -e "$script" "$f.new" >"$f" && rm -f "$f.new" || exit 1
	touch "$f"
	server=${f#"$DIR"/}
	edited="$edited ${server%%/*}"
done
[ -n "$edited" ] || {
	echo "world: no server of '$DIR' serves $zone.zone" >&2
	exit 1
}
for s in $edited; do
	sh "$WORLD_SRC/reload.sh" "$DIR" "$s" || exit 1
done
