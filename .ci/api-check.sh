#!/usr/bin/env bash
# The JSON API against its own OpenAPI document, from outside: starts the
# real `postpilot serve` (the debug build, on a fresh SQLite file in a temp
# dir, a chosen token, loopback on a free port), checks the served
# /api/v1/openapi.json with openapi-spec-validator, and runs Schemathesis
# with every check it has (`--checks all`: no 5xx, status codes, content
# types, headers and bodies as documented, schema-valid data accepted and
# schema-violating data refused, auth enforced, 405 with Allow, resources
# there after 201 and gone after 204) over every phase (examples, coverage,
# fuzzing, stateful through the document's links). Zero failures to pass.
#
# The tools live in a virtual environment of their own (target/api-check-venv),
# made here with `python3 -m venv` and pinned versions from PyPI. Without
# python3 and its venv module this says SKIPPED and passes, except under
# CI=true, where it fails (.ci/run installs python3-venv).
#
# Settings, each for a reason:
# - POSTPILOT_MAX_WRONG_TOKENS: Schemathesis's ignored_auth check sends one
#   wrong token per operation (20) to see it refused with 401; the default
#   limit (10 a minute per client) would answer 429 from the 11th on, for the
#   right token too, and starve the rest of the run. The limit itself is
#   tested in postpilot-http/tests/login_limit.rs and postpilot-cli/tests/serve.rs.
# - --workers 1: the machine has 2 cores for the server and the tool, and
#   Python 3.11 before 3.11.8 can fail Hypothesis with "AST constructor
#   recursion depth mismatch" when two threads parse at once.
# - --max-examples and a fixed --seed (POSTPILOT_API_CHECK_EXAMPLES and
#   POSTPILOT_API_CHECK_SEED change them): a bounded, repeatable run of a few
#   minutes; `timeout` stops a run that hangs.
# - .ci/schemathesis.toml: the one place the document cannot state a rule
#   (a mailing's window order and the existence of the ids it names), with why.
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
SPEC_VALIDATOR_VERSION=0.9.0
VENV=target/api-check-venv
EXAMPLES=${POSTPILOT_API_CHECK_EXAMPLES:-100}
SEED=${POSTPILOT_API_CHECK_SEED:-20261127}

# shellcheck source=python-venv.sh
. .ci/python-venv.sh
need_python_venv api-check

if [ ! -x "$VENV/bin/st" ] || ! "$VENV/bin/pip" show -q "schemathesis==$SCHEMATHESIS_VERSION" >/dev/null 2>&1; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    "schemathesis==$SCHEMATHESIS_VERSION" "openapi-spec-validator==$SPEC_VALIDATOR_VERSION"
fi
"$VENV/bin/st" --version
"$VENV/bin/openapi-spec-validator" --version 2>/dev/null || true

cargo build -q --locked -p postpilot-cli
BIN=target/debug/postpilot

WORK=$(mktemp -d)
SERVER=
cleanup() {
  if [ -n "$SERVER" ]; then
    kill "$SERVER" 2>/dev/null || true
    wait "$SERVER" 2>/dev/null || true
  fi
  rm -rf "$WORK"
}
trap cleanup EXIT

TOKEN=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')
env -u POSTPILOT_SMTP_URL -u POSTPILOT_BIND -u RUST_LOG \
  POSTPILOT_DATABASE_URL="sqlite://$WORK/postpilot.db" \
  POSTPILOT_OUTBOX_DIR="$WORK/outbox" \
  POSTPILOT_API_TOKEN="$TOKEN" \
  POSTPILOT_MAX_WRONG_TOKENS=1000000 \
  "$BIN" serve --bind 127.0.0.1:0 >"$WORK/stdout" 2>"$WORK/serve.log" &
SERVER=$!
BASE=
for _ in $(seq 100); do
  BASE=$(sed -n 's/^postpilot listening on //p' "$WORK/stdout")
  [ -n "$BASE" ] && break
  kill -0 "$SERVER" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$BASE" ]; then
  echo "api-check: postpilot serve did not start:" >&2
  cat "$WORK/serve.log" >&2
  exit 1
fi
echo "postpilot serve on $BASE (log: $WORK/serve.log)"

echo "== openapi-spec-validator on $BASE/api/v1/openapi.json =="
"$VENV/bin/python" - "$BASE/api/v1/openapi.json" "$WORK/openapi.json" <<'EOF'
import sys, urllib.request
with urllib.request.urlopen(sys.argv[1]) as answer, open(sys.argv[2], "wb") as out:
    out.write(answer.read())
EOF
"$VENV/bin/openapi-spec-validator" "$WORK/openapi.json"

echo "== schemathesis ($EXAMPLES examples per operation, seed $SEED) =="
started=$(date +%s)
# Lines are cut at 2,000 characters: a failure's curl line holds the whole
# body, megabytes for the longest texts.
set +e
timeout 600 "$VENV/bin/st" --config-file .ci/schemathesis.toml run "$BASE/api/v1/openapi.json" \
  --url "$BASE" \
  --header "Authorization: Bearer $TOKEN" \
  --checks all \
  --max-examples "$EXAMPLES" \
  --seed "$SEED" \
  --workers 1 \
  --request-timeout 10 \
  --generation-database none \
  --no-color \
  | cut -c -2000
status=${PIPESTATUS[0]}
set -e
echo "schemathesis took $(($(date +%s) - started)) s"
if grep -q "panicked" "$WORK/serve.log"; then
  echo "api-check: the server panicked:" >&2
  grep -A5 "panicked" "$WORK/serve.log" >&2
  status=1
fi
if [ "$status" -ne 0 ]; then
  echo "api-check: failed (exit $status); the server's log:" >&2
  tail -50 "$WORK/serve.log" >&2
  exit "$status"
fi
echo "api-check: the document validates and Schemathesis found nothing"
