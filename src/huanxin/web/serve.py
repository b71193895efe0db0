"""The web server with several worker processes, each with its own listening socket.

uvicorn's `--workers` shares one socket among the workers, and whichever worker wakes first
accepts everything waiting (asyncio accepts up to the backlog in one go): a burst of new
connections, such as the keep-alive connections of a busy till system or a load balancer, can all
land on one worker while the other idles, and a worker is one core at most. Here each worker binds
its own socket with SO_REUSEPORT, and the kernel spreads new connections over them by a hash of
their addresses. Where SO_REUSEPORT does not exist (not Linux), or with one worker, it is plain
uvicorn. A worker that dies is started again.

A hash spreads connections evenly only on average: 64 keep-alive connections came out 37/27 in
some runs, and the worker with 37 answered each of them a third slower (a closed loop of clients
waits on its worker's share of the CPU), which set the run's p99. So the workers count their open
connections in shared memory, and a worker holding more than its share (all connections / workers,
plus one) answers its next request with `Connection: close`: the client connects again, and the
kernel places the new connection by a new hash. A till or a load balancer reconnects on that as
HTTP/1.1 says; the submissions carry Idempotency-Keys in any case.

    python -m huanxin.web.serve --host 127.0.0.1 --port 8000 --workers 2
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import socket
import sys
import time
from multiprocessing.process import BaseProcess
from types import FrameType
from typing import Any

APP = "huanxin.web.main:app"


def serve(host: str, port: int, workers: int, *, log_level: str = "warning", access_log: bool = True) -> None:
    import uvicorn

    from huanxin.config import get_settings, refusal_to_start

    refusal = refusal_to_start(get_settings())
    if refusal is not None:  # before any worker starts: one clear message, not one traceback per worker
        print(refusal, file=sys.stderr)
        raise SystemExit(2)
    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP, host=host, port=port, workers=workers, log_level=log_level, access_log=access_log)
        return
    _supervise(host, port, workers, log_level, access_log)


def _worker(host: str, port: int, log_level: str, access_log: bool, counts: Any, index: int) -> None:
    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    config = uvicorn.Config(APP, log_level=log_level, access_log=access_log, http=_balancing_protocol(counts, index))
    uvicorn.Server(config).run(sockets=[sock])


def _balancing_protocol(counts: Any, index: int) -> Any:
    """uvicorn's httptools protocol, counting this worker's connections in `counts[index]` and
    closing a keep-alive connection after its next response while the worker holds more than its
    share. ("auto" when httptools is missing: no balancing.)"""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools comes with uvicorn[standard]
        return "auto"

    class Balancing(HttpToolsProtocol):
        closing = 0  # this worker's connections told to close and not yet gone
        told_to_close = False

        def connection_made(self, transport: Any) -> None:
            counts[index] += 1  # this worker's slot: only this process writes it
            super().connection_made(transport)

        def connection_lost(self, exc: Exception | None) -> None:
            counts[index] -= 1
            if self.told_to_close:
                Balancing.closing -= 1
            super().connection_lost(exc)

        def on_headers_complete(self) -> None:
            super().on_headers_complete()
            if self.cycle is not None and not self.told_to_close and _over_share(counts, index, Balancing.closing):
                self.cycle.keep_alive = False  # answered with Connection: close
                self.told_to_close = True
                Balancing.closing += 1

    return Balancing


def _over_share(counts: Any, index: int, closing: int) -> bool:
    """More than its share plus one, not counting those already told to close (else every request
    in flight on a busy worker would close its connection at once, and the workers would pass the
    surplus back and forth). Only once every worker holds a connection: a worker still starting
    is not listening yet, and a connection closed for it would come straight back."""
    return bool(min(counts) > 0 and counts[index] - closing > sum(counts) // len(counts) + 1)


def _supervise(host: str, port: int, workers: int, log_level: str, access_log: bool) -> None:
    context = multiprocessing.get_context("spawn")
    counts = context.Array("i", workers, lock=False)  # open connections per worker
    stopping = False

    def start(index: int) -> BaseProcess:
        counts[index] = 0
        process = context.Process(target=_worker, args=(host, port, log_level, access_log, counts, index),
                                  daemon=False)
        process.start()
        return process

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    processes = [start(n) for n in range(workers)]
    while not stopping:
        time.sleep(0.5)
        for n, process in enumerate(processes):
            if not stopping and process.exitcode is not None:  # a worker died: start another
                processes[n] = start(n)
    for process in processes:
        process.terminate()  # uvicorn finishes the requests in progress on SIGTERM
    for process in processes:
        process.join(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description="Huanxin web server")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="warning")
    parser.add_argument("--no-access-log", action="store_true")
    args = parser.parse_args()
    serve(args.host, args.port, args.workers, log_level=args.log_level, access_log=not args.no_access_log)


if __name__ == "__main__":
    main()
