#!/usr/bin/env bash
# Home-page statistics on big data (issue 3), on SQLite and on PostgreSQL:
# fills 1,000,000 recipients, 1,000 mailings of 1,000 recipients each and
# 10,000,000 attempts with bulk SQL, then prints the median latency of
# `stats(now)` through the real store (20 calls after warm-up) beside the
# 50 ms goal, with the fill times. The figures are checked against the data.
# Usage: bench/stats.sh ; env BENCH_SCALE=100 divides the sizes (quick run),
# POSTPILOT_TEST_PG_URL names the PostgreSQL server (default: the local one,
# started if it is not running). The scratch database is dropped afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
export POSTPILOT_TEST_PG_URL="${POSTPILOT_TEST_PG_URL:-postgres://postgres@127.0.0.1:5432/test}"
if ! pg_isready -q -h 127.0.0.1; then
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
# One backend at a time: they would compete for the machine's two cores.
cargo test -q --release -p postpilot-store-sqlx --test stats_bench -- \
  --ignored --nocapture --test-threads=1
