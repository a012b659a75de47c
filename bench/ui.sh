#!/usr/bin/env bash
# Benchmark of issue 10 ("lists that scale"): `postpilot serve` (release)
# on SQLite and on PostgreSQL, with 100,000 recipients and a mailing of all
# of them with 1,000,000 attempts over 10 finished runs (10% failures).
# The fixture is written with SQL (it is not what is measured). Then the
# median over R requests (curl's own time, login cookie or API token) of:
#   - the recipients page with a search          (goal ≤ 50 ms)
#   - the mailing page (its newest attempts)     (goal ≤ 50 ms)
#   - its attempts filtered by status            (goal ≤ 50 ms)
#   - adding a list of 1,000 to a mailing (API)  (goal ≤ 50 ms)
# and the bulk add of a list of all 100,000 to a mailing (goal ≤ 1 s,
# median of B). Prints each figure with its goal.
# Usage: bench/ui.sh ; env N (recipients, 100000), RUNS (runs of N
# attempts each, 10), R (requests per figure, 20), B (bulk adds, 3),
# BACKENDS ("sqlite postgres"), PG (server URL without a database,
# postgres://postgres@127.0.0.1:5432), BIN (a release binary already
# built: no build), KEEP=1 keeps the work directory.
# Not part of `cargo test` or CI. Needs: sqlite3, psql, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
RUNS=${RUNS:-10}
R=${R:-20}
B=${B:-3}
BACKENDS=${BACKENDS:-sqlite postgres}
PG=${PG:-postgres://postgres@127.0.0.1:5432}

for tool in sqlite3 psql curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 1; }
done
if [ -z "${BIN:-}" ]; then
  cargo build -q --release -p postpilot-cli
fi
bin=${BIN:-${CARGO_TARGET_DIR:-$PWD/target}/release/postpilot}
work=$(mktemp -d)
pg_db=postpilot_bench_$$
cleanup() {
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $pg_db" >/dev/null 2>&1 || true
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export POSTPILOT_API_TOKEN; POSTPILOT_API_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(24))')

# The fixture, in the backend's SQL: $1 is a time, `$now`-relative.
# Recipients user1@example.com… «Получатель 1»…; message 1; mailing 1 of
# everyone with RUNS finished runs of N attempts; list 1 (the first 1,000)
# and list 2 (everyone); mailings 2…R+1 (empty) for the adds of list 1 and
# R+2…R+B+1 for the bulk adds of list 2.
fixture() {
  local backend=$1 ts seq
  if [ "$backend" = sqlite ]; then
    ts="CAST(strftime('%s','now') AS INTEGER) * 1000000"
    seq="WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %d) SELECT i FROM s"
  else
    ts="now()"
    seq="SELECT i FROM generate_series(1, %d) AS i"
  fi
  local far_start far_end
  # Windows far ahead: the scheduler launches none of them meanwhile.
  if [ "$backend" = sqlite ]; then far_start=4070908800000000; far_end=4102444800000000
  else far_start="'2099-01-01T00:00:00Z'"; far_end="'2100-01-01T00:00:00Z'"; fi
  cat <<SQL
INSERT INTO recipient (email, full_name) SELECT 'user' || i || '@example.com', 'Получатель ' || i FROM ($(printf "$seq" "$N")) AS n;
INSERT INTO message (subject, body_text, created_at) VALUES ('Новости недели', 'Здравствуйте!', $ts);
INSERT INTO mailing (first_sent_at, sent_completed_at, message_id, launched_at) SELECT $far_start, $far_end, 1, CASE WHEN i = 1 THEN $ts END FROM ($(printf "$seq" $((R + B + 1)))) AS n;
INSERT INTO mailing_recipient (mailing_id, recipient_id) SELECT 1, id FROM recipient;
INSERT INTO send_run (mailing_id, "trigger", started_at, finished_at, total, sent, failed, attempts_success, attempts_failure, subject, body_text)
  SELECT 1, 'ui', $ts, $ts, $N, $N - $N / 10, $N / 10, $N - $N / 10, $N / 10, 'Новости недели', 'Здравствуйте!' FROM ($(printf "$seq" "$RUNS")) AS n;
INSERT INTO send_attempt (mailing_id, run_id, recipient_id, email, attempt_at, status, response)
  SELECT 1, r.id, c.id, c.email, $ts, CASE WHEN c.id % 10 = 0 THEN 'failure' ELSE 'success' END,
         CASE WHEN c.id % 10 = 0 THEN 'permanent failure: 550 5.1.1 User unknown' ELSE '250 2.0.0 Ok: queued' END
  FROM send_run AS r CROSS JOIN recipient AS c ORDER BY r.id, c.id;
INSERT INTO recipient_list (name) VALUES ('Первая тысяча'), ('Все');
INSERT INTO list_member (list_id, recipient_id) SELECT 1, id FROM recipient WHERE id <= 1000;
INSERT INTO list_member (list_id, recipient_id) SELECT 2, id FROM recipient;
ANALYZE;
SQL
}

# Median of R runs of curl's total time for "$@", in ms; fails on a non-2xx.
median_ms() {
  local times=() i out
  for i in $(seq "$R"); do
    out=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' "$@")
    case $out in 2*) ;; *) echo "request $* answered ${out%% *}" >&2; exit 1 ;; esac
    times+=("${out#* }")
  done
  python3 -c 'import statistics, sys; print(f"{statistics.median(map(float, sys.argv[1:])) * 1000:.1f}")' "${times[@]}"
}

report() { # name figure goal unit
  python3 -c 'import sys; n, f, g, u = sys.argv[1:]; ok = "ok" if float(f) <= float(g) else "OVER"; print(f"  {n:<46} {f:>9} {u}   goal ≤ {g} {u}   {ok}")' "$@"
}

for backend in $BACKENDS; do
  if [ "$backend" = sqlite ]; then
    export POSTPILOT_DATABASE_URL="sqlite://$work/bench.db"
    "$bin" migrate >/dev/null
    t0=$(date +%s)
    fixture sqlite | sqlite3 "$work/bench.db"
  else
    psql -q "$PG/postgres" -c "DROP DATABASE IF EXISTS $pg_db" -c "CREATE DATABASE $pg_db" >/dev/null
    export POSTPILOT_DATABASE_URL="$PG/$pg_db"
    "$bin" migrate >/dev/null
    t0=$(date +%s)
    fixture postgres | psql -q -v ON_ERROR_STOP=1 "$POSTPILOT_DATABASE_URL" >/dev/null
  fi
  echo "== $backend: $N recipients, $((N * RUNS)) attempts (fixture $(( $(date +%s) - t0 )) s), median of $R requests =="
  port=$(free_port)
  RUST_LOG=warn "$bin" --outbox-dir "$work/outbox" serve --bind 127.0.0.1:"$port" \
    >"$work/serve-$backend.out" 2>"$work/serve-$backend.log" & server_pid=$!
  base=http://127.0.0.1:$port
  for _ in $(seq 100); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
  jar="$work/cookies"
  curl -sS -o /dev/null -c "$jar" "$base/login?token=$POSTPILOT_API_TOKEN"
  auth=(-H "Authorization: Bearer $POSTPILOT_API_TOKEN" -H 'Content-Type: application/json')

  report "recipients page, search «user4242»" "$(median_ms -b "$jar" "$base/recipients?q=user4242")" 50 ms
  report "mailing page (1,000,000 attempts)" "$(median_ms -b "$jar" "$base/mailings/1")" 50 ms
  report "attempts filtered by status (failed)" "$(median_ms -b "$jar" "$base/mailings/1?status=failure")" 50 ms
  # Each add of list 1 goes to a mailing of its own, so every one adds 1,000.
  times=()
  for m in $(seq 2 $((R + 1))); do
    times+=("$(curl -sS -o /dev/null -w '%{time_total}' "${auth[@]}" -X POST -d '{"list_id": 1}' "$base/api/v1/mailings/$m/recipients")")
  done
  add=$(python3 -c 'import statistics, sys; print(f"{statistics.median(map(float, sys.argv[1:])) * 1000:.1f}")' "${times[@]}")
  report "add a list of 1,000 to a mailing (API)" "$add" 50 ms
  times=()
  for m in $(seq $((R + 2)) $((R + B + 1))); do
    times+=("$(curl -sS -o /dev/null -w '%{time_total}' "${auth[@]}" -X POST -d '{"list_id": 2}' "$base/api/v1/mailings/$m/recipients")")
  done
  bulk=$(python3 -c 'import statistics, sys; print(f"{statistics.median(map(float, sys.argv[1:])) * 1000:.0f}")' "${times[@]}")
  report "bulk add of a list of $N (API, median of $B)" "$bulk" 1000 ms
  count=$(curl -sS "${auth[@]}" "$base/api/v1/mailings/$((R + 2))" | python3 -c 'import json, sys; print(json.load(sys.stdin)["recipient_count"])')
  [ "$count" = "$N" ] || { echo "the bulk add left $count recipients, not $N" >&2; exit 1; }

  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true; server_pid=
done
