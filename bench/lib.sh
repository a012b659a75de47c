# Shared by the bench scripts (sourced): timing, rates, medians, free
# ports, recipient CSVs. Each script still says what it measures.

now() { date +%s.%N; }

# rate COUNT T0 T1: COUNT per second between two `now`s, one decimal.
rate() { python3 -c "print(f'{$1/($3-$2):.1f}')"; }

# median X...: the median of the numbers, one decimal.
median() { python3 -c "import statistics,sys; print(f'{statistics.median(float(x) for x in sys.argv[1:]):.1f}')" "$@"; }

# ratio A B: A / B, two decimals.
ratio() { python3 -c "print(f'{$1/$2:.2f}')"; }

# free_port: a loopback port nothing listens on right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# make_csv ROWS FILE: ROWS recipients user0@example.com… with Cyrillic names.
make_csv() {
  python3 - "$1" "$2" <<'PY'
import sys
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    f.write("email,full_name\n")
    for i in range(n):
        f.write(f"user{i}@example.com,Получатель {i}\n")
PY
}

# prepare_send BIN CSV BODY: into $POSTPILOT_DATABASE_URL, the recipients of
# CSV, a message with the body file BODY, and mailing 1 to all of them.
prepare_send() {
  "$1" recipient import "$2" >/dev/null
  "$1" message add --subject "Benchmark" --body-file "$3" >/dev/null
  "$1" mailing add --message 1 --start "2020-01-01T00:00:00Z" --end "2100-01-01T00:00:00Z" --all-recipients >/dev/null
}
