"""Hostile-client flood for HostileClientsTest: N asyncio clients on keep-alive connections, each sending on-demand
misses (distinct undeclared names under SIDECAR_ALLOW) back to back, with no think time and no Retry-After honoured,
until the given number of seconds has passed. Prints one JSON line: statuses, errors, requests.

usage: python3 miss_flood.py PORT TOKEN CLIENTS SECONDS PREFIX
"""
import asyncio
import json
import sys
import time


async def client(n, port, token, prefix, deadline, stats):
    i = 0
    reader = writer = None
    while time.monotonic() < deadline:
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
            name = f"{prefix}{n}-{i}"
            i += 1
            writer.write((f"GET /systemsmanager/parameters/get?name={name}&withDecryption=true HTTP/1.1\r\n"
                          f"Host: 127.0.0.1\r\nX-Aws-Parameters-Secrets-Token: {token}\r\n\r\n").encode())
            await writer.drain()
            status_line = await asyncio.wait_for(reader.readline(), timeout=max(0.1, deadline - time.monotonic() + 5))
            if not status_line:
                raise ConnectionError("closed")
            status = int(status_line.split()[1])
            length = 0
            close = False
            while True:
                line = await reader.readline()
                if line in (b"\r\n", b"\n", b""):
                    break
                k, _, v = line.decode("latin-1").partition(":")
                if k.strip().lower() == "content-length":
                    length = int(v.strip())
                elif k.strip().lower() == "connection" and v.strip().lower() == "close":
                    close = True
            if length:
                await reader.readexactly(length)
            stats["statuses"][status] = stats["statuses"].get(status, 0) + 1
            stats["requests"] += 1
            if close:
                writer.close()
                writer = None
        except (OSError, ConnectionError, asyncio.TimeoutError, asyncio.IncompleteReadError, ValueError, IndexError):
            stats["errors"] += 1
            if writer is not None:
                writer.close()
            writer = None
            await asyncio.sleep(0.05)
    if writer is not None:
        writer.close()


async def main():
    port, token, clients, seconds, prefix = (int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4]),
                                             sys.argv[5])
    stats = {"statuses": {}, "errors": 0, "requests": 0}
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client(n, port, token, prefix, deadline, stats) for n in range(clients)))
    print(json.dumps(stats), flush=True)


asyncio.run(main())
