#!/usr/bin/env bash
# Syscalls per message of `mailing send` (N recipients, 1 KB body, C
# connections) into a local Postfix smtp-sink, counted by `strace -c -f`:
# the socket calls (sendto, recvfrom) show what one SMTP conversation costs.
# Usage: bench/syscalls.sh ; env N, C override the sizes, BIN the binary.
# Needs: postfix (smtp-sink), strace, sqlite3. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-5000}
C=${C:-8}
for tool in /usr/sbin/smtp-sink strace sqlite3; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install postfix strace sqlite3)" >&2; exit 1; }
done
if [ -z "${BIN:-}" ]; then
  cargo build -q --release -p postpilot-cli
  BIN=${CARGO_TARGET_DIR:-$PWD/target}/release/postpilot
fi
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
/usr/sbin/smtp-sink -u nobody 127.0.0.1:$port 1024 & sink_pid=$!
trap 'kill $sink_pid 2>/dev/null || true; rm -rf "$work"' EXIT
sleep 0.5

export POSTPILOT_DATABASE_URL="sqlite://$work/db"
python3 - "$N" "$work/r.csv" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("email,full_name\n")
    for i in range(n):
        f.write(f"user{i}@example.com,Получатель {i}\n")
PY
"$BIN" recipient import "$work/r.csv" >/dev/null
python3 -c "print('x' * 1023)" > "$work/body.txt"
"$BIN" message add --subject "Benchmark" --body-file "$work/body.txt" >/dev/null
"$BIN" mailing add --message 1 --start "2020-01-01T00:00:00Z" --end "2100-01-01T00:00:00Z" --all-recipients >/dev/null
strace -c -f -o "$work/strace" "$BIN" --smtp-url "smtp://127.0.0.1:$port" --concurrency "$C" mailing send 1 >/dev/null
sent=$(sqlite3 "$work/db" "select count(*) from send_attempt where status='success'")
echo "== syscalls per message ($sent sent, $C connections) =="
python3 - "$work/strace" "$sent" <<'PY'
import sys
n = max(int(sys.argv[2]), 1)
rows = []
for line in open(sys.argv[1]):
    f = line.split()
    if len(f) >= 5 and f[0][0].isdigit() and f[-1] != "total":
        rows.append((int(f[3]), f[-1]))
for calls, name in sorted(rows, reverse=True)[:10]:
    print(f"{name:14} {calls / n:7.2f}")
PY
