#!/bin/sh
# make demo: start the loopback DNS world (tests/world) and audit it for real,
# the way a cutover is prepared: the default audit, the pre-cutover rules, an
# old provider that still answers, the JSON a CI gate reads, and a change
# propagating through a resolver's cache.
set -u
[ -n "${CUTOVER:-}" ] || { echo "demo: CUTOVER is not set (run 'make demo')" >&2; exit 3; }
cd "$(dirname "$0")/.." || exit 3
if [ "$(id -u)" -ne 0 ]; then
	echo "demo: the DNS world listens on port 53 of 127.53.0.0/16: run as root" >&2
	exit 3
fi
WORLD=$(mktemp -d /tmp/cutover-demo.XXXXXX) || exit 3
trap 'sh tests/world/stop.sh "$WORLD" >/dev/null 2>&1; rm -rf "$WORLD"' EXIT INT TERM
sh tests/world/start.sh "$WORLD" || exit 3
HINTS=$WORLD/root.hints

if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then bold=$(printf '\033[1m') off=$(printf '\033[0m'); else bold= off=; fi
step() {
	printf '\n%s== %s%s\n$ %s\n\n' "$bold" "$1" "$off" "$2" | sed "s|$HINTS|\$WORLD/root.hints|g"
	sh -c "$2"
	_rc=$?
	case $2 in *'|'*) ;; *) echo "(exit status $_rc)" ;; esac
}

step "A general audit of a healthy domain and a broken one" \
	"$CUTOVER check --root-hints $HINTS good.test lame.test"

step "Is it safe to move? TTLs, serials and the wildcard before the cutover" \
	"$CUTOVER check --root-hints $HINTS -r pre-cutover --set new_ip=198.51.100.20 good.test highttl.test serial.test wildwrong.test"

step "After the move: does the old provider still answer with old data?" \
	"$CUTOVER check --root-hints $HINTS -r tests/fixtures/rulesets/moves.yml moved.test gone.test"

step "A name that is not a zone cut is checked within its zone; resolver-only checks still run where the delegation cannot be found" \
	"$CUTOVER check --root-hints $HINTS www.good.test && $CUTOVER check --root-hints $HINTS -r tests/fixtures/rulesets/resolver.yml -s resolver=127.53.9.1 missing.test"

step "Mail: ready to send from the new address? SPF passes it, its PTR is forward-confirmed and named, the DKIM key is valid, DMARC enforces" \
	"$CUTOVER check --root-hints $HINTS -r mail -s new_ip=198.18.3.25 -s mail_host=mail.good.test -s dkim_selector=default good.test"

step "Mail gone wrong: 11 lookups over an SPF include tree (libspf2 alone would pass it), RFC 9989 and RFC 7489 receivers applying different DMARC records, an MX that is an alias" \
	"$CUTOVER check --root-hints $HINTS -r tests/fixtures/rulesets/spf.yml tree11.spf.test; $CUTOVER check --root-hints $HINTS -r tests/fixtures/rulesets/mail-demo.yml host.sub.dmarc-corp.co.uk mx-cname.test"

step "The records a Mailu setup needs, as zone-file lines, each against live DNS" \
	"$CUTOVER records --root-hints $HINTS --profile mailu --ip 198.18.3.25 --mail-host mail.good.test good.test"

step "Many domains at once, with the queries it took (--stats)" \
	"$CUTOVER check --root-hints $HINTS --stats -f prometheus good.test nowild.test highttl.test serial.test ttldiff.test recwrong.test | grep -c '^cutover_'"

step "The same as a CI gate reads it (JSON, the failures only)" \
	"$CUTOVER check --root-hints $HINTS -r pre-cutover -f json highttl.test | jq -c '.status, .summary, (.findings[] | select(.status == \"fail\") | {code, subject, server, expected, actual})'"

step "From cron, for Nagios or Icinga" \
	"$CUTOVER check --root-hints $HINTS -r pre-cutover -f nagios good.test highttl.test | head -n 1"

# A change under way: the world's resolver caches www.prop.test (TTL 6 s), then
# the zone changes on both servers (as tests/integration/t0500 does).
dig +short @127.53.9.1 www.prop.test A >/dev/null
for s in new1 new2; do
	sed -i -e 's/^www       6 IN A     192.0.2.10/www       6 IN A     198.51.100.20/' -e 's/2026120101/2026120102/' \
		"$WORLD/$s/zones/prop.test.zone"
	sh tests/world/reload.sh "$WORLD" "$s"
done

step "Right after a change: who has the new value, who still holds the old one, and until when" \
	"$CUTOVER propagation --root-hints $HINTS --db $WORLD/state.db --resolver 127.53.9.1 --resolver 127.53.4.5 --timeout 500 www.prop.test"

step "Watching it until the old TTL has run out everywhere (a live table on a terminal)" \
	"$CUTOVER propagation --root-hints $HINTS --db $WORLD/state.db --resolver 127.53.9.1 --watch --interval 2 --max-wait 30 www.prop.test"

step "What the history says: when each server first had the new value" \
	"$CUTOVER propagation --db $WORLD/state.db --history www.prop.test"

echo
echo "The world (NSD and unbound on 127.53.0.0/16) is stopped again. 'make check' runs the tests."
