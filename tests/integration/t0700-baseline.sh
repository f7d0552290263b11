#!/bin/sh
# Baselines: `check --save` keeps the JSON report, `--baseline` marks each
# finding new, unchanged or fixed against it, `--fail-on new` makes the exit
# status depend on the new ones alone; a plan gate with `baseline:` passes
# despite problems that were there before and fails on a new one. Between
# two reports the test changes highttl.test at the provider (every server's
# copy, NSD reloaded; restored at exit): www's TTL lowered (a problem
# fixed), the MX TTL raised (a regression), later the SOA refresh lowered (a
# new warning). Every format with marks is read by its consumer (xmllint,
# promtool, prove); bad baseline files are refused with what is wrong.
. "$(dirname "$0")/lib.sh"

need xmllint libxml2-utils
need promtool prometheus
need prove perl

. "$TOP/tests/integration/plan-lib.sh"

cd "$TMP" || bail_out "cannot cd to $TMP"
cat >rules.yml <<'EOF'
name: baseline-test
checks:
  - check: ns
  - check: soa
  - check: ttl
    names: ["{domain}", "www.{domain}"]
    types: [A, MX]
    max: 900
EOF

chk() {
	run_cutover check --root-hints "$ROOT_HINTS" -r rules.yml "$@"
}
# mark CODE SUBJECT: "STATUS MARK" of each finding of highttl.test with that
# code and subject in OUT, one server after the other (sorted)
mark() {
	printf '%s\n' "$OUT" | jq -r --arg c "$1" --arg s "$2" \
		'.findings[] | select(.domain == "highttl.test" and .code == $c and .subject == $s)
		 | "\(.status) \(.baseline // "-")"' | sort | tr '\n' ' ' | sed 's/ $//'
}

# --- the help and the man page ---------------------------------------------------------

run_cutover check --help
for o in --save --baseline 'new: only findings new since'; do
	like "$OUT" "$o" "check --help documents $o"
done
for o in '.BI \-\-save " FILE"' '.BI \-\-baseline " FILE"' '.SH BASELINES' '.BI "baseline: " FILE'; do
	ok "$(grep -qF -- "$o" "$TOP/doc/cutover.1"; echo $?)" "doc/cutover.1 has $o"
done

# --- --save --------------------------------------------------------------------------

chk -f json -o report.json --save base.json highttl.test good.test
is "$RC" 2 "check --save: the exit status is the run's (ttl.too-high fails)"
OUT=$(cat base.json)
is "$(json_field '[.version, .status] | join(" ")')" "1 fail" "--save writes a JSON report"
is "$(json_field '[.findings[] | select(has("baseline"))] | length') $(json_field 'has("baseline")')" "0 false" \
	"the saved report has no baseline marks"
is "$(findings ttl.too-high highttl.test status subject | uniq -c | sed 's/^ *//' | tr '\n' ';')" \
	"2 fail | highttl.test/A;2 fail | www.highttl.test/A;" "the saved report holds the apex's and www's ttl.too-high"
is "$(jq -c .findings base.json)" "$(jq -c .findings report.json)" \
	"the saved findings are those of -f json"

chk --save base-text.json highttl.test
like "$OUT" '^highttl.test  FAIL  ' "with -f text the report is text on standard output"
is "$(jq -r '.domains | join(" ")' base-text.json)" highttl.test "and the JSON report is saved beside it"

# --- the same zone: everything unchanged ------------------------------------------------

chk -f json --baseline base.json highttl.test good.test
is "$RC" 2 "--baseline without --fail-on: the exit status still counts every finding"
is "$(json_field '[.findings[].baseline] | unique | join(" ")')" unchanged "nothing changed: every finding unchanged"
is "$(json_field '.baseline | "\(.file) \(.new) \(.fixed) \(.unchanged)"')" \
	"base.json 0 0 $(jq '.findings | length' base.json)" "the top-level baseline counts"
chk --baseline base.json --fail-on new highttl.test good.test
is "$RC" 0 "--fail-on new: only unchanged problems: exit 0"
like "$OUT" '; baseline base.json: 0 new, 0 fixed, [0-9]+ unchanged; new problems: none$' \
	"the text summary says no problem is new"

# --- the zone changed: www fixed, MX regressed ---------------------------------------------

zone highttl.test 's/^www   86400 IN A/www     300 IN A/; s/^@       300 IN MX/@      7200 IN MX/'
chk -f json --baseline base.json highttl.test good.test
is "$(mark ttl.too-high highttl.test/MX)" "fail new fail new" "the raised MX TTL: ttl.too-high new on both servers"
is "$(mark ttl.too-high highttl.test/A)" "fail unchanged fail unchanged" "the apex's TTL: still too high, unchanged"
is "$(mark ttl.too-high www.highttl.test/A)" "info fixed info fixed" "www's lowered TTL: ttl.too-high fixed, as info"
is "$(mark ttl.ok www.highttl.test/A)" "ok new" "www's TTL is ok now: a new ok finding"
is "$(mark ttl.ok highttl.test/MX)" "" "the MX's ok of the baseline is not repeated"
is "$(mark soa.ok highttl.test/SOA)" "ok unchanged" "soa.ok with another serial in its message is unchanged"
is "$(json_field '[.findings[] | select(.domain == "good.test") | .baseline] | unique | join(" ")')" unchanged \
	"good.test: all unchanged"
fixed=$(printf '%s\n' "$OUT" | jq -c '[.findings[] | select(.baseline == "fixed")][0]')
is "$(printf '%s\n' "$fixed" | jq -r '[.check, .server, .expected, .actual] | join(" ")')" \
	"ttl ns1.newprov.test/127.53.2.1 <= 900 86400" "a fixed finding keeps the baseline's check, server, expected, actual"
like "$(printf '%s\n' "$fixed" | jq -r .message)" '^in the baseline \(fail\), no longer found: TTL 86400 is above 900' \
	"its message says it was in the baseline"
is "$(json_field '.baseline | "\(.new) \(.fixed)"')" "3 2" "the top-level baseline counts 3 new, 2 fixed"
is "$(json_field '[.summary[]] | add')" "$(json_field '.findings | length')" "the summary adds up to the findings, fixed ones included"

chk --baseline base.json highttl.test good.test
is "$RC" 2 "text: exit 2"
like "$OUT" '^  FAIL  NEW    ttl\.too-high  highttl\.test/MX +@ns1\.newprov\.test/127\.53\.2\.1  TTL 7200 is above 900' \
	"text: the new problem is marked NEW"
like "$OUT" '^  FAIL         ttl\.too-high  highttl\.test/A +@ns1\.newprov\.test/127\.53\.2\.1  TTL 86400' \
	"text: an unchanged problem has a blank mark"
like "$OUT" '^  INFO  FIXED  ttl\.too-high  www\.highttl\.test/A +@ns2\.newprov\.test/127\.53\.2\.2  in the baseline \(fail\), no longer found' \
	"text: the fixed one is marked FIXED"
like "$OUT" '^  OK    NEW    ttl\.ok        www\.highttl\.test/A' "text: a new ok finding is marked NEW"
like "$OUT" '^highttl\.test  FAIL  4 fail, 2 info, [0-9]+ ok; 3 new, 2 fixed$' "text: the domain heading counts new and fixed"
like "$OUT" '^good\.test  OK  [0-9]+ ok; unchanged$' "text: an unchanged domain says so"
like "$OUT" '; baseline base\.json: 3 new, 2 fixed, [0-9]+ unchanged$' "text: the summary line counts the marks"

chk --baseline base.json --fail-on new highttl.test good.test
is "$RC" 2 "--fail-on new: a new fail exits 2"
like "$OUT" '; new problems: 2 fail$' "and the summary names the new problems"
chk -f nagios --baseline base.json --fail-on new highttl.test good.test
is "$RC" 2 "nagios, --fail-on new: exit 2"
like "$(printf '%s\n' "$OUT" | head -n 1)" '^CUTOVER CRITICAL - new: 2 fail: ttl\.too-high highttl\.test/MX; .* new=3;;;0 fixed=2;;;0 unchanged=[0-9]+;;;0 time=' \
	"nagios: the state and the status line are about the new problems"
like "$OUT" '^\[FAIL\] NEW ttl\.too-high highttl\.test/MX @ns1' "nagios: the long output marks the new one"

# A new warning only: the MX back as it was, the SOA refresh lowered.
zone highttl.test 's/^@      7200 IN MX/@       300 IN MX/; s/14400      ; refresh/7200       ; refresh/'
chk -f json --baseline base.json --fail-on new highttl.test good.test
is "$(mark soa.timers highttl.test/SOA)" "warn new" "the lowered refresh: soa.timers new"
is "$RC" 1 "--fail-on new: a new warning alone exits 1 (as --fail-on warn over the new findings)"
chk -f nagios --baseline base.json --fail-on new highttl.test
is "$RC $(printf '%s\n' "$OUT" | head -n 1 | cut -c1-40)" "1 CUTOVER WARNING - new: 1 warn: soa.timer" \
	"nagios: WARNING and exit 1 for the new warning"
zone highttl.test 's/7200       ; refresh/14400      ; refresh/'

# A report marked against a baseline is a baseline too: its fixed findings
# are not findings of its run.
chk -f json -o marked.json --baseline base.json highttl.test good.test
is "$(jq '[.findings[] | select(.baseline == "fixed")] | length' marked.json)" 2 "the marked report holds 2 fixed findings"
chk -f json --baseline marked.json highttl.test good.test
is "$(json_field '.baseline | "\(.new) \(.fixed)"')" "0 0" "against the marked report: nothing new, nothing fixed again"

# --- every format with marks, read by its consumer -------------------------------------------

chk -f junit -o r.xml --baseline base.json --fail-on new highttl.test good.test
xmllint --noout --schema "$TOP/tests/junit/junit.xsd" r.xml 2>xmllint.err
ok $? "junit with marks: valid against tests/junit/junit.xsd" || diag "$(cat xmllint.err)"
is "$(xmllint --xpath 'count(//testcase/failure)' r.xml)" 0 \
	"junit, --fail-on new: no failure (the apex's ttl.too-high is unchanged)"
like "$(xmllint --xpath 'string(//testcase[@name="ttl.too-high highttl.test/A @ns1.newprov.test/127.53.2.1"]/system-out)' r.xml)" \
	'^fail, unchanged since the baseline: TTL 86400' "junit: the unchanged problem says so in its system-out"
chk -f tap -o r.tap --baseline base.json --fail-on new highttl.test good.test
prove -e cat r.tap >prove.out 2>&1
ok $? "tap, --fail-on new: unchanged problems are TODO, prove passes" || diag "$(cat prove.out)"
like "$(cat r.tap)" '^not ok [0-9]+ - ttl\.too-high highttl\.test/A .* # TODO unchanged since the baseline$' "tap: the TODO directive"
like "$(cat r.tap)" '^ok [0-9]+ - FIXED ttl\.too-high www\.highttl\.test/A' "tap: the mark starts the description"
chk -f prometheus -o r.prom --baseline base.json highttl.test good.test
promtool check metrics <r.prom >promtool.out 2>&1
ok $? "prometheus with marks: promtool check metrics accepts it" || diag "$(cat promtool.out)"
like "$(cat r.prom)" '^cutover_finding\{domain="highttl.test",check="ttl",code="ttl.too-high",subject="www.highttl.test/A",server="ns1.newprov.test/127.53.2.1",status="info",baseline="fixed"\} 1$' \
	"prometheus: the mark is a label of cutover_finding"
like "$(cat r.prom)" '^cutover_baseline_findings\{mark="fixed"\} 2$' "prometheus: cutover_baseline_findings"

# --- bad baselines and usage ----------------------------------------------------------------

chk --baseline nope.json highttl.test
is "$RC $ERR" "3 cutover: --baseline: cannot open 'nope.json': No such file or directory" "a missing baseline: exit 3, named"
is "$OUT" "" "and nothing is reported"
printf 'not a report\n' >garbage.json
chk --baseline garbage.json highttl.test
is "$RC $ERR" "3 cutover: --baseline: garbage.json:1:3: not JSON: '[' or '{' expected near 'not'" "not JSON: its line and column"
printf '{"version": 1,\n "findings": [}\n' >cut.json
chk --baseline cut.json highttl.test
is "$RC $ERR" "3 cutover: --baseline: cut.json:2:15: not JSON: unexpected token near '}'" "JSON cut short: where"
printf '[{"domain": "highttl.test"}]\n' >list.json
chk --baseline list.json highttl.test
is "$RC $ERR" "3 cutover: --baseline: list.json: not a report of cutover check: the top level is a list, not an object" \
	"JSON that is not a report"
run_cutover propagation --root-hints "$ROOT_HINTS" --timeout 500 --resolver "$RESOLVER" -f json www.highttl.test
printf '%s\n' "$OUT" >prop.json
chk --baseline prop.json highttl.test
is "$RC $ERR" "3 cutover: --baseline: prop.json: not a report of cutover check: no \"domains\" list" \
	"a report of cutover propagation is not a baseline"
jq '.findings[1].status = "bad"' base.json >badstatus.json
chk --baseline badstatus.json highttl.test
is "$RC $ERR" "3 cutover: --baseline: badstatus.json: finding 2: \"status\" is 'bad', not ok, info, warn, error or fail" \
	"a finding that is not one: which"
chk --fail-on new highttl.test
is "$RC" 3 "--fail-on new without --baseline: exit 3"
like "$ERR" "^cutover: check: --fail-on new needs --baseline FILE" "and says it needs a baseline"
run_cutover propagation --fail-on new --resolver "$RESOLVER" www.highttl.test
is "$RC" 3 "propagation refuses --fail-on new"
like "$ERR" "^cutover: --fail-on new judges findings against a baseline: only 'cutover check --baseline FILE' reads one" \
	"and says where baselines are"
pl run --fail-on new rules.yml
is "$RC" 3 "plan refuses --fail-on new"
like "$ERR" "a plan: 'baseline: FILE' in a gate" "and names the gate key"
chk --save report.json -o report.json highttl.test
is "$RC" 3 "--save and -o the same file: exit 3"
like "$ERR" "--save 'report.json' is where the report goes" "and says so"
chk --save nodir/base.json highttl.test
is "$RC" 3 "--save into a directory that does not exist: exit 3"
like "$ERR" "^cutover: cannot write 'nodir/base.json': No such file or directory" "and says why"
chk --save base.json --baseline base.json -f json highttl.test
is "$RC $(jq 'has("baseline")' base.json)" "2 false" "--save over the --baseline file: read first, then replaced, unmarked"

# An interrupted run would save a partial baseline: the old file stays.
printf 'the old baseline\n' >int.json
"$CUTOVER" check --root-hints "$ROOT_HINTS" --timeout 5000 -r rules.yml --save int.json slow.test \
	>int.out 2>int.err &
pid=$!
sleep 1
kill -INT $pid
wait $pid
is "$? $(cat int.json)" "3 the old baseline" "SIGINT: exit 3, and --save leaves its file as it was"
like "$(cat int.err)" "^cutover: --save: the run was interrupted: 'int.json' is left as it was" "and says so"
is "$(ls int.json.tmp.* 2>/dev/null)" "" "no temporary file is left behind"

# --- a plan gate with a baseline ---------------------------------------------------------------

zone highttl.test 's/^www     300 IN A/www   86400 IN A/'
cat >gate.yml <<EOF
plan: baseline-gate
vars:
  domain: highttl.test
phases:
  - id: before
    steps:
      - id: save
        run: '"\$CUTOVER" check --root-hints "\$ROOT_HINTS" --timeout 500 -r rules.yml --save gate-base.json {domain} >/dev/null; test -s gate-base.json'
  - id: after
    gate:
      rules: [rules.yml]
      baseline: gate-base.json
EOF
sed '/baseline:/d; s/^plan: baseline-gate/plan: no-baseline-gate/' gate.yml >nobase.yml
pl run --dry-run gate.yml
like "$OUT" "fails on warn new since the baseline $TMP/gate-base.json" "--dry-run shows the gate's baseline, relative to the plan"
pl run --yes gate.yml
is "$RC" 0 "a gate with a baseline passes despite the problems that were there before"
pl status gate.yml
like "$OUT" 'on highttl.test, passed: 4 fail [0-9]+ ok; baseline: 0 new problems, 4 absorbed \(unchanged\), 0 fixed' \
	"plan status says how many problems the baseline absorbed"
pl run --yes nobase.yml
is "$RC" 2 "the same gate without a baseline fails on those problems"
zone highttl.test 's/^@       300 IN MX/@      7200 IN MX/'
pl reset --phase after gate.yml
pl run --yes gate.yml
is "$RC" 2 "after a regression (the MX TTL raised) the gate fails"
pl status gate.yml
like "$OUT" 'not passed: .*; baseline: 2 new problems, 4 absorbed \(unchanged\), 0 fixed; ttl\.too-high: TTL 7200' \
	"status: the new problems and which"
like "$OUT" '^  fail  ttl\.too-high highttl\.test/MX: TTL 7200' "status lists the new problem the gate fails on"
is "$(printf '%s\n' "$OUT" | grep -c '^  fail  ttl\.too-high highttl\.test/A:')" 0 "and not the absorbed ones"
pl status -f json gate.yml
is "$(json_field '.phases[1].gate.baseline')" "$TMP/gate-base.json" "status -f json: the gate's baseline"
is "$(json_field '[.phases[1].gate.evaluations[-1].findings[] | select(.baseline == "new" and .status == "fail") | .subject] | unique | join(" ")')" \
	"highttl.test/MX" "the evaluation's findings carry their marks"

# www lowered since the baseline: its ttl.too-high is fixed, and the TTL it
# quotes (86400, the baseline's) is not a TTL the gate saw
need sqlite3 sqlite3
zone highttl.test 's/^@      7200 IN MX/@       300 IN MX/; s/^www   86400 IN A/www     300 IN A/'
pl reset --phase after gate.yml
pl run --yes gate.yml
is "$RC" 0 "www lowered, the MX back: the gate passes"
pl status gate.yml
like "$OUT" 'baseline: 0 new problems, 2 absorbed \(unchanged\), 2 fixed' "status: 2 fixed"
is "$(sqlite3 "$DB" "SELECT o.ttl FROM plan_observation o JOIN plan p ON p.id = o.plan
	WHERE p.name = 'baseline-gate' AND o.subject = 'www.highttl.test/A' ORDER BY o.at DESC LIMIT 1")" 300 \
	"the TTL observed for www is the one served now, not the fixed finding's"

# a baseline the gate cannot read fails its phase, naming the plan's line
sed 's/baseline: gate-base.json/baseline: missing.json/; s/^plan: baseline-gate/plan: missing-gate/' gate.yml >missing.yml
pl run --yes missing.yml
is "$RC" 2 "a gate whose baseline is missing fails"
like "$OUT" "missing.yml:12:17: baseline: cannot open '$TMP/missing.json': No such file or directory" \
	"and says which file, from where in the plan"
printf 'plan: p\nvars: {domain: highttl.test}\nphases:\n  - id: a\n    gate: {rules: [rules.yml], baseline: ""}\n' >empty.yml
pl run --dry-run empty.yml
is "$RC" 3 "an empty baseline: in a plan is refused"
like "$ERR" "empty.yml:5:42: 'baseline' is empty" "at its line and column"
printf 'plan: p\nvars: {domain: highttl.test}\nphases:\n  - id: a\n    gate: {rules: [rules.yml], baseline: [a, b]}\n' >list.yml
pl run --dry-run list.yml
is "$RC" 3 "a list as baseline: is refused"
like "$ERR" "list.yml:5:42: 'baseline' must be a single value" "at its line and column"

done_testing
