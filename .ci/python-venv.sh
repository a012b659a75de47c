# Sourced by the scripts that make a Python virtual environment
# (.ci/api-check.sh, .ci/email-check-venv.sh): what they need of python3.

# skip_or_fail NAME WHY: says SKIPPED and ends the script with success,
# except under CI=true, where a missing tool is a failure.
skip_or_fail() {
  local name=$1
  shift
  if [ "${CI:-}" = "true" ]; then
    echo "$name: $* (required under CI=true)" >&2
    exit 1
  fi
  echo "SKIPPED: $name: $*"
  exit 0
}

# need_python_venv NAME: python3 with its venv module, or skip_or_fail.
need_python_venv() {
  command -v python3 >/dev/null || skip_or_fail "$1" "python3 is not installed"
  python3 -c 'import venv, ensurepip' 2>/dev/null \
    || skip_or_fail "$1" "python3's venv module is missing (apt-get install python3-venv)"
}
