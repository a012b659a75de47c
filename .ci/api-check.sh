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
#
# Two users (issue 13: no object of one user is reachable by the other).
# Before the admin's run, the CLI adds users B and then A (role user; B
# first, so B's ids are the smallest, which generated ids hit most), each
# with objects whose every email, name, subject and list name holds a
# marker of that user's (two recipients, a message, a list of both, a
# mailing to both sent once: a run and two attempts) and an API token
# (`postpilot user token`). Schemathesis then runs as A (A's token) with
# every check and the hooks of .ci/isolation_hooks.py, told B's marker and
# ids (POSTPILOT_OTHER): a check fails on any answer holding B's marker, any
# 2xx to a path naming one of B's ids, any 2xx accepting a body that names
# one; path ids are drawn from B's ids too, beside Schemathesis's own. Then
# the same as B against A's. POSTPILOT_API_CHECK_USER_EXAMPLES (default 25)
# bounds each, so the whole check stays within about six minutes. Seen to
# fail when isolation breaks: with the admin token given as A's, the run as
# A reported 38 failures (B's marker in lists and pages, B's ids answered
# 200/204, B's recipients accepted in bodies).
set -euo pipefail
cd "$(dirname "$0")/.."

SCHEMATHESIS_VERSION=4.32.5
SPEC_VALIDATOR_VERSION=0.9.0
VENV=target/api-check-venv
EXAMPLES=${POSTPILOT_API_CHECK_EXAMPLES:-100}
USER_EXAMPLES=${POSTPILOT_API_CHECK_USER_EXAMPLES:-25}
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

# The CLI on the server's database (it has the database's full access).
pp() {
  env -u POSTPILOT_SMTP_URL -u RUST_LOG -u POSTPILOT_API_TOKEN \
    POSTPILOT_DATABASE_URL="sqlite://$WORK/postpilot.db" \
    POSTPILOT_OUTBOX_DIR="$WORK/outbox" \
    "$BIN" "$@"
}

# make_user NAME: user NAME and their objects (see the header); leaves
# $WORK/NAME.token (the key) and $WORK/NAME.json (POSTPILOT_OTHER for the
# other user's run, with NAME's token id as `own_token` for NAME's own run).
make_user() {
  local name=$1 mark email r1 r2 message list mailing start end
  mark="iso-$name-$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
  email="$mark-user@example.com"
  POSTPILOT_PASSWORD="password of $mark" pp user add --email "$email" \
    --name "User $mark" --role user >/dev/null
  local as=(--as "$email")
  r1=$(pp "${as[@]}" recipient add --email "$mark-1@example.com" --name "First $mark")
  r2=$(pp "${as[@]}" recipient add --email "$mark-2@example.com" --name "Second $mark")
  message=$(pp "${as[@]}" message add --subject "Subject $mark" --body "Body $mark")
  list=$(pp "${as[@]}" list add --name "List $mark")
  pp "${as[@]}" list members add "$list" --recipient "$r1" --recipient "$r2" >/dev/null
  start=$(date -u -d '-1 hour' +%FT%TZ)
  end=$(date -u -d '+1 day' +%FT%TZ)
  mailing=$(pp "${as[@]}" mailing add --message "$message" --start "$start" --end "$end" \
    --recipient "$r1" --recipient "$r2")
  pp "${as[@]}" mailing send "$mailing" >/dev/null
  pp "${as[@]}" --json mailing runs "$mailing" >"$WORK/$name.runs"
  pp --json user token "$email" --name "Token $mark" >"$WORK/$name.made"
  "$VENV/bin/python" - "$WORK" "$name" "$mark" "$r1" "$r2" "$message" "$list" "$mailing" <<'EOF'
import json, sys
work, name, mark, r1, r2, message, lst, mailing = sys.argv[1:]
made = json.load(open(f"{work}/{name}.made"))
runs = [run["id"] for run in json.load(open(f"{work}/{name}.runs"))]
assert runs, "the mailing was sent"
open(f"{work}/{name}.token", "w").write(made["token"])
json.dump({
    "marker": mark,
    "own_token": made["id"],
    "ids": {
        "recipients": [int(r1), int(r2)], "messages": [int(message)],
        "lists": [int(lst)], "mailings": [int(mailing)], "runs": runs,
        "tokens": [made["id"]], "users": [made["user_id"]],
    },
}, open(f"{work}/{name}.json", "w"))
EOF
  echo "user $name: $email, $(cat "$WORK/$name.json")"
}

# schemathesis LABEL TOKEN EXAMPLES: every check over every phase with
# TOKEN as the bearer; its exit status. Lines are cut at 2,000 characters:
# a failure's curl line holds the whole body, megabytes for the longest texts.
schemathesis() {
  local label=$1 token=$2 examples=$3 started status
  echo "== schemathesis as $label ($examples examples per operation, seed $SEED) =="
  started=$(date +%s)
  set +e
  timeout 600 "$VENV/bin/st" --config-file .ci/schemathesis.toml run "$BASE/api/v1/openapi.json" \
    --url "$BASE" \
    --header "Authorization: Bearer $token" \
    --checks all \
    --max-examples "$examples" \
    --seed "$SEED" \
    --workers 1 \
    --request-timeout 10 \
    --generation-database none \
    --no-color \
    | cut -c -2000
  status=${PIPESTATUS[0]}
  set -e
  echo "schemathesis as $label took $(($(date +%s) - started)) s"
  return "$status"
}

# as_user A B: Schemathesis as user A, user B's objects out of reach (see
# the header).
as_user() {
  local me=$1 other=$2 described
  described=$("$VENV/bin/python" -c '
import json, sys
other = json.load(open(sys.argv[1]))
other["own_token"] = json.load(open(sys.argv[2]))["own_token"]
print(json.dumps(other))' "$WORK/$other.json" "$WORK/$me.json")
  POSTPILOT_OTHER=$described SCHEMATHESIS_HOOKS=isolation_hooks PYTHONPATH="$PWD/.ci" \
    schemathesis "user $me, user $other's objects out of reach" \
    "$(cat "$WORK/$me.token")" "$USER_EXAMPLES"
}

echo "== two users =="
make_user b
make_user a
status=0
as_user a b || status=$?
[ "$status" -ne 0 ] || as_user b a || status=$?
[ "$status" -ne 0 ] || schemathesis "the admin token" "$TOKEN" "$EXAMPLES" || status=$?
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
echo "api-check: the document validates; Schemathesis found nothing as the admin, nor as either user"
