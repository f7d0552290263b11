#!/bin/sh
# The two servers of the example plans (contrib/plans/) as directories, for
# make demo and t0610: DIR/old and DIR/new each hold what the plans copy (a
# web application's compose project, a Mailu ROOT), and DIR/bin holds
# commands to put first in PATH: ssh runs its command here (the old server
# is DIR/old), and systemctl, docker, curl, mysqldump and mysql print what
# they would do (mysql keeps what it was given in DIR/new/db.sql). The plans
# run unchanged: their variables point them at these directories.
#
# DIR/old/mailu/dkim/good.test.default.key is a new Ed25519 DKIM key (Mailu
# names them DOMAIN.SELECTOR.key); DIR/dkim-record.txt is its TXT record.
# DIR/webapp-move.vars and DIR/mail-move.vars hold the --set options (one a
# line) that point each plan at these directories and at a zone of the
# world: plan.test for the web application, good.test for the mail.
#
# usage: tests/world/plan-hosts.sh DIR
set -eu

[ $# -eq 1 ] || {
	echo "usage: $0 DIR" >&2
	exit 2
}
DIR=$1
mkdir -p "$DIR/bin" "$DIR/old" "$DIR/new"

cat >"$DIR/webapp-move.vars" <<EOF
-s domain=plan.test
-s old_ip=192.0.2.10
-s new_ip=198.51.100.20
-s old_host=root@old.plan.test
-s old_data_dir=$DIR/old/srv/nextcloud
-s data_dir=$DIR/new/srv/nextcloud
-s db_password=demo-Pa55word
-s resolvers=127.53.9.1
EOF
cat >"$DIR/mail-move.vars" <<EOF
-s domain=good.test
-s old_mail_host=oldmail.good.test
-s mail_host=mail.good.test
-s new_ip=198.18.3.25
-s old_host=root@oldmail.good.test
-s old_mailu_dir=$DIR/old/mailu
-s mailu_dir=$DIR/new/mailu
-s dkim_selector=default
EOF

# ssh [OPTION...] HOST COMMAND...: COMMAND run here, by the shell, as sshd
# would run it on HOST
cat >"$DIR/bin/ssh" <<'SHIM'
#!/bin/sh
while [ $# -gt 0 ]; do
	case $1 in
	-[bcDEeFIiJLlmOopQRSWw]) shift 2 ;;
	-*) shift ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || { echo "ssh (demo): no command for $1" >&2; exit 255; }
shift
exec sh -c "$*"
SHIM

for cmd in systemctl docker curl; do
	printf '#!/bin/sh\necho "(demo) would run: %s $*"\n' "$cmd" >"$DIR/bin/$cmd"
done

# mysqldump: a dump of the --databases named, to --result-file or standard output
cat >"$DIR/bin/mysqldump" <<'SHIM'
#!/bin/sh
out= dbs= all="$*"
for a; do
	case $a in
	--result-file=*) out=${a#--result-file=} ;;
	-*) ;;
	*) dbs="$dbs $a" ;;
	esac
done
if [ -n "$out" ]; then
	echo "(demo) would run: mysqldump $all"
	exit 0
fi
echo "-- MariaDB dump (demo): mysqldump $all"
for db in $dbs; do
	echo "CREATE DATABASE IF NOT EXISTS \`$db\`;"
	echo "USE \`$db\`;"
	echo "DROP TABLE IF EXISTS \`oc_users\`;"
	echo "CREATE TABLE \`oc_users\` (\`uid\` varchar(64) NOT NULL, PRIMARY KEY (\`uid\`));"
	echo "INSERT INTO \`oc_users\` VALUES ('alice'),('bob');"
done
echo "-- Dump completed"
SHIM

# mysql: what it is given, kept in new/db.sql; it says how it logged in (the
# password comes from MYSQL_PWD, a secret of the plan: its logs show ***)
cat >"$DIR/bin/mysql" <<SHIM
#!/bin/sh
cat >"$DIR/new/db.sql"
echo "(demo) mysql \$*, password '\$MYSQL_PWD': loaded \$(grep -c ';\$' "$DIR/new/db.sql") statements"
SHIM
chmod 0755 "$DIR/bin/"*

# the web application: a compose project with its data
mkdir -p "$DIR/old/srv/nextcloud/data/alice/files" "$DIR/old/srv/nextcloud/config" "$DIR/new/srv/nextcloud"
printf 'services:\n  app:\n    image: nextcloud:29-apache\n    volumes: [./config:/var/www/html/config, ./data:/var/www/html/data]\n' \
	>"$DIR/old/srv/nextcloud/docker-compose.yml"
printf "<?php\n\$CONFIG = array('dbtype' => 'mysql', 'dbname' => 'nextcloud');\n" >"$DIR/old/srv/nextcloud/config/config.php"
echo "a photo" >"$DIR/old/srv/nextcloud/data/alice/files/photo.jpg"

# Mailu: its ROOT with the mailboxes, the admin database and the DKIM keys
for d in data dkim mail/alice@good.test/cur; do
	mkdir -p "$DIR/old/mailu/$d" "$DIR/new/mailu/${d%%/*}"
done
echo "sqlite" >"$DIR/old/mailu/data/main.db"
key=$DIR/old/mailu/dkim/good.test.default.key
openssl genpkey -algorithm ed25519 -out "$key" 2>/dev/null
chmod 0600 "$key"
# the p= value: the 32 raw bytes of the public key, the end of its DER form
echo "v=DKIM1; k=ed25519; p=$(openssl pkey -in "$key" -pubout -outform DER | tail -c 32 | base64 -w0)" \
	>"$DIR/dkim-record.txt"
printf 'Subject: hello\n\nold mail\n' >"$DIR/old/mailu/mail/alice@good.test/cur/1700000000.M1.mail:2,S"
