#!/usr/bin/env bash
# Load test of issue 6: `postpilot serve` on SQLite delivers a run of N
# recipients (1 KB body) to a local Postfix smtp-sink, launched through the
# API, while wrk hammers the API with reads and writes (bench/load.lua).
# Then waits for the run to finish and checks: zero 5xx (indeed zero
# non-2xx), zero "database is locked" / busy errors and no panic in the
# server's log, and a complete run (sent + failed == total == N, no
# delivery left pending, one attempt per delivery at least).
# Usage: bench/load.sh ; env N (recipients, 100000), D (wrk seconds, 30),
# CONN (wrk connections, 64), T (wrk threads, 2), WAIT (seconds to wait for
# the run after wrk, 420), KEEP=1 keeps the database and logs. Not part of `cargo test` or CI.
# Needs: postfix (smtp-sink), wrk, sqlite3, curl, python3.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-100000}
D=${D:-30}
CONN=${CONN:-64}
T=${T:-2}
WAIT=${WAIT:-420}

for tool in /usr/sbin/smtp-sink wrk sqlite3 curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install postfix wrk sqlite3 curl)" >&2; exit 1; }
done
cargo build -q --release -p postpilot-cli
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/postpilot
work=$(mktemp -d)
cleanup() {
  if [ -n "${server_pid:-}" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  if [ -n "${sink_pid:-}" ]; then kill "$sink_pid" 2>/dev/null || true; fi
  if [ "${KEEP:-0}" = 1 ]; then echo "kept $work (load.db, serve.log, wrk.out)"; else rm -rf "$work"; fi
}
trap cleanup EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now() { date +%s.%N; }
smtp_port=$(free_port)
http_port=$(free_port)
/usr/sbin/smtp-sink -u nobody 127.0.0.1:"$smtp_port" 1024 & sink_pid=$!

db="$work/load.db"
export POSTPILOT_DATABASE_URL="sqlite://$db"
export POSTPILOT_API_TOKEN; POSTPILOT_API_TOKEN=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
python3 - "$N" "$work/r.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("email,full_name\n")
    for i in range(n):
        f.write(f"user{i}@example.com,Получатель {i}\n")
PY
"$bin" recipient import "$work/r.csv" >/dev/null
python3 -c "print('x' * 1023)" > "$work/body.txt"
"$bin" message add --subject "Load" --body-file "$work/body.txt" >/dev/null
"$bin" mailing add --message 1 --start "2020-01-01T00:00:00Z" --end "2100-01-01T00:00:00Z" --all-recipients >/dev/null

RUST_LOG=warn POSTPILOT_SMTP_URL="smtp://127.0.0.1:$smtp_port" \
  "$bin" serve --bind 127.0.0.1:"$http_port" >"$work/serve.out" 2>"$work/serve.log" & server_pid=$!
base=http://127.0.0.1:$http_port
for _ in $(seq 100); do curl -fsS "$base/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
api() { curl -sS -H "Authorization: Bearer $POSTPILOT_API_TOKEN" -H 'Content-Type: application/json' "$@"; }
# Prints "sent failed total finished(0/1)" of the mailing's first run.
progress() {
  api "$base/api/v1/mailings/1/runs" | python3 -c '
import json, sys
r = json.load(sys.stdin)["items"][0]
print(r["sent"], r["failed"], r["total"], int(r["finished_at"] is not None))'
}

echo "== $N recipients sending through smtp-sink; wrk: ${D}s, $CONN connections, $T threads =="
code=$(api -o "$work/launch.json" -w '%{http_code}' -X POST "$base/api/v1/mailings/1/send")
[ "$code" = 202 ] || { echo "launch answered $code: $(cat "$work/launch.json")" >&2; exit 1; }
t_launch=$(now)

read -r sent0 failed0 _ _ < <(progress)
t0=$(now)
LOAD_RECIPIENTS=$N wrk -t"$T" -c"$CONN" -d"${D}s" --timeout 40s --latency \
  -s bench/load.lua "$base" | tee "$work/wrk.out"
t1=$(now)
read -r sent1 failed1 _ _ < <(progress)
send_rate=$(python3 -c "print(f'{($sent1+$failed1-$sent0-$failed0)/($t1-$t0):.0f}')")

deadline=$(( $(date +%s) + WAIT ))
finished=0
while [ "$(date +%s)" -lt "$deadline" ]; do
  read -r _ _ _ finished < <(progress)
  [ "$finished" = 1 ] && break
  sleep 1
done
t_done=$(now)
run_seconds=$(python3 -c "print(f'{$t_done-$t_launch:.0f}')")
# For comparison: the rate once wrk had stopped (to within the 1 s polling).
after_rate=$(python3 -c "print(f'{($N-$sent1-$failed1)/max($t_done-$t1,1):.0f}')")

read -r total sent failed pending attempts < <(sqlite3 -separator ' ' "$db" "
  SELECT r.total, r.sent, r.failed,
         (SELECT count(*) FROM delivery WHERE run_id = r.id AND state IN ('pending', 'leased')),
         (SELECT count(*) FROM send_attempt WHERE run_id = r.id)
  FROM send_run r WHERE r.mailing_id = 1 ORDER BY r.id LIMIT 1")
locked=$(grep -ci 'database is locked' "$work/serve.log" || true)
busy=$(grep -ci 'busy' "$work/serve.log" || true)
panics=$(grep -ci 'panicked' "$work/serve.log" || true)
log_errors=$(grep -c 'ERROR' "$work/serve.log" || true)
if [ "$log_errors" != 0 ]; then echo "-- server log errors (first 5):"; grep 'ERROR' "$work/serve.log" | head -5; fi

line=$(grep '^LOAD ' "$work/wrk.out")
val() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$line"; }
complete=0
[ "$finished" = 1 ] && [ "$total" = "$N" ] && [ $((sent + failed)) = "$N" ] && [ "$pending" = 0 ] && [ "$attempts" -ge "$N" ] && complete=1
verdict=PASS
[ "$(val s5xx)" = 0 ] && [ "$(val non2xx)" = 0 ] && [ "$(val socket_errors)" = 0 ] \
  && [ "$locked" = 0 ] && [ "$busy" = 0 ] && [ "$panics" = 0 ] && [ "$complete" = 1 ] || verdict=FAIL
echo "== summary =="
echo "http: $(val rps) req/s, p50 $(val p50_ms) ms, p99 $(val p99_ms) ms, max $(val max_ms) ms," \
  "$(val requests) requests, 5xx $(val s5xx), non-2xx $(val non2xx), socket errors $(val socket_errors)"
echo "run:  total $total, sent $sent, failed $failed, pending $pending, attempts $attempts," \
  "finished $([ "$finished" = 1 ] && echo yes || echo no) ${run_seconds}s after launch;" \
  "$send_rate msg/s during the load, $after_rate msg/s after it"
echo "log:  'database is locked' $locked, 'busy' $busy, panics $panics, ERROR lines $log_errors"
echo "$verdict (zero 5xx and non-2xx, zero lock/busy errors, no panic, run complete: sent + failed == total == $N)"
[ "$verdict" = PASS ]
