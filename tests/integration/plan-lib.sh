# plan-lib.sh: what the plan tests (t0600, t0610, t0620) share, sourced after
# lib.sh:
#
#   DB                        the test's state database
#   pl ARG...                 run_cutover plan with DB, the world's root hints
#                             and a short timeout
#   step_field PLAN STEP F    a field of a step in plan status -f json
#   phase_field PLAN PHASE F  a field of a phase
#   await TENTHS EXPECTED CMD ARG...
#                             poll CMD every 0.1 s, at most TENTHS times,
#                             until it prints EXPECTED
#   plan_dir NAME             the directory of a plan's logs and lock
#   zone ZONE SED-SCRIPT      a change at the DNS provider: every server's
#                             copy, a new serial, reloaded (tests/world/zone-edit.sh);
#                             the zone is restored from its fixture at exit
#   no_asan TEXT DESC         the sanitizers found nothing in TEXT (skipped
#                             when CUTOVER is not a sanitized build)

DB=$TMP/state.db

pl() {
	run_cutover plan "$@" --db "$DB" --root-hints "$ROOT_HINTS" --timeout 500
}

_plan_field() {
	"$CUTOVER" plan status -f json --db "$DB" "$1" | jq -r "$2"
}
step_field() {
	_plan_field "$1" ".phases[].steps[] | select(.id == \"$2\") | .$3"
}
phase_field() {
	_plan_field "$1" ".phases[] | select(.id == \"$2\") | .$3"
}

await() {
	_n=$1 _want=$2
	shift 2
	while [ "$("$@")" != "$_want" ] && [ "$_n" -gt 0 ]; do
		sleep 0.1
		_n=$((_n - 1))
	done
}

plan_dir() {
	dirname "$(ls "$(dirname "$DB")"/plans/"$1"-*/lock)"
}

_plan_zones=
zone() {
	case " $_plan_zones " in
	*" $1 "*) ;;
	*)
		_plan_zones="$_plan_zones $1"
		at_exit "_plan_restore $1"
		;;
	esac
	sh "$TOP/tests/world/zone-edit.sh" "$WORLD" "$1" "$2" >/dev/null || bail_out "changing $1 failed"
}
_plan_restore() {
	for _f in "$WORLD"/*/zones/"$1.zone"; do
		[ -f "$_f" ] || continue
		cp "$FIXTURES/zones/$1.zone" "$_f"
		touch "$_f"
		_s=${_f#"$WORLD"/}
		reload "${_s%%/*}"
	done
}

if nm -D "$CUTOVER" 2>/dev/null | grep -q __asan_init; then
	no_asan() {
		ok "$(printf '%s' "$1" | grep -qE 'AddressSanitizer|runtime error' && echo 1 || echo 0)" "$2"
	}
else
	no_asan() {
		skip "not a sanitized build (make check SANITIZE=1): $2"
	}
fi
