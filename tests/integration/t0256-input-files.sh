#!/bin/sh
# Input files read as a user may write them (issue 7, defects 9, 11, 12):
# every name of a -d line, errors with FILE:LINE for what is not a list of
# names, rule files of any size refused fast, and names of one label in a
# rule set relative to the domain.

. "$(dirname "$0")/lib.sh"

input_error() { # DESC ERE ARG...
	_desc=$1 _re=$2
	shift 2
	run_cutover check --root-hints "$ROOT_HINTS" "$@"
	is "$RC" 3 "$_desc: exit 3"
	like "$ERR" "$_re" "$_desc: message"
	is "$OUT" "" "$_desc: nothing on stdout"
}

# -d: every name on a line, in order, comments anywhere.
printf 'good.test serial.test\t# two on a line\n  nowild.test#and a comment\r\n' >"$TMP/domains"
audit -d "$TMP/domains"
is "$(json_field '.domains | join(" ")')" "good.test serial.test nowild.test" "-d: every name of a line"
sees soa.serial-mismatch fail serial.test
sees ns.ok ok nowild.test

printf 'good.test\n192.0.2.1\n' >"$TMP/ip"
input_error "-d with an IP address" \
	"^cutover: $TMP/ip:2: '192.0.2.1' is not a domain name: it is an IP address" -d "$TMP/ip"

input_error "-d a directory" "^cutover: '$TMP' is a directory, not a file of domain names" -d "$TMP"
printf 'good.test\nserial\000.test\n' >"$TMP/nul"
input_error "-d with a NUL byte" "^cutover: $TMP/nul:2: a NUL byte: not a text file of domain names" \
	-d "$TMP/nul"
input_error "-d /dev/zero" "^cutover: '/dev/zero' is larger than 16 MiB: too large for a file of domain names" \
	-d /dev/zero
input_error "-r /dev/zero" "^cutover: '/dev/zero' is larger than 1 MiB: too large for a rule file" \
	-r /dev/zero good.test
head -c 1100000 /dev/zero | tr '\0' '#' >"$TMP/big.yml"
input_error "-r a file over 1 MiB" "^cutover: '$TMP/big.yml' is larger than 1 MiB: too large for a rule file" \
	-r "$TMP/big.yml" good.test

# A name of one label in a rule set is the domain's: www is www.{domain}.
cat >"$TMP/bare.yml" <<'YML'
checks:
  - check: ttl
    names: [www]
    types: [A]
    max: 900
  - check: record
    name: mail
    type: A
    expect: ["198.18.3.25"]
YML
audit -r "$TMP/bare.yml" good.test
is "$RC" 0 "bare names: exit 0" || diag_run
sees_at ttl.ok ok "www.good.test/A"
sees_at record.ok ok "mail.good.test/A"
is "$(finding_count check.no-data)" 0 "bare names: every name was asked about"
cat >"$TMP/badname.yml" <<'YML'
checks:
  - check: record
    type: A
    name: "www..{domain}"
YML
input_error "an invalid name in a rule set" \
	"^cutover: $TMP/badname.yml:4:11: invalid domain name 'www..\{domain\}' for 'name'" \
	-r "$TMP/badname.yml" good.test

done_testing
