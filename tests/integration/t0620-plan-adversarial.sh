#!/bin/sh
# cutover plan, used the hard way: what a flaky SSH session, an edited plan
# and hostile values or output do to the runner. Each case is a defect that
# was found and fixed: a hold whose gate saw no TTL, a signal during a gate
# while a webhook is pending, secrets in messages and in output cut at
# awkward places, NUL bytes in output, a plan edited between runs, a step
# that ignores SIGTERM, leftover processes of a killed runner.
. "$(dirname "$0")/lib.sh"

need perl perl
need sqlite3 sqlite3
need script bsdutils

. "$TOP/tests/integration/plan-lib.sh"
field() { _plan_field "$@"; }

# --- hold: ttl-drain behind a gate that saw no TTL ---------------------------

cat >"$TMP/hold-nottl.yml" <<EOF
plan: hold-nottl
vars: {domain: plan.test}
phases:
  - id: p
    gate:
      checks: [{check: record, name: low, type: A, expect: ["192.0.2.10"]}]
    hold: ttl-drain
EOF
pl run "$TMP/hold-nottl.yml"
is "$RC" 2 "a hold whose gate saw no TTL fails the phase (it crashed reading a step past the end)"
is "$(phase_field "$TMP/hold-nottl.yml" p status)" failed "the phase is failed"
like "$(phase_field "$TMP/hold-nottl.yml" p note)" "saw no TTL" "and says why"
no_asan "$ERR" "no memory error"

# --- SIGINT during a gate while a webhook is pending --------------------------

start_httpsink "$TMP/hooks.log" 127.53.11.7:8080
cat >"$TMP/gate-int.yml" <<EOF
plan: gate-int
vars: {domain: plan.test}
notify: ["http://127.53.11.7:8080/slow/3000?s={status}"]
phases:
  - id: one
    steps: [{id: s1, run: "true"}]
  - id: two
    gate:
      checks: [{check: record, name: www, type: A, expect: ["192.0.2.10"]}]
EOF
# the blackhole resolver: the gate's questions are still pending when SIGINT comes
"$CUTOVER" plan run --db "$DB" --resolver "$(addr blackhole)" --timeout 700 "$TMP/gate-int.yml" \
	>"$TMP/gate-int.out" 2>"$TMP/gate-int.err" &
runner=$!
await 100 gating phase_field "$TMP/gate-int.yml" two status
sleep 0.3
kill -INT $runner
wait $runner
is "$?" 1 "SIGINT during a gate, a webhook pending: the run stops, waiting (exit 1)"
like "$(cat "$TMP/gate-int.out")" "stopped by SIGINT" "and says so"
no_asan "$(cat "$TMP/gate-int.err")" "no use of the cancelled gate's memory while the webhook finishes"
is "$(phase_field "$TMP/gate-int.yml" two status)" gating "the gate runs again on the next run"

# --- secrets in messages ------------------------------------------------------

# a webhook URL, a cwd and a gate's expected value holding a secret: their
# failures quote them (a webhook that cannot connect, a directory that is
# not there, a value that is no address)
for p in step gate; do
	cat >"$TMP/secret-$p.yml" <<EOF
plan: secret-$p
vars:
  domain: plan.test
  token: {value: "tok-hunter2-x", secret: true}
notify: ["http://127.53.11.9:8080/hook/{token}?s={status}"]
phases:
EOF
done
cat >>"$TMP/secret-step.yml" <<EOF
  - id: one
    steps: [{id: s1, run: "true", cwd: "$TMP/nowhere-{token}"}]
EOF
cat >>"$TMP/secret-gate.yml" <<EOF
  - id: one
    gate:
      checks: [{check: record, name: www, type: A, expect: ["{token}"]}]
EOF
pl run "$TMP/secret-step.yml"
is "$RC" 2 "a step whose cwd (holding a secret) is not there fails"
all="$OUT $ERR"
like "$OUT" "cannot start /bin/sh in '$TMP/nowhere-\\*\\*\\*'" "the failure masks the secret in the cwd"
like "$OUT" "webhook http://127.53.11.9:8080/hook/\\*\\*\\*\\?s=failed" "and in the webhook's URL"
pl run "$TMP/secret-gate.yml"
is "$RC" 2 "a gate whose finding quotes a secret fails"
all="$all $OUT $ERR"
like "$OUT" "expected value '\\*\\*\\*' is not valid A data" "the finding masks it"
for p in step gate; do
	for f in text json; do
		pl status -f $f "$TMP/secret-$p.yml"
		all="$all $OUT"
	done
	all="$all $(cat "$(plan_dir secret-$p)"/*.log)"
done
ok "$(printf '%s' "$all" | grep -q hunter2 && echo 1 || echo 0)" \
	"no secret in any message: run, status (text, json), logs"
ok "$(sqlite3 "$DB" "SELECT note FROM plan_step UNION ALL SELECT note FROM plan_phase" | grep -q hunter2 &&
	echo 1 || echo 0)" "nor in the notes the database keeps"

# --- what steps print: secrets cut at awkward places, NUL bytes -------------------

# a line of 340 KB (no newline) with the secret every few bytes: the runner
# writes out long lines in pieces, and a piece used to end inside a secret;
# a secret holding newlines printed in two writes; NUL bytes
cat >"$TMP/output.yml" <<EOF
plan: output
vars:
  pw: {value: "hunter2-s3cret", secret: true}
  key: {value: "-----BEGIN KEY-----\\nMIIEsecretpart\\n-----END KEY-----", secret: true}
phases:
  - id: p
    steps:
      - id: long
        run: perl -e 'for (1..20000) { print \$ARGV[0], "x" x (\$_ % 17 + 1) } print "\\n"' {pw}
      - id: lines
        run: printf '%s\\n' {key} | head -n 1; sleep 0.3; printf '%s\\n' {key} | tail -n +2
      - id: nul
        run: printf 'before\\0after\\nsecond line\\n'
EOF
pl run "$TMP/output.yml"
is "$RC" 0 "steps printing long lines, split secrets and NUL bytes pass"
dir=$(plan_dir output)
is "$(tail -n +2 "$dir/step-long.log" | grep -o '\*\*\*' | wc -l | tr -d ' ')" 20000 \
	"every secret of a 340 KB line is masked in the step's log"
ok "$(cat "$dir"/*.log | grep -q -e hunter2 -e secretpart && echo 1 || echo 0)" \
	"no secret in the logs, a long line's or one split between two reads"
shown=$(printf '%s\n' "$OUT" | grep -v '^  | \*\*\*x')	# not the long line
like "$shown" "^  \\| \\*\\*\\*\$" "a secret holding newlines is masked whole on the terminal"
is "$(tail -c 25 "$dir/step-nul.log" | od -An -c | tr -s ' \n' ' ')" \
	" b e f o r e \\0 a f t e r \\n s e c o n d l i n e \\n " \
	"output after a NUL byte is kept, NUL byte included"
like "$shown" "^  \\| second line" "and shown"

# --- a plan edited between runs ---------------------------------------------------

# a step that failed, then was removed: the plan completes, and status says so
cat >"$TMP/edit.yml" <<EOF
plan: edit
phases:
  - id: one
    description: a step that fails, then is taken out
    steps:
      - {id: s1, run: "echo s1 >> $TMP/edit.out"}
      - {id: bad, run: "false"}
  - {id: two, steps: [{id: s3, run: "true"}]}
EOF
pl run "$TMP/edit.yml"
is "$RC" 2 "edit: the first version fails at step bad"
sed -i '/id: bad/d' "$TMP/edit.yml"
pl run "$TMP/edit.yml"
is "$RC" 0 "without step bad the plan completes"
is "$(field "$TMP/edit.yml" .state)" complete "status: complete (a removed step's old failure is not the plan's)"
# a step added to a phase already done: never run, and the plan said complete
sed -i "s|      - {id: s1, .*|&\n      - {id: added, run: \"echo added >> $TMP/edit.out\"}|" "$TMP/edit.yml"
pl run "$TMP/edit.yml"
is "$RC" 1 "a step added to a phase already done: the run stops (exit 1), it does not say complete"
like "$OUT" "step added .*cutover plan reset --step added" "and says how to run it"
ok "$(grep -q added "$TMP/edit.out" && echo 1 || echo 0)" "nothing ran out of order"
is "$(field "$TMP/edit.yml" .state)" stopped "status does not say complete either"
pl reset --step added "$TMP/edit.yml"
pl run "$TMP/edit.yml"
is "$RC" 0 "after reset --step, the run completes"
is "$(tr '\n' ' ' <"$TMP/edit.out")" "s1 added " "the added step ran, the finished one did not run again"

# a manual step added to a phase whose gate was waiting, run detached: the
# detached runner's poll for the confirmation used to check the gate instead
cat >"$TMP/edit-gate.yml" <<EOF
plan: edit-gate
vars: {domain: plan.test}
phases:
  - id: one
    steps:
      - {id: s1, run: "true"}
    gate:
      checks: [{check: record, name: www, type: A, expect: ["203.0.113.77"]}]
      wait: 60s
      every: 1s
  - id: two
    steps: [{id: s3, run: "echo two >> $TMP/edit-gate.out"}]
EOF
pl run --no-wait "$TMP/edit-gate.yml"
is "$RC" 1 "edit-gate: the gate is waiting"
sed -i -e 's|      - {id: s1, run: "true"}|&\n      - {id: ask, manual: "Check the zone"}|' \
	-e 's|203.0.113.77|192.0.2.10|' "$TMP/edit-gate.yml"
pl run --detach "$TMP/edit-gate.yml"
is "$RC" 0 "then, with a manual step added and the gate passing, run --detach"
await 100 waiting step_field "$TMP/edit-gate.yml" ask status
sleep 2
ok "$([ -e "$TMP/edit-gate.out" ] && echo 1 || echo 0)" "the next phase waits for the manual step's confirmation"
is "$(phase_field "$TMP/edit-gate.yml" one status)" running "its phase runs its steps again"
pl confirm "$TMP/edit-gate.yml" ask
timeout 20 "$CUTOVER" plan log --follow --db "$DB" "$TMP/edit-gate.yml" >/dev/null 2>&1
is "$(cat "$TMP/edit-gate.out" 2>/dev/null)" two "once confirmed, the gate is checked and the plan goes on"

# a run: step interrupted, then made a manual: step: its instructions are not a command
cat >"$TMP/edit-kind.yml" <<EOF
plan: edit-kind
phases:
  - id: one
    steps: [{id: s1, run: "sleep 30"}]
EOF
"$CUTOVER" plan run --db "$DB" "$TMP/edit-kind.yml" >/dev/null 2>&1 &
runner=$!
await 100 running step_field "$TMP/edit-kind.yml" s1 status
kill -KILL $runner
wait $runner 2>/dev/null
sed -i "s|run: \"sleep 30\"|manual: \"touch $TMP/instructions-ran\"|" "$TMP/edit-kind.yml"
printf 'run\n' | script -qec "'$CUTOVER' plan run --db '$DB' '$TMP/edit-kind.yml'" /dev/null >"$TMP/tty.out" 2>&1
ok "$([ -e "$TMP/instructions-ran" ] && echo 1 || echo 0)" \
	"answering 'run' at the prompt of an interrupted manual step does not run its instructions"
like "$(cat "$TMP/tty.out")" "type 'done' when it is done" "a manual step is asked to be confirmed"

# --- processes that ignore SIGTERM -------------------------------------------------

# a timeout: the shell dies of SIGTERM, what it started in the background
# ignores it; it used to live on, through the retry and past the run
cat >"$TMP/stubborn.yml" <<EOF
plan: stubborn
phases:
  - id: p
    steps:
      - id: s
        run: >-
          for p in \$(cat $TMP/stubborn.pids 2>/dev/null); do
          grep -qs ') [^Z]' /proc/\$p/stat && echo "alive \$p" >> $TMP/stubborn.out; done;
          sh -c 'trap "" TERM; echo \$\$ >> $TMP/stubborn.pids; sleep 60' & wait
        timeout: 1s
        retries: 1
EOF
pl run "$TMP/stubborn.yml"
is "$RC" 2 "a step over its timeout, twice, fails"
is "$(wc -l <"$TMP/stubborn.pids" | tr -d ' ')" 2 "it ran twice"
is "$(cat "$TMP/stubborn.out" 2>/dev/null)" "" "the retry began once the first attempt's processes were gone"
alive=0
# alive: there, and not a zombie yet to be reaped
for p in $(cat "$TMP/stubborn.pids"); do grep -qs ') [^Z]' /proc/$p/stat && alive=$((alive + 1)); done
is "$alive" 0 "no process of the step outlives the run"

# SIGTERM to the runner while its step ignores SIGTERM: it used to wait
# for the step however long it ran; SIGKILL follows after a grace, or at
# once on a second signal
cat >"$TMP/deaf.yml" <<EOF
plan: deaf
phases:
  - id: p
    steps: [{id: s, run: "trap '' TERM INT; sleep 60 & echo \$! > $TMP/deaf.pid; wait; echo finished"}]
EOF
for how in grace twice; do
	"$CUTOVER" plan run --db "$DB" "$TMP/deaf.yml" >"$TMP/deaf.out" 2>&1 &
	runner=$!
	await 100 running step_field "$TMP/deaf.yml" s status
	await 100 yes sh -c "[ -s '$TMP/deaf.pid' ] && echo yes"
	t0=$(date +%s)
	kill -TERM $runner
	if [ $how = twice ]; then
		sleep 0.5
		kill -INT $runner
	fi
	wait $runner
	rc=$? t1=$(date +%s)
	is "$rc" 1 "$how: SIGTERM stops a run whose step ignores it (exit 1)"
	if [ $how = twice ]; then
		ok "$([ $((t1 - t0)) -lt 4 ] && echo 0 || echo 1)" "twice: the second signal kills at once, not after the 5 s grace"
	fi
	is "$(step_field "$TMP/deaf.yml" s status)" interrupted "$how: the step is interrupted"
	ok "$(grep -qs ') [^Z]' "/proc/$(cat "$TMP/deaf.pid")/stat" && echo 1 || echo 0)" \
		"$how: its processes are gone (the sleep it started in the background too)"
	pl reset "$TMP/deaf.yml"
	rm -f "$TMP/deaf.pid"
done

# --- what a killed runner left running ------------------------------------------------

cat >"$TMP/orphan.yml" <<EOF
plan: orphan
phases:
  - id: p
    steps:
      - {id: s, run: "echo \$\$ >> $TMP/orphan.pids; echo start >> $TMP/orphan.out; sleep 3; echo end >> $TMP/orphan.out"}
EOF
# orphan: start the step, SIGKILL the runner while it runs
orphan() {
	"$CUTOVER" plan run --db "$DB" "$TMP/orphan.yml" >/dev/null 2>&1 &
	_r=$!
	await 100 yes sh -c "[ -s '$TMP/orphan.pids' ] && echo yes"
	kill -KILL $_r
	wait $_r 2>/dev/null
}
orphan
pl confirm "$TMP/orphan.yml" s
is "$RC" 3 "a step still running when its runner was killed is not confirmed"
like "$ERR" "its processes still run \\(process group [0-9]+" "while its processes run"
pl reset --step s "$TMP/orphan.yml"
like "$OUT" "stopping its processes" "reset --step stops them"
pl run "$TMP/orphan.yml"
is "$RC" 0 "and the run that follows runs the step afresh"
is "$(tr '\n' ' ' <"$TMP/orphan.out")" "start start end " "the killed runner's step did not run on beside it"

# killed between the record of the step as running and that of its
# process group: the record has no group, the processes the step's tag
pl reset "$TMP/orphan.yml"
rm -f "$TMP/orphan.pids" "$TMP/orphan.out"
orphan
sqlite3 "$DB" "UPDATE plan_step SET pid = NULL WHERE step = 's'"
pl run "$TMP/orphan.yml"
is "$RC" 1 "a step recorded running without its group: interrupted (exit 1)"
like "$OUT" "outlived the runner" "what it left running is found by its tag"
ok "$(grep -qs ') [^Z]' "/proc/$(head -n 1 "$TMP/orphan.pids")/stat" && echo 1 || echo 0)" "and stopped"

# --- a step that wants a terminal ----------------------------------------------------

# ssh asking for a password, sudo, read < /dev/tty: attached to a terminal,
# the step (in a process group of the runner's session, in the background)
# was stopped by SIGTTIN and hung there, shown as running, until its
# timeout; it has no terminal now and fails at once
cat >"$TMP/tty-step.yml" <<EOF
plan: tty-step
phases:
  - id: p
    steps: [{id: ask, run: "echo asking; read answer < /dev/tty", timeout: 5s}]
EOF
script -qec "'$CUTOVER' plan run --db '$DB' '$TMP/tty-step.yml'" /dev/null </dev/null >"$TMP/tty-step.out" 2>&1
is "$(step_field "$TMP/tty-step.yml" ask status)" failed "a step reading the terminal fails"
like "$(step_field "$TMP/tty-step.yml" ask note)" "^exit status" "at once, not by its timeout"
pl log "$TMP/tty-step.yml" ask
like "$OUT" "cannot open /dev/tty" "and its log has the shell's own error"

done_testing
