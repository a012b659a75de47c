#!/usr/bin/env bash
# Delivery benchmarks of issue 5, against a local Postfix smtp-sink, each
# with its reference measured in the same run:
#   1. send N recipients (1 KB body, attempts recorded, SQLite) vs
#      smtp-source with the same connection count into the same sink;
#   2. peak RSS of that send (and of a BIG-recipient send with --big);
#   3. `recipient import` of IMPORT rows vs sqlite3's own .import.
# Usage: bench/send.sh [--big] ; env N, C, IMPORT override the sizes.
# Needs: postfix (smtp-sink, smtp-source), sqlite3, /usr/bin/time. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${N:-100000}
C=${C:-8}
IMPORT=${IMPORT:-1000000}
BIG=${BIG:-1000000}
big=0; [ "${1:-}" = "--big" ] && big=1

for tool in /usr/sbin/smtp-sink /usr/sbin/smtp-source sqlite3 /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install postfix sqlite3 time)" >&2; exit 1; }
done
cargo build -q --release -p postpilot-cli
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/postpilot
work=$(mktemp -d)
trap 'kill $sink_pid 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(free_port)
/usr/sbin/smtp-sink -u nobody 127.0.0.1:$port 1024 & sink_pid=$!
sleep 0.5

send_bench() { # recipients label
  local n=$1 db="$work/send-$1.db"
  export POSTPILOT_DATABASE_URL="sqlite://$db"
  make_csv "$n" "$work/r.csv"
  python3 -c "print('x' * 1023)" > "$work/body.txt"
  prepare_send "$bin" "$work/r.csv" "$work/body.txt"
  local t0 t1
  t0=$(now)
  /usr/bin/time -f "%M" -o "$work/rss" "$bin" --smtp-url "smtp://127.0.0.1:$port" --concurrency "$C" mailing send 1 >/dev/null
  t1=$(now)
  local sent; sent=$(sqlite3 "$db" "select count(*) from send_attempt where status='success'")
  echo "$(rate "$n" "$t0" "$t1") $(( $(cat "$work/rss") / 1024 )) $sent"
}

echo "== 1. send $N recipients, $C connections =="
t0=$(now); /usr/sbin/smtp-source -s "$C" -d -m "$N" -l 1024 127.0.0.1:$port; t1=$(now)
ref=$(rate "$N" "$t0" "$t1")
read -r ours rss sent < <(send_bench "$N")
ratio=$(python3 -c "print(f'{$ours/$ref:.2f}')")
echo "smtp-source:  $ref msg/s"
echo "postpilot:    $ours msg/s ($sent successes recorded)  ratio $ratio (goal >= 0.6)"
echo "== 2. peak RSS =="
echo "send of $N:   $rss MB (goal <= 40 MB)"
if [ $big = 1 ]; then
  read -r ours_big rss_big sent_big < <(send_bench "$BIG")
  echo "send of $BIG: $rss_big MB at $ours_big msg/s ($sent_big successes)"
fi

echo "== 3. import $IMPORT rows =="
make_csv "$IMPORT" "$work/big.csv"
t0=$(now)
sqlite3 "$work/ref.db" "CREATE TABLE recipient (email TEXT NOT NULL UNIQUE COLLATE NOCASE, full_name TEXT NOT NULL);" \
  ".mode csv" ".import --skip 1 $work/big.csv recipient"
t1=$(now)
ref_import=$(rate "$IMPORT" "$t0" "$t1")
t0=$(now)
POSTPILOT_DATABASE_URL="sqlite://$work/import.db" "$bin" recipient import "$work/big.csv" >/dev/null
t1=$(now)
ours_import=$(rate "$IMPORT" "$t0" "$t1")
echo "sqlite3 .import: $ref_import rows/s"
echo "postpilot:       $ours_import rows/s  ratio $(python3 -c "print(f'{$ours_import/$ref_import:.2f}')") (goal >= 0.5)"
