#!/usr/bin/env python3
"""A TCP proxy on loopback that holds every byte for a fixed time in each
direction, order kept: a network's round trip where the kernel has no
netem (bench/latency.sh). Bandwidth is not limited.

Usage: delay-proxy.py LISTEN_PORT UPSTREAM_HOST:PORT ONE_WAY_MS
Prints "ready" on stdout once it listens.
"""
import asyncio
import sys
import time


async def pump(reader, writer, delay):
    """Reads what arrives and writes each chunk `delay` seconds after it
    arrived, in arrival order; EOF is passed on after the last chunk."""
    queue = asyncio.Queue()

    async def deliver():
        while True:
            due, chunk = await queue.get()
            wait = due - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
            if chunk is None:
                try:
                    writer.write_eof()
                except (OSError, RuntimeError):
                    pass
                return
            writer.write(chunk)
            await writer.drain()

    sender = asyncio.create_task(deliver())
    try:
        while True:
            chunk = await reader.read(65536)
            queue.put_nowait((time.monotonic() + delay, chunk or None))
            if not chunk:
                break
        await sender
    except (ConnectionError, OSError):
        sender.cancel()
    finally:
        writer.close()


async def main():
    listen, upstream, one_way_ms = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
    host, port = upstream.rsplit(":", 1)
    delay = one_way_ms / 1000.0

    async def serve(client_reader, client_writer):
        try:
            up_reader, up_writer = await asyncio.open_connection(host, int(port))
        except OSError:
            client_writer.close()
            return
        await asyncio.gather(
            pump(client_reader, up_writer, delay),
            pump(up_reader, client_writer, delay),
            return_exceptions=True,
        )

    server = await asyncio.start_server(serve, "127.0.0.1", listen, backlog=256)
    print("ready", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        pass
