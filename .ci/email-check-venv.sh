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

# shellcheck source=python-venv.sh
. .ci/python-venv.sh
need_python_venv email-check-venv

if ! "$VENV/bin/pip" show -q "${PACKAGES[@]%%==*}" >/dev/null 2>&1 \
  || ! "$VENV/bin/pip" freeze 2>/dev/null | grep -qx "${PACKAGES[0]}"; then
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check "${PACKAGES[@]}"
fi
"$VENV/bin/python" -c 'import dkim, nacl, dns, sys; print("email checker ready:", sys.executable)'
