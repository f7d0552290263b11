#!/bin/sh
# make demo: start the loopback DNS world (tests/world) and audit it for real,
# the way a cutover is prepared: the default audit, the pre-cutover rules, a
# web app's test plan on the old and the new server side by side, the
# post-cutover rules, an old provider that still answers, the JSON a CI gate
# reads, a change propagating through a resolver's cache, and the two example
# migration plans (contrib/plans/) run end to end.
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
# The two servers of the example plans, as directories of the world, and the
# variables that point the plans at them (see the plans' part below).
HOSTS=$WORLD/hosts
sh tests/world/plan-hosts.sh "$HOSTS" || exit 3
OPTS="--db $WORLD/state.db --root-hints $HINTS"
WEB_VARS=$(tr '\n' ' ' <"$HOSTS/webapp-move.vars")
WEB_VARS=${WEB_VARS% }
MAIL_VARS=$(tr '\n' ' ' <"$HOSTS/mail-move.vars")
MAIL_VARS=${MAIL_VARS% }
# shown: a command as the demo prints it, with $WORLD and the plans'
# variables by name
shown() {
	sed -e "s|$OPTS|\$OPTS|g" -e "s|$WEB_VARS|\$WEB_VARS|g" -e "s|$MAIL_VARS|\$MAIL_VARS|g" \
		-e "s|$WORLD|\$WORLD|g"
}

step() {
	printf '\n%s== %s%s\n$ %s\n\n' "$bold" "$1" "$off" "$2" | shown
	sh -c "$2"
	_rc=$?
	case $2 in *'|'*) ;; *) echo "(exit status $_rc)" ;; esac
}

step "A general audit of a healthy domain and a broken one" \
	"$CUTOVER check --root-hints $HINTS good.test lame.test"

step "Is it safe to move? TTLs, serials and the wildcard before the cutover" \
	"$CUTOVER check --root-hints $HINTS -r pre-cutover --set new_ip=198.51.100.20 good.test highttl.test serial.test wildwrong.test"

# A DNS provider move (README, "Moving DNS providers"): move.test is delegated
# to the old provider and signed there; the new provider has a copy signed
# with other keys, with one record missing.
step "Moving DNS providers: which provider the new one is, its lowest TTL, and how to lower a TTL there" \
	"$CUTOVER provider --root-hints $HINTS --ns ns1.newprov.test move.test"

step "The new provider checked as if the parent delegated to it (--ns), before the registrar changes anything" \
	"$CUTOVER check --root-hints $HINTS -r provider-move --ns ns1.newprov.test --ns ns2.newprov.test move.test"

step "Old and new provider record by record, and the order of the DS and NS changes" \
	"$CUTOVER compare --root-hints $HINTS move.test --from delegated --to ns1.newprov.test,ns2.newprov.test"

# svc.test's web site as two servers side by side (tests/world/services.sh):
# the new one, 127.53.20.1, and the old one, 127.53.20.2; its mail server is
# 127.53.21.2. Their certificates come from the world's test CA.
CA_FILE=$(sed -n 's/^CA_FILE=//p' "$WORLD/env")

# Each function on the old and the new server next to each other: the new one
# passes all; the old one lacks the uploaded file (404) and plain HTTP.
step "Before the switch: the web app's test plan, each page asked of the old and the new server directly, under the real name and certificate" \
	"$CUTOVER check --root-hints $HINTS --ca-file $CA_FILE -r webapp-test-plan -s old_ip=127.53.20.2 -s new_ip=127.53.20.1 svc.test"

step "After a move: records, propagation, site and mail on the new addresses, and the TTLs left at 300 (ttl.too-low)" \
	"$CUTOVER check --root-hints $HINTS --ca-file $CA_FILE -r post-cutover -s new_ip=127.53.20.1 -s mail_ip=127.53.21.2 -s resolvers=127.53.9.1 svc.test"

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

step "The same history as a page to attach to the change ticket (-f html: one file, nothing fetched; a timeline in inline SVG)" \
	"$CUTOVER propagation --db $WORLD/state.db --history -f html -o $WORLD/propagation.html www.prop.test && ls -l $WORLD/propagation.html && grep -m1 -o '<title>[^<]*</title>' $WORLD/propagation.html"

# --- Migration plans -------------------------------------------------------
# The example plans of contrib/plans/, unchanged, run end to end. Their two
# servers are directories ($HOSTS/old and $HOSTS/new), and the commands that
# would act on real servers are shims first in PATH (tests/world/plan-hosts.sh):
# ssh runs its command here, so the copies over "ssh" copy between the
# directories; systemctl, docker, curl and mysqldump print what they would
# do. The demo plays the person at the DNS provider: it edits the zone on
# both servers and reloads NSD (tests/world/zone-edit.sh). The plans are
# copied 0644 first: as root, cutover refuses a plan file others may write.
mkdir -p "$WORLD/plans"
install -m 0644 contrib/plans/webapp-move.yml contrib/plans/mail-move.yml "$WORLD/plans/" || exit 3
WEBAPP=$WORLD/plans/webapp-move.yml
MAILMOVE=$WORLD/plans/mail-move.yml
PATH=$HOSTS/bin:$PATH
export PATH

printf '\n%s== Migration plans: contrib/plans/webapp-move.yml and mail-move.yml, end to end%s\n' "$bold" "$off"
printf '%s\n' "OPTS=\"$OPTS\"" "WEB_VARS=\"$WEB_VARS\"" "MAIL_VARS=\"$MAIL_VARS\"" \
	"PATH=$HOSTS/bin:\$PATH   # ssh runs here; systemctl, docker, curl, mysqldump print" |
	sed "s|$WORLD|\$WORLD|g"

step "What the web application's move would do (nothing runs; the database password shows as ***)" \
	"$CUTOVER plan run --dry-run $OPTS $WEB_VARS $WEBAPP"

step "Run it: the audit passes (noting today's TTLs), then a manual step; with no terminal the run stops there and says what to confirm (exit 1)" \
	"$CUTOVER plan run $OPTS $WEB_VARS $WEBAPP </dev/null"

step "At the DNS provider: the TTLs of plan.test and www lowered from 8 to 2; then the step confirmed" \
	"sh tests/world/zone-edit.sh $WORLD plan.test '/^[@w]/s/ 8 IN A/ 2 IN A/' && $CUTOVER plan confirm $OPTS $WEBAPP lower-ttl-at-provider"

step "Run again: the gate sees the lowered TTLs, the hold waits out the old TTL (8 s), then the backup, the services stopped, the files and the database copied over ssh, the new server started, and the next manual step: the switch" \
	"$CUTOVER plan run $OPTS $WEB_VARS $WEBAPP </dev/null"

step "At the DNS provider: plan.test and www pointed at the new address; confirmed" \
	"sh tests/world/zone-edit.sh $WORLD plan.test '/^[@w]/s/192\.0\.2\.10/198.51.100.20/' && $CUTOVER plan confirm $OPTS $WEBAPP switch-dns"

step "Run again: the propagation gate (the world's resolver has the new address), the verification, and the last manual step: TTLs raised" \
	"$CUTOVER plan run $OPTS $WEB_VARS $WEBAPP </dev/null"

step "At the DNS provider: the TTLs raised to 60; confirmed. Run again: the last gate, and the plan is complete (exit 0)" \
	"sh tests/world/zone-edit.sh $WORLD plan.test '/^[@w]/s/ 2 IN A/ 60 IN A/' && $CUTOVER plan confirm $OPTS $WEBAPP raise-ttl-at-provider && $CUTOVER plan run $OPTS $WEB_VARS $WEBAPP </dev/null"

step "Where it stands, and why each phase advanced" \
	"$CUTOVER plan status $OPTS $WEB_VARS $WEBAPP"

step "What a step printed (its log; the password it was given is masked), and the files it copied" \
	"$CUTOVER plan log $OPTS $WEBAPP database && diff -r $HOSTS/old/srv/nextcloud $HOSTS/new/srv/nextcloud && echo 'old and new: the same files'"

# The mail move starts from good.test as it was before it: the MX is the old
# server (oldmail, 192.0.2.25), the new one (mail, 198.18.3.25) is not in DNS
# yet, SPF authorises the MX only, and the DKIM record publishes the old
# server's key (the one the plan carries).
sh tests/world/zone-edit.sh "$WORLD" good.test "s/IN MX    10 mail\.good\.test\./IN MX    10 oldmail.good.test./
s/^mail    300 IN A     198\.18\.3\.25/oldmail 300 IN A     192.0.2.25/
s|^default\._domainkey 300 IN TXT .*|default._domainkey 300 IN TXT \"$(cat "$HOSTS/dkim-record.txt")\"|" || exit 3

step "The mail move (good.test from oldmail to mail.good.test, a Mailu server): what it would do" \
	"$CUTOVER plan run --dry-run $OPTS $MAIL_VARS $MAILMOVE"

step "Run it: the audit, the DKIM key carried over ssh and checked against the key DNS publishes, then a manual step: publish the new address" \
	"$CUTOVER plan run $OPTS $MAIL_VARS $MAILMOVE </dev/null"

step "At the DNS provider: mail.good.test's address, and SPF authorising it (its PTR is in the world already); confirmed" \
	"sh tests/world/zone-edit.sh $WORLD good.test 's/\"v=spf1 mx -all\"/\"v=spf1 mx ip4:198.18.3.25 -all\"/; /^oldmail /a mail    300 IN A     198.18.3.25' && $CUTOVER plan confirm $OPTS $MAILMOVE publish-new-address"

step "Run again: SPF passes the new address and its PTR is forward-confirmed, so Mailu is stopped, the mail copied, the new one started; then the MX switch" \
	"$CUTOVER plan run $OPTS $MAIL_VARS $MAILMOVE </dev/null"

step "At the DNS provider: the MX moved to mail.good.test; confirmed. The rest in the background (--detach), followed in its log until it ends" \
	"sh tests/world/zone-edit.sh $WORLD good.test 's/IN MX    10 oldmail\.good\.test\./IN MX    10 mail.good.test./' && $CUTOVER plan confirm $OPTS $MAILMOVE switch-mx && $CUTOVER plan run --detach $OPTS $MAIL_VARS $MAILMOVE && $CUTOVER plan log --follow $OPTS $MAILMOVE | tail -n 6"

step "Every phase of the mail move done, as a script reads it" \
	"$CUTOVER plan status -f json $OPTS $MAILMOVE | jq -c '{state, phases: ([.phases[] | {(.id): .status}] | add)}'"

step "The mail move as a page for the ticket: each phase, its gate's verdict and how long it took" \
	"$CUTOVER plan status -f html -o $WORLD/mail-move.html $OPTS $MAILMOVE && grep -m1 -o '<title>[^<]*</title>' $WORLD/mail-move.html"

# Where cutover runs (README): the shell completion is made from the option
# tables, the Prometheus alerting rules pass promtool, the units systemd-analyze.
step "Shell completion, generated from the command and option tables" \
	"$CUTOVER completion bash | grep -c . && bash -c '. /usr/share/bash-completion/bash_completion; eval \"\$($CUTOVER completion bash)\"; COMP_WORDS=(cutover check --f); COMP_CWORD=2; COMP_LINE=\"cutover check --f\"; COMP_POINT=\${#COMP_LINE}; _cutover; echo \"cutover check --f<TAB>: \${COMPREPLY[*]}\"'"

step "contrib/: the Prometheus alerting rules and their unit tests, checked by promtool" \
	"promtool check rules contrib/prometheus/cutover-alerts.yml && (cd contrib/prometheus && promtool test rules cutover-alerts.test.yml)"

echo
echo "The world (NSD and unbound on 127.53.0.0/16) is stopped again. 'make check' runs the tests."
