#!/usr/bin/env bash
# Two builds of postpilot side by side (issue 12: a refactoring must leave
# the figures as they were): BIN_A and BIN_B, alternating in K pairs, each
# figure the median of its K runs, with B/A. Measured:
#   send-sqlite  N recipients (1 KB body) into smtp-sink over C connections, msg/s
#   send-pg      N_PG recipients likewise on PostgreSQL, msg/s
#   import       `recipient import` of IMPORT rows into a fresh SQLite file, rows/s
#   workers      three `postpilot worker --until-idle` sharing one run of
#                W recipients on PostgreSQL, into a sink answering after 1 s:
#                seconds from the workers' start to the run's finished_at
#                (not to the last worker's exit: a worker whose part is done
#                polls every 2 s until the others finish theirs), and
#                duplicate deliveries (goal: 0)
# Usage: bench/compare.sh BIN_A BIN_B ; env N, N_PG, C, IMPORT, W, K, and
# ONLY (some of: send-sqlite send-pg import workers) to measure fewer.
# Needs: postfix (smtp-sink), psql on the local PostgreSQL. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
A=$1; B=$2
N=${N:-20000}; N_PG=${N_PG:-10000}; C=${C:-8}; IMPORT=${IMPORT:-200000}; W=${W:-240}; K=${K:-5}
PG=${PG:-postgres://postgres@127.0.0.1:5432/postgres}
work=$(mktemp -d); chmod 755 "$work"
sinks=()
cleanup() {
  for pid in "${sinks[@]}"; do kill "$pid" 2>/dev/null || true; done
  psql -q "$PG" -c "DROP DATABASE IF EXISTS pp_bench_compare" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
/usr/sbin/smtp-sink -u nobody 127.0.0.1:$port 1024 & sinks+=($!)
slow=$(free_port)
mkdir -p "$work/dump"; chmod 777 "$work/dump"
/usr/sbin/smtp-sink -u nobody -w 1 -d "$work/dump/m." 127.0.0.1:$slow 1024 & sinks+=($!)
sleep 0.5
python3 -c "print('x' * 1023)" > "$work/body.txt"
make_csv "$N" "$work/n.csv"
make_csv "$N_PG" "$work/npg.csv"
make_csv "$IMPORT" "$work/import.csv"
make_csv "$W" "$work/w.csv"

fresh_pg() {
  psql -q "$PG" -c "DROP DATABASE IF EXISTS pp_bench_compare" -c "CREATE DATABASE pp_bench_compare" >/dev/null
  export POSTPILOT_DATABASE_URL=${PG%/*}/pp_bench_compare
}

send_sqlite() { # bin -> msg/s
  rm -f "$work/s.db"*
  export POSTPILOT_DATABASE_URL="sqlite://$work/s.db"
  prepare_send "$1" "$work/n.csv" "$work/body.txt"
  local t0 t1; t0=$(now)
  "$1" --smtp-url "smtp://127.0.0.1:$port" --concurrency "$C" mailing send 1 >/dev/null 2>&1
  t1=$(now); rate "$N" "$t0" "$t1"
}

send_pg() { # bin -> msg/s
  fresh_pg
  prepare_send "$1" "$work/npg.csv" "$work/body.txt"
  local t0 t1; t0=$(now)
  "$1" --smtp-url "smtp://127.0.0.1:$port" --concurrency "$C" mailing send 1 >/dev/null 2>&1
  t1=$(now); rate "$N_PG" "$t0" "$t1"
}

import() { # bin -> rows/s
  rm -f "$work/i.db"*
  export POSTPILOT_DATABASE_URL="sqlite://$work/i.db"
  "$1" migrate >/dev/null 2>&1 || true
  local t0 t1; t0=$(now)
  "$1" recipient import "$work/import.csv" >/dev/null
  t1=$(now); rate "$IMPORT" "$t0" "$t1"
}

workers() { # bin -> "seconds duplicates"
  fresh_pg
  rm -f "$work/dump/"*
  prepare_send "$1" "$work/w.csv" "$work/body.txt"
  "$1" mailing send 1 --detach >/dev/null 2>&1
  local t0 t1 pids=(); t0=$(now)
  for _ in 1 2 3; do
    "$1" --smtp-url "smtp://127.0.0.1:$slow" --concurrency "$C" worker --until-idle >/dev/null 2>&1 & pids+=($!)
  done
  wait "${pids[@]}"
  t1=$(psql -qtA "$POSTPILOT_DATABASE_URL" -c "SELECT extract(epoch FROM finished_at) FROM send_run")
  local got dups
  got=$(ls "$work/dump" | wc -l)
  dups=$(grep -h -m1 -i '^To:' "$work/dump/"* 2>/dev/null | sort | uniq -c | awk '{s+=$1-1} END {print s+0}')
  [ "$got" -ge "$W" ] || echo "workers: the sink got $got of $W" >&2
  python3 -c "print(f'{$t1-$t0:.1f} $dups')"
}

ONLY=${ONLY:-send-sqlite send-pg import workers}
wanted() { [[ " $ONLY " == *" $1 "* ]]; }
declare -A runs
for k in $(seq "$K"); do
  for side in A B; do
    bin=${!side}
    if wanted send-sqlite; then runs[send-sqlite-$side]+=" $(send_sqlite "$bin")"; fi
    if wanted send-pg; then runs[send-pg-$side]+=" $(send_pg "$bin")"; fi
    if wanted import; then runs[import-$side]+=" $(import "$bin")"; fi
    if wanted workers; then
      read -r secs dups < <(workers "$bin")
      runs[workers-$side]+=" $secs"
      runs[dups-$side]+=" $dups"
    fi
  done
  echo "pair $k of $K done" >&2
done

echo "A = $A"
echo "B = $B"
printf '%-12s %12s %12s %7s   %s\n' figure A B "B/A" "runs A | runs B"
for f in $ONLY; do
  a=$(median ${runs[$f-A]}); b=$(median ${runs[$f-B]})
  printf '%-12s %12s %12s %7s   %s |%s\n' "$f" "$a" "$b" "$(ratio "$b" "$a")" "${runs[$f-A]}" "${runs[$f-B]}"
done
if wanted workers; then echo "duplicates (workers): A${runs[dups-A]} | B${runs[dups-B]}"; fi
