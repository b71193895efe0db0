"""`huanxin serve --workers N` (huanxin.web.serve): every worker has its own listening socket, so
a burst of keep-alive connections is spread over the workers instead of all being accepted by one,
and a worker holding more than its share closes keep-alive connections until they are even;
a worker that dies is replaced, and SIGTERM stops them all. Runs the real server on the test
database (conftest has set HUANXIN_DATABASE_URL; the subprocess inherits it)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _workers(supervisor: int) -> list[int]:
    """The supervisor's worker processes (its children running uvicorn)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == supervisor and b"spawn_main" in command:
                found.append(int(entry.name))
    return found


def _owner_of_connection(port: int, local_port: int) -> int | None:
    """The pid whose socket holds the server side of the connection from `local_port`."""
    wanted = f"0100007F:{port:04X} 0100007F:{local_port:04X}"
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if f"{parts[1]} {parts[2]}" == wanted:
            inode = parts[9]
    if inode is None:
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            for fd in (entry / "fd").iterdir():
                if os.readlink(fd) == f"socket:[{inode}]":
                    return int(entry.name)
        except OSError:
            continue
    return None


@pytest.fixture()
def server() -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    if sys.platform != "linux":
        pytest.skip("SO_REUSEPORT workers are a Linux feature")
    port = _free_port()
    process = subprocess.Popen([sys.executable, "-m", "huanxin.web.serve", "--port", str(port), "--workers", "2",
                                "--no-access-log"], cwd=ROOT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # both workers listening (one answering is not enough)
        try:
            if _listening(port) == 2 and _get(port, "/login") == 200:
                break
        except OSError:
            pass
        time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("服务 60 秒内未就绪")
    yield process, port
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()


def _listening(port: int) -> int:
    """How many sockets listen on the port (state 0A in /proc/net/tcp): one per ready worker."""
    return sum(1 for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
               if line.split()[1] == f"0100007F:{port:04X}" and line.split()[3] == "0A")


def _get(port: int, path: str) -> int:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path)
        return connection.getresponse().status
    finally:
        connection.close()


def test_a_burst_of_connections_is_spread_over_both_workers(server: tuple[subprocess.Popen[bytes], int]) -> None:
    process, port = server
    connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(32)]
    try:
        for connection in connections:
            connection.connect()
        time.sleep(0.5)  # accepted by the workers
        # who holds each, before any answer (an answer may close it: the workers rebalance)
        owners = {_owner_of_connection(port, connection.sock.getsockname()[1]) for connection in connections}
        for connection in connections:
            connection.request("GET", "/login")
            response = connection.getresponse()
            response.read()
            assert response.status == 200
    finally:
        for connection in connections:
            connection.close()
    workers = set(_workers(process.pid))
    assert len(workers) == 2
    assert owners == workers  # 32 connections all on one worker: 1 in 2**31


def test_keep_alive_connections_are_rebalanced_between_the_workers(
        server: tuple[subprocess.Popen[bytes], int]) -> None:
    """Forty keep-alive connections held 30 on one worker and 10 on the other: the busier one
    answers with Connection: close until it holds at most its share plus one, and the clients'
    new connections land by a new hash."""
    process, port = server
    opened = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(80)]
    for connection in opened:
        connection.connect()
    time.sleep(0.5)  # accepted by the workers
    by_worker: dict[int | None, list[http.client.HTTPConnection]] = {}
    for connection in opened:
        by_worker.setdefault(_owner_of_connection(port, connection.sock.getsockname()[1]), []).append(connection)
    busy, quiet = sorted(by_worker.values(), key=len, reverse=True)[:2]
    connections = busy[:30] + quiet[:10]
    for connection in opened:
        if connection not in connections:
            connection.close()
    closed = 0
    try:
        for _ in range(20):  # rounds of one request on every connection, reconnecting when told to
            for connection in connections:
                connection.request("GET", "/login")
                response = connection.getresponse()
                response.read()
                assert response.status == 200
                if response.getheader("connection", "").lower() == "close":
                    closed += 1
                    connection.close()
                    connection.connect()
        time.sleep(0.5)  # the last reconnections accepted
        owners = [_owner_of_connection(port, connection.sock.getsockname()[1]) for connection in connections]
    finally:
        for connection in connections:
            connection.close()
    per_worker = [owners.count(pid) for pid in _workers(process.pid)]
    assert sum(per_worker) == 40 and max(per_worker) <= 21, (per_worker, closed)
    assert closed >= 9  # the busy worker gave up at least the 9 above its share plus one


def test_a_dead_worker_is_replaced_and_sigterm_stops_all(server: tuple[subprocess.Popen[bytes], int]) -> None:
    process, port = server
    first = _workers(process.pid)
    os.kill(first[0], signal.SIGKILL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        now = _workers(process.pid)
        if len(now) == 2 and first[0] not in now:
            break
        time.sleep(0.2)
    else:
        pytest.fail("被杀死的工作进程 30 秒内没有被替换")
    assert all(_get(port, "/login") == 200 for _ in range(10))
    workers = _workers(process.pid)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    time.sleep(0.5)
    assert not any(Path(f"/proc/{pid}").exists() for pid in workers)
