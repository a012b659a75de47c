#!/usr/bin/env bash
# Sending at a distance (issue 14): the SMTP server behind a real delay.
# bench/delay-proxy.py holds every byte RTT/2 in each direction, order
# kept (the kernel of these machines has no netem). Through it, PAIRS
# alternating pairs of
#   - `smtp-source -d` (Postfix's pipelining load generator), and
#   - `postpilot mailing send` (release, SQLite),
# each sending N emails of 1 KB over C connections into one server:
# Postfix's smtp-sink (PIPELINING, no CHUNKING; the default) or, with
# SERVER=smtpd, a private Postfix smtpd that offers CHUNKING and discards
# what it accepts (.ci/postfix-smtpd.sh).
# Prints each side's median rate, the rate of one round trip per email
# (C / RTT), and the round trips per email each side needed, against the
# asked round trip and against the proxy's real one (bench/proxy-rtt.py).
# Usage: bench/latency.sh ; env N (400), C (8), RTT_MS (50), PAIRS (3),
# SERVER (sink | smtpd), BIN (a release binary already built: no build).
# Not part of `cargo test` or CI. Needs: postfix (smtp-sink, smtp-source,
# smtpd), python3; SERVER=smtpd runs as root.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${N:-400}
C=${C:-8}
RTT_MS=${RTT_MS:-50}
PAIRS=${PAIRS:-3}
SERVER=${SERVER:-sink}

for tool in /usr/sbin/smtp-sink /usr/sbin/smtp-source python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install postfix python3)" >&2; exit 1; }
done
if [ -z "${BIN:-}" ]; then
  cargo build -q --release -p postpilot-cli
fi
bin=${BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/postpilot}
work=$(mktemp -d)
chmod 755 "$work" # Postfix's own users work in it (SERVER=smtpd)
cleanup() {
  kill "${proxy_pid:-}" "${sink_pid:-}" 2>/dev/null || true
  if [ "$SERVER" = smtpd ]; then .ci/postfix-smtpd.sh stop "$smtpd_dir"; rm -rf "$smtpd_dir"; fi
  rm -rf "$work"
}
trap cleanup EXIT
sink_port=$(free_port)
case $SERVER in
  sink) /usr/sbin/smtp-sink -u nobody "127.0.0.1:$sink_port" 256 & sink_pid=$! ;;
  # Its queue in memory: on disk, Postfix's fsync per email, not the
  # network, would set the pace.
  smtpd) smtpd_dir=$(mktemp -d -p /dev/shm 2>/dev/null || mktemp -d)
    DELIVERY=discard .ci/postfix-smtpd.sh start "$smtpd_dir" "$sink_port" ;;
  *) echo "SERVER must be sink or smtpd" >&2; exit 2 ;;
esac
proxy_port=$(free_port)
python3 bench/delay-proxy.py "$proxy_port" "127.0.0.1:$sink_port" "$(python3 -c "print($RTT_MS / 2)")" >"$work/proxy.out" & proxy_pid=$!
for _ in $(seq 50); do grep -q ready "$work/proxy.out" 2>/dev/null && break; sleep 0.1; done

make_csv "$N" "$work/r.csv"
python3 -c "print('x' * 1023)" > "$work/body.txt"

source_round() {
  local t0 t1
  t0=$(now)
  /usr/sbin/smtp-source -s "$C" -d -m "$N" -l 1024 "127.0.0.1:$proxy_port"
  t1=$(now)
  rate "$N" "$t0" "$t1"
}

postpilot_round() { # round number
  local db="$work/send-$1.db" t0 t1
  export POSTPILOT_DATABASE_URL="sqlite://$db"
  prepare_send "$bin" "$work/r.csv" "$work/body.txt"
  t0=$(now)
  "$bin" --smtp-url "smtp://127.0.0.1:$proxy_port" --concurrency "$C" ${EXTRA:-} mailing send 1 >/dev/null
  t1=$(now)
  rate "$N" "$t0" "$t1"
}

echo "== $N emails, $C connections, ${RTT_MS} ms round trip, $PAIRS alternating pairs, into $SERVER =="
sources=(); ours=()
for i in $(seq "$PAIRS"); do
  s=$(source_round); o=$(postpilot_round "$i")
  echo "pair $i: smtp-source -d $s/s, postpilot $o/s"
  sources+=("$s"); ours+=("$o")
done
ref=$(median "${sources[@]}"); mine=$(median "${ours[@]}")
# The proxy's real round trip, measured now (a few ms over RTT_MS under load).
real_rtt=$(python3 bench/proxy-rtt.py "$(python3 -c "print($RTT_MS / 2)")")
one_rtt=$(python3 -c "print(f'{$C * 1000 / $RTT_MS:.1f}')")
one_real=$(python3 -c "print(f'{$C * 1000 / $real_rtt:.1f}')")
trips() { python3 -c "print(f'{$C * 1000 / $RTT_MS / $1:.2f} ({$C * 1000 / $real_rtt / $1:.2f} of the measured one)')"; }
echo "the proxy's round trip, measured: $real_rtt ms (asked: $RTT_MS ms)"
echo "smtp-source -d: $ref emails/s, round trips per email $(trips "$ref")"
echo "postpilot:      $mine emails/s, round trips per email $(trips "$mine")"
echo "one round trip per email over $C connections: $one_rtt emails/s ($one_real/s at the measured round trip)"
echo "goal >= 0.9 x that: $(python3 -c "print(f'{0.9 * $one_rtt:.1f}')")/s ($(python3 -c "print(f'{0.9 * $one_real:.1f}')")/s at the measured round trip); with CHUNKING (SERVER=smtpd) >= 3 x that"
