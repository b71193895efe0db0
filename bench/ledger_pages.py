"""Page times of the task force's cockpit and the plan ledger, on the real server.

Two deployments are generated (and kept in bench/out/ for the next run):
  five   the five seed plans, each with 50 dispatch rounds of reports;
  cities a deployment of 100 cities: the five plans cloned under 100 synthetic city codes, each
         with its own units, office account, rounds of reports and indicator observations.
For each, uvicorn serves the app on 127.0.0.1 and a single client, signed in as city offices,
requests the cockpit, the ledger page and the ledger API in a bounded loop. The script prints
p50/p95/p99 in milliseconds per page and the ratio cities/five. Target: p95 < 200 ms.

    python bench/ledger_pages.py            # ~3–5 minutes on 2 cores (first run builds the data)
    python bench/ledger_pages.py --quick    # fewer rounds and requests, for a smoke run
    HUANXIN_BENCH_PG_URL=postgresql+psycopg://… python bench/ledger_pages.py   # PostgreSQL too
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin import demo
from huanxin.bootstrap import DEMO_PASSWORD, OFFICE_UNIT_HINTS, bootstrap, city_slug, load_regions
from huanxin.db import make_engine
from huanxin.kit.audit import AuditRecord
from huanxin.kit.clock import today
from huanxin.kit.passwords import hash_password
from huanxin.migrate import upgrade
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import Role
from huanxin.plans import loader
from huanxin.plans.models import Plan
from huanxin.plans.plan_document import PlanDoc, shipped_plan_documents

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
MARKER = "build_bench"
TARGET_P95_MS = 200.0
PAGES = ("cockpit", "ledger page", "ledger API")


# ---- building the deployments ----------------------------------------------------------------

@dataclass(frozen=True)
class Deployment:
    name: str
    url: str
    cities: int  # 0: the five seed plans as shipped
    rounds: int


def ensure_built(dep: Deployment, rebuild: bool) -> None:
    """Builds the deployment unless the database already holds one built with the same parameters."""
    wanted = {"cities": dep.cities, "rounds": dep.rounds}
    if not rebuild and _built_with(dep.url) == wanted:
        print(f"[{dep.name}] 复用已有数据：{_where(dep.url)}", flush=True)
        return
    started = time.perf_counter()
    demo.reset_database(dep.url)
    engine = make_engine(dep.url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            plans = _load_five(session) if dep.cities == 0 else _load_cities(session, dep.cities)
            _generate(session, plans, dep)
            demo.mark_built(session, wanted, action=MARKER)
            session.commit()
    finally:
        engine.dispose()
    print(f"[{dep.name}] 建库 {time.perf_counter() - started:.1f} 秒：{_where(dep.url)}", flush=True)


def _built_with(url: str) -> dict[str, Any] | None:
    engine = make_engine(url)
    try:
        if not demo.is_complete(engine, action=MARKER):
            return None
        with Session(engine) as session:
            return session.scalar(select(AuditRecord.detail).where(AuditRecord.action == MARKER))
    except Exception:  # an unreadable or foreign database is simply rebuilt
        return None
    finally:
        engine.dispose()


def _load_five(session: Session) -> list[Plan]:
    bootstrap(session)
    return list(session.scalars(select(Plan).order_by(Plan.key)))


def _load_cities(session: Session, count: int) -> list[Plan]:
    """The five plans cloned under synthetic city codes 99NN00 (counties 99NNxx), one office each."""
    load_regions(session)
    docs = shipped_plan_documents()
    hashed = hash_password(DEMO_PASSWORD)  # one scrypt hash for every bench account
    plans = []
    for i in range(count):
        doc = clone_plan(docs[i % len(docs)], i)
        orgs_service.load_regions(session, [{"code": doc.city, "name": city_name(i), "level": "city"}])
        plan = loader.load_plan(session, doc, actor="bench")
        _create_office(session, plan, i, hashed)
        plans.append(plan)
        if (i + 1) % 20 == 0:
            print(f"    已载入 {i + 1}/{count} 个城市的方案", flush=True)
    return plans


def city_name(i: int) -> str:
    return f"基准{i:03d}市"


def office_username(i: int) -> str:
    return f"bench{i:03d}-office"


def clone_plan(doc: PlanDoc, i: int) -> PlanDoc:
    """A copy of a seed plan for synthetic city i: new key, city code, title and county codes."""
    prefix = f"99{i:02d}"

    def recode(code: str | None) -> str | None:
        return prefix + code[4:] if code else code

    return doc.model_copy(update={
        "key": f"{doc.key}-b{i:03d}", "city": prefix + "00", "title": city_name(i) + doc.title[3:],
        "units": [u.model_copy(update={"region": recode(u.region)}) for u in doc.units],
        "targets": [t.model_copy(update={"region": recode(t.region)}) for t in doc.targets],
    })


def _create_office(session: Session, plan: Plan, i: int, hashed: str) -> None:
    units = orgs_service.units_of_city(session, plan.city_code)
    offices = [u for u in units if u.kind == "department" and any(h in u.name for h in OFFICE_UNIT_HINTS)]
    office = offices[0] if offices else None
    orgs_service.create_user(
        session, username=office_username(i), password=DEMO_PASSWORD, display_name="专班办公室",
        role=Role.OFFICE, city_code=plan.city_code, unit_id=office.id if office else None,
        password_hash=hashed,
    )


def _generate(session: Session, plans: list[Plan], dep: Deployment) -> None:
    """Rounds, reports and indicators through the demo's generator, at the bench's scale."""
    rng = random.Random(demo.SEED)
    schedule = demo.round_schedule(today(), dep.rounds)
    for n, plan in enumerate(plans, start=1):
        demo.generate_operations(session, plan, schedule, rng)
        demo.generate_indicators(session, plan, rng, scale=rng.uniform(0.4, 2.0))
        if n % 20 == 0 or n == len(plans):
            print(f"    已生成 {n}/{len(plans)} 个方案的调度与报送", flush=True)


# ---- serving and measuring -------------------------------------------------------------------

@contextmanager
def server(url: str) -> Iterator[str]:
    """The real app under uvicorn on a free loopback port; stopped (by its own pid) afterwards."""
    port = _free_port()
    # a benchmark, not a deployment: no keys of its own are required (config.refusal_to_start)
    env = {**os.environ, "HUANXIN_ENV": "test", "HUANXIN_DATABASE_URL": url}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "huanxin.web.main:app", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"], cwd=ROOT, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_until_up(base, proc)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_until_up(base: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("服务启动失败，见上方错误输出")
        try:
            if httpx.get(base + "/login", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("服务 60 秒内未就绪")


@dataclass
class Visitor:
    """One signed-in office: a browser-like client (cookie) and an API token, and what it opens."""

    client: httpx.Client
    token: str
    city_code: str
    plan_id: int

    def paths(self) -> dict[str, tuple[str, dict[str, str]]]:
        bearer = {"Authorization": f"Bearer {self.token}"}
        return {
            "cockpit": (f"/cities/{self.city_code}/cockpit", {}),
            "ledger page": (f"/plans/{self.plan_id}/ledger", {}),
            "ledger API": (f"/api/v1/plans/{self.plan_id}/ledger", bearer),
        }


def sign_in(base: str, username: str, url: str) -> Visitor:
    client = httpx.Client(base_url=base, timeout=30)
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, "登录页没有 CSRF 令牌"
    done = client.post("/login", data={"username": username, "password": DEMO_PASSWORD,
                                      "csrf_token": csrf.group(1), "next": "/me"})
    assert done.status_code == 303, f"{username} 登录失败：{done.status_code}"
    api = client.post("/api/v1/auth/login", json={"username": username, "password": DEMO_PASSWORD})
    token = api.json()["token"]
    city_code, plan_id = _plan_of(url, username)
    return Visitor(client=client, token=token, city_code=city_code, plan_id=plan_id)


def _plan_of(url: str, username: str) -> tuple[str, int]:
    from huanxin.orgs.models import User

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            city = session.scalar(select(User.city_code).where(User.username == username))
            plan_id = session.scalar(select(Plan.id).where(Plan.city_code == city).order_by(Plan.id).limit(1))
            assert city and plan_id, f"{username} 没有方案"
            return city, plan_id
    finally:
        engine.dispose()


@dataclass
class Timings:
    ms: dict[str, list[float]] = field(default_factory=lambda: {p: [] for p in PAGES})
    missing: set[str] = field(default_factory=set)
    errors: dict[str, int] = field(default_factory=dict)


def measure(visitors: list[Visitor], repeats: int, warmup: int = 2) -> Timings:
    """Sequential requests (one client, as one user clicking), the first `warmup` rounds unrecorded."""
    timings = Timings()
    for rep in range(warmup + repeats):
        for visitor in visitors:
            for page, (path, headers) in visitor.paths().items():
                if page in timings.missing:
                    continue
                started = time.perf_counter()
                response = visitor.client.get(path, headers=headers)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code == 404 and not timings.ms[page]:
                    timings.missing.add(page)  # a page not written yet: measure the others
                elif response.status_code != 200:
                    timings.errors[page] = timings.errors.get(page, 0) + 1
                elif rep >= warmup:
                    timings.ms[page].append(elapsed)
    return timings


def percentiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return (values[0],) * 3 if values else (float("nan"),) * 3
    q = statistics.quantiles(values, n=100, method="inclusive")
    return q[49], q[94], q[98]


# ---- the run ---------------------------------------------------------------------------------

def run_deployment(dep: Deployment, users: list[str], repeats: int, rebuild: bool) -> Timings:
    ensure_built(dep, rebuild)
    with server(dep.url) as base:
        visitors = [sign_in(base, u, dep.url) for u in users]
        started = time.perf_counter()
        timings = measure(visitors, repeats)
        print(f"[{dep.name}] 测量 {time.perf_counter() - started:.1f} 秒", flush=True)
    for visitor in visitors:
        visitor.client.close()
    return timings


def report(results: dict[str, Timings], label: str) -> list[dict[str, Any]]:
    rows = []
    print(f"\n{label}")
    print(f"{'page':<12}{'deployment':<12}{'n':>5}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for page in PAGES:
        for name, timings in results.items():
            if page in timings.missing:
                print(f"{page:<12}{name:<12}  (404: page not available)")
                continue
            p50, p95, p99 = percentiles(timings.ms[page])
            flag = "" if p95 < TARGET_P95_MS else "  > target"
            errors = f"  errors={timings.errors[page]}" if page in timings.errors else ""
            print(f"{page:<12}{name:<12}{len(timings.ms[page]):>5}{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{flag}{errors}")
            rows.append({"page": page, "deployment": name, "n": len(timings.ms[page]),
                         "p50": round(p50, 1), "p95": round(p95, 1), "p99": round(p99, 1)})
        _print_ratio(page, rows)
    return rows


def _print_ratio(page: str, rows: list[dict[str, Any]]) -> None:
    mine = {r["deployment"]: r for r in rows if r["page"] == page}
    if "five" in mine and "cities" in mine:
        ratio = mine["cities"]["p95"] / mine["five"]["p95"]
        print(f"{page:<12}{'ratio':<12}{'':>5}{'':>9}{ratio:>8.2f}x  (100 cities / 5 plans, p95)")


def machine() -> str:
    info = Path("/proc/cpuinfo")
    lines = info.read_text().splitlines() if info.exists() else []
    models = [line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")]
    cpu = models[0] if models else platform.machine()
    return (f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}, {platform.system()} {platform.release()}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="12 rounds, 10 requests per page and office")
    parser.add_argument("--rounds", type=int, help="dispatch rounds per plan (default 50)")
    parser.add_argument("--cities", type=int, default=100)
    parser.add_argument("--repeats", type=int, help="requests per page and office (default 30)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the generated databases")
    args = parser.parse_args()
    rounds = args.rounds or (12 if args.quick else 50)
    repeats = args.repeats or (10 if args.quick else 30)
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"机器：{machine()}\n每个方案 {rounds} 轮调度；每个页面每个账号请求 {repeats} 次", flush=True)
    suffix = "-quick" if args.quick else ""
    backends: dict[str, Callable[[str], str]] = {
        "SQLite": lambda name: f"sqlite:///{OUT / f'{name}{suffix}.sqlite3'}",
    }
    pg_url = os.environ.get("HUANXIN_BENCH_PG_URL")
    if pg_url:
        backends["PostgreSQL"] = lambda _name: pg_url
    summary: dict[str, Any] = {"machine": machine(), "date": today().isoformat(), "rounds": rounds,
                               "cities": args.cities, "repeats": repeats}
    for backend, url_of in backends.items():
        five_users = [f"{city_slug(d.key)}-office" for d in shipped_plan_documents()]
        # One office per seed plan shape, from the middle of the deployment.
        city_users = [office_username(args.cities // 2 + k) for k in range(5)]
        rebuild = args.rebuild or backend == "PostgreSQL"  # one PG database holds one deployment at a time
        five = Deployment("five", url_of("five-plans"), 0, rounds)
        cities = Deployment("cities", url_of("hundred-cities"), args.cities, rounds)
        results = {
            "five": run_deployment(five, five_users, repeats, rebuild),
            "cities": run_deployment(cities, city_users, repeats, rebuild),
        }
        title = f"{backend}: p50/p95/p99 (ms), target p95 < {TARGET_P95_MS:.0f} ms"
        summary[backend] = report(results, title)
    (OUT / f"ledger_pages{suffix}.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))


def _where(url: str) -> str:
    return url.split("///", 1)[-1] if url.startswith("sqlite") else url.split("@")[-1]


if __name__ == "__main__":
    main()
