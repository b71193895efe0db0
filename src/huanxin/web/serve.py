"""The web server with several worker processes, each with its own listening socket.

uvicorn's `--workers` shares one socket among the workers, and whichever worker wakes first
accepts everything waiting (asyncio accepts up to the backlog in one go): a burst of new
connections, such as the keep-alive connections of a busy till system or a load balancer, can all
land on one worker while the other idles, and a worker is one core at most. Here each worker binds
its own socket with SO_REUSEPORT, and the kernel spreads new connections over them by a hash of
their addresses. Where SO_REUSEPORT does not exist (not Linux), or with one worker, it is plain
uvicorn. A worker that dies is started again.

    python -m huanxin.web.serve --host 127.0.0.1 --port 8000 --workers 2
"""

from __future__ import annotations

import argparse
import multiprocessing
import signal
import socket
import time
from multiprocessing.process import BaseProcess
from types import FrameType

APP = "huanxin.web.main:app"


def serve(host: str, port: int, workers: int, *, log_level: str = "warning", access_log: bool = True) -> None:
    import uvicorn

    if workers <= 1 or not hasattr(socket, "SO_REUSEPORT"):
        uvicorn.run(APP, host=host, port=port, workers=workers, log_level=log_level, access_log=access_log)
        return
    _supervise(host, port, workers, log_level, access_log)


def _worker(host: str, port: int, log_level: str, access_log: bool) -> None:
    import uvicorn

    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.set_inheritable(True)
    config = uvicorn.Config(APP, log_level=log_level, access_log=access_log)
    uvicorn.Server(config).run(sockets=[sock])


def _supervise(host: str, port: int, workers: int, log_level: str, access_log: bool) -> None:
    context = multiprocessing.get_context("spawn")
    stopping = False

    def start() -> BaseProcess:
        process = context.Process(target=_worker, args=(host, port, log_level, access_log), daemon=False)
        process.start()
        return process

    def stop(_signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    processes = [start() for _ in range(workers)]
    while not stopping:
        time.sleep(0.5)
        for n, process in enumerate(processes):
            if not stopping and process.exitcode is not None:  # a worker died: start another
                processes[n] = start()
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
