#!/usr/bin/env bash
# Scale-out benchmark of issue 5: one vs three `postpilot worker` processes
# sharing one run on PostgreSQL, against an smtp-sink that answers DATA
# after 1 s (so the server, not the CPU, is the bottleneck), with a count of
# duplicate deliveries from the sink's dumps.
# Usage: bench/workers.sh ; env N (recipients), C (sends in flight per worker),
# PG (admin URL, default postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-480}
C=${C:-8}
PG=${PG:-postgres://postgres@127.0.0.1:5432/postgres}
cargo build -q --release -p postpilot-cli
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/postpilot
work=$(mktemp -d); chmod 755 "$work"
cleanup() { kill "${sink_pid:-}" 2>/dev/null || true; psql -q "$PG" -c "DROP DATABASE IF EXISTS pp_bench_workers" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
now() { date +%s.%N; }

run_with() { # workers -> prints "seconds duplicates delivered"
  local workers=$1
  psql -q "$PG" -c "DROP DATABASE IF EXISTS pp_bench_workers" -c "CREATE DATABASE pp_bench_workers" >/dev/null
  export POSTPILOT_DATABASE_URL=${PG%/*}/pp_bench_workers
  mkdir -p "$work/dump$workers"; chmod 777 "$work/dump$workers"
  local port; port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  /usr/sbin/smtp-sink -u nobody -w 1 -d "$work/dump$workers/m." 127.0.0.1:$port 1024 & sink_pid=$!
  sleep 0.3
  python3 -c "
import sys
print('email,full_name')
for i in range($N): print(f'user{i}@example.com,Получатель {i}')" > "$work/r.csv"
  "$bin" recipient import "$work/r.csv" >/dev/null
  "$bin" message add --subject Benchmark --body "Здравствуйте!" >/dev/null
  "$bin" mailing add --message 1 --start 2020-01-01T00:00:00Z --end 2100-01-01T00:00:00Z --all-recipients >/dev/null
  "$bin" mailing send 1 --detach >/dev/null
  local t0 t1 pids=()
  t0=$(now)
  for _ in $(seq "$workers"); do
    "$bin" --smtp-url "smtp://127.0.0.1:$port" --concurrency "$C" worker --until-idle >/dev/null & pids+=($!)
  done
  wait "${pids[@]}"
  t1=$(now)
  kill $sink_pid; wait $sink_pid 2>/dev/null || true
  local got unique
  got=$(ls "$work/dump$workers" | wc -l)
  unique=$(grep -h '^Message-ID:' "$work/dump$workers"/* | sort -u | wc -l)
  echo "$(python3 -c "print(f'{$t1-$t0:.1f}')") $((got - unique)) $unique"
}

read -r one dup1 got1 < <(run_with 1)
read -r three dup3 got3 < <(run_with 3)
echo "== $N recipients, sink answers DATA after 1 s, $C sends in flight per worker =="
echo "1 worker:  ${one} s, $got1 delivered, $dup1 duplicates"
echo "3 workers: ${three} s, $got3 delivered, $dup3 duplicates"
echo "speed-up:  $(python3 -c "print(f'{$one/$three:.2f}')")x (goal >= 2.5x, zero duplicates)"
