#!/usr/bin/env bash
# What personalisation and DKIM signing cost (issue 11): N recipients (1 KB
# body, attempts recorded, SQLite) sent into a local Postfix smtp-sink as
# plain text for all (`plain`), personalised ({{ full_name }} in subject
# and body, a one-click unsubscribe link per recipient: `personal`), and
# personalised and signed with an Ed25519 key (`personal+ed25519`) or an
# RSA 2048 key (`personal+rsa`, keys made here by openssl), alternating for
# ROUNDS rounds on copies of one prepared database; prints each run, the
# median rate of each and the ratio to plain. RSA signs at a few hundred
# emails a second, so its runs send RSA_N recipients (default N/20).
# Usage: bench/dkim.sh ; env N, RSA_N, C, ROUNDS override the sizes.
# Needs: postfix (smtp-sink), sqlite3, openssl. Run as root.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
N=${N:-100000}
RSA_N=${RSA_N:-$((N / 20))}
C=${C:-8}
ROUNDS=${ROUNDS:-3}

for tool in /usr/sbin/smtp-sink sqlite3 openssl; do
  command -v "$tool" >/dev/null || { echo "missing $tool (apt-get install postfix sqlite3 openssl)" >&2; exit 1; }
done
cargo build -q --release -p postpilot-cli
bin=${CARGO_TARGET_DIR:-$PWD/target}/release/postpilot
work=$(mktemp -d)
trap 'kill $sink_pid 2>/dev/null || true; rm -rf "$work"' EXIT
port=$(free_port)
/usr/sbin/smtp-sink -u nobody 127.0.0.1:$port 1024 & sink_pid=$!
sleep 0.5

openssl genpkey -algorithm ed25519 -out "$work/ed25519.pem" 2>/dev/null
openssl genpkey -algorithm rsa -pkeyopt rsa_keygen_bits:2048 -out "$work/rsa.pem" 2>/dev/null

# One prepared database: N recipients, a 1 KB message, a mailing to all.
make_csv "$N" "$work/r.csv"
python3 -c "print('x' * 1023)" > "$work/body.txt"
export POSTPILOT_DATABASE_URL="sqlite://$work/template.db"
"$bin" recipient import "$work/r.csv" >/dev/null
"$bin" message add --subject "Benchmark" --body-file "$work/body.txt" >/dev/null
"$bin" mailing add --message 1 --start "2020-01-01T00:00:00Z" --end "2100-01-01T00:00:00Z" --all-recipients >/dev/null
# The same body, personalised: the name in the subject and at the top, the
# recipient's own unsubscribe link at the end.
{ echo "Здравствуйте, {{ full_name }}!"; cat "$work/body.txt"; echo "Отписаться: {{ unsubscribe_url }}"; } > "$work/personal.txt"
"$bin" message add --subject "{{ full_name }}, benchmark" --body-file "$work/personal.txt" >/dev/null
"$bin" mailing add --message 2 --start "2020-01-01T00:00:00Z" --end "2100-01-01T00:00:00Z" --all-recipients >/dev/null
# RSA's mailing: its first RSA_N recipients.
"$bin" mailing add --message 2 --start "2020-01-01T00:00:00Z" --end "2100-01-01T00:00:00Z" --all-recipients >/dev/null
sqlite3 "$work/template.db" "DELETE FROM mailing_recipient WHERE mailing_id = 3 AND recipient_id > $RSA_N"


run() { # variant -> msg/s
  local variant=$1 db="$work/run.db" args=() mailing=1 n=$N
  rm -f "$db" "$db-wal" "$db-shm"
  sqlite3 "$work/template.db" ".backup $db"
  case $variant in
    personal*) mailing=2; args=(--public-url https://mail.shop.example) ;;
  esac
  case $variant in
    *+ed25519) args+=(--dkim-domain shop.example --dkim-selector bench --dkim-key "$work/ed25519.pem") ;;
    *+rsa) mailing=3; n=$RSA_N; args+=(--dkim-domain shop.example --dkim-selector bench --dkim-key "$work/rsa.pem") ;;
  esac
  local t0 t1
  t0=$(now)
  POSTPILOT_DATABASE_URL="sqlite://$db" "$bin" --smtp-url "smtp://127.0.0.1:$port" \
    --from news@shop.example --concurrency "$C" "${args[@]}" mailing send "$mailing" >/dev/null 2>&1
  t1=$(now)
  local sent; sent=$(sqlite3 "$db" "select count(*) from send_attempt where status='success'")
  [ "$sent" = "$n" ] || { echo "$variant: only $sent of $n sent" >&2; exit 1; }
  python3 -c "print(f'{$n/($t1-$t0):.0f}')"
}

declare -A rates
VARIANTS="plain personal personal+ed25519 personal+rsa"
echo "== $N recipients ($RSA_N with RSA), $C connections, $ROUNDS rounds ($VARIANTS alternating) =="
for round in $(seq "$ROUNDS"); do
  for variant in $VARIANTS; do
    r=$(run "$variant")
    rates[$variant]="${rates[$variant]:-} $r"
    echo "round $round  $variant: $r msg/s"
  done
done
base=$(median ${rates[plain]})
for variant in $VARIANTS; do
  m=$(median ${rates[$variant]})
  echo "median $variant: $m msg/s  ($(python3 -c "print(f'{$m/$base:.2f}')") x plain)"
done
echo "goals: personal >= 0.80 x plain; personal+ed25519 >= 0.50 x plain"
