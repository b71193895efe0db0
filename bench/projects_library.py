"""The key project library at scale: the library list page and the list API with 50,000 projects
per city, on the real server, as the office, a county and a department.

The data: the five seed cities (bootstrap: plans and accounts), each with 50,000 projects in every
review state, their equipment lists (~5.5 lines a project) and review histories, made by the demo's
own generator (`huanxin.projects.demo.generate`, without the per-submission snapshots, which no list
reads). Kept in bench/out/ (SQLite) or the PostgreSQL database and reused when built with the same
parameters (`--rebuild` forces a build); PostgreSQL is ANALYZEd before measuring.

The requests, for each of the office (the whole city), a county (its region) and the department that
reviews industry (its fields), of 资阳: the page `/projects/library` and the API
`/api/v1/cities/{city}/projects`, with no filter, by status, by field, by region and a text search,
each at page 1 and at a deep page (four fifths of the way through), 2 warm-up rounds then
`--repeats` recorded ones, one client clicking in turn. Prints p50/p95/p99 in ms per case.
Target: p95 < 200 ms.

    python bench/projects_library.py                 # ~3 minutes the first time (builds 506 MB), then ~2
    python bench/projects_library.py --quick         # 5,000 projects per city, 5 requests per case
    python bench/projects_library.py --databases postgresql   # one of them only
    HUANXIN_BENCH_PG_URL=postgresql+psycopg://… python bench/projects_library.py   # PostgreSQL too
    (HUANXIN_DATABASE_URL pointing to PostgreSQL is used the same way when HUANXIN_BENCH_PG_URL is unset)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from ledger_pages import machine, percentiles, server  # the same server and statistics as the other benches
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from huanxin import demo
from huanxin.bootstrap import DEMO_PASSWORD, bootstrap
from huanxin.db import make_engine
from huanxin.kit.audit import AuditRecord
from huanxin.kit.clock import today
from huanxin.migrate import upgrade
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import Role
from huanxin.projects import demo as projects_demo
from huanxin.projects.models import FieldReviewer, Project

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"
MARKER = "build_projects_bench"
TARGET_P95_MS = 200.0
CITIES = [("512000", "ziyang"), ("510400", "panzhihua"), ("430500", "shaoyang"), ("140300", "yangquan"),
          ("370784", "anqiu")]
MEASURED = "512000"  # 资阳: three counties, its 经信局 reviews industry
SEARCH = "恒达"  # a stem of about one enterprise name in 28 (projects.demo_enterprises.STEMS)
PER_PAGE = 50


# ---- building ------------------------------------------------------------------------------------

def ensure_built(url: str, per_city: int, rebuild: bool) -> None:
    wanted = {"projects_per_city": per_city, "cities": len(CITIES)}
    if not rebuild and _built_with(url) == wanted:
        print(f"复用已有数据：{_where(url)}", flush=True)
        return
    started = time.perf_counter()
    demo.reset_database(url)
    engine = make_engine(url)
    try:
        upgrade(engine)
        with Session(engine) as session:
            bootstrap(session)
            hashed = session.scalar(select(User.password_hash).where(User.role == Role.OFFICE.value).limit(1))
            assert hashed
            specs = projects_demo.city_specs(session, CITIES, {}, projects_per_city=per_city)
            summary = projects_demo.Summary()
            rng = random.Random(demo.SEED)
            for spec in specs:
                city_started = time.perf_counter()
                projects_demo.generate_city(session, spec, rng, today(), hashed, summary, snapshots=False)
                session.flush()
                took = time.perf_counter() - city_started
                print(f"    {spec.name}：{per_city:,} 个项目（{took:.1f} 秒）", flush=True)
            demo.mark_built(session, wanted, action=MARKER)
            session.commit()
    finally:
        engine.dispose()
    print(f"建库 {time.perf_counter() - started:.1f} 秒：{projects_demo.describe(summary)}；{_where(url)}",
          flush=True)


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


@dataclass(frozen=True)
class Reader:
    role: str  # office | county | department, as the table prints it
    username: str
    region_code: str  # the region filter this reader uses (its own, for a county)


def readers(url: str) -> list[Reader]:
    """资阳's office, the county with the most projects, and the department that reviews industry."""
    engine = make_engine(url)
    try:
        with Session(engine) as session:
            office = session.scalar(select(User.username).where(User.city_code == MEASURED,
                                                                User.role == Role.OFFICE.value))
            counties = session.execute(select(User.username, Unit.region_code).join(Unit, Unit.id == User.unit_id)
                                       .where(User.city_code == MEASURED, User.role == Role.COUNTY.value,
                                              Unit.region_code.is_not(None)).order_by(User.username)).all()
            sizes = dict(session.execute(select(Project.region_code, func.count()).where(
                Project.city_code == MEASURED).group_by(Project.region_code)).all())
            busiest = max(counties, key=lambda c: sizes.get(c[1], 0))
            unit_id = session.scalar(select(FieldReviewer.unit_id).where(FieldReviewer.city_code == MEASURED,
                                                                         FieldReviewer.field == "industry"))
            department = session.scalar(select(User.username).where(User.unit_id == unit_id,
                                                                    User.role == Role.DEPARTMENT.value)
                                        .order_by(User.username).limit(1))
            assert office and department, "bootstrap and the field reviewers make these accounts"
            return [Reader("office", office, busiest[1]), Reader("county", busiest[0], busiest[1]),
                    Reader("department", department, busiest[1])]
    finally:
        engine.dispose()


# ---- measuring -----------------------------------------------------------------------------------

@dataclass
class Client:
    reader: Reader
    http: httpx.Client
    bearer: dict[str, str]


def sign_in(base: str, reader: Reader) -> Client:
    http = httpx.Client(base_url=base, timeout=60)
    page = http.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, "登录页没有 CSRF 令牌"
    done = http.post("/login", data={"username": reader.username, "password": DEMO_PASSWORD,
                                     "csrf_token": csrf.group(1), "next": "/me"})
    assert done.status_code == 303, f"{reader.username} 登录失败：{done.status_code}"
    token = http.post("/api/v1/auth/login", json={"username": reader.username, "password": DEMO_PASSWORD})
    return Client(reader, http, {"Authorization": f"Bearer {token.json()['token']}"})


def filters(reader: Reader) -> dict[str, dict[str, str]]:
    """Filter name → (page query, API query) pairs as one dict of the API's names (the page calls the
    region `region`)."""
    return {"none": {}, "status": {"status": "approved"}, "field": {"field": "industry"},
            "region": {"region_code": reader.region_code}, "search": {"q": SEARCH}}


def _query(params: dict[str, str], page: int, *, api: bool) -> str:
    out = dict(params)
    if not api and "region_code" in out:
        out["region"] = out.pop("region_code")
    out["page"] = str(page)
    if api:
        out["per_page"] = str(PER_PAGE)
    return urlencode(out)


@dataclass
class Case:
    role: str
    surface: str  # page | API
    filter: str
    page: str  # 1 | deep
    path: str
    headers: dict[str, str]
    ms: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)
    total: int | None = None


def cases(clients: list[Client]) -> list[Case]:
    """Every case, the deep page read from the API's total for the same filter."""
    out = []
    for client in clients:
        for name, params in filters(client.reader).items():
            first = client.http.get(f"/api/v1/cities/{MEASURED}/projects?{_query(params, 1, api=True)}",
                                    headers=client.bearer)
            total = int(first.json().get("total", 0)) if first.status_code == 200 else 0
            deep = max(1, -(-total // PER_PAGE) * 4 // 5)
            for page, number in (("1", 1), ("deep", deep)):
                out.append(Case(client.reader.role, "page", name, page,
                                f"/projects/library?{_query(params, number, api=False)}", {}, total=total))
                out.append(Case(client.reader.role, "API", name, page,
                                f"/api/v1/cities/{MEASURED}/projects?{_query(params, number, api=True)}",
                                client.bearer, total=total))
    return out


def measure(clients: list[Client], all_cases: list[Case], repeats: int, warmup: int = 2) -> None:
    by_role = {c.reader.role: c for c in clients}
    for rep in range(warmup + repeats):
        for case in all_cases:
            client = by_role[case.role]
            started = time.perf_counter()
            response = client.http.get(case.path, headers=case.headers)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                case.errors[response.status_code] = case.errors.get(response.status_code, 0) + 1
            elif rep >= warmup:
                case.ms.append(elapsed)


def report(all_cases: list[Case], title: str) -> list[dict[str, Any]]:
    print(f"\n{title}")
    print(f"{'role':<11}{'surface':<8}{'filter':<8}{'page':<6}{'rows':>7}{'n':>4}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'p99 ms':>9}")
    rows = []
    for case in all_cases:
        errors = f"  HTTP {case.errors}" if case.errors else ""
        if not case.ms:
            print(f"{case.role:<11}{case.surface:<8}{case.filter:<8}{case.page:<6}{case.total or 0:>7}  —{errors}")
            continue
        p50, p95, p99 = percentiles(case.ms)
        flag = "" if p95 < TARGET_P95_MS else "  > target"
        print(f"{case.role:<11}{case.surface:<8}{case.filter:<8}{case.page:<6}{case.total or 0:>7}{len(case.ms):>4}"
              f"{p50:>9.1f}{p95:>9.1f}{p99:>9.1f}{flag}{errors}")
        rows.append({"role": case.role, "surface": case.surface, "filter": case.filter, "page": case.page,
                     "rows": case.total, "n": len(case.ms), "p50": round(p50, 1), "p95": round(p95, 1),
                     "p99": round(p99, 1), "errors": case.errors})
    worst = max((r["p95"] for r in rows), default=float("nan"))
    print(f"worst p95: {worst:.1f} ms ({'met' if worst < TARGET_P95_MS else 'NOT met'}: target {TARGET_P95_MS:.0f} ms)")
    return rows


def analyse(url: str) -> None:
    """PostgreSQL: fresh planner statistics after the bulk load (autovacuum keeps them on a running
    system; a bench that measures right after loading would otherwise plan on empty tables)."""
    if not url.startswith("postgresql"):
        return
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("ANALYZE"))
            conn.commit()
    finally:
        engine.dispose()


def run(url: str, per_city: int, repeats: int, rebuild: bool) -> list[Case]:
    ensure_built(url, per_city, rebuild)
    analyse(url)
    who = readers(url)
    with server(url) as base:
        clients = [sign_in(base, reader) for reader in who]
        all_cases = cases(clients)
        started = time.perf_counter()
        measure(clients, all_cases, repeats)
        print(f"测量 {time.perf_counter() - started:.1f} 秒（{len(all_cases)} 个用例）", flush=True)
        for client in clients:
            client.http.close()
    return all_cases


def _pg_url() -> str | None:
    for name in ("HUANXIN_BENCH_PG_URL", "HUANXIN_DATABASE_URL"):
        value = os.environ.get(name, "")
        if value.startswith("postgresql"):
            return value
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="5,000 projects per city, 5 requests per case")
    parser.add_argument("--projects", type=int, help="projects per city (default 50,000)")
    parser.add_argument("--repeats", type=int, help="recorded requests per case (default 20)")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the generated SQLite database")
    parser.add_argument("--databases", default="sqlite,postgresql",
                        help="which to run, of sqlite,postgresql (PostgreSQL only when a URL is set)")
    args = parser.parse_args()
    per_city = args.projects or (5_000 if args.quick else 50_000)
    repeats = args.repeats or (5 if args.quick else 20)
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"机器：{machine()}\n每个城市 {per_city:,} 个项目（{len(CITIES)} 个城市）；每个用例请求 {repeats} 次",
          flush=True)
    wanted = {name.strip().lower() for name in args.databases.split(",")}
    backends: dict[str, str] = {}
    if "sqlite" in wanted:
        backends["SQLite"] = f"sqlite:///{OUT / f'projects-library-{per_city}.sqlite3'}"
    pg = _pg_url()
    if pg and "postgresql" in wanted:
        backends["PostgreSQL"] = pg
    result_file = OUT / f"projects_library-{per_city}.json"
    # a run of one database keeps the other's last figures
    summary: dict[str, Any] = json.loads(result_file.read_text()) if result_file.exists() else {}
    summary.update({"machine": machine(), "date": today().isoformat(), "projects_per_city": per_city,
                    "repeats": repeats})
    for backend, url in backends.items():
        found = run(url, per_city, repeats, args.rebuild)
        summary[backend] = report(found, f"{backend}: p50/p95/p99 (ms), target p95 < {TARGET_P95_MS:.0f} ms")
    result_file.write_text(json.dumps(summary, ensure_ascii=False, indent=2))


def _where(url: str) -> str:
    return url.split("///", 1)[-1] if url.startswith("sqlite") else url.split("@")[-1]


if __name__ == "__main__":
    sys.exit(main())
