#!/bin/sh
# Install the Debian packages cutover needs to build, test and demo; quick when
# nothing is missing. As root it runs apt-get; otherwise it prints the command.
set -eu

# clang, libclang-rt-dev (libFuzzer's runtime, which clang only recommends)
# and llvm (llvm-symbolizer, for a crash's stack) are for make fuzz.
# The last line is for contrib/ and the package: the validators its tests run
# (systemd-analyze, nagios4 -v, icinga2 daemon -C, tidy, Chromium), the
# Debian build tools behind make deb, and the shells completion is tested in;
# python3-yaml reads contrib/ci's pipelines.
packages="gcc clang libclang-rt-dev llvm make pkg-config libldns-dev libunbound-dev libyaml-dev libjansson-dev
libxml2-dev libevent-dev libcmocka-dev iproute2 util-linux bsdutils nsd unbound ldnsutils dnsutils jq libxml2-utils dns-root-data
prometheus dnsperf perl procps time
libspf2-dev libopendkim-dev libpsl-dev libssl-dev libidn2-dev publicsuffix libcurl4-openssl-dev libsqlite3-dev sqlite3
libmail-spf-perl libnet-dns-perl opendkim-tools openssl
nginx-light python3-aiosmtpd curl
systemd nagios4-core icinga2-bin chromium tidy lintian debhelper dpkg-dev fakeroot zsh bash-completion
python3-yaml"

missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "cutover: missing Debian packages:$missing" >&2
	echo "cutover: install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "installing:$missing"
export DEBIAN_FRONTEND=noninteractive
# An install fails on a stale or empty package list; refresh it once first.
apt-get update -qq
# --no-install-recommends keeps prometheus (wanted for promtool) from pulling a web stack.
apt-get install -y -qq --no-install-recommends $missing
# Debian's packages start their daemons where an init system runs; the tests
# start their own on loopback, so stop any the install started (nginx would
# hold 0.0.0.0:80).
for svc in nsd unbound nginx prometheus prometheus-node-exporter nagios4 icinga2; do
	if command -v service >/dev/null 2>&1; then
		service "$svc" stop >/dev/null 2>&1 || true
	fi
done
