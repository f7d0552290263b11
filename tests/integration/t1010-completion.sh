#!/bin/sh
# Shell completion (cutover completion bash|zsh): the bash script loaded with
# bash-completion in a real bash completes commands, options, their values,
# plan's subcommands, help's topics, files and the shipped rule sets; every
# option a command's help names and only options getopt takes are offered;
# the zsh script loads under compinit and completes in a real zsh (zpty).
# No DNS is asked.

. "$(dirname "$0")/lib.sh"

need bash bash
need zsh zsh
[ -r /usr/share/bash-completion/bash_completion ] ||
	bail_out "bash-completion is not installed (make deps)"

# `cutover` as the completion runs it (the shipped names come from it)
mkdir -p "$TMP/bin"
ln -s "$CUTOVER" "$TMP/bin/cutover"
PATH=$TMP/bin:$PATH
export PATH

run_cutover completion bash
is "$RC" 0 "completion bash: exit 0"
printf '%s\n' "$OUT" >"$TMP/cutover.bash"
BASH_SCRIPT=$TMP/cutover.bash
run_cutover completion zsh
is "$RC" 0 "completion zsh: exit 0"
mkdir -p "$TMP/zfunc"
printf '%s\n' "$OUT" >"$TMP/zfunc/_cutover"
like "$(head -n 1 "$TMP/zfunc/_cutover")" "^#compdef cutover$" "the zsh script starts with #compdef"
run_cutover completion fish
is "$RC" 3 "completion fish: exit 3"
like "$ERR" "^cutover: completion: unknown shell 'fish'" "completion fish: message"

# What make builds beside the binary is what the binary prints.
built=$(dirname "$CUTOVER")/completion
if [ -f "$built/cutover.bash" ] && [ -f "$built/_cutover" ]; then
	cmp -s "$built/cutover.bash" "$BASH_SCRIPT"
	ok $? "$built/cutover.bash is the binary's completion bash"
	cmp -s "$built/_cutover" "$TMP/zfunc/_cutover"
	ok $? "$built/_cutover is the binary's completion zsh"
else
	skip "no $built (make builds it)"
	skip "no $built (make builds it)"
fi

# --- bash ---------------------------------------------------------------

bash -n "$BASH_SCRIPT"
ok $? "bash -n accepts the script"

# complete.bash LINE: load bash-completion and the script, split LINE into
# COMP_WORDS as bash does (at blanks, and at '=' which is in
# COMP_WORDBREAKS), complete its last word with the function `complete -p`
# names, and print COMPREPLY sorted, one a line.
cat >"$TMP/complete.bash" <<'EOF'
. /usr/share/bash-completion/bash_completion || exit 1
. "$1" || exit 1
spec=$(complete -p cutover) || exit 1
fn=${spec#* -F }
fn=${fn%% *}
COMP_LINE=$2
COMP_POINT=${#COMP_LINE}
COMP_WORDS=()
for w in $COMP_LINE; do
	while [[ $w == *=* ]]; do
		COMP_WORDS+=("${w%%=*}" "=")
		w=${w#*=}
	done
	[[ -n $w ]] && COMP_WORDS+=("$w")
done
[[ $COMP_LINE == *' ' ]] && COMP_WORDS+=("")
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMPREPLY=()
"$fn" cutover "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
((${#COMPREPLY[@]})) && printf '%s\n' "${COMPREPLY[@]}" | LC_ALL=C sort -u
exit 0
EOF

# comp LINE: what bash offers at the end of LINE, one a line
comp() {
	bash "$TMP/complete.bash" "$BASH_SCRIPT" "$1" 2>"$TMP/complete.err"
}
# words LIST...: the words, sorted, one a line
words() {
	printf '%s\n' "$@" | LC_ALL=C sort -u
}

is "$(bash -c '. /usr/share/bash-completion/bash_completion; . "$1"; complete -p cutover' sh "$BASH_SCRIPT")" \
	"complete -F _cutover cutover" "the script registers _cutover for cutover"

# the commands, as cutover --help lists them
run_cutover --help
commands=$(printf '%s\n' "$OUT" | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p')
like "$commands" "^plan$" "cutover --help lists its commands"
is "$(comp 'cutover ')" "$(words $commands --help --version)" "cutover <tab>: the commands"
is "$(comp 'cutover pro')" "$(words propagation provider)" "cutover pro<tab>"
is "$(cat "$TMP/complete.err")" "" "nothing on stderr while completing"

is "$(comp 'cutover check --f')" "$(words --fail-on --format)" "check --f<tab>: --fail-on --format"
is "$(comp 'cutover check --fo')" "--format" "check --fo<tab>: --format"
is "$(comp 'cutover check --sa')" "--save" "check --sa<tab>: check's own --save"
is "$(comp 'cutover propagation --no-')" "$(words --no-db --no-site)" "propagation --no-<tab>: its own options"

formats=$(comp 'cutover check -f ')
like "$formats" "^json$" "check -f <tab> offers json"
like "$formats" "^prometheus$" "check -f <tab> offers prometheus"
is "$(comp 'cutover check --format ')" "$formats" "check --format <tab>: the same names"
is "$(comp 'cutover check --format=js')" "json" "check --format=js<tab>: json"
# every name offered is one -f takes; a name it does not take is refused
for f in $formats; do
	run_cutover check -f "$f" --help
	is "$RC" 0 "-f $f (offered) is a format check takes"
done
run_cutover check -f nosuch --help
is "$RC" 3 "-f nosuch is refused (the loop above can fail)"

fail_on=$(comp 'cutover check --fail-on ')
is "$fail_on" "$(words fail new warn)" "check --fail-on <tab>: fail new warn"
for v in $fail_on; do
	run_cutover check --fail-on "$v" --help
	is "$RC" 0 "--fail-on $v (offered) is taken"
done

# plan's subcommands, as its usage lists them
run_cutover help plan
subs=$(printf '%s\n' "$OUT" | sed -n 's/^\(usage:\)\{0,1\} *cutover plan \([a-z][a-z]*\) .*/\2/p')
like "$subs" "^confirm$" "help plan lists the subcommands"
is "$(comp 'cutover plan ')" "$(words $subs)" "plan <tab>: the subcommands"
is "$(comp 'cutover plan st')" "status" "plan st<tab>: status"
is "$(comp 'cutover plan run --dry-run contrib/plans/web')" "contrib/plans/webapp-move.yml" \
	"plan run --dry-run <tab>: the plan file"
is "$(comp 'cutover plan log --d')" "$(words --db --detach --domains --dry-run)" "plan log --d<tab>: options"

# -r: the rule sets a bare name finds (the binary says where), and files
shipped=$(ls rules/*.yml | sed 's|^rules/||; s|\.yml$||')
rules=$(comp 'cutover check -r ')
for r in $shipped; do
	like "$rules" "^$r\$" "check -r <tab> offers the shipped rule set $r"
done
like "$rules" "^tests\$" "check -r <tab> offers files too"
is "$(comp 'cutover check -r pre-')" "pre-cutover" "check -r pre-<tab>: pre-cutover"
is "$(comp 'cutover check --rules=post')" "post-cutover" "check --rules=post<tab>: post-cutover"
is "$(comp 'cutover check -r tests/fixtures/rules/bad-s')" \
	"$(cd tests/fixtures/rules && ls -d bad-s* | sed 's|^|tests/fixtures/rules/|' | LC_ALL=C sort)" \
	"check -r tests/fixtures/rules/bad-s<tab>: files"
mkdir -p "$TMP/myrules"
: >"$TMP/myrules/zz-mine.yml"
is "$(CUTOVER_RULES_DIR=$TMP/myrules comp 'cutover check -r zz')" "zz-mine" \
	"check -r zz<tab>: a rule set of \$CUTOVER_RULES_DIR, as -r zz-mine would find it"
is "$(comp 'cutover propagation --resolvers res')" "resolvers" "propagation --resolvers res<tab>: the shipped list"

# file arguments
is "$(comp 'cutover check -d Makef')" "Makefile" "check -d Makef<tab>: a file"
is "$(comp 'cutover check --output READ')" "README.md" "check --output READ<tab>: a file"
is "$(comp 'cutover check --ca-file tests/world/st')" "$(words tests/world/start.sh tests/world/stop.sh)" \
	"check --ca-file tests/world/st<tab>: files"
is "$(comp 'cutover check -j ')" "" "check -j <tab>: nothing (a number)"
is "$(comp 'cutover check -r default exam')" "" "check -r default exam<tab>: nothing (a domain)"

# help's topics, as its usage lists them, and the commands
run_cutover help help
topics=$(printf '%s\n' "$OUT" | sed -n 's/^usage: cutover help \[COMMAND|\(.*\)\]$/\1/p' | tr '|' ' ')
like "$topics" "codes" "help help lists the topics"
is "$(comp 'cutover help ')" "$(words $commands $topics)" "help <tab>: the commands and topics"
is "$(comp 'cutover completion ')" "$(words bash zsh rule-sets resolver-lists)" "completion <tab>: the shells"

# Every long option a command's help names is offered, and every option
# offered is one getopt takes (run with --help after it: nothing is checked).
for c in $commands; do
	[ "$c" = help ] || [ "$c" = completion ] && continue
	line="cutover $c --"
	[ "$c" = plan ] && line="cutover plan run --"
	offered=$(comp "$line")
	run_cutover help "$c"
	documented=$(printf '%s\n' "$OUT" | grep -oE -- '--[a-z][a-z0-9-]*' | LC_ALL=C sort -u)
	missing=$(printf '%s\n' "$documented" | grep -vxF -e "$offered")
	is "$missing" "" "$c: every option 'cutover help $c' names is completed"
	bad=
	for opt in $offered; do
		# shellcheck disable=SC2086
		(cd "$TMP" && "$CUTOVER" ${line#cutover } "${opt#--}" --help) </dev/null >/dev/null 2>"$TMP/opt.err"
		sed -i 's/^/ /' "$TMP/opt.err"
		grep -qiE "unrecognized|unrecognised|invalid option" "$TMP/opt.err" && bad="$bad $opt"
	done
	is "$bad" "" "$c: every option completed is one getopt takes"
done
# the check above fails for an option getopt does not take
(cd "$TMP" && "$CUTOVER" check --nosuch --help) </dev/null >/dev/null 2>"$TMP/opt.err"
like "$(cat "$TMP/opt.err")" "unrecognized" "getopt refuses --nosuch (the check above can fail)"

# --- zsh ----------------------------------------------------------------

zsh -n "$TMP/zfunc/_cutover"
ok $? "zsh -n accepts the script"
# (the dump compinit writes makes the zpty shells below start quickly)
out=$(zsh -f -c 'fpath=("$1" $fpath); autoload -U compinit && compinit -u -d "$2" && autoload -Uz _cutover &&
	print -r -- "$_comps[cutover]"' zsh "$TMP/zfunc" "$TMP/zcompdump" 2>&1)
is "$out" "_cutover" "zsh: compinit loads _cutover for cutover, without errors"
out=$(zsh -f -c 'autoload -U compinit && compinit -u -C -d "$2" && unset "_comps[cutover]" && source "$1" &&
	print -r -- "$_comps[cutover]"' zsh "$TMP/zfunc/_cutover" "$TMP/zcompdump" 2>&1)
is "$out" "_cutover" "zsh: source <(cutover completion zsh) after compinit registers it"

# complete.zsh FUNCDIR OUT LINE DUMP: an interactive zsh in a pseudo-terminal
# (zpty) with compinit (from its dump DUMP), the completion in FUNCDIR and
# compadd wrapped to write each match it adds to OUT; LINE and a Tab are
# typed, and Tab completes, then writes __END__ to OUT, which is waited for
# (at most 20 s) before the shell is closed.
cat >"$TMP/complete.zsh" <<'EOF'
zmodload zsh/zpty || exit 1
zpty z zsh -f -i
zpty -w z "PS1='' RPS1='' PS2=''; unsetopt autolist listambiguous; setopt nobeep"
zpty -w z "fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -u -C -d ${(q)4}"
zpty -w z 'compadd() { if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then builtin compadd "$@"; return; fi;'\
' local -a __hits; builtin compadd -A __hits "$@"; (( $#__hits )) && print -rl -- $__hits >>'"${(q)2}"'; builtin compadd "$@"; }'
zpty -w z 'tab() { zle complete-word; print -r -- __END__ >>'"${(q)2}"'; }; zle -N tab; bindkey "^I" tab'
zpty -w -n z "$3"$'\t'
for i in {1..200}; do
	[[ -f $2 && "$(<$2)" == *__END__* ]] && break
	sleep 0.1
done
zpty -d z
EOF
zcomp() { # LINE: the matches zsh adds, sorted, one a line
	: >"$TMP/zsh.out"
	timeout 30 zsh -f "$TMP/complete.zsh" "$TMP/zfunc" "$TMP/zsh.out" "$1" "$TMP/zcompdump" >/dev/null 2>&1
	grep -vx __END__ "$TMP/zsh.out" | LC_ALL=C sort -u
}
# zoffers LINE WORD...: zsh offers each WORD at the end of LINE
zoffers() {
	_l=$1
	shift
	_z=$(zcomp "$_l")
	for _w; do
		like "$_z" "^$_w\$" "zsh: $_l<tab> offers $_w"
	done
}
# shellcheck disable=SC2086
zoffers 'cutover ' $commands
zoffers 'cutover check --fo' --format
# shellcheck disable=SC2086
zoffers 'cutover check -f ' $formats
# shellcheck disable=SC2086
zoffers 'cutover plan ' $subs
zoffers 'cutover check -r pre-' pre-cutover
zoffers 'cutover check -d Makef' Makefile

done_testing
