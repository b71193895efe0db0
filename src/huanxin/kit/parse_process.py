"""The upload parse process of a server worker: the CPU-heavy part of reading an upload (opening a
workbook and streaming its rows, a .docx's or a .pdf's text) runs here, not in the server.

A thread that parses holds Python's GIL, which the server's event loop needs for every other
user's request (a 20,000-row sheet took the GIL for a second, and the other users' p95 doubled);
a process holds none of it. One small process per server worker, started lazily, at a lower CPU
priority; a parse is stopped after PARSE_TIMEOUT_S, and only MAX_PARSES_IN_FLIGHT may wait.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, ParamSpec, TypeVar

from huanxin.errors import DomainError
from huanxin.kit.upload_errors import FIELD, UnreadableUpload, UploadTooLarge

P = ParamSpec("P")
T = TypeVar("T")

# One parse at a time per server worker: a parse is one core's work, and the machine's other
# cores serve requests. Parses waiting for it hold a server thread each, so only a few may wait.
PARSE_PROCESSES = 1
MAX_PARSES_IN_FLIGHT = 4
# The parse process yields the CPU to the server's workers when both want it (Unix niceness).
PARSE_NICENESS = 10
# A parse that runs longer than this is stopped (its process killed, a new one started for the next
# upload): within the limits a sheet takes a second or two, so only a file made to trap a parser,
# or a parser's bug, gets here, and it must not keep this worker's uploads waiting behind it.
PARSE_TIMEOUT_S = 60.0

_pool: ProcessPoolExecutor | None = None
_pool_pid = 0  # the process that started _pool: a forked copy must not use its parent's pool
_pool_lock = threading.Lock()
_in_flight = threading.BoundedSemaphore(MAX_PARSES_IN_FLIGHT)
_last_parse_pid: int | None = None


class ParserBusy(DomainError):
    """Too many uploads are being parsed at once on this server worker."""

    status_code = 503


def run_parse(parse: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`parse(*args, **kwargs)` in the parse process, waited for in the calling thread (a worker
    thread, never the event loop). `parse` must be a module-level function; its arguments and its
    result plain values. A DomainError it raises (UploadTooLarge, InvalidInput…) is raised here
    as it was, with its message, field and errors. (The parse process is spawned, and imports the
    main module again: a script that parses must keep its work under `if __name__ == "__main__"`.)"""
    global _last_parse_pid
    if not _in_flight.acquire(blocking=False):
        raise ParserBusy("服务器正在解析其他用户上传的文件，请稍后再上传", field=FIELD)
    try:
        pid, value = _call(parse, args, kwargs)
    finally:
        _in_flight.release()
    _last_parse_pid = pid
    return value


def _call(parse: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[int, T]:
    for attempt in range(2):
        pool = _parse_pool()
        try:
            return pool.submit(_parse_here, parse, args, kwargs).result(timeout=PARSE_TIMEOUT_S)
        except TimeoutError:
            _discard(pool, kill=True)
            raise UploadTooLarge(f"文件解析超过 {PARSE_TIMEOUT_S:.0f} 秒的上限，已停止；请删减内容或分批上传") from None
        except (BrokenProcessPool, CancelledError):
            # Stopped by another upload's timeout (that thread discarded the pool first): once more,
            # in a fresh process. Else the process died under this file (killed for its memory, say):
            # the next parse starts a fresh one, and this file is answered as unreadable, not a 500.
            if not _discard(pool) and attempt == 0:
                continue
            raise UnreadableUpload("文件无法解析（解析进程意外退出），请用 Excel/WPS 重新保存后上传",
                                   field=FIELD) from None
    raise AssertionError("unreachable")  # pragma: no cover


def _parse_here(parse: Callable[..., T], args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[int, T]:
    return os.getpid(), parse(*args, **kwargs)


def _parse_pool() -> ProcessPoolExecutor:
    """This process's pool, started on first use, so that each server worker (a process of its
    own, see web.serve) starts its own. 'spawn', not fork: a fork would copy a process that holds
    threads and database connections."""
    global _pool, _pool_pid
    with _pool_lock:
        if _pool is None or _pool_pid != os.getpid():
            _pool = ProcessPoolExecutor(max_workers=PARSE_PROCESSES, mp_context=multiprocessing.get_context("spawn"),
                                        initializer=_start_parse_process)
            _pool_pid = os.getpid()
        return _pool


def _discard(pool: ProcessPoolExecutor, *, kill: bool = False) -> bool:
    """Stops using `pool`; whether this call was the one to (another thread may have been first)."""
    global _pool
    with _pool_lock:
        mine = _pool is pool
        if mine:
            _pool = None
    if kill:  # the executor cannot stop a running call: its process is killed (a private field)
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
    pool.shutdown(wait=False, cancel_futures=True)
    return mine


def _start_parse_process() -> None:
    """Runs once in a new parse process: openpyxl's size patch (kit.uploads) is put in force
    there before any parse."""
    import huanxin.kit.uploads  # noqa: F401  (importing it patches openpyxl)

    # Stopped by its server worker (shutdown_parser, or the worker's exit), not by the Ctrl-C a
    # terminal sends to the whole process group.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(os, "nice"):
        os.nice(PARSE_NICENESS)


def shutdown_parser() -> None:
    """Stops this process's parse process, if it started one (the app's shutdown); a later parse
    starts another."""
    global _pool
    with _pool_lock:
        pool, _pool = _pool, None
        mine = _pool_pid == os.getpid()
    if pool is not None and mine:
        pool.shutdown(wait=True, cancel_futures=True)


def last_parse_pid() -> int | None:
    """The pid of the process that ran this process's latest parse (for the tests)."""
    return _last_parse_pid
