#!/usr/bin/env bash
# Sending on loopback, SQLite and PostgreSQL side by side (issue 14, points
# 4 and 5): PAIRS alternating rounds of
#   - `smtp-source -d` (Postfix's load generator, the reference),
#   - `postpilot mailing send` on SQLite, and
#   - `postpilot mailing send` on PostgreSQL (a fresh database each round),
# each sending N emails of 1 KB over C connections into one smtp-sink.
# Prints each round, the medians, postpilot-on-SQLite against smtp-source
# (goal >= 0.8) and PostgreSQL against SQLite (goal >= 0.5), and postpilot's
# peak RSS (goal <= 40 MB).
# Usage: bench/stores.sh ; env N (20000), C (10), PAIRS (5),
# PG (postgres://postgres@127.0.0.1:5432), BIN (a release binary already
# built: no build). Needs: postfix (smtp-sink, smtp-source), psql,
# /usr/bin/time. Not part of `cargo test` or CI.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${N:-20000}
C=${C:-10}
PAIRS=${PAIRS:-5}
PG=${PG:-postgres://postgres@127.0.0.1:5432}

for tool in /usr/sbin/smtp-sink /usr/sbin/smtp-source psql /usr/bin/time python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install postfix postgresql-client time)" >&2; exit 1; }
done
if [ -z "${BIN:-}" ]; then
  cargo build -q --release -p postpilot-cli
fi
bin=${BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/postpilot}
work=$(mktemp -d)
dbs=()
cleanup() {
  kill "${sink_pid:-}" 2>/dev/null || true
  for db in "${dbs[@]}"; do psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT
port=$(free_port)
/usr/sbin/smtp-sink -u nobody "127.0.0.1:$port" 1024 & sink_pid=$!
sleep 0.5
make_csv "$N" "$work/r.csv"
python3 -c "print('x' * 1023)" > "$work/body.txt"

source_round() {
  local t0 t1
  t0=$(now)
  /usr/sbin/smtp-source -s "$C" -d -m "$N" -l 1024 "127.0.0.1:$port"
  t1=$(now)
  rate "$N" "$t0" "$t1"
}

# postpilot_round URL: the rate and the peak RSS in MB.
postpilot_round() {
  local t0 t1
  export POSTPILOT_DATABASE_URL=$1
  prepare_send "$bin" "$work/r.csv" "$work/body.txt"
  t0=$(now)
  /usr/bin/time -f "%M" -o "$work/rss" "$bin" --smtp-url "smtp://127.0.0.1:$port" --concurrency "$C" mailing send 1 >/dev/null
  t1=$(now)
  echo "$(rate "$N" "$t0" "$t1") $(( $(cat "$work/rss") / 1024 ))"
}

echo "== $N emails, $C connections, $PAIRS alternating rounds into one smtp-sink =="
sources=(); sqlites=(); pgs=(); rss=()
for i in $(seq "$PAIRS"); do
  s=$(source_round)
  read -r q q_rss < <(postpilot_round "sqlite://$work/send-$i.db")
  db="postpilot_bench_$$_$i"; dbs+=("$db")
  psql -q "$PG/postgres" -c "CREATE DATABASE $db" >/dev/null
  read -r p p_rss < <(postpilot_round "$PG/$db")
  echo "round $i: smtp-source $s/s, SQLite $q/s ($q_rss MB), PostgreSQL $p/s ($p_rss MB)"
  sources+=("$s"); sqlites+=("$q"); pgs+=("$p"); rss+=("$q_rss" "$p_rss")
done
s=$(median "${sources[@]}"); q=$(median "${sqlites[@]}"); p=$(median "${pgs[@]}")
echo "smtp-source:          $s emails/s"
echo "postpilot SQLite:     $q emails/s, $(ratio "$q" "$s") x smtp-source (goal >= 0.8)"
echo "postpilot PostgreSQL: $p emails/s, $(ratio "$p" "$q") x SQLite (goal >= 0.5)"
echo "peak RSS:             $(printf '%s\n' "${rss[@]}" | sort -n | tail -1) MB at most (goal <= 40 MB)"
