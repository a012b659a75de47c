#!/usr/bin/env bash
# The virtual environment of the independent email checker (.ci/check-email.py):
# dkimpy (with PyNaCl for ed25519-sha256 and dnspython, which it imports),
# pinned, from PyPI, in target/email-check-venv. postpilot-cli/tests/dkim.rs
# runs the checker with its python. Without python3 and its venv module this
# says SKIPPED and passes, except under CI=true, where it fails (.ci/run
# installs python3-venv).
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=target/email-check-venv
PACKAGES=(dkimpy==1.1.8 dnspython==2.9.2 PyNaCl==1.6.2)

skip_or_fail() {
  if [ "${CI:-}" = "true" ]; then
    echo "email-check-venv: $* (required under CI=true)" >&2
    exit 1
  fi
  echo "SKIPPED: email-check-venv: $*"
  exit 0
}

command -v python3 >/dev/null || skip_or_fail "python3 is not installed"
python3 -c 'import venv, ensurepip' 2>/dev/null \
  || skip_or_fail "python3's venv module is missing (apt-get install python3-venv)"

if ! "$VENV/bin/pip" show -q "${PACKAGES[@]%%==*}" >/dev/null 2>&1 \
  || ! "$VENV/bin/pip" freeze 2>/dev/null | grep -qx "${PACKAGES[0]}"; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PACKAGES[@]}"
fi
"$VENV/bin/python" -c 'import dkim, nacl, dns, sys; print("email checker ready:", sys.executable)'
