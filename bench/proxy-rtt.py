#!/usr/bin/env python3
"""The round trip bench/delay-proxy.py really gives, measured: a small echo
server behind a second proxy with the same one-way delay, 40 pings of 100
bytes, the median in milliseconds. The proxy runs in Python on a shared
machine, so its round trip is a little longer than asked (a few ms under
load); bench/latency.sh counts round trips per email against this figure.

Usage: proxy-rtt.py ONE_WAY_MS
"""
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path


def echo(server):
    conn, _ = server.accept()
    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    while data := conn.recv(65536):
        conn.sendall(data)


def main():
    one_way = sys.argv[1]
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    threading.Thread(target=echo, args=(server,), daemon=True).start()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    proxy = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("delay-proxy.py")), str(port),
         f"127.0.0.1:{server.getsockname()[1]}", one_way],
        stdout=subprocess.PIPE,
    )
    try:
        proxy.stdout.readline()
        client = socket.create_connection(("127.0.0.1", port))
        client.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        rtts = []
        for _ in range(40):
            start = time.monotonic()
            client.sendall(b"x" * 100)
            got = 0
            while got < 100:
                got += len(client.recv(100 - got))
            rtts.append((time.monotonic() - start) * 1000)
        print(f"{statistics.median(rtts):.1f}")
    finally:
        proxy.kill()


if __name__ == "__main__":
    main()
