#!/bin/sh
# The example plans of contrib/plans/, so that they cannot rot: both load,
# with their own placeholder values and with the demo's (plan run --dry-run),
# and both run end to end against the loopback world as make demo runs them.
# Their two servers are directories and the commands that would act on real
# servers are shims first in PATH (tests/world/plan-hosts.sh); the test plays
# the person at the DNS provider (tests/world/zone-edit.sh), and checks that
# a gate holds while the record it waits for is not there yet.
. "$(dirname "$0")/lib.sh"

need openssl openssl

HOSTS=$TMP/hosts
sh tests/world/plan-hosts.sh "$HOSTS" || bail_out "tests/world/plan-hosts.sh failed"
PATH=$HOSTS/bin:$PATH
export PATH
# as root, a plan file others may write is refused: copies 0644, whatever the
# checkout's umask was
mkdir -p "$TMP/plans"
install -m 0644 contrib/plans/webapp-move.yml contrib/plans/mail-move.yml "$TMP/plans/" ||
	bail_out "cannot copy contrib/plans"
WEBAPP=$TMP/plans/webapp-move.yml
MAILMOVE=$TMP/plans/mail-move.yml
# the --set options (no value has white space: split as words)
WEB_VARS=$(cat "$HOSTS/webapp-move.vars")
MAIL_VARS=$(cat "$HOSTS/mail-move.vars")
SECRET=demo-Pa55word

. "$TOP/tests/integration/plan-lib.sh"

# web ARG... / mail ARG...: the same with a plan's variables
web() {
	# shellcheck disable=SC2086
	pl "$@" $WEB_VARS
}
mail() {
	# shellcheck disable=SC2086
	pl "$@" $MAIL_VARS
}
# status_of PLAN: "phase=status ..." from plan status -f json
status_of() {
	"$CUTOVER" plan status -f json --db "$DB" "$1" | jq -r '[.phases[] | "\(.id)=\(.status)"] | join(" ")'
}
# gate_codes PLAN PHASE: the codes of the last evaluation of the phase's gate
gate_codes() {
	"$CUTOVER" plan status -f json --db "$DB" "$1" |
		jq -r --arg p "$2" '.phases[] | select(.id == $p) | .gate.evaluations[-1].findings |
			map(select(.status != "ok") | .code) | unique | join(" ")'
}

# --- both load ------------------------------------------------------------------

for f in "$WEBAPP" "$MAILMOVE"; do
	pl run --dry-run "$f"
	is "$RC" 0 "$(basename "$f") loads with its own values (--dry-run)"
done
web run --dry-run "$WEBAPP"
is "$RC" 0 "webapp-move.yml loads with the demo's values"
is "$(printf '%s\n' "$OUT" | grep -c '^phase ')" 9 "and lists its nine phases"
like "$OUT" "tar --numeric-owner -C '$HOSTS/new/srv/nextcloud' -xf -" "its variables in the commands, quoted"
ok "$(printf '%s' "$OUT$ERR" | grep -q "$SECRET" && echo 1 || echo 0)" "the database password is not shown"
mail run --dry-run "$MAILMOVE"
is "$RC" 0 "mail-move.yml loads with the demo's values"
is "$(printf '%s\n' "$OUT" | grep -c '^phase ')" 8 "and lists its eight phases"
like "$OUT" "gate on good.test: mail \\(" "its verify gate is the shipped mail rule set"
ok "$([ -z "$(ls -A "$HOSTS/new/srv/nextcloud")" ] && echo 0 || echo 1)" "a dry run copies nothing"

# --- the man page has every option of plan --help ------------------------------------

sed -n '/^\.SH PLANS/,/^\.SH /p' doc/cutover.1 >"$TMP/plans.1"
missing=
for o in $("$CUTOVER" plan --help | grep -oE -- '--[a-z][a-z-]*' | sort -u); do
	# an option in roff: \-\-dry\-run
	grep -qF -- " $(printf '%s' "$o" | sed 's/-/\\-/g')" "$TMP/plans.1" || missing="$missing $o"
done
is "$missing" "" "the PLANS section of doc/cutover.1 has every option of cutover plan --help"

# --- the web application's move, end to end ----------------------------------------

all=
web run "$WEBAPP" </dev/null
all="$all$OUT$ERR"
is "$RC" 1 "webapp: the first run stops at the manual TTL step (exit 1, waiting)"
like "$OUT" "cutover plan confirm $WEBAPP lower-ttl-at-provider" "and says which confirm to run"
is "$(status_of "$WEBAPP" | cut -d' ' -f1-2)" "audit=done lower-ttl=running" "the audit gate passed"

zone plan.test '/^[@w]/s/ 8 IN A/ 2 IN A/'
pl confirm "$WEBAPP" lower-ttl-at-provider
is "$RC" 0 "the TTLs lowered at the provider, the step confirmed"
web run "$WEBAPP" </dev/null
all="$all$OUT$ERR"
is "$RC" 1 "webapp: the second run stops at the manual switch (exit 1)"
like "$OUT" "cutover plan confirm $WEBAPP switch-dns" "and says so"
"$CUTOVER" plan status -f json --db "$DB" "$WEBAPP" >"$TMP/web.json"
lowered=$(jq -r '.phases[] | select(.id == "lower-ttl") | [.gate.evaluations[] | select(.passed)][0].at' "$TMP/web.json")
hold=$(jq -r '.phases[] | select(.id == "lower-ttl") | .hold_until' "$TMP/web.json")
copied=$(jq -r '.phases[] | select(.id == "copy") | .steps[0].started' "$TMP/web.json")
is "$(($(date -u -d "$hold" +%s) - $(date -u -d "$lowered" +%s)))" 8 \
	"the ttl-drain hold lasts the TTL the audit saw (8 s) from the lowering"
ok "$([ "$(date -u -d "$copied" +%s)" -ge "$(date -u -d "$hold" +%s)" ] && echo 0 || echo 1)" \
	"the copy started only after the hold"
ok "$(diff -r "$HOSTS/old/srv/nextcloud" "$HOSTS/new/srv/nextcloud" >/dev/null && echo 0 || echo 1)" \
	"the files were copied over ssh (tar)"
like "$(cat "$HOSTS/new/db.sql" 2>/dev/null)" "^INSERT INTO \`oc_users\`" "the database dump was streamed into mysql"

pl confirm "$WEBAPP" switch-dns
web run --no-wait "$WEBAPP" </dev/null
is "$RC" 1 "confirmed before the records changed: the propagation gate waits (--no-wait: exit 1)"
like "$(gate_codes "$WEBAPP" switch)" "propagation\\.pending" "its findings say the new address is not there"
zone plan.test '/^[@w]/s/192\.0\.2\.10/198.51.100.20/'
# The gate's check above left the old address in the world's resolver for its
# TTL (2 s); a check within it would fail and the next come a minute later
# (every: 1m). Wait until the resolver has forgotten it.
i=0
while [ "$(dig +short @"$RESOLVER" plan.test A)$(dig +short @"$RESOLVER" www.plan.test A)" != \
	198.51.100.20198.51.100.20 ] && [ $i -lt 50 ]; do
	sleep 0.2
	i=$((i + 1))
done
web run "$WEBAPP" </dev/null
all="$all$OUT$ERR"
is "$RC" 1 "once the records changed: propagated, verified, and the last manual step (exit 1)"
like "$OUT" "gate of switch: on plan.test, passed" "the propagation gate passed"
like "$OUT" "gate of verify: on plan.test, passed" "the verification passed"

zone plan.test '/^[@w]/s/ 2 IN A/ 60 IN A/'
pl confirm "$WEBAPP" raise-ttl-at-provider
web run "$WEBAPP" </dev/null
all="$all$OUT$ERR"
is "$RC" 0 "webapp: the TTLs raised, the plan completes (exit 0)"
like "$OUT" "plan webapp-move is complete" "and says so"
web status -f json "$WEBAPP"
all="$all$OUT"
is "$(json_field .state)" complete "status: complete"
is "$(status_of "$WEBAPP")" \
	"audit=done lower-ttl=done backup=done stop=done copy=done start=done switch=done verify=done raise-ttl=done" \
	"status: every phase done"
is "$(json_field '[.phases[].steps[] | select(.kind == "run") | "\(.status)/\(.attempts)"] | unique | join(" ")')" \
	"done/1" "every run: step done once"
pl log "$WEBAPP"
all="$all$OUT"
like "$OUT" "mysql --user=nextcloud, password '\\*\\*\\*'" "the log masks the password the database step was given"
ok "$(printf '%s' "$all" | grep -q "$SECRET" && echo 1 || echo 0)" "the password is in no output, status or log"

# --- the mail move, end to end ------------------------------------------------------
# good.test as it was before the move: the MX is the old server, the new one is
# not in DNS, SPF authorises the MX only, and DKIM publishes the old key.
zone good.test "s/IN MX    10 mail\\.good\\.test\\./IN MX    10 oldmail.good.test./
s/^mail    300 IN A     198\\.18\\.3\\.25/oldmail 300 IN A     192.0.2.25/
s|^default\\._domainkey 300 IN TXT .*|default._domainkey 300 IN TXT \"$(cat "$HOSTS/dkim-record.txt")\"|"

mail run "$MAILMOVE" </dev/null
is "$RC" 1 "mail: the first run stops at the manual step that publishes the new address"
like "$OUT" "gate of carry-dkim: on good.test, passed" "the DKIM key carried is the one DNS publishes"
ok "$(cmp -s "$HOSTS/old/mailu/dkim/good.test.default.key" "$HOSTS/new/mailu/dkim/good.test.default.key" && echo 0 || echo 1)" \
	"the key file arrived over ssh"

pl confirm "$MAILMOVE" publish-new-address
mail run --no-wait "$MAILMOVE" </dev/null
is "$RC" 1 "confirmed before the records exist: the new-address gate waits (exit 1)"
is "$(gate_codes "$MAILMOVE" new-address)" "rdns.not-forward-confirmed spf.sender-not-authorized" \
	"because SPF does not pass the new address and its PTR is not forward-confirmed"
ok "$([ -z "$(ls -A "$HOSTS/new/mailu/mail")" ] && echo 0 || echo 1)" "and nothing was stopped or copied"
zone good.test 's/"v=spf1 mx -all"/"v=spf1 mx ip4:198.18.3.25 -all"/; /^oldmail /a mail    300 IN A     198.18.3.25'
mail run "$MAILMOVE" </dev/null
is "$RC" 1 "once published: the gate passes, and the run stops at the MX switch"
ok "$(diff -r "$HOSTS/old/mailu" "$HOSTS/new/mailu" >/dev/null && echo 0 || echo 1)" "the mailboxes were copied"

zone good.test 's/IN MX    10 oldmail\.good\.test\./IN MX    10 mail.good.test./'
pl confirm "$MAILMOVE" switch-mx
mail run "$MAILMOVE" </dev/null
is "$RC" 0 "mail: the MX switched, the plan completes (exit 0)"
like "$OUT" "gate of verify: on good.test, passed" "the shipped mail rules pass"
is "$(status_of "$MAILMOVE")" \
	"audit=done carry-dkim=done new-address=done stop=done copy=done start=done switch=done verify=done" \
	"status: every phase done"

done_testing
