#!/bin/sh
# cutover plan: plans whose steps write to files in $TMP, run against the
# loopback world. A run that completes and is not repeated; a failing step,
# retries and a timeout; a runner killed with SIGKILL at random moments and
# resumed, 24 times, with every finished step run exactly once and the
# database intact; a second runner refused with the first one's pid; a gate
# that passes only once the test changed the zone and reloaded NSD; a
# ttl-drain hold measured with the short TTLs of plan.test; a propagation
# gate; manual steps with and without a terminal; --detach surviving its
# parent; secrets masked and values shell-quoted; webhooks; bad plans.
. "$(dirname "$0")/lib.sh"

need perl perl
need sqlite3 sqlite3
need script bsdutils

. "$TOP/tests/integration/plan-lib.sh"

count_lines() {
	grep -c -x -- "$2" "$1" 2>/dev/null || true
}

# --- a plan that completes, and is not run again -------------------------------

cat >"$TMP/basic.yml" <<EOF
plan: basic
vars:
  out: $TMP/basic.out
phases:
  - id: one
    steps:
      - {id: a, run: "echo a >> {out}"}
      - {id: b, run: "echo b >> {out}; echo to-stderr >&2"}
  - id: two
    steps:
      - {id: c, run: "echo c >> {out}", cwd: "$TMP"}
      - id: d
        run: 'echo "\$GREETING" >> {out}'
        env: {GREETING: "hello {out}"}
EOF
pl run "$TMP/basic.yml"
is "$RC" 0 "a plan whose steps pass completes (exit 0)"
is "$(tr '\n' ' ' <"$TMP/basic.out")" "a b c hello $TMP/basic.out " "each step ran once, in order, with its env:"
like "$OUT" "step b: done" "the run says each step is done"
like "$OUT" "\\| to-stderr" "a step's standard error is shown live"
pl run "$TMP/basic.yml"
is "$RC" 0 "running a complete plan again exits 0"
is "$(wc -l <"$TMP/basic.out" | tr -d ' ')" 4 "and runs nothing again"
pl status -f json "$TMP/basic.yml"
is "$(json_field .state)" complete "status: complete"
is "$(json_field '.progress | "\(.phases_done)/\(.phases) \(.steps_done)/\(.steps)"')" "2/2 4/4" "status: progress"
is "$(json_field '[.phases[].steps[] | "\(.id)=\(.status)/\(.attempts)/\(.exit_status)"] | join(" ")')" \
	"a=done/1/0 b=done/1/0 c=done/1/0 d=done/1/0" "status: every step done, one attempt, exit 0"
pl log "$TMP/basic.yml" b
like "$OUT" "^to-stderr$" "plan log STEP shows what the step printed"
pl log "$TMP/basic.yml"
like "$OUT" "b \\| to-stderr" "plan log shows the whole run, output marked with its step"
dir=$(dirname "$(ls "$(dirname "$DB")"/plans/basic-*/plan.log)")
is "$(stat -c %a "$DB") $(stat -c %a "$dir/plan.log") $(stat -c %a "$dir/step-b.log")" "600 600 600" \
	"the database and the log files are created 0600"
pl reset --phase two "$TMP/basic.yml"
is "$RC" 0 "reset --phase"
pl run "$TMP/basic.yml"
is "$(tr '\n' ' ' <"$TMP/basic.out")" "a b c hello $TMP/basic.out c hello $TMP/basic.out " \
	"after reset --phase two, only phase two runs again"

# --- failure, retries, timeout ------------------------------------------------------

cat >"$TMP/fail.yml" <<EOF
plan: fail
phases:
  - id: p
    steps:
      - id: flaky
        run: "n=\$(cat $TMP/flaky 2>/dev/null || echo 0); n=\$((n+1)); echo \$n > $TMP/flaky; [ \$n -ge 3 ]"
        retries: 2
      - {id: gate-file, run: "test -f $TMP/go"}
      - {id: after, run: "echo after >> $TMP/fail.out"}
EOF
pl run "$TMP/fail.yml"
is "$RC" 2 "a failing step fails the run (exit 2)"
is "$(cat "$TMP/flaky")" 3 "a step with retries: 2 ran three times before it passed"
is "$(step_field "$TMP/fail.yml" flaky status)/$(step_field "$TMP/fail.yml" flaky attempts)" "done/3" \
	"status counts its three attempts"
is "$(step_field "$TMP/fail.yml" gate-file status)/$(step_field "$TMP/fail.yml" gate-file exit_status)" \
	"failed/1" "the failing step is failed with its exit status"
ok "$([ ! -e "$TMP/fail.out" ] && echo 0 || echo 1)" "nothing after a failed step runs"
pl status "$TMP/fail.yml"
like "$OUT" "state: failed" "status says the plan failed"
like "$OUT" "progress: 0 of 1 phases, 1 of 3 steps done" "and how far it got"
pl confirm "$TMP/fail.yml" gate-file
is "$RC" 3 "a failed step cannot be confirmed away"
like "$ERR" "failure is not confirmed away" "and confirm says why"
pl run "$TMP/fail.yml"
is "$RC" 2 "run again without fixing anything: still failed"
touch "$TMP/go"
pl run "$TMP/fail.yml"
is "$RC" 0 "once the cause is fixed, run again: it passes"
is "$(step_field "$TMP/fail.yml" gate-file attempts)" 3 "the failed step ran again (3 attempts in all)"
is "$(step_field "$TMP/fail.yml" flaky attempts)" 3 "the finished step before it did not"

cat >"$TMP/timeout.yml" <<EOF
plan: timeout
phases:
  - id: p
    steps:
      - {id: slow, run: "echo started; sleep 30.7 & wait; echo never", timeout: 1s}
EOF
pl run "$TMP/timeout.yml"
is "$RC" 2 "a step over its timeout fails"
like "$(step_field "$TMP/timeout.yml" slow note)" "timed out after 1s" "status says it timed out"
ok "$(pgrep -x -f 'sleep 30.7' >/dev/null && echo 1 || echo 0)" "its processes were stopped, the sleep it started too"

# --- SIGKILL at random moments ----------------------------------------------------
#
# 60 steps of some 160 ms each: a run takes about 10 s, more than the 24 trials
# last together (at most 9.6 s), and each trial kills
# the runner after 0.1 to 0.4 s, so the 24 kills land at moments spread over
# the whole plan, while a runner is alive (counted: a kill of a runner that
# had already finished would prove nothing).

{
	echo "plan: kill"
	echo "phases:"
	for p in 1 2 3 4 5; do
		echo "  - id: phase$p"
		echo "    steps:"
		for s in 01 02 03 04 05 06 07 08 09 10 11 12; do
			echo "      - {id: s$p$s, run: 'echo s$p$s >> $TMP/kill.out; sleep 0.15', idempotent: true}"
		done
	done
} >"$TMP/kill.yml"
trials=0 reran=0 alive=0
while [ $trials -lt 24 ]; do
	trials=$((trials + 1))
	# the steps recorded as finished before this trial, and their counts
	done_before=$("$CUTOVER" plan status -f json --db "$DB" "$TMP/kill.yml" |
		jq -r '.phases[].steps[] | select(.status == "done") | .id')
	before=
	for s in $done_before; do before="$before $s=$(count_lines "$TMP/kill.out" "$s")"; done
	"$CUTOVER" plan run --db "$DB" "$TMP/kill.yml" >"$TMP/kill.run" 2>&1 &
	pid=$!
	sleep "0.$(awk -v s=$trials 'BEGIN { srand(s); printf "%03d", 100 + int(rand() * 300) }')"
	kill -0 $pid 2>/dev/null && alive=$((alive + 1))
	kill -KILL $pid 2>/dev/null
	wait $pid 2>/dev/null
	for kv in $before; do
		s=${kv%=*}
		[ "$(count_lines "$TMP/kill.out" "$s")" = "${kv#*=}" ] || reran=$((reran + 1))
	done
	[ "$(sqlite3 "$DB" 'PRAGMA integrity_check')" = ok ] || bail_out "the database is damaged after trial $trials"
done
ok "$([ $alive -ge 20 ] && echo 0 || echo 1)" "at least 20 of the 24 SIGKILLs hit a running runner ($alive)"
pl status -f json "$TMP/kill.yml"
ok "$([ "$(json_field .state)" != complete ] && echo 0 || echo 1)" "the plan was not complete when the trials ended"
pl run "$TMP/kill.yml"
is "$RC" 0 "after 24 runs killed with SIGKILL, the plan completes"
is "$reran" 0 "no step recorded as finished ever ran again"
missing=0
for p in 1 2 3 4 5; do
	for s in 01 02 03 04 05 06 07 08 09 10 11 12; do
		[ "$(count_lines "$TMP/kill.out" "s$p$s")" -ge 1 ] || missing=$((missing + 1))
	done
done
is "$missing" 0 "every step ran"
is "$(sqlite3 "$DB" 'PRAGMA integrity_check')" ok "the database is intact (PRAGMA integrity_check)"
pl status -f json "$TMP/kill.yml"
again=$(json_field '[.phases[].steps[] | select(.attempts > 1)] | length')
ok "$([ "$again" -ge 1 ] && echo 0 || echo 1)" \
	"kills landed inside steps: $again interrupted steps ran again (they are idempotent)"

# --- a second runner ------------------------------------------------------------------

cat >"$TMP/two.yml" <<EOF
plan: two
phases:
  - id: p
    steps:
      - {id: wait, run: "sleep 3"}
EOF
"$CUTOVER" plan run --db "$DB" "$TMP/two.yml" >/dev/null 2>&1 &
first=$!
await 50 running step_field "$TMP/two.yml" wait status
pl run "$TMP/two.yml"
is "$RC" 3 "a second runner on the same plan is refused"
like "$ERR" "already being run by pid $first" "and names the first one's pid"
pl status "$TMP/two.yml"
like "$OUT" "state: running, pid $first" "status names the runner's pid"
pl reset "$TMP/two.yml"
is "$RC" 3 "reset is refused while a runner has the plan"
wait $first

# --- a gate that passes once the zone changed -------------------------------------------


cat >"$TMP/gate.yml" <<EOF
plan: gate
vars:
  domain: plan.test
  new_ip: 198.51.100.20
phases:
  - id: switch
    gate:
      checks:
        - {check: record, name: www, type: A, expect: ["{new_ip}"]}
      wait: 60s
      every: 1s
  - id: after
    steps:
      - {id: done, run: "echo switched > $TMP/gate.out"}
EOF
pl run --no-wait "$TMP/gate.yml"
is "$RC" 1 "--no-wait: a gate failing within its wait exits 1 (waiting)"
"$CUTOVER" plan run --db "$DB" --root-hints "$ROOT_HINTS" --timeout 500 "$TMP/gate.yml" >"$TMP/gate.run" 2>&1 &
runner=$!
sleep 2
ok "$([ ! -e "$TMP/gate.out" ] && echo 0 || echo 1)" "the next phase waits while the gate fails"
zone plan.test 's/^www       8 IN A     192.0.2.10/www       8 IN A     198.51.100.20/'
wait $runner
is "$?" 0 "once the zone changed and NSD reloaded, the gate passes and the plan completes"
is "$(cat "$TMP/gate.out" 2>/dev/null)" switched "the phase after the gate ran"
pl status -f json "$TMP/gate.yml"
evals=$(json_field '.phases[0].gate.evaluations | length')
ok "$([ "$evals" -ge 3 ] && echo 0 || echo 1)" "every evaluation is kept ($evals)"
is "$(json_field '.phases[0].gate.evaluations[0].passed') $(json_field '.phases[0].gate.evaluations[-1].passed')" \
	"false true" "the first failed, the last passed"
is "$(sqlite3 "$DB" "SELECT f.findings FROM plan_gate g JOIN plan_findings f ON f.id = g.findings
	JOIN plan p ON p.id = g.plan WHERE p.name = 'gate' ORDER BY g.at LIMIT 1" |
	jq -r '[.[] | select(.status == "fail") | .code] | first')" \
	record.mismatch "the database keeps the findings of every evaluation, the failed first one too"
pl status "$TMP/gate.yml"
like "$OUT" "gate   [0-9]+ checks, the last at .* on plan.test, passed" "status shows why the phase advanced, and on which domain"

cat >"$TMP/gatefail.yml" <<EOF
plan: gatefail
vars: {domain: plan.test}
phases:
  - id: switch
    gate:
      checks: [{check: record, name: www, type: A, expect: ["203.0.113.99"]}]
      wait: 2s
      every: 1s
EOF
pl run "$TMP/gatefail.yml"
is "$RC" 2 "a gate still failing when its wait is over fails the run (exit 2)"
like "$OUT" "FAILED: the gate did not pass within 2s" "and says so"
pl status "$TMP/gatefail.yml"
like "$OUT" "the gate of switch fails on:" "status lists the current gate's findings"
like "$OUT" "fail +record.mismatch" "with their codes"

# --- a propagation gate ---------------------------------------------------------------------

dig_at "$RESOLVER" moved.plan.test A +rec
is "$DIG_ANSWER" "moved.plan.test. 8 IN A 192.0.2.10" "the world's resolver holds the old value of moved.plan.test"
zone plan.test 's/^moved     8 IN A     192.0.2.10/moved     8 IN A     198.51.100.20/'
cat >"$TMP/prop.yml" <<EOF
plan: prop
vars: {domain: plan.test, new_ip: 198.51.100.20}
phases:
  - id: propagated
    gate:
      checks:
        - {check: propagation, name: moved, type: A, expect: ["{new_ip}"], resolvers: ["$RESOLVER"]}
      wait: 30s
      every: 1s
EOF
pl run "$TMP/prop.yml"
is "$RC" 0 "a propagation gate passes once the resolver's old copy has expired"
pl status -f json "$TMP/prop.yml"
is "$(json_field '.phases[0].gate.evaluations[0].passed')" false "its first check failed: the resolver held the old value"
is "$(sqlite3 "$DB" "SELECT f.findings FROM plan_gate g JOIN plan_findings f ON f.id = g.findings
	JOIN plan p ON p.id = g.plan WHERE p.name = 'prop' ORDER BY g.at LIMIT 1" |
	jq -r '[.[] | .code] | join(" ")')" propagation.pending "with propagation.pending"
is "$(json_field '[.phases[0].gate.evaluations[-1].findings[] | .code] | join(" ")')" propagation.converged \
	"its last check passed with propagation.converged"

# --- hold: ttl-drain ------------------------------------------------------------------------

cat >"$TMP/hold.yml" <<EOF
plan: hold
vars: {domain: plan.test}
phases:
  - id: audit
    gate:
      checks: [{check: ttl, names: [low], types: [A], max: 3600}]
  - id: lower
    gate:
      checks: [{check: ttl, names: [low], types: [A], max: 2}]
      wait: 60s
      every: 1s
    hold: ttl-drain
  - id: copy
    steps:
      - {id: copy, run: "date +%s > $TMP/hold.out"}
EOF
"$CUTOVER" plan run --db "$DB" --root-hints "$ROOT_HINTS" --timeout 500 "$TMP/hold.yml" >"$TMP/hold.run" 2>&1 &
runner=$!
await 100 gating phase_field "$TMP/hold.yml" lower status
sleep 1
zone plan.test 's/^low       8 IN A     192.0.2.10/low       2 IN A     192.0.2.10/'
wait $runner
is "$?" 0 "the plan with a ttl-drain hold completes"
pl status -f json "$TMP/hold.yml"
lowered=$(json_field '[.phases[1].gate.evaluations[] | select(.passed)][0].at')
hold=$(json_field '.phases[1].hold_until')
lowered_s=$(date -u -d "$lowered" +%s)
hold_s=$(date -u -d "$hold" +%s)
is "$((hold_s - lowered_s))" 8 "the hold lasts the TTL seen before the lowering (8 s) from when it was first seen"
copied=$(cat "$TMP/hold.out")
ok "$([ "$copied" -ge "$hold_s" ] && echo 0 || echo 1)" "the next phase started only after the hold ($copied >= $hold_s)"
like "$(cat "$TMP/hold.run")" "hold: ttl-drain until" "the run says what it holds for"
pl status "$TMP/hold.yml"
like "$OUT" "hold   ttl-drain until $hold" "status shows when the hold ended"

# --- manual steps -------------------------------------------------------------------------

cat >"$TMP/manual.yml" <<EOF
plan: manual
vars: {host: new.example}
phases:
  - id: p
    steps:
      - {id: before, run: "echo before >> $TMP/manual.out"}
      - {id: dns, manual: "Point www at {host}"}
      - {id: after, run: "echo after >> $TMP/manual.out"}
EOF
pl run "$TMP/manual.yml" </dev/null
is "$RC" 1 "without a terminal, a manual step stops the run (exit 1, waiting)"
like "$OUT" "Point www at new.example" "it shows the instructions"
like "$OUT" "cutover plan confirm $TMP/manual.yml dns" "and which confirm to run"
is "$(step_field "$TMP/manual.yml" dns status)" waiting "status: the step is waiting"
pl confirm "$TMP/manual.yml" after
is "$RC" 3 "a step not reached yet cannot be confirmed"
pl confirm "$TMP/manual.yml" dns
is "$RC" 0 "plan confirm"
pl run "$TMP/manual.yml" </dev/null
is "$RC" 0 "after confirm, the run goes on and completes"
is "$(tr '\n' ' ' <"$TMP/manual.out")" "before after " "the steps around it ran once each"
like "$(step_field "$TMP/manual.yml" dns note)" "confirmed with plan confirm" "status says how it was confirmed"

sed 's/plan: manual/plan: manual-tty/; s/manual.out/manual-tty.out/' "$TMP/manual.yml" >"$TMP/manual-tty.yml"
printf 'done\n' | script -qec "'$CUTOVER' plan run --db '$DB' '$TMP/manual-tty.yml'" /dev/null >"$TMP/tty.out" 2>&1
is "$?" 0 "on a terminal, the manual step is confirmed at the prompt and the plan completes"
like "$(cat "$TMP/tty.out")" "type 'done' when it is done" "the prompt asks"
like "$(step_field "$TMP/manual-tty.yml" dns note)" "confirmed at the prompt" "status says it was confirmed at the prompt"
is "$(tr '\n' ' ' <"$TMP/manual-tty.out")" "before after " "the steps around it ran"

# --- the terminal hangs up (an SSH session drops) ------------------------------------------------

cat >"$TMP/hup.yml" <<EOF
plan: hup
phases:
  - id: p
    steps:
      - {id: slow, run: "sleep 2; echo after > $TMP/hup.out"}
EOF
script -qec "'$CUTOVER' plan run --db '$DB' '$TMP/hup.yml'" /dev/null >/dev/null 2>&1 &
term=$!
await 50 running step_field "$TMP/hup.yml" slow status
kill -KILL $term
wait $term 2>/dev/null
await 100 done phase_field "$TMP/hup.yml" p status
is "$(cat "$TMP/hup.out" 2>/dev/null) $(phase_field "$TMP/hup.yml" p status)" "after done" \
	"when the terminal hangs up, the runner goes on and completes the plan"
pl log "$TMP/hup.yml"
like "$OUT" "the terminal hung up; going on without it" "and its log says so"

# --- --detach ------------------------------------------------------------------------------

cat >"$TMP/detach.yml" <<EOF
plan: detach
phases:
  - id: p
    steps:
      - {id: slow, run: "echo working; sleep 2; echo finished > $TMP/detach.out"}
      - {id: dns, manual: "Change the DNS"}
      - {id: last, run: "echo last >> $TMP/detach.out"}
EOF
pl run --detach "$TMP/detach.yml"
is "$RC" 0 "--detach returns at once"
like "$OUT" "runs in the background as pid [0-9]+" "and names the runner"
bg=$(printf '%s\n' "$OUT" | sed -n 's/.*background as pid \([0-9]*\).*/\1/p')
ok "$([ "$(ps -o sid= -p "$bg" | tr -d ' ')" = "$bg" ] && echo 0 || echo 1)" "the runner leads a session of its own (setsid)"
pl status "$TMP/detach.yml"
like "$OUT" "state: running, pid $bg" "status shows the detached runner"
await 100 waiting step_field "$TMP/detach.yml" dns status
is "$(cat "$TMP/detach.out")" finished "the detached runner ran the step after its parent exited"
ok "$(kill -0 "$bg" 2>/dev/null && echo 0 || echo 1)" "a detached runner waits at a manual step"
pl confirm "$TMP/detach.yml" dns
timeout 20 "$CUTOVER" plan log --follow --db "$DB" "$TMP/detach.yml" >"$TMP/follow.out" 2>&1
is "$?" 0 "plan log --follow ends when the runner does"
like "$(cat "$TMP/follow.out")" "slow \\| working" "and showed the step's output"
like "$(cat "$TMP/follow.out")" "plan detach is complete" "and the end of the plan"
is "$(tr '\n' ' ' <"$TMP/detach.out")" "finished last " "after confirm the detached runner finished the plan"

# --- secrets and quoting ---------------------------------------------------------------------

cat >"$TMP/secret.yml" <<EOF
plan: secret
vars:
  pw: {value: "hunter2-s3cret", secret: true}
  evil: "x'; touch $TMP/pwned; echo '"
phases:
  - id: p
    steps:
      - {id: use, run: "printf '%s\n' {pw} > $TMP/secret.out; echo the password is {pw}"}
      - {id: quote, run: "printf '%s' {evil} > $TMP/evil.out"}
      - {id: fail, run: "echo {pw} >&2; exit 1"}
EOF
pl run "$TMP/secret.yml"
is "$RC" 2 "the secret plan ran (its last step fails on purpose)"
is "$(cat "$TMP/secret.out")" "hunter2-s3cret" "the step got the secret's value"
ok "$([ ! -e "$TMP/pwned" ] && echo 0 || echo 1)" "a value with quotes and ; did not run as a command"
is "$(cat "$TMP/evil.out")" "x'; touch $TMP/pwned; echo '" "it reached the command as one word, as it is"
all="$OUT $ERR"
pl status -f json "$TMP/secret.yml"
all="$all $OUT"
pl status "$TMP/secret.yml"
all="$all $OUT"
pl log "$TMP/secret.yml"
all="$all $OUT"
pl log "$TMP/secret.yml" use
all="$all $OUT"
pl run --dry-run "$TMP/secret.yml"
all="$all $OUT"
ok "$(printf '%s' "$all" | grep -q hunter2 && echo 1 || echo 0)" \
	"the secret is in no output, status, log or dry run"
like "$all" "the password is \\*\\*\\*" "where it would be, it is masked"

# --- webhooks -----------------------------------------------------------------------------

HOOK=127.53.11.6:8080
start_httpsink "$TMP/hooks.log" $HOOK
cat >"$TMP/notify.yml" <<EOF
plan: notify
notify: ["http://$HOOK/hook?s={status}&p={phase}&st={step}&m={message}"]
phases:
  - id: first
    steps: [{id: ok, run: "true"}]
  - id: second
    steps: [{id: ask, manual: "Do it"}]
  - id: third
    steps: [{id: bad, run: "false"}]
EOF
pl run "$TMP/notify.yml" </dev/null
pl confirm "$TMP/notify.yml" ask
pl run "$TMP/notify.yml" </dev/null
hooks=$(jq -r '.path' "$TMP/hooks.log" 2>/dev/null | sed 's/&m=.*//' | tr '\n' ' ')
like "$hooks" "s=done&p=first&st= " "a webhook on a phase done"
like "$hooks" "s=waiting&p=second&st=ask" "on a manual step waiting"
like "$hooks" "s=failed&p=third&st=bad" "on a failure"

# --- bad plans and usage ------------------------------------------------------------------------

printf 'plan: bad\nphases:\n  - id: p\n    steps:\n      - {id: x, rn: "true"}\n' >"$TMP/bad.yml"
pl run "$TMP/bad.yml"
is "$RC" 3 "a bad plan exits 3"
like "$ERR" "bad.yml:5:[0-9]+: " "and names file:line:col"
pl run "$TMP/none.yml"
is "$RC" 3 "a missing plan file exits 3"
pl run --phase nosuch "$TMP/basic.yml"
is "$RC" 3 "--phase with an unknown phase exits 3"
pl frobnicate "$TMP/basic.yml"
is "$RC" 3 "an unknown subcommand exits 3"
pl status --yes "$TMP/basic.yml"
is "$RC" 3 "run's options are refused elsewhere"
if [ "$(id -u)" = 0 ]; then
	cp "$TMP/basic.yml" "$TMP/writable.yml"
	chmod 0664 "$TMP/writable.yml"
	pl run "$TMP/writable.yml"
	is "$RC" 3 "as root, a plan writable by its group is refused"
	like "$ERR" "writable by (its )?group|group or others" "and says why"
else
	skip "not root: the group-writable plan refusal is for root"
fi

done_testing
