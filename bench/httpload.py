"""A lean HTTP/1.1 keep-alive client for load generation (stdlib asyncio; uvloop when importable).

A load generator on the same small machine as the server competes with it for CPU; httpx spends
roughly 0.5-1 ms of CPU per request, this client a few tens of microseconds. It does only what a
benchmark needs:

* `Client(host, port, n)` holds n persistent TCP connections (`client.connections[i]`), opened
  lazily; one request in flight per connection (no pipelining);
* `await conn.post_json(path, body_bytes, headers)` -> `(status, body_bytes)`; the request bytes are
  built by hand (Host, Content-Type: application/json, Content-Length, the caller's headers such
  as Authorization and Idempotency-Key); the response is parsed from the status line, the headers
  and a Content-Length body (`Transfer-Encoding: chunked` and read-until-close bodies are decoded
  too, minimally);
* a connection the server closed is reopened on the next request; a request that fails on a
  *reused* connection before any byte of the response arrived (the server closed an idle
  keep-alive connection as the request went out) is sent once more on a fresh connection — the
  bench's POSTs all carry an Idempotency-Key, so that is safe;
* any other failure (refused, reset, closed mid-response, timeout, malformed response) is counted
  in `client.stats.transport_errors` and raised as `TransportError`.

    python bench/httpload.py --self-test     # against a throwaway asyncio server in this process
    python bench/httpload.py --bench         # against a hello-world uvicorn app: requests/s, client CPU
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Coroutine, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

try:
    import uvloop

    new_event_loop: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
except ImportError:  # pragma: no cover - uvloop is installed with uvicorn[standard]
    new_event_loop = None

T = TypeVar("T")
MAX_HEAD = 64 * 1024


class TransportError(Exception):
    """The request got no complete response: refused, reset, closed, timed out or malformed."""


@dataclass
class Stats:
    requests: int = 0  # complete responses
    transport_errors: int = 0
    connects: int = 0
    reconnects: int = 0  # connections reopened after the server closed one


def run(coro: Coroutine[Any, Any, T]) -> T:
    """asyncio.run on uvloop when it is importable, without the load generator's own garbage
    collection: a full collection in a generator holding a whole workload took 40-70 ms, and
    with every connection's request in flight that pause was counted as the server's latency
    (at p99, where it landed). What is live is frozen first; a phase makes little cyclic garbage."""
    gc.collect()
    gc.freeze()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        if new_event_loop is not None:
            with asyncio.Runner(loop_factory=new_event_loop) as runner:
                return runner.run(coro)
        return asyncio.run(coro)
    finally:
        if was_enabled:
            gc.enable()
        gc.unfreeze()


class _Protocol(asyncio.Protocol):
    """One connection's parser: bytes in, at most one (status, body, keep_alive) out per request."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.waiter: asyncio.Future[tuple[int, bytes, bool]] | None = None
        self.closed = False
        self.received = False  # any byte of the current response
        self._reset()

    def _reset(self) -> None:
        self.status = 0
        self.length: int | None = None
        self.chunked = False
        self.until_close = False
        self.keep_alive = True

    # -- asyncio callbacks --

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        self.buf += data
        self.received = True
        waiter = self.waiter
        if waiter is None or waiter.done():
            self._fail(TransportError("unsolicited bytes from the server"))
            return
        try:
            result = self._parse()
        except (ValueError, IndexError) as exc:
            self._fail(TransportError(f"malformed response: {exc}"))
            return
        if result is not None:
            self.waiter = None
            waiter.set_result(result)

    def eof_received(self) -> bool | None:
        return False  # close our side too; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        waiter, self.waiter = self.waiter, None
        if waiter is None or waiter.done():
            return
        if self.until_close and self.status:
            waiter.set_result((self.status, bytes(self.buf), False))
        else:
            waiter.set_exception(TransportError(f"connection closed: {exc or 'EOF'}"))

    # -- requests --

    def _fail(self, exc: Exception) -> None:
        waiter, self.waiter = self.waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        self.closed = True
        if self.transport is not None:
            self.transport.abort()

    def _timed_out(self) -> None:
        self._fail(TransportError("timed out"))

    async def exchange(self, data: bytes, timeout: float) -> tuple[int, bytes, bool]:
        assert self.transport is not None and self.waiter is None
        self.received = False
        self._reset()
        self.buf.clear()
        waiter: asyncio.Future[tuple[int, bytes, bool]] = self.loop.create_future()
        self.waiter = waiter
        try:
            self.transport.write(data)
        except (RuntimeError, OSError) as exc:  # the peer is gone (uvloop raises on a closed handle)
            self.waiter = None
            self.closed = True
            raise TransportError(f"write failed: {exc}") from exc
        timer = self.loop.call_later(timeout, self._timed_out)
        try:
            return await waiter
        finally:
            timer.cancel()

    def _parse(self) -> tuple[int, bytes, bool] | None:
        buf = self.buf
        while not self.status:
            end = buf.find(b"\r\n\r\n")
            if end < 0:
                if len(buf) > MAX_HEAD:
                    raise ValueError("response head too long")
                return None
            lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
            del buf[:end + 4]
            version, code = lines[0].split(" ", 2)[:2]
            if not version.startswith("HTTP/1."):
                raise ValueError(f"status line {lines[0]!r}")
            status = int(code)
            if 100 <= status < 200:
                continue  # interim response (100 Continue): the real one follows
            self.keep_alive = version != "HTTP/1.0"
            for line in lines[1:]:
                name, _, value = line.partition(":")
                name = name.strip().lower()
                if name == "content-length":
                    self.length = int(value)
                elif name == "transfer-encoding":
                    self.chunked = "chunked" in value.lower()
                elif name == "connection":
                    value = value.lower()
                    if "close" in value:
                        self.keep_alive = False
                    elif "keep-alive" in value:
                        self.keep_alive = True
            if status in (204, 304):
                self.length, self.chunked = 0, False
            elif self.chunked:
                self.length = None
            elif self.length is None:
                self.until_close, self.keep_alive = True, False
            self.status = status
        if self.length is not None:
            if len(buf) < self.length:
                return None
            body = bytes(buf[:self.length])
            del buf[:self.length]
            return self.status, body, self.keep_alive
        if self.chunked:
            return self._parse_chunks()
        return None  # until close: connection_lost delivers it

    def _parse_chunks(self) -> tuple[int, bytes, bool] | None:
        """Re-parses from the start of the body each time (chunked answers are rare here)."""
        buf, pos = self.buf, 0
        parts: list[bytes] = []
        while True:
            eol = buf.find(b"\r\n", pos)
            if eol < 0:
                return None
            size = int(bytes(buf[pos:eol]).split(b";", 1)[0].strip(), 16)
            pos = eol + 2
            if size == 0:
                while True:  # trailers, up to the empty line
                    eol = buf.find(b"\r\n", pos)
                    if eol < 0:
                        return None
                    if eol == pos:
                        del buf[:eol + 2]
                        return self.status, b"".join(parts), self.keep_alive
                    pos = eol + 2
            if len(buf) < pos + size + 2:
                return None
            parts.append(bytes(buf[pos:pos + size]))
            pos += size + 2


class Connection:
    """One persistent connection; `post_json` / `request` reopen it when the server closed it."""

    def __init__(self, host: str, port: int, stats: Stats, timeout: float) -> None:
        self.host, self.port, self.stats, self.timeout = host, port, stats, timeout
        self._host_header = f"Host: {host}:{port}\r\n".encode()
        self._proto: _Protocol | None = None

    async def connect(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            _, proto = await asyncio.wait_for(
                loop.create_connection(lambda: _Protocol(loop), self.host, self.port), self.timeout)
        except (TimeoutError, OSError) as exc:
            self.stats.transport_errors += 1
            raise TransportError(f"connect {self.host}:{self.port}: {exc!r}") from exc
        self.stats.connects += 1
        self._proto = proto

    def close(self) -> None:
        if self._proto is not None and self._proto.transport is not None:
            self._proto.transport.close()
        self._proto = None

    async def post_json(self, path: str, body: bytes, headers: Mapping[str, str] | bytes | None = None,
                        ) -> tuple[int, bytes]:
        return await self.request("POST", path, body, headers)

    async def request(self, method: str, path: str, body: bytes = b"",
                      headers: Mapping[str, str] | bytes | None = None) -> tuple[int, bytes]:
        """`headers`: a mapping, or ready-made b"Name: value\\r\\n" lines."""
        if headers is None:
            extra = b""
        elif isinstance(headers, bytes):
            extra = headers
        else:
            extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items()).encode()
        if body or method in ("POST", "PUT", "PATCH"):
            data = b"%s %s HTTP/1.1\r\n%sContent-Type: application/json\r\nContent-Length: %d\r\n%s\r\n%s" % (
                method.encode(), path.encode(), self._host_header, len(body), extra, body)
        else:
            data = b"%s %s HTTP/1.1\r\n%s%s\r\n" % (method.encode(), path.encode(), self._host_header, extra)
        for attempt in (0, 1):
            fresh = self._proto is None or self._proto.closed
            if fresh:
                if self._proto is not None:
                    self.stats.reconnects += 1
                await self.connect()
            proto = self._proto
            assert proto is not None
            try:
                status, payload, keep_alive = await proto.exchange(data, self.timeout)
            except TransportError:
                stale = not fresh and not proto.received and attempt == 0
                if proto.transport is not None:
                    proto.transport.abort()
                self._proto = None
                if stale:  # an idle keep-alive connection the server had closed: send it once more
                    self.stats.reconnects += 1
                    continue
                self.stats.transport_errors += 1
                raise
            except asyncio.CancelledError:
                if proto.transport is not None:
                    proto.transport.abort()
                self._proto = None
                raise
            self.stats.requests += 1
            if not keep_alive:
                self.close()
            return status, payload
        raise AssertionError("unreachable")


class Client:
    """n connections to one host:port; `async with Client(...) as client: client.connections[i]`."""

    def __init__(self, host: str, port: int, connections: int, *, timeout: float = 30.0) -> None:
        self.stats = Stats()
        self.connections = [Connection(host, port, self.stats, timeout) for _ in range(connections)]

    async def connect_all(self) -> None:
        await asyncio.gather(*(c.connect() for c in self.connections))

    def close(self) -> None:
        for conn in self.connections:
            conn.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()


# ---- self-test ----------------------------------------------------------------------------------

async def _throwaway_server(handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
                            ) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    port = int(server.sockets[0].getsockname()[1])
    return server, port


async def _read_request(reader: asyncio.StreamReader) -> tuple[str, dict[str, str], bytes] | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (ln.partition(":") for ln in lines[1:] if ln)}
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return lines[0].split(" ")[1], headers, body


async def _self_test() -> None:
    served: list[str] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while (req := await _read_request(reader)) is not None:
            path, headers, body = req
            served.append(path)
            echo = json.dumps({"path": path, "auth": headers.get("authorization"),
                               "key": headers.get("idempotency-key"), "type": headers.get("content-type"),
                               "body": json.loads(body) if body else None}).encode()
            if path == "/chunked":
                half = len(echo) // 2
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" +
                             b"%x;ext=1\r\n%s\r\n" % (half, echo[:half]) +
                             b"%x\r\n%s\r\n0\r\nX-Trailer: 1\r\n\r\n" % (len(echo) - half, echo[half:]))
            elif path == "/close":  # no Content-Length: the body runs to the close
                writer.write(b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + echo)
                await writer.drain()
                writer.close()
                return
            elif path == "/drop":  # closes with the request unanswered
                writer.close()
                return
            elif path == "/split":  # the response dribbles out in pieces
                data = b"HTTP/1.1 201 Created\r\ncontent-length: %d\r\n\r\n%s" % (len(echo), echo)
                for i in range(0, len(data), 7):
                    writer.write(data[i:i + 7])
                    await writer.drain()
                    await asyncio.sleep(0)
            elif path == "/slow":  # never answers; returns when the client gives up
                await reader.read()
                writer.close()
                return
            else:
                writer.write(b"HTTP/1.1 %d X\r\nContent-Length: %d\r\nContent-Type: application/json\r\n\r\n%s" % (
                    201 if path == "/created" else 200, len(echo), echo))
            if path == "/idle-close":  # answered, then the server drops the idle keep-alive connection
                await writer.drain()
                writer.close()
                return
            await writer.drain()
        writer.close()

    server, port = await _throwaway_server(handler)
    async with server, Client("127.0.0.1", port, 2, timeout=0.5) as client:
        conn = client.connections[0]
        headers = {"Authorization": "Bearer tok", "Idempotency-Key": "k-1"}
        status, body = await conn.post_json("/created", b'{"a": 1}', headers)
        got = json.loads(body)
        assert status == 201 and got == {"path": "/created", "auth": "Bearer tok", "key": "k-1",
                                          "type": "application/json", "body": {"a": 1}}, got
        for i in range(50):  # keep-alive: one connection for all
            status, body = await conn.post_json(f"/n{i}", json.dumps({"i": i}).encode(), headers)
            assert status == 200 and json.loads(body)["body"] == {"i": i}
        assert client.stats.connects == 1, client.stats
        status, body = await conn.post_json("/chunked", b"{}", headers)
        assert status == 200 and json.loads(body)["path"] == "/chunked", body
        status, body = await conn.post_json("/split", b"{}", headers)
        assert status == 201 and json.loads(body)["path"] == "/split", body
        status, body = await conn.post_json("/close", b"{}", headers)
        assert status == 200 and json.loads(body)["path"] == "/close", body
        status, _ = await conn.post_json("/after-close", b"{}", headers)  # reopened
        assert status == 200 and client.stats.connects == 2, client.stats
        await conn.post_json("/idle-close", b"{}", headers)
        await asyncio.sleep(0.05)  # the close arrives while idle
        status, _ = await conn.post_json("/after-idle", b"{}", headers)
        assert status == 200 and client.stats.reconnects >= 1, client.stats
        errors = client.stats.transport_errors
        for path in ("/drop", "/slow"):
            try:
                await conn.post_json(path, b"{}", headers)
            except TransportError:
                pass
            else:
                raise AssertionError(f"{path}: no TransportError")
        # /drop on a reused connection is resent once on a fresh one, which is dropped too
        assert client.stats.transport_errors == errors + 2, client.stats
        status, _ = await conn.post_json("/recovered", b"{}", headers)
        assert status == 200
        # both connections at once, each with one request in flight at a time

        async def burst(c: Connection) -> list[int]:
            return [(await c.post_json(f"/c{i}", b"{}", headers))[0] for i in range(20)]

        results = await asyncio.gather(*(burst(c) for c in client.connections))
        assert all(s == 200 for r in results for s in r), results
    try:
        async with Client("127.0.0.1", _free_port(), 1, timeout=0.5) as client:
            await client.connections[0].post_json("/", b"{}")
    except TransportError:
        assert client.stats.transport_errors == 1
    else:
        raise AssertionError("connection refused: no TransportError")
    print(f"self-test ok ({len(served)} requests served, loop {type(asyncio.get_running_loop()).__module__})")


# ---- bench against a hello-world uvicorn app ----------------------------------------------------

async def hello_app(scope: dict[str, Any], receive: Callable[[], Awaitable[dict[str, Any]]],
                    send: Callable[[dict[str, Any]], Awaitable[None]]) -> None:
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    body = b'{"id": 1, "status": "ok"}'
    await send({"type": "http.response.start", "status": 201,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _bench(port: int, connections: int, seconds: float) -> None:
    body = json.dumps({"programme_id": 1, "category": "refrigerator"}).encode()
    async with Client("127.0.0.1", port, connections) as client:
        await client.connect_all()
        deadline = time.monotonic() + seconds
        done = 0
        latencies: list[float] = []

        async def loop(conn: Connection, n: int) -> None:
            nonlocal done
            i = 0
            while time.monotonic() < deadline:
                i += 1
                t = time.perf_counter()
                status, payload = await conn.post_json("/x", body, {"Authorization": "Bearer abcdefghijkl",
                                                                    "Idempotency-Key": f"k-{n}-{i}"})
                latencies.append(time.perf_counter() - t)
                json.loads(payload)
                done += 1

        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.gather(*(loop(c, n) for n, c in enumerate(client.connections)))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    print(f"{done} requests in {wall:.1f} s over {connections} connections: {done / wall:,.0f} requests/s; "
          f"client CPU {cpu:.2f} s = {cpu / done * 1e6:.1f} µs/request "
          f"({type(asyncio.get_running_loop()).__module__}); transport errors {client.stats.transport_errors}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--self-test", action="store_true")
    parser.add_argument("--bench", action="store_true", help="against a hello-world uvicorn app in a subprocess")
    parser.add_argument("--hello-server", type=int, metavar="PORT", help=argparse.SUPPRESS)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    if args.hello_server:
        import uvicorn

        uvicorn.run(hello_app, host="127.0.0.1", port=args.hello_server, log_level="warning", access_log=False)
    elif args.bench:
        port = _free_port()
        proc = subprocess.Popen([sys.executable, __file__, "--hello-server", str(port)], start_new_session=True)
        try:
            for _ in range(100):
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    time.sleep(0.1)
            run(_bench(port, args.connections, args.seconds))
        finally:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait()
    else:
        run(_self_test())


if __name__ == "__main__":
    main()
