#!/bin/sh
# Run the libFuzzer harnesses of build-fuzz/ (make fuzz).
#
# usage: sh tests/fuzz/run.sh smoke|merge|minimize NAME...
#
#   smoke     run each harness for FUZZ_TIME seconds (default 60) on its
#             committed corpus, tests/fuzz/corpus/NAME/ (with the tokens of
#             tests/fuzz/NAME.dict, when there is one), writing what it finds
#             to build-fuzz/corpus/NAME/; exit 1 when any harness crashed,
#             leaked, timed out or ran out of memory (the input that did is
#             in build-fuzz/artifacts/NAME/). Prints executions per harness.
#   merge     add to tests/fuzz/corpus/NAME/ the inputs of
#             build-fuzz/corpus/NAME/ that reach code (an edge) the corpus
#             does not (libFuzzer's -merge=1 -use_counters=0, so how often
#             an edge runs does not count: the corpus stays small): commit
#             those
#   minimize  rewrite tests/fuzz/corpus/NAME/ as the smallest subset of itself
#             that reaches the same code
#
# FUZZ_SEED sets libFuzzer's -seed (default: random, printed in the log).
set -u
cd "$(dirname "$0")/../.." || exit 2

mode=${1:-}
[ $# -gt 0 ] && shift
FUZZ_TIME=${FUZZ_TIME:-60}
B=build-fuzz

# NAME MAX_LEN TIMEOUT: the largest input worth trying (a DNS message fits in
# 4096 bytes for what the checks read; a rule file of 16 KiB holds hundreds
# of checks), and the seconds one input may take before it counts as a hang
# (an input takes milliseconds; ASan and a busy machine are allowed for).
settings() {
	case $1 in
	dns-answer) echo 4096 10 ;;
	rules) echo 16384 10 ;;
	set-vars) echo 4096 10 ;;
	domains) echo 16384 10 ;;
	targets) echo 16384 10 ;;
	spf) echo 4096 10 ;;
	dmarc) echo 4096 10 ;;
	dkim) echo 8192 10 ;;
	spf-walk) echo 8192 10 ;;
	plan) echo 16384 10 ;;
	baseline) echo 16384 10 ;;
	xfr) echo 16384 10 ;;
	*) echo 4096 10 ;;
	esac
}

# Memory one harness may use (RSS, MB): far above the 200 MB they run in,
# low enough that a blow-up is a finding rather than a stuck machine.
RSS_MB=1024

failed=""
summary=""
why=""
for name in "$@"; do
	bin=$B/fuzz-$name
	corpus=tests/fuzz/corpus/$name
	work=$B/corpus/$name
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is not built (make fuzz)" >&2
		exit 2
	fi
	read -r max_len timeout <<-END
		$(settings "$name")
	END
	mkdir -p "$corpus" "$work" "$B/artifacts/$name" "$B/logs"
	case $mode in
	smoke)
		log=$B/logs/$name.log
		echo "fuzz: $name for $FUZZ_TIME s (log: $log)"
		dict=
		[ -f "tests/fuzz/$name.dict" ] && dict=-dict=tests/fuzz/$name.dict
		"$bin" -max_total_time="$FUZZ_TIME" -rss_limit_mb=$RSS_MB -timeout="$timeout" \
			-max_len="$max_len" -print_final_stats=1 ${FUZZ_SEED:+-seed=$FUZZ_SEED} $dict \
			-artifact_prefix="$B/artifacts/$name/" "$work" "$corpus" >"$log" 2>&1
		rc=$?
		execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
		found=$(ls "$work" | wc -l)
		if [ $rc -ne 0 ]; then
			failed="$failed $name"
			result=FAILED
			# Said again after the summary, so that the end of the
			# run's output (all a CI page may keep) shows why.
			why="$why$(printf 'fuzz: %s FAILED (exit %s); the end of %s:\n' "$name" "$rc" "$log")
$(grep -E 'ERROR|SUMMARY|Test unit written|==[0-9]+==|fuzz: ' "$log" | head -n 20)
$(tail -n 25 "$log")
$(ls "$B/artifacts/$name/" 2>/dev/null | sed "s|^|fuzz: reproduce with: $bin $B/artifacts/$name/|")
$(for a in "$B/artifacts/$name"/*; do [ -f "$a" ] && printf 'fuzz: %s as base64: %s\n' "${a##*/}" "$(head -c 3072 "$a" | base64 -w0)"; done)
"
		else
			result=ok
		fi
		summary="$summary$(printf '%-12s %10s %8s %6s  %s' "$name" "${execs:-?}" "${rate:-?}" "$found" "$result")
"
		;;
	merge)
		"$bin" -merge=1 -use_counters=0 -rss_limit_mb=$RSS_MB -timeout="$timeout" -max_len="$max_len" \
			"$corpus" "$work" >"$B/logs/$name.merge.log" 2>&1 || failed="$failed $name"
		echo "fuzz: $name: $(ls "$corpus" | wc -l) inputs in $corpus"
		;;
	minimize)
		rm -rf "$work.min"
		mkdir -p "$work.min"
		if "$bin" -merge=1 -use_counters=0 -rss_limit_mb=$RSS_MB -timeout="$timeout" -max_len="$max_len" \
			"$work.min" "$corpus" >"$B/logs/$name.minimize.log" 2>&1; then
			rm -f "$corpus"/*
			cp "$work.min"/* "$corpus"/
		else
			failed="$failed $name"
		fi
		rm -rf "$work.min"
		echo "fuzz: $name: $(ls "$corpus" | wc -l) inputs in $corpus"
		;;
	*)
		echo "usage: sh tests/fuzz/run.sh smoke|merge|minimize NAME..." >&2
		exit 2
		;;
	esac
done
if [ "$mode" = smoke ]; then
	printf '%-12s %10s %8s %6s  %s\n' harness executions "exec/s" "new" result
	printf '%s' "$summary"
fi
if [ -n "$failed" ]; then
	printf '%s' "$why" >&2
	echo "fuzz: failed:$failed" >&2
	exit 1
fi
exit 0
