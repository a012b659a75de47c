#!/usr/bin/env bash
# What DKIM signing costs (issue 11): N recipients (1 KB body, attempts
# recorded, SQLite) sent into a local Postfix smtp-sink unsigned, signed
# with an Ed25519 key and signed with an RSA 2048 key (both made here by
# openssl), the three alternating for ROUNDS rounds on copies of one
# prepared database; prints each run and the median rate of each, and the
# ratio to unsigned.
# Usage: bench/dkim.sh ; env N, C, ROUNDS override the sizes.
# Needs: postfix (smtp-sink), sqlite3, openssl. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-20000}
C=${C:-8}
ROUNDS=${ROUNDS:-3}

for tool in /usr/sbin/smtp-sink sqlite3 openssl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install postfix sqlite3 openssl)" >&2; exit 1; }
done
cargo build -q --release -p postpilot-cli
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/postpilot
work=$(mktemp -d)
trap 'kill $sink_pid 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/sbin/smtp-sink -u nobody 127.0.0.1:$port 1024 & sink_pid=$!
sleep 0.5

openssl genpkey -algorithm ed25519 -out "$work/ed25519.pem" 2>/dev/null
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out "$work/rsa.pem" 2>/dev/null

# One prepared database: N recipients, a 1 KB message, a mailing to all.
python3 - "$N" "$work/r.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("email,full_name\n")
    for i in range(n):
        f.write(f"user{i}@example.com,Получатель {i}\n")
PY
python3 -c "print('x' * 1023)" > "$work/body.txt"
export POSTPILOT_DATABASE_URL="sqlite://$work/template.db"
"$bin" recipient import "$work/r.csv" >/dev/null
"$bin" message add --subject "Benchmark" --body-file "$work/body.txt" >/dev/null
"$bin" mailing add --message 1 --start "2020-01-01T00:00:00Z" --end "2100-01-01T00:00:00Z" --all-recipients >/dev/null

now() { date +%s.%N; }

run() { # variant -> msg/s
  local variant=$1 db="$work/run.db" args=()
  rm -f "$db" "$db-wal" "$db-shm"
  sqlite3 "$work/template.db" ".backup $db"
  case $variant in
    ed25519|rsa) args=(--dkim-domain shop.example --dkim-selector bench --dkim-key "$work/$variant.pem") ;;
  esac
  local t0 t1
  t0=$(now)
  POSTPILOT_DATABASE_URL="sqlite://$db" "$bin" --smtp-url "smtp://127.0.0.1:$port" \
    --from news@shop.example --concurrency "$C" "${args[@]}" mailing send 1 >/dev/null
  t1=$(now)
  local sent; sent=$(sqlite3 "$db" "select count(*) from send_attempt where status='success'")
  [ "$sent" = "$N" ] || { echo "$variant: only $sent of $N sent" >&2; exit 1; }
  python3 -c "print(f'{$N/($t1-$t0):.0f}')"
}

declare -A rates
echo "== $N recipients, $C connections, $ROUNDS rounds (unsigned, ed25519, rsa alternating) =="
for round in $(seq "$ROUNDS"); do
  for variant in unsigned ed25519 rsa; do
    r=$(run "$variant")
    rates[$variant]="${rates[$variant]:-} $r"
    echo "round $round  $variant: $r msg/s"
  done
done
median() { python3 -c "import statistics,sys; print(f'{statistics.median(map(float, sys.argv[1:])):.0f}')" "$@"; }
base=$(median ${rates[unsigned]})
for variant in unsigned ed25519 rsa; do
  m=$(median ${rates[$variant]})
  echo "median $variant: $m msg/s  ($(python3 -c "print(f'{$m/$base:.2f}')") x unsigned)"
done
