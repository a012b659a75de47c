#!/usr/bin/env bash
# A private Postfix instance (the full smtpd: PIPELINING, CHUNKING) on
# 127.0.0.1:PORT that delivers every email it accepts into DIR/mail/ as one
# file per email (QUEUEID.eml, through a `pipe` transport running as nobody)
# and relays nothing. Used by the SMTP tests (postpilot-smtp/tests/postfix.rs)
# and by bench/latency.sh. It needs only Debian's `postfix` package (no
# system configuration: /etc/postfix/main.cf is not read).
#
#   .ci/postfix-smtpd.sh start DIR PORT   # returns once it accepts connections
#   .ci/postfix-smtpd.sh stop DIR
#
# DIR must be empty or absent at start, and its parents searchable by the
# postfix and nobody users (a `mktemp -d` directory is not: chmod 755 it); the log is DIR/maillog. With
# DELIVERY=discard the emails are thrown away instead (for benchmarks: no
# process per email).
set -euo pipefail
cmd=${1:?start|stop}
dir=${2:?directory}
case $cmd in
start)
  port=${3:?port}
  command -v postfix >/dev/null || { echo "postfix is not installed (apt-get install postfix)" >&2; exit 1; }
  mkdir -p "$dir/conf" "$dir/queue" "$dir/data" "$dir/mail"
  dir=$(cd "$dir" && pwd)
  chmod 755 "$dir"
  chown postfix "$dir/data"
  chown nobody "$dir/mail"
  case ${DELIVERY:-files} in
    files) transport=dump ;;
    discard) transport=discard ;;
    *) echo "DELIVERY must be files or discard" >&2; exit 2 ;;
  esac
  cat > "$dir/conf/main.cf" <<CONF
compatibility_level = 3.6
queue_directory = $dir/queue
data_directory = $dir/data
mail_owner = postfix
myhostname = smtpd.postpilot.test
mydestination =
alias_maps =
alias_database =
mynetworks = 127.0.0.0/8
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
smtpd_recipient_restrictions = permit_mynetworks, reject
# Addresses at this domain are refused at RCPT, for the tests of refusals.
smtpd_relay_restrictions = check_recipient_access inline:{ { refused.postpilot.test = 550 5.1.1 no such user } }, permit_mynetworks, reject
default_transport = $transport
relay_transport = $transport
local_transport = $transport
virtual_transport = $transport
dump_destination_recipient_limit = 1
maillog_file = $dir/maillog
maillog_file_prefixes = $dir
smtpd_client_connection_count_limit = 0
smtpd_client_connection_rate_limit = 0
smtpd_client_message_rate_limit = 0
smtpd_client_recipient_rate_limit = 0
default_process_limit = 100
CONF
  cat > "$dir/conf/master.cf" <<CONF
127.0.0.1:$port inet n - n - - smtpd
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
dump      unix  - n n -  - pipe flags=q user=nobody argv=/usr/bin/tee $dir/mail/\${queue_id}.eml
CONF
  postfix -c "$dir/conf" check || { echo "postfix check refused $dir/conf" >&2; exit 1; }
  postfix -c "$dir/conf" start >/dev/null 2>&1 || {
    echo "postfix did not start; its log:" >&2; cat "$dir/maillog" >&2 2>/dev/null; exit 1; }
  for _ in $(seq 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then exit 0; fi
    sleep 0.1
  done
  echo "postfix smtpd did not listen on 127.0.0.1:$port; its log:" >&2
  cat "$dir/maillog" >&2 2>/dev/null || true
  exit 1
  ;;
stop)
  dir=$(cd "$dir" && pwd)
  postfix -c "$dir/conf" stop >/dev/null 2>&1 || true
  ;;
*)
  echo "usage: $0 start DIR PORT | stop DIR" >&2
  exit 2
  ;;
esac
