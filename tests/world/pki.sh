#!/bin/sh
# The test CA of the loopback world and the certificates it signs, made with
# openssl into DIR (start.sh uses WORLD/pki); generated at every start, never
# kept in the repository. EC P-256 keys: about 20 ms each.
#
# usage: tests/world/pki.sh DIR STS-ZONE...
#
# DIR/ca.pem is the CA (tests pass it as --ca-file); NAME.pem and NAME.key for:
#   valid      www.svc.test, svc.test, mail.svc.test, mta-sts.svc.test and
#              mta-sts.ZONE for each STS-ZONE; one year
#   expired    expired.svc.test; valid from 90 days ago until 10 days ago
#   wrongname  other.test only (served for wrongname.svc.test)
#   expiring   expiring.svc.test; valid from now for 5 days
#   mailbad    other.test only (an SMTP server whose name is not in its certificate)
set -u

[ $# -ge 1 ] || {
	echo "usage: $0 DIR STS-ZONE..." >&2
	exit 2
}
dir=$1
shift
rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1

# The leaves' extensions; the SANs come with -addext. A config of our own, so
# that the system's openssl.cnf adds nothing (its v3_ca would make leaves CAs).
cat >openssl.cnf <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
[ca_ext]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[leaf_ext]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

# openssl ca, only for the expired certificate (a validity in the past)
[ca]
default_ca = test_ca
[test_ca]
database = index.txt
new_certs_dir = .
rand_serial = yes
default_md = sha256
policy = any_name
copy_extensions = copy
unique_subject = no
x509_extensions = leaf_ext
[any_name]
commonName = supplied
EOF
: >index.txt

newkey="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -noenc"

# shellcheck disable=SC2086 # $newkey is several words
openssl req -x509 -config openssl.cnf -extensions ca_ext $newkey -keyout ca.key -out ca.pem \
	-days 3650 -subj "/O=cutover tests/CN=cutover test CA" 2>>openssl.log || exit 1

# leaf NAME DAYS CN [SAN...]: a key and a certificate signed by the CA, valid
# from now for DAYS days, for CN and the SANs (CN first).
leaf() {
	_name=$1 _days=$2
	shift 2
	_san=$(printf 'DNS:%s,' "$@")
	# shellcheck disable=SC2086
	openssl req -x509 -config openssl.cnf -extensions leaf_ext $newkey -keyout "$_name.key" \
		-out "$_name.pem" -CA ca.pem -CAkey ca.key -days "$_days" -subj "/CN=$1" \
		-addext "subjectAltName=${_san%,}" 2>>openssl.log
}

sts=
for z in "$@"; do
	sts="$sts mta-sts.$z"
done
# expired: a request, then openssl ca with dates in the past
expired() {
	# shellcheck disable=SC2086
	openssl req -new -config openssl.cnf $newkey -keyout expired.key -out expired.csr \
		-subj /CN=expired.svc.test -addext subjectAltName=DNS:expired.svc.test 2>>openssl.log &&
		openssl ca -batch -config openssl.cnf -cert ca.pem -keyfile ca.key -notext \
			-startdate "$(date -u -d '90 days ago' +%Y%m%d%H%M%SZ)" \
			-enddate "$(date -u -d '10 days ago' +%Y%m%d%H%M%SZ)" \
			-in expired.csr -out expired.pem 2>>openssl.log
}

# all at once (the world starts faster), each one's status checked
# shellcheck disable=SC2086 # $sts is a list of names
leaf valid 365 www.svc.test svc.test mail.svc.test mta-sts.svc.test $sts &
pids=$!
leaf wrongname 365 other.test &
pids="$pids $!"
leaf mailbad 365 other.test &
pids="$pids $!"
leaf expiring 5 expiring.svc.test &
pids="$pids $!"
expired &
pids="$pids $!"
status=0
for pid in $pids; do
	wait "$pid" || status=1
done
rm -f ./*.csr ./*.old ./[0-9A-F]*.pem
exit $status
