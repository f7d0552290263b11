#!/bin/sh
# contrib/: every integration checked by its real validator and run against
# the test world. systemd units (installed by make install, then
# systemd-analyze verify and security --offline, and their commands run as
# systemd would), the cron line (flock -n: a second run while the first
# holds the lock does nothing), Nagios (nagios4 -v, the command line run) and
# Icinga 2 (icinga2 daemon -C), the CI pipelines (YAML, the deploy gated on
# the check, the check's script producing JUnit that xmllint validates), and
# the Prometheus alerting rules (promtool check rules and test rules; every
# metric they use is one cutover writes).
. "$(dirname "$0")/lib.sh"

need systemd-analyze systemd
need nagios4 nagios4-core
need icinga2 icinga2-bin
need promtool prometheus
need xmllint libxml2-utils
need flock util-linux
need python3 python3
python3 -c 'import yaml' 2>/dev/null || bail_out "python3 cannot import yaml (Debian package python3-yaml): run make deps"
[ -r tests/junit/junit.xsd ] || bail_out "tests/junit/junit.xsd, the JUnit schema, is missing"

# A cutover that finds the world: what the contrib files run as
# /usr/bin/cutover. Options after the command's own: getopt takes them anywhere.
mkdir -p "$TMP/bin"
cat >"$TMP/bin/cutover" <<EOF
#!/bin/sh
case \$1 in
propagation) exec "$CUTOVER" "\$@" --root-hints "$ROOT_HINTS" --resolver "$RESOLVER" ;;
*) exec "$CUTOVER" "\$@" --root-hints "$ROOT_HINTS" ;;
esac
EOF
chmod +x "$TMP/bin/cutover"

# yaml_json FILE: the YAML file as JSON (python3-yaml)
yaml_json() {
	python3 -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)' "$1"
}

# --- systemd -----------------------------------------------------------------

# make install puts the units where systemd looks, BINDIR and LIBEXECDIR
# substituted. -o: the binary under test is installed as it is, never rebuilt.
root=$TMP/root
make -s --no-print-directory -o "$CUTOVER" install BIN="$CUTOVER" DESTDIR="$root" PREFIX=/usr \
	>"$TMP/install.out" 2>&1
ok $? "make install (PREFIX=/usr) succeeds" || diag "$(cat "$TMP/install.out")"
units=$root/lib/systemd/system
for u in cutover-check@.service cutover-check@.timer cutover-propagation@.service; do
	[ -f "$units/$u" ]
	ok $? "make install puts $u in /lib/systemd/system"
done
[ -x "$root/usr/lib/cutover/cutover-textfile" ]
ok $? "make install puts cutover-textfile in /usr/lib/cutover"
like "$(grep '^ExecStart=' "$units/cutover-check@.service")" '^ExecStart=/usr/bin/cutover check ' \
	"the installed check unit runs /usr/bin/cutover"
is "$(cat "$units"/cutover-* | grep -c '@[A-Z]*@')" 0 "no @VARIABLE@ is left in the installed units"

# The installed units with the real binary in place of /usr/bin/cutover (the
# root has no systemd to verify against, the host has).
mkdir -p "$TMP/units"
for u in "$units"/cutover-*; do
	sed -e "s|/usr/bin/cutover|$CUTOVER|g" -e "s|/usr/lib/cutover/|$root/usr/lib/cutover/|g" "$u" \
		>"$TMP/units/${u##*/}"
done
(cd "$TMP/units" && systemd-analyze verify --man=no ./cutover-check@good.test.service \
	./cutover-check@good.test.timer ./cutover-propagation@www.good.test.service) \
	>"$TMP/verify.out" 2>&1
ok $? "systemd-analyze verify accepts the three units" || diag "$(cat "$TMP/verify.out")"
is "$(grep -c 'cutover' "$TMP/verify.out")" 0 "systemd-analyze verify says nothing about them" ||
	diag "$(cat "$TMP/verify.out")"
# and it would refuse them: a binary that is not there, a misspelt setting
sed -e "s|$CUTOVER|$TMP/nothere/cutover|" -e 's/^ProtectSystem=strict/ProtectSystem=strikt/' \
	"$TMP/units/cutover-check@.service" >"$TMP/bad-check@.service"
(cd "$TMP" && systemd-analyze verify --man=no ./bad-check@good.test.service) >"$TMP/verify-bad.out" 2>&1
rc=$?
ok $((rc == 0)) "systemd-analyze verify refuses a unit whose binary is missing"
like "$(cat "$TMP/verify-bad.out")" 'bad-check@.service:[0-9]+: Failed to parse protect system value, ignoring: strikt' \
	"... and says what is wrong with the setting"

for u in cutover-check@good.test.service cutover-propagation@www.good.test.service; do
	(cd "$TMP/units" && systemd-analyze security --offline=true --threshold=20 "./$u") \
		>"$TMP/security.out" 2>&1
	ok $? "systemd-analyze security: $u's exposure is at most 2.0" ||
		diag "$(grep -E 'Overall|✗' "$TMP/security.out")"
	like "$(grep 'Overall exposure' "$TMP/security.out")" ' [01]\.[0-9] OK' \
		"systemd-analyze security: $u is OK"
done

# unit_cmd UNIT KEY INSTANCE: the command of KEY (ExecStart...) as systemd
# would run it for INSTANCE, with the environment of the shell (CUTOVER_*):
# the specifiers %i %N %S and the variables replaced (${VAR}, one word even
# when empty, quoted; $VAR split at white space), /usr/bin/cutover the
# world's. Whatever is left with a % or $ would be a specifier or variable
# this does not know: an error.
unit_cmd() {
	_v=$(sed -n "s/^$2=[-+]*//p" "$units/$1")
	_n=${1%%@*}@$3
	_v=$(printf '%s\n' "$_v" | sed -e "s|%i|$3|g" -e "s|%N|$_n|g" -e "s|%S|$TMP/var/lib|g" \
		-e "s|\${CUTOVER_RULES}|'$CUTOVER_RULES'|g" -e "s|\$CUTOVER_ARGS|$CUTOVER_ARGS|g" \
		-e "s|\$CUTOVER_DOMAINS|$CUTOVER_DOMAINS|g" -e "s|\${CUTOVER_TYPE}|'$CUTOVER_TYPE'|g" \
		-e "s|\${CUTOVER_TEXTFILE_DIR}|'$CUTOVER_TEXTFILE_DIR'|g" \
		-e "s|^/usr/bin/cutover |$TMP/bin/cutover |" -e "s|^/usr/lib/cutover/|$root/usr/lib/cutover/|")
	case $_v in
	*%* | *'$'*) echo "unit_cmd: unknown specifier or variable in $_v" >&2 ;;
	esac
	printf '%s\n' "$_v"
}

# The check unit, as /etc/cutover/good.test.env would set it up: highttl.test fails.
mkdir -p "$TMP/var/lib/cutover" "$TMP/textfile"
CUTOVER_RULES=pre-cutover
CUTOVER_ARGS="-s new_ip=198.51.100.20"
CUTOVER_DOMAINS="good.test highttl.test"
CUTOVER_TEXTFILE_DIR=$TMP/textfile
CUTOVER_TYPE=A
cmd=$(unit_cmd cutover-check@.service ExecStart good.test)
like "$cmd" "check -r 'pre-cutover' -f prometheus -o $TMP/var/lib/cutover/good.test.prom " \
	"cutover-check@good.test writes its report in the state directory"
XDG_STATE_HOME=$TMP/var/lib sh -c "$cmd" >"$TMP/unit.out" 2>&1
rc=$?
is "$rc" 2 "cutover-check@good.test: exit 2 (highttl.test fails)" || diag "$(cat "$TMP/unit.out")"
like " $(sed -n 's/^SuccessExitStatus=//p' "$units/cutover-check@.service") " " $rc " \
	"... which SuccessExitStatus= counts as a success: the timer's unit does not fail"
prom=$TMP/var/lib/cutover/good.test.prom
like "$(cat "$prom")" '^cutover_status\{domain="highttl.test"\} 4$' "the report says highttl.test fails"
is "$(jq -r '.status' "$TMP/var/lib/cutover/good.test.json")" fail "the JSON report (--save) is beside it"
post=$(unit_cmd cutover-check@.service ExecStopPost good.test)
sh -c "$post"
ok $? "cutover-textfile publishes it"
pub=$TMP/textfile/cutover-check@good.test.prom
like "$(cat "$pub")" '^cutover_status\{unit="cutover-check@good.test",domain="highttl.test"\} 4$' \
	"the published copy labels each series with its unit"
like "$(cat "$pub")" '^cutover_last_run_timestamp_seconds\{unit="cutover-check@good.test"\} [0-9]+$' \
	"... the run's metrics too, so instances never clash"
is "$(grep -v '^#' "$pub" | grep -vc '^cutover_[a-z_]*{unit="cutover-check@good.test"[,}]')" 0 \
	"... every series of it"
is "$(grep -c . "$pub")" "$(grep -c . "$prom")" "... and leaves out none"
promtool check metrics <"$pub" >"$TMP/promtool.out" 2>&1
ok $? "promtool check metrics accepts the published copy" || diag "$(cat "$TMP/promtool.out")"
is "$(find "$TMP/textfile" -type f | wc -l)" 1 "no temporary file is left beside it"
# a second instance, checking the same domain with other rules, adds its own file
CUTOVER_RULES=default CUTOVER_DOMAINS=good.test
cmd=$(unit_cmd cutover-check@.service ExecStart mail)
XDG_STATE_HOME=$TMP/var/lib sh -c "$cmd" >"$TMP/unit.out" 2>&1
is "$?" 0 "cutover-check@mail: good.test with the default rules passes" || diag "$(cat "$TMP/unit.out")"
sh -c "$(unit_cmd cutover-check@.service ExecStopPost mail)"
cat "$TMP"/textfile/*.prom | grep -v '^#' | sed 's/ [^ ]*$//' | sort | uniq -d >"$TMP/dups"
is "$(cat "$TMP/dups")" "" "two instances' published files have no series in common"
# A check that could not determine something exits 3, which fails the unit;
# its report (status 3) is published all the same, so the alerts see it.
CUTOVER_RULES=$PWD/tests/fixtures/rulesets/dns.yml CUTOVER_DOMAINS=dead.test
XDG_STATE_HOME=$TMP/var/lib sh -c "$(unit_cmd cutover-check@.service ExecStart dead)" >"$TMP/unit.out" 2>&1
rc=$?
is "$rc" 3 "cutover-check@dead: dead.test's servers do not answer: exit 3" || diag "$(cat "$TMP/unit.out")"
case " $(sed -n 's/^SuccessExitStatus=//p' "$units/cutover-check@.service") " in
*" $rc "*) fail "... which fails the unit (SuccessExitStatus= counts it a success)" ;;
*) pass "... which fails the unit" ;;
esac
is "$(grep -c '^ExecStopPost=+.*cutover-textfile' "$units/cutover-check@.service")" 1 \
	"the copy is ExecStopPost=, which runs whatever cutover's exit status (ExecStartPost= would not)"
sh -c "$(unit_cmd cutover-check@.service ExecStopPost dead)"
like "$(cat "$TMP/textfile/cutover-check@dead.prom")" \
	'^cutover_status\{unit="cutover-check@dead",domain="dead.test"\} 3$' \
	"and its report, status 3 (error), is published"
# The copy runs as root on a file the sandboxed user writes: a symbolic link
# there is refused, and only cutover's series and comments are copied.
ln -sf /etc/passwd "$TMP/var/lib/cutover/evil.prom"
sh -c "$(unit_cmd cutover-check@.service ExecStopPost evil)"
ok $? "cutover-textfile with the report a symbolic link: exit 0 ..."
[ ! -e "$TMP/textfile/cutover-check@evil.prom" ]
ok $? "... and nothing published"
printf 'root:x:0:0:root:/root:/bin/sh\n# HELP cutover_status x\ncutover_status{domain="a.test"} 0\n' \
	>"$TMP/var/lib/cutover/mixed.prom"
sh -c "$(unit_cmd cutover-check@.service ExecStopPost mixed)"
is "$(cat "$TMP/textfile/cutover-check@mixed.prom")" '# HELP cutover_status x
cutover_status{unit="cutover-check@mixed",domain="a.test"} 0' "a line that is not cutover's is left out"
# Without a textfile directory, nothing is published and the unit does not fail.
CUTOVER_TEXTFILE_DIR=
sh -c "$(unit_cmd cutover-check@.service ExecStopPost mail)"
ok $? "cutover-textfile with CUTOVER_TEXTFILE_DIR empty: nothing to do, exit 0"
CUTOVER_TEXTFILE_DIR=$TMP/textfile

# The propagation watch: www.good.test has its new value everywhere, so the
# watch ends after its first sweep, recorded in the state directory.
CUTOVER_ARGS="--expect 198.51.100.20 --interval 1 --max-wait 60s"
cmd=$(unit_cmd cutover-propagation@.service ExecStart www.good.test)
XDG_STATE_HOME=$TMP/var/lib sh -c "$cmd" >"$TMP/watch.out" 2>"$TMP/watch.err"
is "$?" 0 "cutover-propagation@www.good.test: converged, exit 0" || diag "$(cat "$TMP/watch.err")"
like "$(cat "$TMP/watch.err")" 'converged: 1 of 1 resolvers have the new value' \
	"the watch's lines go to the journal (standard error)"
run_cutover propagation --db "$TMP/var/lib/cutover/state.db" --history www.good.test
like "$OUT" '^www.good.test/A: new value 198.51.100.20; 1 sweeps' \
	"the sweep is in /var/lib/cutover/state.db (XDG_STATE_HOME=%S)" || diag_run
sh -c "$(unit_cmd cutover-propagation@.service ExecStopPost www.good.test)"
like "$(cat "$TMP/textfile/cutover-propagation@www.good.test.prom")" \
	'^cutover_propagation_converged_ratio\{unit="cutover-propagation@www.good.test",name="www.good.test",type="A"\} 1$' \
	"its Prometheus report is published when it ends"

# --- cron ----------------------------------------------------------------------

cronf=contrib/cron/cutover
# The jobs: lines of five time fields, a user and a command; the commented-out
# example (#*/5 ...) is one too.
sed -n 's/^#\{0,1\}\([0-9*][^ 	]*\([ 	][ 	]*[^ 	][^ 	]*\)\{4\}[ 	][ 	]*[a-z][a-z0-9_-]*[ 	].*\)$/\1/p' "$cronf" \
	>"$TMP/cron.jobs"
is "$(wc -l <"$TMP/cron.jobs")" 2 "the cron file has two jobs (check, propagation)"
is "$(grep -vc '[ 	]flock -n /run/lock/[a-z-]*\.lock /usr/bin/cutover ' "$TMP/cron.jobs")" 0 \
	"every job runs cutover under flock -n"
mkdir -p "$TMP/etc/cutover" "$TMP/lock" "$TMP/cron-textfile"
echo "good.test highttl.test" >"$TMP/etc/cutover/domains.txt"
# cron_cmd N: job N's command, with the test's paths
cron_cmd() {
	sed -n "${1}p" "$TMP/cron.jobs" | sed -e 's/^\([^ 	]*[ 	]*\)\{6\}//' \
		-e "s|/usr/bin/cutover|$TMP/bin/cutover|g" -e "s|/etc/cutover/|$TMP/etc/cutover/|g" \
		-e "s|/run/lock/|$TMP/lock/|g" -e "s|/var/lib/prometheus/node-exporter/|$TMP/cron-textfile/|g" \
		-e 's/www\.example\.org/www.good.test/g'
}
cmd=$(cron_cmd 1)
like "$cmd" "^flock -n $TMP/lock/cutover-check.lock " "the check job: the command after the user"
XDG_STATE_HOME=$TMP/var/lib sh -c "$cmd" >"$TMP/cron.out" 2>&1
is "$?" 2 "the check job runs the check: exit 2, highttl.test fails" || diag "$(cat "$TMP/cron.out")"
is "$(cat "$TMP/cron.out")" "" "... quietly (cron mails what it prints)"
like "$(cat "$TMP/cron-textfile/cutover-check.prom")" '^cutover_status\{domain="highttl.test"\} 4$' \
	"... and writes its report for the textfile collector"
promtool check metrics <"$TMP/cron-textfile/cutover-check.prom" >"$TMP/promtool.out" 2>&1
ok $? "promtool check metrics accepts it" || diag "$(cat "$TMP/promtool.out")"
# Another run holds the lock: this one does nothing and exits 1, as flock -n does.
rm -f "$TMP/cron-textfile/cutover-check.prom"
sh -c 'exec 9>"$1"; flock 9; : >"$2"; exec sleep 600' sh "$TMP/lock/cutover-check.lock" "$TMP/held" &
holder=$!
at_exit "kill $holder 2>/dev/null"
i=0
while [ ! -e "$TMP/held" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
[ -e "$TMP/held" ] || bail_out "the lock holder did not take the lock"
sh -c "$cmd" >"$TMP/cron.out" 2>&1
is "$?" 1 "while another run holds the lock: exit 1 (flock -n)"
is "$(cat "$TMP/cron.out")" "" "... without a word"
[ ! -e "$TMP/cron-textfile/cutover-check.prom" ]
ok $? "... and without running cutover (no report written)"
kill "$holder"
wait "$holder" 2>/dev/null
sh -c "$cmd" >"$TMP/cron.out" 2>&1
is "$?" 2 "once the lock is free, the job runs again"
# the propagation job: one sweep, its report
cmd=$(cron_cmd 2)
XDG_STATE_HOME=$TMP/var/lib sh -c "$cmd" >"$TMP/cron.out" 2>&1
is "$?" 0 "the propagation job: www.good.test converged" || diag "$(cat "$TMP/cron.out")"
like "$(cat "$TMP/cron-textfile/cutover-propagation.prom")" \
	'^cutover_propagation_converged_ratio\{name="www.good.test",type="A"\} 1$' \
	"... its report for the textfile collector"

# --- Nagios ----------------------------------------------------------------------

ng=$TMP/nagios
mkdir -p "$ng"
cat >"$ng/host.cfg" <<'EOF'
define host {
	use		linux-server
	host_name	localhost
	address		127.0.0.1
	check_command	check_local_disk!20%!10%!/
}
EOF
# nagios_cfg OBJECTS: a main configuration with Debian's templates, commands,
# contacts and time periods, a host, and OBJECTS
nagios_cfg() {
	cat <<EOF
cfg_file=/etc/nagios4/objects/commands.cfg
cfg_file=/etc/nagios4/objects/contacts.cfg
cfg_file=/etc/nagios4/objects/timeperiods.cfg
cfg_file=/etc/nagios4/objects/templates.cfg
cfg_file=$ng/host.cfg
cfg_file=$1
check_result_path=$ng
temp_path=$ng
lock_file=$ng/nagios.lock
log_file=$ng/nagios.log
nagios_user=$(id -un)
nagios_group=$(id -gn)
illegal_macro_output_chars=\`~\$&|'"<>
EOF
}
nagios_cfg "$TOP/contrib/nagios/cutover.cfg" >"$ng/nagios.cfg"
nagios4 -v "$ng/nagios.cfg" >"$ng/verify.out" 2>&1
ok $? "nagios4 -v accepts contrib/nagios/cutover.cfg" || diag "$(cat "$ng/verify.out")"
like "$(cat "$ng/verify.out")" '^Total Errors: +0$' "... with no error"
like "$(cat "$ng/verify.out")" '^Total Warnings: +0$' "... and no warning"
like "$(cat "$ng/verify.out")" 'Checked 2 services' "... its two services"
# nagios4 -v does refuse: a service whose command is not defined
sed 's/command_name	check_cutover_propagation/command_name	check_cutover_propagatio/' \
	contrib/nagios/cutover.cfg >"$ng/bad.cfg"
nagios_cfg "$ng/bad.cfg" >"$ng/bad-nagios.cfg"
nagios4 -v "$ng/bad-nagios.cfg" >"$ng/verify-bad.out" 2>&1
ok $(($? == 0)) "nagios4 -v refuses a service whose command is not defined"

# nagios_cmd COMMAND CHECK_COMMAND: COMMAND's command_line with $ARGn$ from
# CHECK_COMMAND (NAME!ARG1!ARG2), the world's cutover and domains
nagios_cmd() {
	_cl=$(sed -n "/command_name[ 	]*$1\$/,/}/s/^[ 	]*command_line[ 	]*//p" contrib/nagios/cutover.cfg)
	_a1=$(printf '%s' "$2" | cut -d'!' -f2)
	_a2=$(printf '%s' "$2" | cut -d'!' -f3)
	printf '%s\n' "$_cl" | sed -e "s|\\\$ARG1\\\$|$_a1|g" -e "s|\\\$ARG2\\\$|$_a2|g" \
		-e "s|/usr/bin/cutover|$TMP/bin/cutover|" -e 's/example\.org/good.test/g'
}
# the services' own check_command lines, as the file gives them
svc=$(sed -n 's/^[ 	]*check_command[ 	]*\(check_cutover!.*\)$/\1/p' contrib/nagios/cutover.cfg)
like "$svc" '^check_cutover!pre-cutover!-s new_ip=198.51.100.20 example.org$' "the check service's arguments"
cmd=$(nagios_cmd check_cutover "$svc")
# Nagios runs a command line with quotes through /bin/sh -c
XDG_STATE_HOME=$TMP/var/lib sh -c "$cmd" >"$ng/out" 2>&1
is "$?" 0 "check_cutover on good.test: exit 0 (OK)" || diag "$(cat "$ng/out")"
like "$(head -n 1 "$ng/out")" '^CUTOVER OK - [0-9]+ ok; 1 domain checked \| ok=[0-9]+;;;0 .* time=[0-9.]+s$' \
	"... the Nagios status line, with perfdata"
cmd=$(nagios_cmd check_cutover "$(printf '%s' "$svc" | sed 's/example\.org/highttl.test/')")
sh -c "$cmd" >"$ng/out" 2>&1
is "$?" 2 "check_cutover on highttl.test: exit 2 (CRITICAL)"
like "$(head -n 1 "$ng/out")" '^CUTOVER CRITICAL - .*ttl\.too-high' "... CRITICAL, naming the code"
svc=$(sed -n 's/^[ 	]*check_command[ 	]*\(check_cutover_propagation!.*\)$/\1/p' contrib/nagios/cutover.cfg)
cmd=$(nagios_cmd check_cutover_propagation "$svc")
XDG_STATE_HOME=$TMP/var/lib sh -c "$cmd" >"$ng/out" 2>&1
is "$?" 0 "check_cutover_propagation on www.good.test: exit 0 (OK)" || diag "$(cat "$ng/out")"
like "$(head -n 1 "$ng/out")" '^PROPAGATION OK - www.good.test/A: 1 of 1 resolvers have 198.51.100.20 \| converged_ratio=1.000;;;0;1 ' \
	"... the Nagios status line, with perfdata"

# --- Icinga 2 ----------------------------------------------------------------------

ic=$TMP/icinga2
mkdir -p "$ic/cache" "$ic/lib" "$ic/log" "$ic/run" "$ic/spool"
# icinga2_conf FILE: a configuration with the ITL, FILE and a host using it
icinga2_conf() {
	cat <<EOF
include <itl>
include "$1"
object Host "web1" {
	check_command = "dummy"
	address = "127.0.0.1"
	vars.cutover_domains = [ "good.test", "highttl.test" ]
	vars.cutover_rules = [ "pre-cutover" ]
	vars.cutover_set = [ "new_ip=198.51.100.20" ]
	vars.cutover_propagation["www.good.test"] = { cutover_expect = [ "198.51.100.20" ] }
}
EOF
}
# Unprivileged, in $ic: every directory it writes to is a constant given here.
icinga2_run() {
	icinga2 "$@" -DRunAsUser="$(id -un)" -DRunAsGroup="$(id -gn)" -DCacheDir="$ic/cache" \
		-DDataDir="$ic/lib" -DLogDir="$ic/log" -DInitRunDir="$ic/run" -DSpoolDir="$ic/spool"
}
icinga2_conf "$TOP/contrib/icinga2/cutover.conf" >"$ic/icinga2.conf"
icinga2_run daemon -C -c "$ic/icinga2.conf" >"$ic/verify.out" 2>&1
ok $? "icinga2 daemon -C accepts contrib/icinga2/cutover.conf" || diag "$(cat "$ic/verify.out")"
like "$(cat "$ic/verify.out")" 'Instantiated 2 Services' "... the apply rules give the host its two services"
is "$(grep -c -E 'warning/|critical/' "$ic/verify.out")" 0 "... without a warning" ||
	diag "$(cat "$ic/verify.out")"
# icinga2_args COMMAND: the arguments the CheckCommand takes, one a line
icinga2_args() {
	icinga2_run object list --type CheckCommand --name "$1" 2>&1 |
		sed -n '/^  \* arguments$/,/^  \* [a-z]/s/^    \* //p' | sort | tr '\n' ' '
}
is "$(icinga2_args cutover)" \
	"--baseline --ca-file --fail-on --ns --resolver --root-hints --timeout -d -r -s domains " \
	"the CheckCommand cutover takes the rule sets, variables, domains, --fail-on, --timeout, --resolver ..."
is "$(icinga2_args cutover-propagation)" \
	"--ca-file --db --expect --fail-on --old --resolver --resolvers --root-hints --timeout --until name type " \
	"the CheckCommand cutover-propagation: the name, --expect, --until, --resolvers ..."
icinga2_run object list --type Service --name 'web1!cutover' >"$ic/svc.out" 2>&1
like "$(tr -d '\n' <"$ic/svc.out")" 'cutover_domains = \[ "good.test", "highttl.test" \]' \
	"the cutover service takes the host's domains"
# icinga2 -C refuses a misspelt argument attribute
sed 's/repeat_key = true/repeat_kee = true/' contrib/icinga2/cutover.conf >"$ic/bad.conf"
icinga2_conf "$ic/bad.conf" >"$ic/bad-icinga2.conf"
icinga2_run daemon -C -c "$ic/bad-icinga2.conf" >"$ic/verify-bad.out" 2>&1
ok $(($? == 0)) "icinga2 daemon -C refuses a misspelt attribute"
like "$(cat "$ic/verify-bad.out")" "Invalid attribute: repeat_kee" "... naming it"

# --- CI ----------------------------------------------------------------------------

# ci_run SCRIPT-LINE DOMAINS: run a CI script line in $TMP/ci with the
# pipeline's variables (the domains the world's), the world's cutover on PATH
ci_run() {
	rm -rf "$TMP/ci"
	mkdir -p "$TMP/ci"
	(cd "$TMP/ci" && PATH=$TMP/bin:$PATH CUTOVER_RULES=pre-cutover CUTOVER_DOMAINS=$2 \
		XDG_STATE_HOME=$TMP/var/lib sh -c "$1") >"$TMP/ci.out" 2>&1
}
# ci_junit DESC: the JUnit report is valid, and has FAILURES failures
ci_junit() {
	xmllint --noout --schema tests/junit/junit.xsd "$TMP/ci/cutover.xml" 2>"$TMP/xmllint.err"
	ok $? "$1: cutover.xml is valid against tests/junit/junit.xsd" || diag "$(cat "$TMP/xmllint.err")"
	is "$(xmllint --xpath 'count(//testcase/failure)' "$TMP/ci/cutover.xml" 2>&1)" "$2" \
		"$1: cutover.xml has $2 failures"
}

yaml_json contrib/ci/gitlab-ci.yml >"$TMP/gitlab.json"
ok $? "contrib/ci/gitlab-ci.yml is YAML"
gl() { jq -r "$1" "$TMP/gitlab.json"; }
is "$(gl '.stages | join(" ")')" "check deploy" "gitlab: stages check, then deploy"
is "$(gl '.deploy.needs | join(" ")')" "cutover" "gitlab: the deploy job needs the check job"
is "$(gl '.deploy.stage')" deploy "gitlab: ... and runs in the stage after it"
is "$(gl '.deploy.when // "on_success"')" on_success "gitlab: ... only when it succeeded"
is "$(gl '.cutover.artifacts.reports.junit')" cutover.xml "gitlab: the check's JUnit report goes to the Tests tab"
is "$(gl '.cutover.artifacts.when')" always "gitlab: ... kept when the check fails too"
is "$(gl '.cutover.script | length')" 1 "gitlab: the check job's script is one line"
line=$(gl '.cutover.script[0]')
like "$line" '-f junit -o cutover.xml' "gitlab: it writes cutover.xml in JUnit"
ci_run "$line" good.test
is "$?" 0 "gitlab: the check passes on good.test"
is "$(cat "$TMP/ci.out")" "" "gitlab: ... quietly"
ci_junit "gitlab, good.test" 0
ci_run "$line" "good.test highttl.test"
is "$?" 2 "gitlab: on highttl.test the script fails (exit 2): no deploy"
ci_junit "gitlab, highttl.test" 4

yaml_json contrib/ci/github-workflow.yml >"$TMP/github.json"
ok $? "contrib/ci/github-workflow.yml is YAML"
gh() { jq -r "$1" "$TMP/github.json"; }
is "$(gh '[.jobs.deploy.needs] | flatten | join(" ")')" cutover "github: the deploy job needs the check job"
is "$(gh '.jobs.deploy.if // "" | test("always|failure") ')" false "github: ... and does not run when it failed"
is "$(gh '[.jobs.cutover.steps[] | select(.uses // "" | startswith("actions/upload-artifact@")) | .with.path] | join(" ")')" \
	cutover.xml "github: the report is uploaded"
is "$(gh '[.jobs.cutover.steps[] | select(.uses // "" | startswith("dorny/test-reporter@")) | .with.path + " " + .with.reporter] | join(" ")')" \
	"cutover.xml java-junit" "github: ... and published with its test results (dorny/test-reporter)"
is "$(gh '[.jobs.cutover.steps[] | select(.uses // "" | test("upload-artifact|test-reporter")) | .if] | unique | join(" ")')" \
	'${{ !cancelled() }}' "github: ... when the check fails too"
is "$(gh '.permissions.checks')" write "github: the workflow may write check runs"
line=$(gh '.jobs.cutover.steps[] | select(.run // "" | test("-f junit")) | .run')
like "$line" '^cutover check .*-f junit -o cutover.xml' "github: the check step writes cutover.xml in JUnit"
ci_run "$line" good.test
is "$?" 0 "github: the check passes on good.test"
ci_junit "github, good.test" 0
ci_run "$line" "highttl.test"
is "$?" 2 "github: the check fails on highttl.test (exit 2): the deploy job does not run"
ci_junit "github, highttl.test" 4

# --- Prometheus alerting rules ----------------------------------------------------------

promtool check rules contrib/prometheus/cutover-alerts.yml >"$TMP/rules.out" 2>&1
ok $? "promtool check rules accepts contrib/prometheus/cutover-alerts.yml" || diag "$(cat "$TMP/rules.out")"
like "$(cat "$TMP/rules.out")" 'SUCCESS: 6 rules found' "... its six alerts"
promtool test rules contrib/prometheus/cutover-alerts.test.yml >"$TMP/rules-test.out" 2>&1
ok $? "promtool test rules: each alert fires, and does not fire, when it should" ||
	diag "$(cat "$TMP/rules-test.out")"
# each alert of the rules is tested firing and not firing
yaml_json contrib/prometheus/cutover-alerts.test.yml >"$TMP/rules-test.json"
is "$(jq -r '[.tests[].alert_rule_test[] | select(.exp_alerts | length > 0) | .alertname] | unique | join(" ")' \
	"$TMP/rules-test.json")" \
	"CutoverCheckFailing CutoverCheckNotRunning CutoverCheckUndetermined CutoverPropagationSlow CutoverPropagationStuck CutoverTTLLeftLow" \
	"the unit tests see each of the six alerts fire"
is "$(jq -r '[.tests[].alert_rule_test[] | select(.exp_alerts | length == 0) | .alertname] | unique | join(" ")' \
	"$TMP/rules-test.json")" \
	"CutoverCheckFailing CutoverCheckNotRunning CutoverCheckUndetermined CutoverPropagationSlow CutoverPropagationStuck CutoverTTLLeftLow" \
	"... and each not fire where it should not"
# Every metric the rules use is one cutover writes: the reports of the runs
# above, and a check of good.test's TTLs against a minimum (left low after a move).
cat >"$TMP/ttl-min.yml" <<'YML'
name: ttl-min
checks:
  - check: ttl
    types: [A]
    min: 3600
YML
run_cutover check --root-hints "$ROOT_HINTS" -r "$TMP/ttl-min.yml" -f prometheus good.test
printf '%s\n' "$OUT" >"$TMP/ttl.prom"
like "$OUT" '^cutover_finding\{domain="good.test",check="ttl",code="ttl.too-low",subject="good.test/A",server="ns1.newprov.test/127.53.2.1",status="warn"\} 1$' \
	"a TTL left low is a cutover_finding with code ttl.too-low" || diag_run
cat "$TMP"/textfile/*.prom "$TMP/ttl.prom" | sed -n 's/^\(cutover_[a-z_]*\)[{ ].*/\1/p' | sort -u >"$TMP/written"
sed -n '/expr:/s/.*expr://p' contrib/prometheus/cutover-alerts.yml | grep -o 'cutover_[a-z_]*' | sort -u \
	>"$TMP/used"
like "$(cat "$TMP/used")" '^cutover_propagation_eta_seconds$' "the rules use cutover's metrics"
is "$(comm -23 "$TMP/used" "$TMP/written")" "" "every metric the rules use is in cutover's reports"
is "$(sed -n 's/.*code="\([^"]*\)".*/\1/p' contrib/prometheus/cutover-alerts.yml | sort -u)" ttl.too-low \
	"the one finding code the rules match is ttl.too-low"

done_testing
