#!/usr/bin/env bash
# make test-mta: rightsdesk against a real Postfix (issue 17, "Tested against
# a real MTA"). Installs Postfix from Debian when missing, runs a private
# instance (postfix -c DIR: own main.cf/master.cf, 127.0.0.1 only, a high
# port, every recipient delivered to one Maildir under DIR) and runs
# scripts/mtacheck against it. Never reads or writes /etc/postfix's
# configuration, never listens on port 25, never relays to another host.
#
#   MTA_OUTAGE   how long Postfix is stopped (Go duration; default 2m)
#   MTA_PORT     Postfix's SMTP port on 127.0.0.1 (default 2526)
#   MTA_KEEP=1   keep the temporary directory (logs, Maildir, DATA_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."

OUTAGE=${MTA_OUTAGE:-2m}
PORT=${MTA_PORT:-2526}

if [ "$(id -u)" != 0 ]; then
	echo "test-mta: run as root (Postfix's master runs as root; apt-get installs it)" >&2
	exit 2
fi
export PATH="$PATH:/usr/sbin:/sbin"
if ! command -v postfix >/dev/null 2>&1; then
	echo "test-mta: installing postfix from Debian (no system configuration, not started)"
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends postfix >/dev/null
fi
case "$PORT" in 25 | 465 | 587) echo "test-mta: refusing port $PORT" >&2; exit 2 ;; esac

WORK=$(mktemp -d /tmp/rightsdesk-mta.XXXXXX)
CONF=$WORK/postfix
mkdir -p "$CONF" "$WORK/mail" "$WORK/queue" "$WORK/data"
chmod 755 "$WORK"
# Mail is written as nobody; the checker (root) reads it.
chown 65534:65534 "$WORK/mail"
chown postfix "$WORK/data"
# One address is refused with 550 until the checker "fixes" it (removes the
# line and reloads).
echo "wrong.address@resident.example 550 5.1.1 mailbox unavailable" >"$CONF/access"

cat >"$CONF/main.cf" <<CF
compatibility_level = 3.6
queue_directory = $WORK/queue
data_directory = $WORK/data
mail_owner = postfix
setgid_group = postdrop
myhostname = mta.rightsdesk.test
mydomain = rightsdesk.test
myorigin = \$myhostname
mydestination =
relayhost =
relay_domains =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtputf8_enable = yes
# Every domain is a virtual mailbox domain delivered to one Maildir: no
# mail can leave for another host.
virtual_mailbox_domains = static:all
virtual_mailbox_base = $WORK/mail
virtual_mailbox_maps = static:inbox/
virtual_uid_maps = static:65534
virtual_gid_maps = static:65534
virtual_minimum_uid = 100
virtual_mailbox_limit = 0
default_transport = error:no mail leaves this test instance
relay_transport = error:no mail leaves this test instance
smtpd_relay_restrictions = permit_mynetworks, reject
smtpd_recipient_restrictions = check_recipient_access texthash:$CONF/access, permit_mynetworks, reject
maillog_file = $WORK/maillog
maillog_file_prefixes = $WORK
syslog_name = postfix-rightsdesk-mta
queue_run_delay = 10s
minimal_backoff_time = 10s
maximal_backoff_time = 60s
CF

cat >"$CONF/master.cf" <<CF
127.0.0.1:$PORT inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
proxywrite unix - - n - 1 proxymap
showq     unix  n - n - - showq
error     unix  - - n - - error
retry     unix  - - n - - error
discard   unix  - - n - - discard
virtual   unix  - n n - - virtual
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
CF

pf() { postfix -c "$CONF" "$@"; }
cleanup() {
	pf stop >/dev/null 2>&1 || true
	if [ -n "${RD_PID:-}" ]; then kill "$RD_PID" 2>/dev/null || true; wait "$RD_PID" 2>/dev/null || true; fi
	if [ "${MTA_KEEP:-}" = 1 ] || [ "${FAILED:-1}" = 1 ]; then
		echo "test-mta: kept $WORK (maillog, rightsdesk.log, mail/inbox)"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT

pf check
pf start
echo "test-mta: private Postfix on 127.0.0.1:$PORT, config $CONF"

make --no-print-directory build >/dev/null
go build -o "$WORK/mtacheck" ./scripts/mtacheck

set +e
"$WORK/mtacheck" \
	-work "$WORK" -postfix-conf "$CONF" -smtp-port "$PORT" -outage "$OUTAGE" -bin bin/rightsdesk
rc=$?
set -e
[ $rc = 0 ] && FAILED=0
exit $rc
