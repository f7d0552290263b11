#!/bin/sh
# -f html: the self-contained page of check, compare, propagation (and its
# --history) and plan status, each checked by tidy (HTML5: no error, no
# warning) and rendered in a real headless Chromium: no console message or
# script error (a page that throws proves the detection works), a
# screenshot that is neither empty nor one blank colour, and the DOM after
# the page's script ran holding what the report is about. A TXT record with
# markup in it shows as text and runs nothing. The propagation page is drawn
# from the history of a real watch: prop.test's www changes on the world's
# servers while two resolvers of the test's own hold the old value for
# different times, so the timeline has flips to show. HTML_KEEP=DIR keeps
# the pages and their screenshots in DIR.
. "$(dirname "$0")/lib.sh"

need chromium chromium
need tidy tidy
need python3 python3
need unbound unbound

# browse NAME URL: URL in headless Chromium, with a profile of its own (a
# new one each time: a profile left from a run that was killed can hang it)
# and nothing that reaches the network. The DOM after the page's scripts
# ran goes to $TMP/NAME.dom, a screenshot of 1280x1000 to $TMP/NAME.png,
# Chromium's log to $TMP/NAME.log; BROWSE_RC is its exit status, CONSOLE
# the log's CONSOLE lines: every console message and uncaught error of the
# page (--enable-logging=stderr --v=0 logs them as
# "INFO:CONSOLE(LINE)] "MESSAGE", source: URL (LINE)").
browse() {
	_profile=$TMP/chromium-profile-$1
	rm -rf "$_profile"
	mkdir -p "$_profile" || bail_out "cannot make $_profile"
	timeout 120 chromium --no-sandbox --headless --disable-gpu --disable-quic --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$_profile" --enable-logging=stderr --v=0 --window-size=1280,1000 \
		--screenshot="$TMP/$1.png" --dump-dom "$2" >"$TMP/$1.dom" 2>"$TMP/$1.log"
	BROWSE_RC=$?
	CONSOLE=$(grep ':CONSOLE' "$TMP/$1.log")
	DOM=$(cat "$TMP/$1.dom")
}

# page NAME FILE [FRAGMENT]: the assertions every page gets: tidy accepts it
# as HTML5 without a warning; it needs nothing from elsewhere (no src= or
# href= but the page's own fragments); Chromium renders it (the address
# with #FRAGMENT when given) without a console message; the screenshot is
# 1280x1000 and has many colours (text, tags), not one. Leaves its DOM in DOM.
page() {
	tidy -e -q "$2" >"$TMP/$1.tidy" 2>&1
	ok $? "$1: tidy (HTML5) finds no error and no warning" || diag "$(cat "$TMP/$1.tidy")"
	is "$(grep -Eio '<[a-z][^>]*[[:space:]](src|href|action|data|poster)=["'"'"']?[^"#'"'"' >]|url\(|@import' "$2" |
		head -3)" "" "$1: self-contained: no src=, href= or url() of anything outside the page"
	browse "$1" "file://$2${3:+#$3}"
	is "$BROWSE_RC" 0 "$1: Chromium renders it" || diag "$(tail -5 "$TMP/$1.log")"
	is "$CONSOLE" "" "$1: no console message, no script error"
	_png=$(python3 tests/integration/pngstat.py "$TMP/$1.png" 2>&1)
	set -- "$1" $_png
	ok "$([ "${2:-0}" = 1280 ] && [ "${3:-0}" = 1000 ] && [ "${4:-0}" -ge 50 ] && echo 0 || echo 1)" \
		"$1: the screenshot is 1280x1000 with many colours, not blank (width height colours: $2 $3 $4)"
}

# in_dom ERE DESC: one test, that the DOM of the last page has a line matching ERE
in_dom() {
	like "$DOM" "$1" "$2"
}

# --- the detection works --------------------------------------------------------

cat >"$TMP/throws.html" <<'EOF'
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>throws</title></head>
<body><p>a page whose script fails</p>
<script>console.error("logged-error"); throw new Error("deliberate-failure");</script>
</body></html>
EOF
browse throws "file://$TMP/throws.html"
is "$BROWSE_RC" 0 "control: Chromium renders a page whose script throws"
like "$CONSOLE" 'Uncaught Error: deliberate-failure' "control: the uncaught error is caught in the log"
like "$CONSOLE" 'logged-error' "control: so is console.error"
like "$DOM" 'a page whose script fails' "control: the DOM dump has the page"
printf '\211PNG\r\n\032\n' >"$TMP/notpng.png"
python3 tests/integration/pngstat.py "$TMP/notpng.png" >/dev/null 2>&1
ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "control: pngstat refuses a PNG that is cut short"
printf '<!DOCTYPE html>\n<html lang="en"><head><title>t</title></head><body><p><span>x</p></body></html>\n' \
	>"$TMP/bad.html"
tidy -e -q "$TMP/bad.html" >/dev/null 2>&1
ok "$([ $? -ne 0 ] && echo 0 || echo 1)" "control: tidy rejects a page with a tag left open"

# --- the world: a TXT record with markup ------------------------------------------

orig=$FIXTURES/zones/prop.test.zone
# new_zone WWW-VALUE WWW-TTL SERIAL: prop.test on both of its servers, www
# at WWW-VALUE with WWW-TTL, plus a TXT record that is markup; reload them
new_zone() {
	for s in new1 new2; do
		sed -e "s/^www       6 IN A     192.0.2.10/www       $2 IN A     $1/" \
			-e "s/2026120101/$3/" "$orig" >"$WORLD/$s/zones/prop.test.zone"
		cat >>"$WORLD/$s/zones/prop.test.zone" <<'EOF'
hostile 300 IN TXT "<script>console.log('XSS-RAN')</script><img src=x onerror=\"console.log('XSS-IMG')\">" "&amp; \"quoted\""
EOF
	done
	reload new1 && reload new2
}
# restore: prop.test as the fixture has it, on both servers
restore() {
	for s in new1 new2; do
		cp "$orig" "$WORLD/$s/zones/prop.test.zone" && touch "$WORLD/$s/zones/prop.test.zone" &&
			reload $s
	done
}
at_exit restore
new_zone 192.0.2.10 15 2026120102 || bail_out "reloading prop.test with the hostile TXT failed"

cat >"$TMP/hostile.yml" <<'EOF'
name: html-hostile
checks:
  - check: record
    name: "hostile.{domain}"
    type: TXT
    expect: ["v=spf1 -all"]
EOF

# --- check ---------------------------------------------------------------------------
# In input order good.test (ok), highttl.test (fail), dead.test (error: a
# server refuses), prop.test (warn): the page puts them worst first.

run_cutover check --root-hints "$ROOT_HINTS" -r pre-cutover -s new_ip=198.51.100.20 \
	-f html -o "$TMP/check.html" good.test highttl.test dead.test prop.test
is "$RC" 2 "check -f html: exit status as for any format (2: a fail)" || diag_run
page check "$TMP/check.html"
in_dom '<fieldset id="filter">' "check: the script ran: the status filter shows"
order=$(printf '%s\n' "$DOM" | grep -o '<section class="domain" id="d[0-9]*" data-worst="[a-z]*">' |
	sed 's/.*id="d\([0-9]*\)" data-worst="\([a-z]*\)".*/\1:\2/' | tr '\n' ' ')
is "$order" "2:fail 3:error 4:warn 1:ok " "check: domains worst first (fail, error, warn, ok)"
names=$(printf '%s\n' "$DOM" | grep -o '<h2>.*</h2>' | sed 's/.*<span class="mono">\([^<]*\)<.*/\1/' | tr '\n' ' ')
is "$names" "highttl.test dead.test prop.test good.test " "check: the domains' names in that order"
statuses=$(printf '%s\n' "$DOM" | sed -n '/<section class="domain" id="d4"/,/<\/section>/p' |
	grep -o 'data-status="[a-z]*"' | sed 's/data-status="\(.*\)"/\1/' | uniq | tr '\n' ' ')
is "$statuses" "warn info ok " "check: prop.test's findings worst first"
in_dom '<td class="mono code">ttl.too-high</td><td class="mono text">www.highttl.test/A</td>' \
	"check: a finding's code and subject"
in_dom '<td class="mono code">ns.unreachable</td><td class="mono text">dead.hosts.test</td><td class="mono text">dead.hosts.test/127.53.4.4</td>' \
	"check: a finding's server"
in_dom 'cutover [0-9.]+; started <time datetime="[0-9T:-]+Z">' "check: the tool and the start at the top"
totals=$(printf '%s\n' "$DOM" | sed -n '/<th class="num">domains/{n;p;}' | sed 's/<[^>]*>/ /g' | tr -s ' ')
run_cutover check --root-hints "$ROOT_HINTS" -r pre-cutover -s new_ip=198.51.100.20 -f json \
	good.test highttl.test dead.test prop.test
is "$totals" " $(json_field '"\(.summary.fail) \(.summary.error) \(.summary.warn) \(.summary.info) \(.summary.ok)"') 4 " \
	"check: the totals at the top (fail error warn info ok domains) are the JSON report's"
is "$(printf '%s\n' "$DOM" | grep -c '<tr class="r-')" "$(json_field '.findings | length')" \
	"check: a row per finding"

# --- a TXT record with markup --------------------------------------------------------------

run_cutover check --root-hints "$ROOT_HINTS" -r "$TMP/hostile.yml" -f html -o "$TMP/hostile.html" prop.test
is "$RC" 2 "hostile: the record differs (exit 2)" || diag_run
page hostile "$TMP/hostile.html"
in_dom '<td class="mono code">record.mismatch</td>' "hostile: the record's finding"
in_dom '&lt;script&gt;console.log\(.XSS-RAN.\)&lt;/script&gt;&lt;img src=x onerror=' \
	"hostile: the TXT record's markup is text in the DOM"
in_dom '&amp;amp; \\"quoted\\"' "hostile: so is its &"
like "$(cat "$TMP/hostile.html")" '&amp;amp; \\&quot;quoted\\&quot;' "hostile: and, in the file, its quotes"
is "$(printf '%s\n' "$DOM" | grep -c '<script')" 1 "hostile: the DOM has one script, the page's own"
is "$(printf '%s\n' "$DOM" | grep -c '<img')" 0 "hostile: and no image made from the TXT record"
is "$(printf '%s\n' "$CONSOLE" | grep -c 'XSS')" 0 "hostile: nothing of the TXT record ran"

# The filter: #show=fail leaves only the failures (and the domains that have any)
browse check-fail "file://$TMP/check.html#show=fail"
is "$CONSOLE" "" "check#show=fail: no console message"
is "$(printf '%s\n' "$DOM" | grep -c '<tr class="r-ok" data-status="ok" hidden="">')" \
	"$(printf '%s\n' "$DOM" | grep -c '<tr class="r-ok"')" "check#show=fail: every ok finding is hidden"
is "$(printf '%s\n' "$DOM" | grep -c '<tr class="r-fail" data-status="fail">')" \
	"$(grep -c '<tr class="r-fail"' "$TMP/check.html")" "check#show=fail: every failure shows"
like "$DOM" '<section class="domain" id="d1" data-worst="ok" hidden="">' "check#show=fail: good.test is hidden"
like "$DOM" '<section class="domain" id="d3" data-worst="error" hidden="">' "check#show=fail: so is dead.test"
# Without the script everything shows: nothing in the file is hidden but the filter
is "$(grep -o '<[a-z][^>]*[[:space:]]hidden[^>]*>' "$TMP/check.html")" '<fieldset id="filter" hidden>' \
	"check: without the script nothing is hidden (but the filter, which needs it)"

# Interrupted: the partial banner
# (slow.test waits on a server that never answers)
"$CUTOVER" check --root-hints "$ROOT_HINTS" -f html -o "$TMP/partial.html" --timeout 20000 \
	good.test slow.test 2>/dev/null &
pid=$!
sleep 1
kill -INT $pid
wait $pid
is "$?" 3 "check -f html interrupted: exit 3"
page partial "$TMP/partial.html"
in_dom '<p class="banner" role="alert">Partial report: the run was interrupted' \
	"interrupted: the page says it is partial"
in_dom '<span class="mono">good.test</span>' "interrupted: with the domain that was done"

# Baseline marks
run_cutover check --root-hints "$ROOT_HINTS" --save "$TMP/before.json" -f json good.test highttl.test
run_cutover check --root-hints "$ROOT_HINTS" -r pre-cutover -s new_ip=198.51.100.20 --baseline "$TMP/before.json" \
	-f html -o "$TMP/baseline.html" good.test highttl.test
page baseline "$TMP/baseline.html"
in_dom '<th>baseline</th>' "baseline: a column of marks"
in_dom '<td class="mark-new">new</td>' "baseline: new findings are marked"
in_dom '<td class="mark-unchanged">unchanged</td>' "baseline: unchanged ones too"
in_dom 'Baseline <span class="mono">[^<]*before.json</span>: <span class="mark-new">[1-9][0-9]* new</span>' \
	"baseline: the counts under the totals"

# --- compare --------------------------------------------------------------------------

run_cutover compare --root-hints "$ROOT_HINTS" -f html -o "$TMP/compare.html" cmp.test \
	--from delegated --to ns1.newprov.test,ns2.newprov.test
is "$RC" 2 "compare -f html: exit 2 (values differ)" || diag_run
page compare "$TMP/compare.html"
in_dom '<th>old</th><th>new</th>' "compare: the value columns are old and new"
in_dom '<td class="mono code">compare.value</td><td class="mono text">www.cmp.test/A</td><td class="mono text"></td><td class="msg">[^<]*</td><td class="mono value">192.0.2.10</td><td class="mono value">198.51.100.10</td>' \
	"compare: www.cmp.test/A with its old and new values"
in_dom 'compare.missing' "compare: the missing record"

# --- propagation: a real watch ----------------------------------------------------------
# Two resolvers of the test's own are primed with the old value of
# www.prop.test (TTL 15), the second 5 s after the first; then the zone
# changes. A third, asked first after the change, has the new value at once;
# the first primed flips about 5 s before the second. The watch runs while
# the page of the first sweep is checked.

# start_unbound NAME ADDRESS (tests/world/resolver.sh)
start_unbound() {
	sh tests/world/resolver.sh "$TMP/$1" "$ROOT_HINTS" allow '' "$2" >/dev/null ||
		bail_out "unbound in $TMP/$1 did not start"
	at_exit "kill \$(cat '$TMP/$1/pid') 2>/dev/null"
}
EARLY=127.53.15.1
LATE=127.53.15.2
FRESH=127.53.15.3
start_unbound early $EARLY
start_unbound late $LATE
start_unbound fresh $FRESH
dig_at $EARLY www.prop.test A +rec
is "$DIG_STATUS $(dig_rdata A)" "NOERROR 192.0.2.10" "the first resolver holds the old value"
sleep 5
dig_at $LATE www.prop.test A +rec
is "$DIG_STATUS $(dig_rdata A)" "NOERROR 192.0.2.10" "the second, 5 s later, too"
new_zone 198.51.100.20 15 2026120103 || bail_out "reloading the changed prop.test failed"

DB=$TMP/prop.db
prop() {
	run_cutover propagation --root-hints "$ROOT_HINTS" --db "$DB" --expect 198.51.100.20 \
		--resolver $EARLY --resolver $LATE --resolver $FRESH "$@" www.prop.test
}
prop -f html -o "$TMP/prop-pending.html"
is "$RC" 1 "propagation -f html while two resolvers hold the old value: pending (exit 1)" || diag_run
"$CUTOVER" propagation --root-hints "$ROOT_HINTS" --db "$DB" --expect 198.51.100.20 --resolver $EARLY \
	--resolver $LATE --resolver $FRESH --watch --interval 1 --max-wait 60 -f json www.prop.test \
	>"$TMP/watch.json" 2>"$TMP/watch.err" &
watch=$!
page prop-pending "$TMP/prop-pending.html"
in_dom '<h1>Propagation of <span class="mono">www.prop.test/A</span> <span class="tag k-pending">pending</span></h1>' \
	"prop-pending: the name and the state"
for r in $EARLY $LATE; do
	in_dom "<tr data-prop=\"old\"><td class=\"mono\">$r</td><td>resolver</td>.*<span class=\"tag k-old\">old</span>.*<time datetime=\"[0-9T:-]+Z\">[0-9T:-]+Z</time> <span class=\"countdown\" data-flips=\"[0-9]+\">(in [0-9]+s from now|due: its TTL ran out)</span>" \
		"prop-pending: $r is old, with when it flips, counted down by the script"
done
in_dom "<tr data-prop=\"new\"><td class=\"mono\">$FRESH</td><td>resolver</td>.*<span class=\"tag k-new\">new</span>" \
	"prop-pending: $FRESH is new"
in_dom '<tr data-prop="new"><td class="mono">127.53.2.1</td><td>authoritative</td>' \
	"prop-pending: the authoritative servers serve the new value"
in_dom 'ETA <time datetime=' "prop-pending: the ETA"
in_dom '<td class="mono code">propagation.pending</td>' "prop-pending: the finding"
in_dom '<svg xmlns="http://www.w3.org/2000/svg" id="timeline"' "prop-pending: the history's timeline so far"

wait $watch
is "$?" 0 "the watch ends converged (exit 0)" || diag "$(cat "$TMP/watch.err")"

run_cutover propagation --db "$DB" --history -f json www.prop.test
first_new() { # first_new ADDRESS: when the history says it first had the new value (epoch)
	date -u -d "$(json_field "[.servers[] | select(.address == \"$1\")][0].first_new")" +%s
}
early=$(first_new $EARLY) late=$(first_new $LATE) fresh=$(first_new $FRESH)
ok "$([ "$fresh" -lt "$early" ] && [ "$early" -lt "$late" ] && echo 0 || echo 1)" \
	"the history: $FRESH new first ($fresh), then $EARLY ($early), then $LATE ($late)"

prop -f html -o "$TMP/prop.html"
is "$RC" 0 "propagation -f html after the watch: converged (exit 0)" || diag_run
page prop "$TMP/prop.html"
in_dom '<span class="tag k-converged">converged</span></h1>' "prop: converged"
is "$(printf '%s\n' "$DOM" | grep -c '<tr data-prop="new"><td class="mono">127.53.15')" 3 \
	"prop: the three resolvers have the new value"

# cx="X" of the flip of server $1 in DOM
flip_x() {
	printf '%s\n' "$DOM" | grep -o "<circle class=\"flip\" data-server=\"$1\" cx=\"[0-9]*\"" |
		sed 's/.*cx="\([0-9]*\)"/\1/'
}
timeline_checks() { # timeline_checks NAME
	in_dom '<svg xmlns="http://www.w3.org/2000/svg" id="timeline" viewBox="0 0 960 [0-9]+"' \
		"$1: the timeline, inline SVG"
	xe=$(flip_x $EARLY) xl=$(flip_x $LATE) xf=$(flip_x $FRESH)
	ok "$([ -n "$xf" ] && [ -n "$xe" ] && [ -n "$xl" ] && [ "$xf" -lt "$xe" ] && [ "$xe" -lt "$xl" ] &&
		echo 0 || echo 1)" "$1: each resolver's flip drawn where it happened: $FRESH ($xf), $EARLY ($xe), $LATE ($xl)"
	is "$(printf '%s\n' "$DOM" | grep -c '<circle class="flip" data-server="127.53.2.[12]"')" 2 \
		"$1: the authoritative servers' flips too"
	in_dom "<title>$EARLY first had the new value at [0-9T:-]+Z, [0-9]+s after the first sweep</title>" \
		"$1: a flip says when"
	in_dom '<polyline class="ratio" [^>]*points="[0-9]+,[0-9]+ .* [0-9]+,30"' \
		"$1: the converged ratio ends at 100% (the top of its chart)"
	in_dom '<polyline class="ratio" [^>]*points="250,110 ' \
		"$1: and began at a third (one resolver of three had it; 150 is 0%)"
	in_dom 'stroke-dasharray="4 3"(/>|></line>)<text [^>]*>converged [0-9:]+</text>' "$1: the moment it converged"
	in_dom "<tr><td class=\"mono\">$LATE</td><td>resolver</td><td></td><td><time datetime=\"[0-9T:-]+Z\">[^<]*</time></td><td><time datetime=\"[0-9T:-]+Z\">" \
		"$1: the table of first flips"
}
timeline_checks prop

run_cutover propagation --db "$DB" --history -f html -o "$TMP/prop-history.html" www.prop.test
is "$RC" 0 "propagation --history -f html: exit 0" || diag_run
page prop-history "$TMP/prop-history.html"
in_dom '<h1>Propagation history of <span class="mono">www.prop.test/A</span> <span class="tag k-converged">converged</span></h1>' \
	"prop-history: the name, converged"
timeline_checks prop-history

# --- plan status ------------------------------------------------------------------------------
# A small plan run in the world: a phase whose steps pass (one on its second
# attempt, one that takes a second) and whose gate passes; a phase whose
# gate does not pass within its wait (www.good.test is not 203.0.113.99), so
# the run fails there; a phase never reached.

cat >"$TMP/plan.yml" <<EOF
plan: html-plan
vars: {domain: good.test}
phases:
  - id: prepare
    description: "lower the TTLs <before> the move"
    steps:
      - {id: write-marker, run: "echo ready > $TMP/plan.out"}
      - id: flaky
        run: "test -f $TMP/flaky || { touch $TMP/flaky; exit 4; }"
        retries: 1
      - {id: take-a-second, run: "sleep 1"}
    gate:
      checks: [{check: ttl, types: [A], max: 3600}]
  - id: switch
    steps:
      - {id: point-www, run: "true"}
    gate:
      checks: [{check: record, name: www, type: A, expect: ["203.0.113.99"]}]
      wait: 2s
      every: 1s
  - id: verify
    steps:
      - {id: look, manual: "open https://www.good.test/ and look"}
EOF
run_cutover plan run --db "$TMP/plan.db" --root-hints "$ROOT_HINTS" --timeout 500 "$TMP/plan.yml"
is "$RC" 2 "the plan runs until the gate of switch fails (exit 2)" || diag_run
run_cutover plan status --db "$TMP/plan.db" -f html -o "$TMP/plan.html" "$TMP/plan.yml"
is "$RC" 0 "plan status -f html: exit 0 (the state was read)" || diag_run
page plan "$TMP/plan.html"
in_dom '<h1>Plan <span class="mono">html-plan</span> <span class="tag k-failed">failed</span></h1>' \
	"plan: the name and the state"
in_dom 'Progress: 1 of 3 phases, 4 of 5 steps done.' "plan: the progress"
for ph in prepare:done switch:failed verify:pending; do
	in_dom "<h2><span class=\"tag k-${ph#*:}\">${ph#*:}</span> Phase <span class=\"mono\">${ph%%:*}</span></h2>" \
		"plan: phase ${ph%%:*} is ${ph#*:}"
done
in_dom '<tr><td class="mono"><a href="#phase-prepare">prepare</a></td><td><span class="tag k-done">done</span></td><td><time datetime="[0-9T:-]+Z">[^<]*</time></td><td><time datetime="[0-9T:-]+Z">[^<]*</time></td><td class="num">[0-9]+s</td><td><span class="tag k-passed">passed</span></td></tr>' \
	"plan: the overview: prepare done, started, ended, its duration, its gate passed"
in_dom '<a href="#phase-switch">switch</a></td><td><span class="tag k-failed">failed</span>.*<span class="tag k-failed">not passed</span></td></tr>' \
	"plan: switch failed, its gate not passed"
in_dom '<td class="mono">flaky</td><td><span class="tag k-done">done</span></td><td class="num">2</td><td class="num">0</td>' \
	"plan: flaky done on its second attempt, exit status 0"
in_dom '<td class="mono">take-a-second</td><td><span class="tag k-done">done</span></td><td class="num">1</td><td class="num">0</td><td><time [^>]*>[^<]*</time></td><td><time [^>]*>[^<]*</time></td><td class="num">[12]s</td>' \
	"plan: take-a-second with its duration"
in_dom '<td class="mono">look</td><td><span class="tag k-pending">pending</span></td><td class="num">0</td><td class="num"></td>' \
	"plan: the manual step never reached"
in_dom '<p class="gate"><span class="tag k-passed">passed</span> worst <span class="tag k-ok">ok</span> at the latest of 1 check, <time' \
	"plan: prepare's gate verdict: passed, worst ok"
in_dom '<p class="gate"><span class="tag k-failed">not passed</span> worst <span class="tag k-fail">fail</span> at the latest of [2-9] checks' \
	"plan: switch's gate verdict: not passed, worst fail, after several checks"
in_dom '<td class="mono text">record.mismatch</td><td class="mono text">www.good.test/A</td>' \
	"plan: the findings that failed the gate"
in_dom 'lower the TTLs &lt;before&gt; the move' "plan: a phase's description, escaped"

# HTML_KEEP=DIR keeps the pages and their screenshots there, to look at
[ -z "${HTML_KEEP:-}" ] || cp "$TMP"/*.html "$TMP"/*.png "$HTML_KEEP"/
done_testing
