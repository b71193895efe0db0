"""Uploads against the real server: does one user's spreadsheet hold up everyone else?

On SQLite, with the five seed plans (a fresh database in bench/out/), uvicorn serves the app on
127.0.0.1 (one process; the uploads are parsed in its parse process, kit.parse_process.run_parse). One
reader, the Shaoyang office, opens its ledger page again and again, as one user clicking (a single
client, one request at a time, in a process of its own). Its p50/p95/p99 are measured in four
phases, printed side by side with the ratio of each p95 to the first:

  alone     nobody uploads;
  largest   meanwhile the Ziyang office imports the largest sheet the limits accept (a reference
            price list of 20,000 rows: the header and 19,999 prices of 2,000 models), --uploads times
            one after the other; each must be accepted (201);
  hostile   meanwhile 20 hostile uploads, one after the other, four of each kind: a 30,000-row
            sheet that declares no size (refused at row 20,001 by counting its row tags), a
            200,000-row sheet (the issue's case: its 55 MB of XML are refused from the zip
            directory), a 70 KB .xlsx that inflates to 64 MB (likewise), a 40 MB body (cut at the
            door by the request limit) and an 11 MB file (refused past the 10 MB file limit); each
            must be refused (413);
  alone     nobody uploads, again: how far the machine itself (2 cores shared with other work)
            moved the figures during the run.

The reader is the same client in every phase (one connection, one request at a time) and runs in
its own process, so the uploader's client (this process) never holds the reader's GIL; the CPU
each process used in each phase is printed beside the figures (100 % = one core): the server, its
parse process, the reader and the uploader. Before the phases one small upload starts the parse
process (once in a server worker's life, like the page templates the warm-up reads compile).

The server's resident memory (VmRSS) is read before and after the 20 hostile uploads, and its parse
process's. Goals (issue 10): the reader's p95 under upload stays near its p95 alone, and memory
after the hostile uploads is within 50 MB of before. Every loop is bounded in count and time; only
loopback is used. Results also go to bench/out/uploads.json.

    python bench/uploads.py               # about 2 minutes on 2 cores
    python bench/uploads.py --uploads 1   # one largest upload only
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import multiprocessing
import os
import platform
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import httpx
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin import demo
from huanxin.bootstrap import DEMO_PASSWORD, bootstrap
from huanxin.config import get_settings
from huanxin.db import make_engine
from huanxin.migrate import upgrade
from huanxin.plans.models import Plan

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WINDOW = {"window_start": "2024-05-01", "window_end": "2024-07-31"}
READER, UPLOADER = "shaoyang-office", "ziyang-office"
MIB = 1024 * 1024
MAX_READS = 20_000  # per phase: the reader's loop is bounded by count as well as by the phase
MEMORY_GOAL_MB = 50


# ---- the files -----------------------------------------------------------------------------

def price_sheet(rows: int) -> bytes:
    """A reference-price list: header in row 1, then `rows` prices (10 per model, in the window).
    Written in streaming mode, which declares no dimension: the server must count the rows."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet("价格监测")
    sheet.append(["品类", "品牌", "型号", "价格（元）", "日期"])
    start = dt.date(2024, 5, 1)
    for i in range(rows):
        sheet.append(["空调", "格力", f"KFR-{i // 10:05d}", 2000 + (i % 10) * 10 + i // 10 % 500,
                      start + dt.timedelta(days=i % 90)])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def zip_bomb(inflated: int) -> bytes:
    """A small, valid price list with one more member of `inflated` zero bytes (~1000:1)."""
    out = io.BytesIO(price_sheet(10))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive, archive.open("xl/media/pad.bin", "w") as f:
        block = bytes(MIB)
        for _ in range(inflated // MIB):
            f.write(block)
    return out.getvalue()


@dataclass(frozen=True)
class Upload:
    kind: str
    data: bytes


# ---- the server ----------------------------------------------------------------------------

def build(url: str) -> None:
    started = time.perf_counter()
    demo.reset_database(url)
    engine = make_engine(url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            bootstrap(session)
            session.commit()
    finally:
        engine.dispose()
    print(f"建库（五个种子方案）{time.perf_counter() - started:.1f} 秒", flush=True)


@contextmanager
def server(url: str) -> Iterator[tuple[str, int]]:
    """uvicorn on a free loopback port; (base URL, pid); stopped by its own pid afterwards."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    # a benchmark, not a deployment: no keys of its own are required (config.refusal_to_start)
    env = {**os.environ, "HUANXIN_ENV": "test", "HUANXIN_DATABASE_URL": url}
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "huanxin.web.main:app", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning"], cwd=ROOT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("服务未能启动，见上方错误输出")
            try:
                if httpx.get(base + "/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.3)
        yield base, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def browser(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, "登录页没有 CSRF 令牌"
    done = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                      "csrf_token": csrf.group(1), "next": "/me"})
    assert done.status_code == 303, f"{username} 登录失败：{done.status_code}"
    return client


def api(base: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=120)
    token = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD}).json()["token"]
    client.headers["Authorization"] = f"Bearer {token}"
    return client


# ---- measuring -----------------------------------------------------------------------------

def reader_process(base: str, path: str, conn: Connection) -> None:
    """The other user, in a process of its own: signs in, warms up, then for each ("read", seconds)
    GETs its ledger page in a loop until ("stop",) comes or the time is up, and answers with
    (milliseconds of the 200s, errors, its own CPU seconds)."""
    client = browser(base, READER)
    for _ in range(5):  # warm-up: templates compiled, caches filled
        client.get(path)
    conn.send("ready")
    while (command := conn.recv())[0] == "read":
        ms: list[float] = []
        errors = 0
        cpu = time.process_time()
        deadline = time.monotonic() + command[1]
        while not conn.poll() and time.monotonic() < deadline and len(ms) < MAX_READS:
            started = time.perf_counter()
            status = client.get(path).status_code
            if status == 200:
                ms.append((time.perf_counter() - started) * 1000)
            else:
                errors += 1
        if conn.recv()[0] != "stop":
            raise RuntimeError("unexpected command")
        conn.send((ms, errors, time.process_time() - cpu))


@dataclass
class Phase:
    ms: list[float]
    errors: int
    seconds: float
    cpu: dict[str, float]  # CPU seconds of the phase: server, parse, reader, uploader


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def descendants(pid: int) -> list[int]:
    """The server's child processes and theirs: its parse process (and multiprocessing's helper)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue  # gone meanwhile
    found, todo = [], [pid]
    while todo:
        parent = todo.pop()
        children = [child for child, ppid in parents.items() if ppid == parent]
        found += children
        todo += children
    return found


def tree_cpu(pid: int) -> tuple[float, float]:
    """(the server's CPU seconds, its descendants'), so far."""
    parse = 0.0
    for child in descendants(pid):
        try:
            parse += cpu_seconds(child)
        except OSError:
            continue
    return cpu_seconds(pid), parse


@contextmanager
def reading(conn: Connection, pid: int, phases: dict[str, Phase], name: str, limit_s: float) -> Iterator[None]:
    """One phase: the reader reads while the block runs (at most limit_s)."""
    server0, parse0 = tree_cpu(pid)
    uploader0, started = time.process_time(), time.monotonic()
    conn.send(("read", limit_s))
    try:
        yield
    finally:
        conn.send(("stop",))
        ms, errors, reader_cpu = conn.recv()
        server1, parse1 = tree_cpu(pid)
        phases[name] = Phase(ms, errors, time.monotonic() - started, {
            "server": server1 - server0, "parse": parse1 - parse0, "reader": reader_cpu,
            "uploader": time.process_time() - uploader0})


def send(uploader: httpx.Client, upload: Upload) -> tuple[int, float, str]:
    """(status, seconds, what the server said); a connection the server closed on a body it cut
    at the door counts as its 413 (the client was still sending)."""
    started = time.perf_counter()
    try:
        response = uploader.post("/api/v1/reference-prices/import", data=WINDOW,
                                 files={"file": (f"{upload.kind}.xlsx", upload.data, XLSX)})
    except (httpx.WriteError, httpx.ReadError, httpx.RemoteProtocolError) as exc:
        return 413, time.perf_counter() - started, f"连接被服务端关闭（{type(exc).__name__}）"
    said = response.json().get("error", "") if response.status_code >= 400 else "已导入"
    return response.status_code, time.perf_counter() - started, said


def percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return (values[0],) * 3 if values else (float("nan"),) * 3
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94], q[98]


# ---- the run -------------------------------------------------------------------------------

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--uploads", type=int, default=3, help="imports of the largest accepted sheet (default 3)")
    parser.add_argument("--alone", type=float, default=20.0, help="seconds of the reader alone (default 20)")
    args = parser.parse_args()
    settings = get_settings()
    OUT.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{OUT / 'uploads.sqlite3'}"
    print(f"机器：{machine()}", flush=True)
    build(url)
    started = time.perf_counter()
    largest = Upload("largest", price_sheet(settings.max_upload_rows - 1))
    hostile_kinds = [
        Upload("rows-30k", price_sheet(30_000)),
        Upload("rows-200k", price_sheet(200_000)),
        Upload("zip-bomb", zip_bomb(64 * MIB)),
        Upload("huge-body", bytes(40 * MIB)),
        Upload("oversize-file", bytes(settings.max_upload_bytes + MIB)),
    ]
    hostile = [hostile_kinds[i % len(hostile_kinds)] for i in range(20)]
    print(f"生成文件 {time.perf_counter() - started:.1f} 秒：" + "，".join(
        f"{u.kind} {len(u.data) / MIB:.2f} MB" for u in [largest, *hostile_kinds]), flush=True)
    engine = make_engine(url)
    with Session(engine) as session:
        plan_id = session.scalar(select(Plan.id).where(Plan.city_code == "430500").order_by(Plan.id).limit(1))
    engine.dispose()

    print(f"负载（loadavg，1/5/15 分钟）开始时：{load()}", flush=True)
    spawn = multiprocessing.get_context("spawn")
    with server(url) as (base, pid):
        path = f"/plans/{plan_id}/ledger"
        conn, theirs = spawn.Pipe()
        reader = spawn.Process(target=reader_process, args=(base, path, theirs), daemon=True)
        reader.start()
        try:
            assert conn.poll(120) and conn.recv() == "ready", "读者进程未能登录"
            uploader = api(base, UPLOADER)
            status, seconds, said = send(uploader, Upload("warm-up", price_sheet(10)))
            assert status == 201, said
            print(f"预热：一次小文件上传 {status}，{seconds:.2f} 秒（启动解析进程）", flush=True)
            summary = run_phases(conn, pid, uploader, largest, hostile, args)
            conn.send(("end",))
            reader.join(timeout=30)
        finally:
            if reader.is_alive():
                reader.terminate()
        summary["after_status"] = httpx.get(base + "/login", timeout=10).status_code  # still serving
    print(f"负载（loadavg）结束时：{load()}", flush=True)
    summary["machine"] = machine()
    (OUT / "uploads.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))


def run_phases(conn: Connection, pid: int, uploader: httpx.Client, largest: Upload, hostile: list[Upload],
               args: argparse.Namespace) -> dict[str, Any]:
    phases: dict[str, Phase] = {}
    events: dict[str, list[dict[str, Any]]] = {"largest": [], "hostile": []}
    with reading(conn, pid, phases, "alone", args.alone):
        time.sleep(args.alone)
    with reading(conn, pid, phases, "largest", 600):
        for _ in range(args.uploads):
            status, seconds, said = send(uploader, largest)
            events["largest"].append({"status": status, "seconds": round(seconds, 2), "said": said})
            print(f"  largest: {status} in {seconds:.2f} s  {said[:60]}", flush=True)
    time.sleep(1)
    rss_before = rss_mb(pid), parse_rss_mb(pid)
    with reading(conn, pid, phases, "hostile", 600):
        for upload in hostile:
            status, seconds, said = send(uploader, upload)
            events["hostile"].append({"kind": upload.kind, "status": status, "seconds": round(seconds, 2),
                                      "said": said})
            print(f"  {upload.kind:<14}{status} in {seconds:.2f} s  {said[:70]}", flush=True)
    time.sleep(1)
    rss_after = rss_mb(pid), parse_rss_mb(pid)
    with reading(conn, pid, phases, "alone-2", args.alone):
        time.sleep(args.alone)
    return report(phases, events, rss_before, rss_after)


def report(phases: dict[str, Phase], events: dict[str, list[dict[str, Any]]], rss_before: tuple[float, float],
           rss_after: tuple[float, float]) -> dict[str, Any]:
    alone_p95 = percentiles(phases["alone"].ms)[1]
    rows = []
    print(f"\n另一用户打开工作台账页（GET /plans/…/ledger），毫秒；CPU 为各进程在该阶段的占用（100% = 一个核）\n"
          f"{'phase':<10}{'n':>6}{'p50':>8}{'p95':>8}{'p99':>8}{'p95/alone':>11}{'errors':>7}"
          f"{'server':>9}{'parse':>8}{'reader':>8}{'uploader':>10}")
    for name, phase in phases.items():
        p50, p95, p99 = percentiles(phase.ms)
        share = {k: 100 * v / max(phase.seconds, 1e-9) for k, v in phase.cpu.items()}
        print(f"{name:<10}{len(phase.ms):>6}{p50:>8.1f}{p95:>8.1f}{p99:>8.1f}{p95 / alone_p95:>10.2f}x"
              f"{phase.errors:>7}{share['server']:>8.0f}%{share['parse']:>7.0f}%{share['reader']:>7.0f}%"
              f"{share['uploader']:>9.0f}%")
        rows.append({"phase": name, "n": len(phase.ms), "p50": round(p50, 1), "p95": round(p95, 1),
                     "p99": round(p99, 1), "ratio_p95": round(p95 / alone_p95, 2), "errors": phase.errors,
                     "seconds": round(phase.seconds, 1),
                     "cpu_percent": {k: round(v, 1) for k, v in share.items()}})
    accepted = sum(1 for e in events["largest"] if e["status"] == 201)
    refused = sum(1 for e in events["hostile"] if e["status"] == 413)
    seconds = [e["seconds"] for e in events["largest"]]
    print(f"\n最大可接受表（{len(seconds)} 次）：{accepted} 次导入成功，每次 {min(seconds):.2f}–{max(seconds):.2f} 秒")
    print(f"20 次恶意上传：{refused} 次以 413 拒绝")
    growth = rss_after[0] - rss_before[0]
    verdict = "达标" if growth <= MEMORY_GOAL_MB else "超标"
    print(f"服务端内存（VmRSS）：恶意上传前 {rss_before[0]:.0f} MB，后 {rss_after[0]:.0f} MB，增长 {growth:+.0f} MB"
          f"（目标 ≤ {MEMORY_GOAL_MB} MB：{verdict}）；解析进程 {rss_before[1]:.0f} MB → {rss_after[1]:.0f} MB")
    return {"reader": rows, "uploads": events, "rss_before_mb": round(rss_before[0], 1),
            "rss_after_mb": round(rss_after[0], 1), "rss_growth_mb": round(growth, 1),
            "parse_rss_before_mb": round(rss_before[1], 1), "parse_rss_after_mb": round(rss_after[1], 1)}


def parse_rss_mb(pid: int) -> float:
    """The resident memory of the server's child processes (its parse process and multiprocessing's
    resource tracker)."""
    return sum(rss_mb(child) for child in descendants(pid))


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def machine() -> str:
    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.exists() else []
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    cpu = models[0] if models else platform.machine()
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}")


if __name__ == "__main__":
    main()
