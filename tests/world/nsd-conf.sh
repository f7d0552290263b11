# nsd_conf DIR ADDRESS...: print the server part of a self-contained NSD
# configuration listening on each ADDRESS, port 53, with every file it keeps
# (zone list, xfrd state, pid file "pid", log "log", zones directory "zones")
# inside DIR, and creates DIR/zones (NSD refuses to start without it).
# Sourced by tests/world/start.sh and bench/run.sh; they append the zone:
# stanzas.
#
# No database, no user switch, no chroot, no remote control; RRL off, since
# Debian's NSD rate-limits a single source to about 200 answers a second:
# tests would turn flaky and benchmarks would measure the limiter.
nsd_conf() {
	_d=$1
	shift
	mkdir -p "$_d/zones" || return 1
	echo "server:"
	for _a in "$@"; do
		printf '\tip-address: %s\n' "$_a"
	done
	cat <<EOF
	port: 53
	do-ip4: yes
	do-ip6: no
	server-count: 1
	verbosity: 1
	database: ""
	username: ""
	chroot: ""
	zonesdir: "$_d/zones"
	zonelistfile: "$_d/zone.list"
	xfrdfile: "$_d/xfrd.state"
	xfrdir: "$_d"
	pidfile: "$_d/pid"
	logfile: "$_d/log"
	rrl-ratelimit: 0
	hide-version: yes

remote-control:
	control-enable: no

EOF
}
