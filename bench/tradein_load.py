"""Claim submissions at load, on the real server: the trade-in HTTP API under 64 concurrent clients.

For each database (SQLite, and PostgreSQL when HUANXIN_BENCH_PG_URL is set) and each worker count
(server workers 1 and 2, `python -m huanxin.web.serve`: a listening socket per worker):

1. a fresh database with one city: the 2026 appliance and digital programmes open today with a
   pool big enough never to run dry, one admitted retailer and N residents (--residents) with
   real-name identities and bank cards (the Person rows are bulk-inserted with the fields computed
   exactly as identity.register_person / set_bank_card compute them), each with a signed-in API
   session (tokens written straight into the session table: N scrypt logins would take minutes and
   are not what is measured). The work list is every (resident, programme, category): 15 per
   resident today (12 appliance + 3 digital categories), so 4,000 residents give 60,000 items;
2. the server (huanxin.web.serve) serves the app on 127.0.0.1; after a short warm-up (and ANALYZE on
   PostgreSQL, as autovacuum keeps statistics on a running system), three phases against that server,
   each with 64 clients (--clients) on persistent HTTP/1.1 connections:
   - qualifications: each client takes the next work item and POSTs /qualifications as the
     resident (with an Idempotency-Key) for --qual-duration seconds or until the work runs out;
     printed: qualifications acknowledged (201) per second, p50 / p99 latency, statuses;
   - claims: each client takes the next qualification acknowledged in the phase before and POSTs
     its redemption (/claims, as the retailer, with an Idempotency-Key) for --duration seconds or
     until the qualifications run out (then the phase ends early; the number available is
     printed); printed: **claim submissions per second** (2xx acknowledged / wall time), p50 / p99,
     statuses. The goal is judged on this phase;
   - paired (the earlier measure): each client takes the next fresh work item and submits the
     qualification and then its redemption, for --paired-duration seconds; printed: claims per
     second, requests per second, p50 / p99 per endpoint;
   every phase also prints the load generator's own CPU per request (time.process_time).

The client is bench/httpload.py: stdlib asyncio on uvloop, hand-built HTTP/1.1 requests on
keep-alive connections, a few tens of microseconds of CPU per request (httpx spent 0.5-1 ms, which
on a 2-core machine competes with the server and the database). Latencies are time.perf_counter
around each request.

Then the crash test (once per database, on the last worker count, fresh work items): a
qualifications phase sized so that the claims phase after it is still busy at the kill, then a
claims phase during which the server is SIGKILLed (its whole process group) after --kill-after
seconds, restarted, and checked: every acknowledged (2xx) qualification and claim is in the
database, no claim is half-written (a claim without its events, a used qualification without its
claim), `huanxin ledger verify` passes, and /login answers 200 after the restart.

Finally the batch-evaluation ratio from bench/tradein_batch.py (a smaller size; run that script
for the 1-million figure). Results go to bench/out/tradein_load.json.

    python bench/tradein_load.py                      # SQLite (and PostgreSQL if configured)
    python bench/tradein_load.py --quick              # SQLite only, one worker count, short phases
    HUANXIN_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench \
        python bench/tradein_load.py --databases postgresql --workers 2

Goal (issue 4): ≥ 1,000 claim submissions/s sustained on PostgreSQL with p99 < 100 ms (claims phase).
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import hashlib
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from httpload import Client, Connection, TransportError  # noqa: E402  (bench/httpload.py)
from httpload import run as run_loop  # noqa: E402

from huanxin import demo  # noqa: E402
from huanxin.bootstrap import DEMO_PASSWORD, load_regions  # noqa: E402
from huanxin.db import make_engine  # noqa: E402
from huanxin.kit import pii  # noqa: E402
from huanxin.kit.clock import now, today  # noqa: E402
from huanxin.kit.identifiers import (  # noqa: E402
    credit_check_char,
    id_check_char,
    luhn_complete,
    validate_bank_card,
    validate_id_number,
)
from huanxin.kit.passwords import hash_password  # noqa: E402
from huanxin.ledger import service as ledger_service  # noqa: E402
from huanxin.migrate import upgrade  # noqa: E402
from huanxin.orgs import service as orgs_service  # noqa: E402
from huanxin.orgs.models import User, UserSession  # noqa: E402
from huanxin.orgs.roles import Role  # noqa: E402
from huanxin.tradein.claims import evaluation  # noqa: E402
from huanxin.tradein.models import Claim, ClaimEvent, Person, Qualification, Retailer  # noqa: E402
from huanxin.tradein.programmes import setup as programmes_service  # noqa: E402
from huanxin.tradein.residents import identity  # noqa: E402

OUT = ROOT / "bench" / "out"
CITY = "512000"
CLIENTS = 64
PROGRAMMES = ("appliance-city-2026", "digital-city-2026")
PRICES = {"appliance": 399900, "digital": 299900}
GOAL_RATE = 1000.0
GOAL_P99_MS = 100.0
QUAL_PATH = "/api/v1/tradein/qualifications"
CLAIM_PATH = "/api/v1/tradein/claims"

WorkItem = tuple[int, int, str, str]  # (resident index, programme id, category, kind)
T = TypeVar("T")


# ---- the deployment -----------------------------------------------------------------------------

@dataclass
class Deployment:
    url: str
    retailer_token: str
    residents: list[str]  # API tokens
    work: list[WorkItem]


def _token_rows(user_ids: list[int]) -> tuple[list[str], list[dict[str, Any]]]:
    tokens, rows = [], []
    started = now()
    for uid in user_ids:
        token = secrets.token_urlsafe(32)
        tokens.append(token)
        rows.append({"token_hash": hashlib.sha256(token.encode()).hexdigest(), "user_id": uid,
                     "csrf_token": secrets.token_urlsafe(24), "created_at": started,
                     "expires_at": started + dt.timedelta(hours=12)})
    return tokens, rows


def _id_number(k: int) -> str:
    first17 = f"512002{dt.date(1960, 1, 1) + dt.timedelta(days=k // 900):%Y%m%d}{k % 900:03d}"
    return first17 + id_check_char(first17)


def _card(k: int) -> str:
    body = f"622202{k:012d}"
    return luhn_complete(body)


def _person_rows(user_ids: list[int]) -> list[dict[str, Any]]:
    """The Person rows identity.register_person + identity.set_bank_card would write (same
    validation, keyed hashes, encryption and masks), for one bulk INSERT instead of 2 × N flushes."""
    created, rows = now(), []
    for i, uid in enumerate(user_ids):
        number = validate_id_number(_id_number(i))
        name = identity.clean_name(f"压测居民{i % 997:03d}")
        card = validate_bank_card(_card(i), field="bank_card")
        rows.append({"id_hash": identity.id_hash(number), "id_enc": pii.encrypt(number),
                     "id_masked": pii.mask_id(number), "name_enc": pii.encrypt(name),
                     "name_masked": pii.mask_name(name), "created_at": created, "user_id": uid,
                     "bank_card_hash": pii.keyed_hash("card", card), "bank_card_enc": pii.encrypt(card),
                     "bank_card_masked": pii.mask_card(card)})
    return rows


def build(url: str, residents: int) -> Deployment:
    """A fresh database: migrations, regions, one city's programmes, a retailer, residents."""
    demo.reset_database(url)
    engine = make_engine(url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            load_regions(session)
            settings = {code: {"starts_on": dt.date(2026, 1, 1), "ends_on": dt.date(2026, 12, 31),
                               "qualification_days": 7} for code in PROGRAMMES}
            programmes = programmes_service.setup_city_programmes(
                session, CITY, {code: 50_000_000_000 for code in PROGRAMMES}, settings=settings)
            hashed = hash_password(DEMO_PASSWORD)
            unit = orgs_service.ensure_unit(session, city_code=CITY, name="压测家电卖场", kind="retailer", aliases=[],
                                            region_code="512002")
            first17 = "91512000MA6BENCH0"
            session.add(Retailer(city_code=CITY, unit_id=unit.id, name=unit.name,
                                 credit_code=first17 + credit_check_char(first17), region_code="512002",
                                 kinds=["appliance", "digital"], status="admitted", admitted_on=dt.date(2026, 1, 1)))
            shop = orgs_service.create_user(session, username="bench-retailer", password=DEMO_PASSWORD,
                                            display_name="压测商户", role=Role.RETAILER, city_code=CITY,
                                            unit_id=unit.id, password_hash=hashed)
            user_ids = list(session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), [
                {"username": f"bench-resident{i:05d}", "display_name": f"居民{i}", "password_hash": hashed,
                 "role": Role.RESIDENT.value, "city_code": CITY, "unit_id": None, "active": True}
                for i in range(residents)]))
            session.execute(insert(Person), _person_rows(user_ids))
            tokens, rows = _token_rows([shop.id, *user_ids])
            session.execute(insert(UserSession), rows)
            work = []
            for programme in programmes:
                for category in evaluation.categories(programme.rules_code, today()):
                    for i in range(residents):
                        work.append((i, programme.id, category, programme.kind))
            work.sort(key=lambda w: (w[2], w[0]))  # residents interleave: no two clients share a person often
            session.commit()
    finally:
        engine.dispose()
    return Deployment(url=url, retailer_token=tokens[0], residents=tokens[1:], work=work)


# ---- the server ---------------------------------------------------------------------------------

def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get_status(url: str, timeout: float) -> int:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def _listening(port: int) -> int | None:
    """How many sockets listen on the port on 127.0.0.1 (Linux; None elsewhere)."""
    table = Path("/proc/net/tcp")
    if not table.exists():
        return None
    wanted = f"0100007F:{port:04X}"
    return sum(1 for line in table.read_text().splitlines()[1:]
               if line.split()[1] == wanted and line.split()[3] == "0A")


class Server:
    """uvicorn in its own process group, so a SIGKILL takes its workers down with it."""

    def __init__(self, url: str, workers: int) -> None:
        self.url, self.workers = url, workers
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        # a benchmark, not a deployment: no keys of its own are required (config.refusal_to_start)
        env = {**os.environ, "HUANXIN_ENV": "test", "HUANXIN_DATABASE_URL": self.url}
        # huanxin.web.serve: with several workers, each has its own socket (SO_REUSEPORT), so
        # the 64 connections opened at once are spread over them rather than all accepted by one
        args = [sys.executable, "-m", "huanxin.web.serve", "--host", "127.0.0.1", "--port", str(self.port),
                "--workers", str(self.workers), "--no-access-log"]
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("服务启动失败")
            try:
                # every worker listening, not only the first one answering: connections opened
                # while the second is still starting all land on the first
                ready = _listening(self.port) in (None, self.workers)
                if ready and _get_status(self.base + "/login", timeout=2) == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError("服务 60 秒内未就绪")

    def kill(self) -> None:
        """SIGKILL to the server's own process group (the uvicorn supervisor and its workers)."""
        assert self.proc is not None
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()


# ---- the load -----------------------------------------------------------------------------------

@dataclass
class Load:
    latencies: dict[str, list[float]] = field(default_factory=lambda: {"qualification": [], "claim": []})
    statuses: Counter[str] = field(default_factory=Counter)
    acked_qualifications: list[tuple[int, WorkItem]] = field(default_factory=list)  # (id, the item)
    acked_claims: list[int] = field(default_factory=list)
    transport_errors: int = 0
    available: int = 0  # items the phase could take
    taken: int = 0  # items it took
    started: float = 0.0
    ended: float = 0.0
    cpu: float = 0.0  # the load generator's CPU seconds over the phase
    server_cpu: float | None = None  # the uvicorn process group's CPU seconds (Linux /proc)
    machine_busy: float | None = None  # share of all cores busy over the phase (anyone's: PostgreSQL too)

    @property
    def seconds(self) -> float:
        return max(self.ended - self.started, 1e-9)

    @property
    def requests(self) -> int:
        return sum(len(v) for v in self.latencies.values())

    @property
    def ran_out(self) -> bool:
        return self.taken >= self.available


def _cpu_snapshot(pgid: int | None) -> tuple[float, float, float] | None:
    """(CPU seconds of process group `pgid`, busy and total CPU seconds of the machine), from
    /proc; None where there is no /proc."""
    try:
        tick = os.sysconf("SC_CLK_TCK")
        group = 0
        if pgid:
            for entry in os.scandir("/proc"):
                if not entry.name.isdigit():
                    continue
                try:
                    with open(f"/proc/{entry.name}/stat", encoding="latin-1") as f:
                        stat = f.read()
                except OSError:
                    continue
                fields = stat[stat.rfind(")") + 2:].split()
                if int(fields[2]) == pgid:
                    group += int(fields[11]) + int(fields[12])
        with open("/proc/stat", encoding="latin-1") as f:
            jiffies = [int(x) for x in f.readline().split()[1:9]]
    except (OSError, ValueError, IndexError):
        return None
    total = sum(jiffies)
    return group / tick, (total - jiffies[3] - jiffies[4]) / tick, total / tick


def _headers(token: str, key: str) -> bytes:
    return b"Authorization: Bearer %s\r\nIdempotency-Key: %s\r\n" % (token.encode(), key.encode())


async def _post(conn: Connection, load: Load, kind: str, path: str, token: str, key: str,
                body: dict[str, Any]) -> tuple[int, bytes]:
    data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode()
    headers = _headers(token, key)
    t = time.perf_counter()
    status, payload = await conn.post_json(path, data, headers)
    load.latencies[kind].append((time.perf_counter() - t) * 1000)
    load.statuses[f"{kind} {status}"] += 1
    return status, payload


def _claim_body(qid: int, item: WorkItem, key: str) -> dict[str, Any]:
    serial = hashlib.sha1(key.encode()).hexdigest()[:16].upper()
    # resident i was registered with _id_number(i): the till presents it with the qualification
    return {"qualification_id": qid, "id_number": _id_number(item[0]), "category": item[2],
            "price_fen": PRICES[item[3]],
            "invoice_no": f"INV{serial}", "invoice_date": today().isoformat(), "brand": "海尔",
            "model": "BENCH-1", "efficiency_grade": 1, "serial": serial}


async def _qualify(conn: Connection, dep: Deployment, load: Load, item: WorkItem, tag: str) -> int | None:
    resident, programme_id, category, _ = item
    status, payload = await _post(conn, load, "qualification", QUAL_PATH, dep.residents[resident],
                                  f"q-{tag}-{resident}-{programme_id}-{category}",
                                  {"programme_id": programme_id, "category": category})
    if status != 201:
        return None
    qid = int(json.loads(payload)["id"])
    load.acked_qualifications.append((qid, item))
    return qid


async def _claim(conn: Connection, dep: Deployment, load: Load, qid: int, item: WorkItem, tag: str) -> None:
    resident, programme_id, category, _ = item
    key = f"c-{tag}-{resident}-{programme_id}-{category}"
    status, payload = await _post(conn, load, "claim", CLAIM_PATH, dep.retailer_token, key,
                                  _claim_body(qid, item, key))
    if 200 <= status < 300:
        load.acked_claims.append(int(json.loads(payload)["id"]))


async def _drive(server: Server, items: Sequence[T], job: Callable[[Connection, T, Load], Awaitable[None]], *,
                 duration: float, stop_on_error: bool = False) -> Load:
    """CLIENTS clients on their own keep-alive connections; each takes the next item and runs the
    job on it, until the time bound or the items run out, or (crash test) after the first
    transport error once the server is gone."""
    load = Load(available=len(items))
    deadline = time.monotonic() + duration
    gone = False

    async def client_loop(conn: Connection) -> None:
        nonlocal gone
        while not gone and load.taken < len(items) and time.monotonic() < deadline:
            item = items[load.taken]
            load.taken += 1
            try:
                await job(conn, item, load)
            except TransportError:
                if stop_on_error:
                    gone = True

    pgid = server.proc.pid if server.proc is not None else None
    async with Client("127.0.0.1", server.port, CLIENTS, timeout=60) as client:
        await client.connect_all()
        before = _cpu_snapshot(pgid)
        load.cpu, load.started = time.process_time(), time.perf_counter()
        await asyncio.gather(*(client_loop(conn) for conn in client.connections))
        load.ended, load.cpu = time.perf_counter(), time.process_time() - load.cpu
        after = _cpu_snapshot(pgid)
        load.transport_errors = client.stats.transport_errors
    if before is not None and after is not None:
        load.server_cpu = after[0] - before[0]
        load.machine_busy = (after[1] - before[1]) / max(after[2] - before[2], 1e-9)
    return load


def qualifications_phase(server: Server, dep: Deployment, work: Sequence[WorkItem], *, duration: float,
                         tag: str) -> Load:
    async def job(conn: Connection, item: WorkItem, load: Load) -> None:
        await _qualify(conn, dep, load, item, tag)

    return run_loop(_drive(server, work, job, duration=duration))


def claims_job(dep: Deployment, tag: str) -> Callable[[Connection, tuple[int, WorkItem], Load], Awaitable[None]]:
    async def job(conn: Connection, acked: tuple[int, WorkItem], load: Load) -> None:
        await _claim(conn, dep, load, acked[0], acked[1], tag)

    return job


def paired_phase(server: Server, dep: Deployment, work: Sequence[WorkItem], *, duration: float, tag: str) -> Load:
    async def job(conn: Connection, item: WorkItem, load: Load) -> None:
        qid = await _qualify(conn, dep, load, item, tag)
        if qid is not None:
            await _claim(conn, dep, load, qid, item, tag)

    return run_loop(_drive(server, work, job, duration=duration))


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def _lat(values: list[float]) -> dict[str, float]:
    return {"p50": round(_pct(values, 0.5), 1), "p99": round(_pct(values, 0.99), 1)}


def summarise(phase: str, load: Load) -> dict[str, Any]:
    """Prints the phase's lines; returns its record for the JSON report."""
    cpu_us = load.cpu / max(load.requests, 1) * 1e6
    out: dict[str, Any] = {
        "seconds": round(load.seconds, 1), "requests": load.requests,
        "requests_per_s": round(load.requests / load.seconds, 1), "available": load.available,
        "taken": load.taken, "ran_out": load.ran_out, "statuses": dict(sorted(load.statuses.items())),
        "transport_errors": load.transport_errors, "client_cpu_us_per_request": round(cpu_us, 1),
    }
    cpu = f"CPU 每请求：压测客户端 {cpu_us:.0f} µs"
    if load.server_cpu is not None and load.machine_busy is not None:
        server_ms = load.server_cpu / max(load.requests, 1) * 1000
        out.update(server_cpu_ms_per_request=round(server_ms, 2), machine_busy=round(load.machine_busy, 3))
        cpu += f"，服务进程 {server_ms:.1f} ms；整机 CPU 占用 {load.machine_busy:.0%}"
    if phase == "qualifications":
        n = len(load.acked_qualifications)
        lat = _lat(load.latencies["qualification"])
        out.update(qualifications=n, qualifications_per_s=round(n / load.seconds, 1), latency_ms=lat)
        print(f"    资格阶段：{n} 个资格 / {out['seconds']} 秒 = {out['qualifications_per_s']} 个/秒；"
              f"p50 {lat['p50']} / p99 {lat['p99']} ms；{cpu}"
              + ("；工作项已用完" if load.ran_out else ""), flush=True)
    elif phase == "claims":
        n = len(load.acked_claims)
        lat = _lat(load.latencies["claim"])
        out.update(claims=n, claims_per_s=round(n / load.seconds, 1), latency_ms=lat)
        used = "已用完，提前结束" if load.ran_out else f"用了 {load.taken} 个"
        ran_out = f"；可用资格 {load.available} 个，{used}"
        print(f"    核销阶段：{n} 笔申请 / {out['seconds']} 秒 = {out['claims_per_s']} 笔/秒；"
              f"p50 {lat['p50']} / p99 {lat['p99']} ms{ran_out}；{cpu}", flush=True)
    else:
        n = len(load.acked_claims)
        lats = {k: _lat(v) for k, v in load.latencies.items()}
        out.update(claims=n, claims_per_s=round(n / load.seconds, 1), latency_ms=lats)
        print(f"    配对阶段（资格＋核销）：{n} 笔申请 / {out['seconds']} 秒 = {out['claims_per_s']} 笔/秒"
              f"（请求 {out['requests_per_s']} 次/秒）；资格 p50 {lats['qualification']['p50']} / p99 "
              f"{lats['qualification']['p99']} ms，核销 p50 {lats['claim']['p50']} / p99 {lats['claim']['p99']} ms；"
              f"{cpu}", flush=True)
    errors = {k: v for k, v in load.statuses.items() if not k.split()[-1].startswith("2")}
    print(f"      状态：{dict(sorted(load.statuses.items()))}；错误：{errors or '无'}；"
          f"连接错误 {load.transport_errors}", flush=True)
    return out


# ---- the crash test -----------------------------------------------------------------------------

def crash_test(dep: Deployment, workers: int, kill_after: float, offset: int, *, claims_per_s: float,
               qual_cap: float) -> dict[str, Any]:
    """Qualifications first (enough that the claims phase is still busy at the kill: the claim
    rate measured before × (kill_after + 3) s × 1.5), then a claims phase with a SIGKILL in it."""
    server = Server(dep.url, workers)
    server.start()
    work = dep.work[offset:]
    target = min(len(work), max(CLIENTS * 8, int(claims_per_s * (kill_after + 3) * 1.5)))
    quals = qualifications_phase(server, dep, work[:target], duration=qual_cap, tag="crash")
    acked_quals = quals.acked_qualifications
    print(f"  崩溃测试：先申领 {len(acked_quals)} 个资格（{quals.seconds:.1f} 秒），再核销，"
          f"负载 {kill_after} 秒时 SIGKILL", flush=True)
    killed_mid_load = False

    async def run() -> Load:
        nonlocal killed_mid_load
        task = asyncio.create_task(_drive(server, acked_quals, claims_job(dep, "crash"),
                                          duration=kill_after + 30, stop_on_error=True))
        await asyncio.sleep(kill_after)
        killed_mid_load = not task.done()
        server.kill()
        return await task

    load = run_loop(run())
    print(f"  SIGKILL 于核销负载 {kill_after} 秒时{'' if killed_mid_load else '（注意：核销已先结束，未在负载中途）'}："
          f"已确认 {len(load.acked_claims)} 笔申请（共 {len(acked_quals)} 个资格可用）；重启服务后核对 …", flush=True)
    server.start()  # the restart: recovery is the database's own (WAL / PostgreSQL crash recovery)
    try:
        qual_ids = [qid for qid, _ in acked_quals]
        engine = make_engine(dep.url)
        with Session(engine) as session:
            found_claims: set[int] = set()
            found_quals: set[int] = set()
            for i in range(0, max(len(load.acked_claims), len(qual_ids)), 5000):
                found_claims |= set(session.scalars(select(Claim.id).where(
                    Claim.id.in_(load.acked_claims[i:i + 5000]))))
                found_quals |= set(session.scalars(select(Qualification.id).where(
                    Qualification.id.in_(qual_ids[i:i + 5000]))))
            half_claims = session.scalar(select(func.count()).select_from(Claim).where(
                ~select(ClaimEvent.id).where(ClaimEvent.claim_id == Claim.id).exists()))
            used_without_claim = session.scalar(select(func.count()).select_from(Qualification).where(
                Qualification.status == "used",
                ~select(Claim.id).where(Claim.qualification_id == Qualification.id).exists()))
            verified = ledger_service.verify(session)
        engine.dispose()
        health = _get_status(server.base + "/login", timeout=5)
    finally:
        server.stop()
    result = {
        "qualifications_phase_s": round(quals.seconds, 1), "killed_mid_load": killed_mid_load,
        "acked_claims": len(load.acked_claims), "missing_claims": len(set(load.acked_claims) - found_claims),
        "acked_qualifications": len(qual_ids), "missing_qualifications": len(set(qual_ids) - found_quals),
        "claims_without_events": int(half_claims or 0),
        "used_qualifications_without_claim": int(used_without_claim or 0),
        "ledger_ok": verified.ok, "transfers": verified.transfers_checked, "restart_status": health,
        "transport_errors": load.transport_errors,
    }
    ok = (not result["missing_claims"] and not result["missing_qualifications"] and not half_claims
          and not used_without_claim and verified.ok and health == 200)
    print(f"  结果：{'通过' if ok else '失败'} — 缺失申请 {result['missing_claims']}，缺失资格 "
          f"{result['missing_qualifications']}，无事件的申请 {result['claims_without_events']}，"
          f"已用而无申请的资格 {result['used_qualifications_without_claim']}，账本核对 "
          f"{'通过' if verified.ok else '失败'}（{verified.transfers_checked} 笔转账），重启后 /login {health}",
          flush=True)
    result["ok"] = ok
    return result


# ---- batch evaluation ---------------------------------------------------------------------------

def batch_ratio(n: int, sample: int) -> dict[str, Any]:
    import tradein_batch  # bench/tradein_batch.py

    from huanxin.tradein.rules.batch import evaluate_batch
    from huanxin.tradein.rules.engine import evaluate

    cols = tradein_batch.generate(n)
    t = time.perf_counter()
    evaluate_batch(cols)
    batch_s = time.perf_counter() - t
    t = time.perf_counter()
    for i in range(sample):
        evaluate(tradein_batch.row_case(cols, i))
    one_s = time.perf_counter() - t
    batch_rate, one_rate = n / batch_s, sample / one_s
    print(f"  批量评估 {n:,} 笔 {batch_s:.2f} 秒（{batch_rate:,.0f} 笔/秒）；逐笔 {one_rate:,.0f} 笔/秒；"
          f"比值 {batch_rate / one_rate:.0f}×（100 万笔请运行 python bench/tradein_batch.py）", flush=True)
    return {"n": n, "batch_s": round(batch_s, 3), "batch_per_s": round(batch_rate), "one_per_s": round(one_rate),
            "ratio": round(batch_rate / one_rate, 1)}


# ---- main ---------------------------------------------------------------------------------------

def run_database(name: str, url: str, args: argparse.Namespace) -> dict[str, Any]:
    results: dict[str, Any] = {"runs": []}
    print(f"\n[{name}] {_where(url)}", flush=True)
    offset = 0
    claims_per_s = 0.0
    dep: Deployment | None = None
    cap = args.max_claims
    for workers in args.workers:
        started = time.perf_counter()
        dep = build(url, args.residents)
        build_s = time.perf_counter() - started
        print(f"  建库 {build_s:.1f} 秒：{args.residents} 位居民，{len(dep.work)} 个可提交项；"
              f"服务工作进程 {workers} 个", flush=True)
        server = Server(url, workers)
        server.start()
        try:
            # warm-up: a few submissions so imports, pools and caches are hot
            paired_phase(server, dep, dep.work[:CLIENTS], duration=10, tag="warm")
            analyze(url)
            offset = CLIENTS
            quals = qualifications_phase(server, dep, dep.work[offset:offset + cap],
                                         duration=args.qual_duration, tag="load")
            offset += quals.taken
            claims = run_loop(_drive(server, quals.acked_qualifications[:cap], claims_job(dep, "load"),
                                     duration=args.duration))
            paired = paired_phase(server, dep, dep.work[offset:offset + cap], duration=args.paired_duration,
                                  tag="pair")
            offset += paired.taken
        finally:
            server.stop()
        print(f"  --workers {workers}：", flush=True)
        run = {"workers": workers, "build_s": round(build_s, 1), "residents": args.residents,
               "qualifications": summarise("qualifications", quals), "claims": summarise("claims", claims),
               "paired": summarise("paired", paired)}
        results["runs"].append(run)
        claims_per_s = max(run["claims"]["claims_per_s"], run["paired"]["claims_per_s"])
    assert dep is not None
    results["crash"] = crash_test(dep, args.workers[-1], args.kill_after, offset, claims_per_s=claims_per_s,
                                  qual_cap=max(args.qual_duration, 30.0))
    return results


def analyze(url: str) -> None:
    """Column statistics for PostgreSQL's planner, as autovacuum keeps them on a running system
    (it analyzes a table after 50 rows + 10% have changed). The bench starts from empty tables,
    and a table analyzed empty or never looks to the planner as if every filter on it were
    selective: it would then read the claims of the whole window to count a handful of persons'."""
    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as connection:
            connection.exec_driver_sql("ANALYZE")
        engine.dispose()


def _where(url: str) -> str:
    return url.split("///", 1)[-1] if url.startswith("sqlite") else url.split("@")[-1]


def main() -> None:
    global CLIENTS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=None, help="seconds of the claims phase (default 15)")
    parser.add_argument("--qual-duration", type=float, default=None,
                        help="seconds of the qualifications phase (default 30: enough for the claims phase)")
    parser.add_argument("--paired-duration", type=float, default=None,
                        help="seconds of the paired qualification+claim phase (default 10)")
    parser.add_argument("--max-claims", type=int, default=200_000, help="count bound per phase")
    parser.add_argument("--residents", type=int, default=None,
                        help="residents (× 15 categories = work items; default 4000, --quick 1000)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--kill-after", type=float, default=4.0, help="seconds into the crash test's claims phase")
    parser.add_argument("--batch-n", type=int, default=200_000)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"],
                        help="which to run (PostgreSQL needs HUANXIN_BENCH_PG_URL)")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent clients (the goal is stated for 64)")
    parser.add_argument("--quick", action="store_true", help="SQLite only, one worker count, short phases, small batch")
    args = parser.parse_args()
    CLIENTS = args.clients
    defaults = {"duration": 15.0, "qual_duration": 30.0, "paired_duration": 10.0, "residents": 4000}
    if args.quick:
        args.workers, args.batch_n = args.workers[:1], min(args.batch_n, 50_000)
        defaults = {"duration": 6.0, "qual_duration": 6.0, "paired_duration": 4.0, "residents": 1000}
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"机器：{os.cpu_count()} 核，Python {platform.python_version()}；{CLIENTS} 个并发客户端"
          f"（bench/httpload.py 长连接）", flush=True)
    report: dict[str, Any] = {"date": today().isoformat(), "cores": os.cpu_count(), "clients": CLIENTS,
                              "phases_s": {"qualifications": args.qual_duration, "claims": args.duration,
                                           "paired": args.paired_duration}}
    if "sqlite" in args.databases:
        report["sqlite"] = run_database("SQLite", f"sqlite:///{OUT / 'tradein_load.sqlite3'}", args)
    pg_url = os.environ.get("HUANXIN_BENCH_PG_URL")
    if pg_url and not args.quick and "postgresql" in args.databases:
        report["postgresql"] = run_database("PostgreSQL", pg_url, args)
        best = max(report["postgresql"]["runs"], key=lambda r: r["claims"]["claims_per_s"])["claims"]
        met = best["claims_per_s"] >= GOAL_RATE and best["latency_ms"]["p99"] < GOAL_P99_MS
        print(f"\n目标（PostgreSQL 核销阶段 ≥ {GOAL_RATE:.0f} 笔/秒且 p99 < {GOAL_P99_MS:.0f} ms）："
              f"{'达到' if met else '未达到'}（最好一次 {best['claims_per_s']} 笔/秒，"
              f"核销 p99 {best['latency_ms']['p99']} ms）", flush=True)
        report["postgresql"]["goal_met"] = met
    elif "postgresql" in args.databases and not args.quick:
        print("\n（未设置 HUANXIN_BENCH_PG_URL，跳过 PostgreSQL）", flush=True)
    print("\n[批量评估]", flush=True)
    report["batch"] = batch_ratio(args.batch_n, min(5000, args.batch_n))
    (OUT / "tradein_load.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\n结果已写入 {OUT / 'tradein_load.json'}", flush=True)


if __name__ == "__main__":
    main()
