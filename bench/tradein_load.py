"""Claim submissions at load, on the real server: the trade-in HTTP API under 64 concurrent clients.

For each database (SQLite, and PostgreSQL when HUANXIN_BENCH_PG_URL is set) and each worker count
(uvicorn --workers 1 and 2):

1. a fresh database with one city: the 2026 appliance and digital programmes open today with a
   pool big enough never to run dry, one admitted retailer and N residents with real-name
   identities, each with a signed-in API session (tokens written straight into the session table:
   N scrypt logins would take minutes and are not what is measured);
2. uvicorn serves the app on 127.0.0.1; 64 asyncio clients (httpx) each take the next
   (resident, programme, category) and submit the qualification (POST /qualifications, as the
   resident) and then its redemption (POST /claims, as the retailer), both with an
   Idempotency-Key, until the time or count bound is reached;
3. printed: sustained claim submissions per second (claims acknowledged / wall time), requests
   per second, p50 / p99 latency per endpoint in ms, and the errors by status.

Then the crash test (once per database, on the last worker count): the same load again, the
server SIGKILLed (its whole process group) mid-load, restarted, and checked: every acknowledged
(2xx) qualification and claim is in the database, no claim is half-written (a claim without its
events, a used qualification without its claim), and `huanxin ledger verify` passes.

Finally the batch-evaluation ratio from bench/tradein_batch.py (a smaller size; run that script
for the 1-million figure).

    python bench/tradein_load.py                      # SQLite, ~3 minutes
    python bench/tradein_load.py --duration 10 --residents 300 --quick
    HUANXIN_BENCH_PG_URL=postgresql+psycopg://postgres@127.0.0.1:5432/bench python bench/tradein_load.py

Goal (issue 4): ≥ 1,000 claim submissions/s sustained on PostgreSQL with p99 < 100 ms.
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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from huanxin import demo  # noqa: E402
from huanxin.bootstrap import DEMO_PASSWORD, load_regions  # noqa: E402
from huanxin.db import make_engine  # noqa: E402
from huanxin.kit.clock import now, today  # noqa: E402
from huanxin.kit.identifiers import credit_check_char, id_check_char, luhn_ok  # noqa: E402
from huanxin.kit.passwords import hash_password  # noqa: E402
from huanxin.ledger import service as ledger_service  # noqa: E402
from huanxin.migrate import upgrade  # noqa: E402
from huanxin.orgs import service as orgs_service  # noqa: E402
from huanxin.orgs.models import User, UserSession  # noqa: E402
from huanxin.orgs.roles import Role  # noqa: E402
from huanxin.tradein import identity, programmes_service  # noqa: E402
from huanxin.tradein.models import Claim, ClaimEvent, Qualification, Retailer  # noqa: E402

OUT = ROOT / "bench" / "out"
CITY = "512000"
CLIENTS = 64
PROGRAMMES = ("appliance-city-2026", "digital-city-2026")
PRICES = {"appliance": 399900, "digital": 299900}
GOAL_RATE = 1000.0
GOAL_P99_MS = 100.0


# ---- the deployment -----------------------------------------------------------------------------

@dataclass
class Deployment:
    url: str
    retailer_token: str
    residents: list[str]  # API tokens
    work: list[tuple[int, int, str, str]]  # (resident index, programme id, category, kind)


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
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


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
            for i, uid in enumerate(user_ids):
                person = identity.register_person(session, id_number=_id_number(i), name=f"压测居民{i % 997:03d}",
                                                  user_id=uid)
                identity.set_bank_card(session, person, card_number=_card(i), holder_name=f"压测居民{i % 997:03d}")
            tokens, rows = _token_rows([shop.id, *user_ids])
            session.execute(insert(UserSession), rows)
            from huanxin.tradein import evaluation

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


class Server:
    """uvicorn in its own process group, so a SIGKILL takes its workers down with it."""

    def __init__(self, url: str, workers: int) -> None:
        self.url, self.workers = url, workers
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        env = {**os.environ, "HUANXIN_DATABASE_URL": self.url}
        args = [sys.executable, "-m", "uvicorn", "huanxin.web.main:app", "--host", "127.0.0.1", "--port",
                str(self.port), "--log-level", "warning", "--no-access-log"]
        if self.workers > 1:
            args += ["--workers", str(self.workers)]
        self.proc = subprocess.Popen(args, cwd=ROOT, env=env, start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("服务启动失败")
            try:
                if httpx.get(self.base + "/login", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
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
    acked_qualifications: list[int] = field(default_factory=list)
    acked_claims: list[int] = field(default_factory=list)
    transport_errors: int = 0
    started: float = 0.0
    ended: float = 0.0

    @property
    def seconds(self) -> float:
        return max(self.ended - self.started, 1e-9)


async def _post(client: httpx.AsyncClient, load: Load, kind: str, path: str, token: str, key: str,
                body: dict[str, Any]) -> httpx.Response | None:
    t = time.perf_counter()
    try:
        response = await client.post(path, json=body, headers={"Authorization": f"Bearer {token}",
                                                                "Idempotency-Key": key})
    except httpx.HTTPError:
        load.transport_errors += 1
        return None
    load.latencies[kind].append((time.perf_counter() - t) * 1000)
    load.statuses[f"{kind} {response.status_code}"] += 1
    return response


async def drive(base: str, dep: Deployment, work: list[tuple[int, int, str, str]], *, duration: float,
                max_claims: int, tag: str, stop_after: float | None = None) -> Load:
    """64 clients; each takes the next work item. Stops at the time or count bound, or (crash
    test) on the first transport error after the server is gone."""
    load = Load()
    items = iter(work[:max_claims])
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    # (CLIENTS is set from --clients in main)
    deadline = time.monotonic() + duration
    gone = asyncio.Event()

    async def client_loop(client: httpx.AsyncClient, n: int) -> None:
        for resident, programme_id, category, kind in items:
            if time.monotonic() > deadline or gone.is_set():
                return
            k = f"{tag}-{resident}-{programme_id}-{category}"
            q = await _post(client, load, "qualification", "/api/v1/tradein/qualifications", dep.residents[resident],
                            f"q-{k}", {"programme_id": programme_id, "category": category})
            if q is None:
                gone.set() if stop_after is not None else None
                continue
            if q.status_code != 201:
                continue
            qid = int(q.json()["id"])
            load.acked_qualifications.append(qid)
            serial = hashlib.sha1(k.encode()).hexdigest()[:16].upper()
            c = await _post(client, load, "claim", "/api/v1/tradein/claims", dep.retailer_token, f"c-{k}", {
                "qualification_id": qid, "category": category, "price_fen": PRICES[kind],
                "invoice_no": f"INV{serial}", "invoice_date": today().isoformat(), "brand": "海尔",
                "model": "BENCH-1", "efficiency_grade": 1, "serial": serial})
            if c is None:
                gone.set() if stop_after is not None else None
                continue
            if 200 <= c.status_code < 300:
                load.acked_claims.append(int(c.json()["id"]))

    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:
        load.started = time.perf_counter()
        await asyncio.gather(*(client_loop(client, n) for n in range(CLIENTS)))
        load.ended = time.perf_counter()
    return load


def _pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def summarise(name: str, load: Load) -> dict[str, Any]:
    claims = len(load.acked_claims)
    requests = sum(len(v) for v in load.latencies.values())
    out: dict[str, Any] = {
        "run": name, "seconds": round(load.seconds, 1), "claims": claims,
        "claims_per_s": round(claims / load.seconds, 1), "requests_per_s": round(requests / load.seconds, 1),
        "latency_ms": {k: {"p50": round(_pct(v, 0.5), 1), "p99": round(_pct(v, 0.99), 1)}
                       for k, v in load.latencies.items()},
        "statuses": dict(sorted(load.statuses.items())), "transport_errors": load.transport_errors,
    }
    lat = out["latency_ms"]
    print(f"  {name}: {claims} 笔申请 / {out['seconds']} 秒 = {out['claims_per_s']} 笔/秒"
          f"（请求 {out['requests_per_s']} 次/秒）；资格 p50 {lat['qualification']['p50']} / p99 "
          f"{lat['qualification']['p99']} ms，核销 p50 {lat['claim']['p50']} / p99 {lat['claim']['p99']} ms",
          flush=True)
    errors = {k: v for k, v in load.statuses.items() if not k.split()[-1].startswith("2")}
    print(f"      状态：{dict(sorted(load.statuses.items()))}；错误：{errors or '无'}；"
          f"连接错误 {load.transport_errors}", flush=True)
    return out


# ---- the crash test -----------------------------------------------------------------------------

def crash_test(dep: Deployment, workers: int, kill_after: float, offset: int) -> dict[str, Any]:
    server = Server(dep.url, workers)
    server.start()
    work = dep.work[offset:]

    async def run() -> Load:
        task = asyncio.create_task(drive(server.base, dep, work, duration=kill_after + 30, max_claims=len(work),
                                         tag="crash", stop_after=kill_after))
        await asyncio.sleep(kill_after)
        server.kill()
        return await task

    load = asyncio.run(run())
    print(f"  SIGKILL 于负载 {kill_after} 秒时：已确认 {len(load.acked_claims)} 笔申请、"
          f"{len(load.acked_qualifications)} 个资格；重启服务后核对 …", flush=True)
    server.start()  # the restart: recovery is the database's own (WAL / PostgreSQL crash recovery)
    try:
        engine = make_engine(dep.url)
        with Session(engine) as session:
            found_claims = set(session.scalars(select(Claim.id).where(Claim.id.in_(load.acked_claims))))
            found_quals = set(session.scalars(select(Qualification.id).where(
                Qualification.id.in_(load.acked_qualifications))))
            half_claims = session.scalar(select(func.count()).select_from(Claim).where(
                ~select(ClaimEvent.id).where(ClaimEvent.claim_id == Claim.id).exists()))
            used_without_claim = session.scalar(select(func.count()).select_from(Qualification).where(
                Qualification.status == "used",
                ~select(Claim.id).where(Claim.qualification_id == Qualification.id).exists()))
            verified = ledger_service.verify(session)
        engine.dispose()
        health = httpx.get(server.base + "/login", timeout=5).status_code
    finally:
        server.stop()
    result = {
        "acked_claims": len(load.acked_claims), "missing_claims": len(set(load.acked_claims) - found_claims),
        "acked_qualifications": len(load.acked_qualifications),
        "missing_qualifications": len(set(load.acked_qualifications) - found_quals),
        "claims_without_events": int(half_claims or 0),
        "used_qualifications_without_claim": int(used_without_claim or 0),
        "ledger_ok": verified.ok, "transfers": verified.transfers_checked, "restart_status": health,
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
    dep: Deployment | None = None
    for workers in args.workers:
        started = time.perf_counter()
        dep = build(url, args.residents)
        print(f"  建库 {time.perf_counter() - started:.1f} 秒：{args.residents} 位居民，{len(dep.work)} 个可提交项；"
              f"uvicorn --workers {workers}", flush=True)
        server = Server(url, workers)
        server.start()
        try:
            # warm-up: a few submissions so imports, pools and caches are hot
            asyncio.run(drive(server.base, dep, dep.work[:CLIENTS], duration=10, max_claims=CLIENTS, tag="warm"))
            load = asyncio.run(drive(server.base, dep, dep.work[CLIENTS:], duration=args.duration,
                                     max_claims=args.max_claims, tag="load"))
        finally:
            server.stop()
        results["runs"].append({"workers": workers, **summarise(f"--workers {workers}", load)})
        offset = CLIENTS + len(load.acked_qualifications) + 200
    assert dep is not None
    results["crash"] = crash_test(dep, args.workers[-1], args.kill_after, offset)
    return results


def _where(url: str) -> str:
    return url.split("///", 1)[-1] if url.startswith("sqlite") else url.split("@")[-1]


def main() -> None:
    global CLIENTS
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=20.0, help="seconds of sustained load per run")
    parser.add_argument("--max-claims", type=int, default=200_000, help="count bound per run")
    parser.add_argument("--residents", type=int, default=1500)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--kill-after", type=float, default=4.0)
    parser.add_argument("--batch-n", type=int, default=200_000)
    parser.add_argument("--databases", nargs="+", default=["sqlite", "postgresql"],
                        help="which to run (PostgreSQL needs HUANXIN_BENCH_PG_URL)")
    parser.add_argument("--clients", type=int, default=CLIENTS, help="concurrent clients (the goal is stated for 64)")
    parser.add_argument("--quick", action="store_true", help="SQLite only, one worker count, small batch")
    args = parser.parse_args()
    CLIENTS = args.clients
    if args.quick:
        args.workers, args.batch_n = args.workers[:1], 50_000
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"机器：{os.cpu_count()} 核，Python {platform.python_version()}；{CLIENTS} 个并发客户端", flush=True)
    report: dict[str, Any] = {"date": today().isoformat(), "cores": os.cpu_count(), "clients": CLIENTS}
    if "sqlite" in args.databases:
        report["sqlite"] = run_database("SQLite", f"sqlite:///{OUT / 'tradein_load.sqlite3'}", args)
    pg_url = os.environ.get("HUANXIN_BENCH_PG_URL")
    if pg_url and not args.quick and "postgresql" in args.databases:
        report["postgresql"] = run_database("PostgreSQL", pg_url, args)
        best = max(report["postgresql"]["runs"], key=lambda r: r["claims_per_s"])
        met = best["claims_per_s"] >= GOAL_RATE and best["latency_ms"]["claim"]["p99"] < GOAL_P99_MS
        print(f"\n目标（PostgreSQL ≥ {GOAL_RATE:.0f} 笔/秒且 p99 < {GOAL_P99_MS:.0f} ms）："
              f"{'达到' if met else '未达到'}（最好一次 {best['claims_per_s']} 笔/秒，"
              f"核销 p99 {best['latency_ms']['claim']['p99']} ms）", flush=True)
    print("\n[批量评估]", flush=True)
    report["batch"] = batch_ratio(args.batch_n, min(5000, args.batch_n))
    (OUT / "tradein_load.json").write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\n结果已写入 {OUT / 'tradein_load.json'}", flush=True)


if __name__ == "__main__":
    main()
