"""The demo database (`huanxin demo`): the five city plans with several dispatch rounds of
generated progress reports, close-outs (销号) and indicator observations, and each city's
consumer trade-in: programmes, budget pools, retailers, residents and a few hundred thousand
claims in every state (`huanxin.tradein.demo`), whose paid claims feed the indicators; and the
key project library (`huanxin.projects.demo`): enterprises and projects in every review state,
whose library projects feed the equipment-investment indicator.

Everything generated is deterministic (random.Random(2024)) but dated relative to today, so the
lights mean something whenever the demo is built: the latest round is open and due in two days
(yellow for whoever has not reported), the round before it is open and ten days overdue for a
few units (red), older rounds are closed. Rows are written with bulk inserts so the whole build
takes seconds; the bench (`bench/ledger_pages.py`) reuses the same generator at larger scale.
"""

from __future__ import annotations

import os
import random
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huanxin.bootstrap import Login, bootstrap, city_slug
from huanxin.config import get_settings
from huanxin.db import make_engine
from huanxin.demo_logins import logins_from_db, print_logins
from huanxin.financing import demo as financing_demo
from huanxin.financing import indicator_feed as financing_feed
from huanxin.indicators.demo import CITY_SCALE, generate_indicators
from huanxin.indicators.models import Baseline, Observation
from huanxin.kit import audit
from huanxin.kit.audit import AuditRecord
from huanxin.kit.clock import today
from huanxin.ledger.models import Transfer as LedgerTransfer
from huanxin.matching import demo as matching_demo
from huanxin.matching.catalogue import indicator_feed as matching_feed
from huanxin.migrate import upgrade
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.plans.demo import generate_operations
from huanxin.plans.demo_audit import record_representative_actions
from huanxin.plans.demo_rounds import round_schedule
from huanxin.plans.models import Closure, Plan, Report, Round, RoundItem, Task
from huanxin.projects import demo as projects_demo
from huanxin.recycling import demo as recycling_demo
from huanxin.recycling import indicator_feed as recycling_feed
from huanxin.recycling.scrapped import demo as scrapped_demo
from huanxin.recycling.statistics import indicator_feed as trade_feed
from huanxin.secondhand import demo as secondhand_demo
from huanxin.tradein import demo as tradein_demo
from huanxin.tradein.claims.events import STATUS_LABELS as CLAIM_STATUS_LABELS
from huanxin.tradein.programmes import indicator_feed

# The demo's use cases live beside it; these names stay importable from here (cli, tests, bench).
__all__ = [
    "BUILT_ACTION",
    "DEMO_CLAIMS",
    "SEED",
    "build_demo",
    "demo_walkthroughs",
    "generate_indicators",
    "generate_operations",
    "generate_tradein",
    "is_complete",
    "logins_from_db",
    "mark_built",
    "print_logins",
    "reset_database",
    "round_schedule",
]

SEED = 2024
DEMO_ROUNDS = 6
STEPS = 12  # the `with step(…)` blocks of _build
# Trade-in claims generated over the five cities (HUANXIN_DEMO_CLAIMS overrides; tests use fewer).
DEMO_CLAIMS = tradein_demo.DEFAULT_CLAIMS
# The marker of a finished build: written last, in the same transaction as the generated data,
# so a build that died half-way never looks complete and is rebuilt on the next run.
BUILT_ACTION = "build_demo"


# ---- entry points ---------------------------------------------------------------------------


def build_demo(
    rebuild: bool = False, url: str | None = None, claims: int | None = None
) -> dict[str, list[Login]]:
    """Builds the demo database (or reuses a complete one) and returns the logins per plan.
    `claims`: how many trade-in claims to generate (default DEMO_CLAIMS or $HUANXIN_DEMO_CLAIMS)."""
    url = url or get_settings().database_url
    claims = claims if claims is not None else int(os.environ.get("HUANXIN_DEMO_CLAIMS", DEMO_CLAIMS))
    started = time.perf_counter()
    if rebuild:
        reset_database(url)
    engine = make_engine(url)
    try:
        if is_complete(engine):
            upgrade(engine)  # a reused database still gets migrations added since it was built
            _say(f"演示库已存在，直接使用（{_where(url)}）；如需重建请加 --rebuild")
            with Session(engine) as session:
                return logins_from_db(session)
        if _has_tables(engine):
            _say("演示库不完整（上次建库可能中断），删除后重建")
            engine.dispose()
            reset_database(url)
            engine = make_engine(url)
        logins = _build(engine, claims)
    finally:
        engine.dispose()
    _say(f"演示库已建成：{_where(url)}，共用时 {time.perf_counter() - started:.1f} 秒")
    return logins


def _build(engine: Engine, claims: int = DEMO_CLAIMS) -> dict[str, list[Login]]:
    step = _Steps()
    with step("迁移数据库结构") as note:
        upgrade(engine)
        note("已升级到最新版本")
    with Session(engine) as session:
        with step("载入行政区划、五个城市方案和各角色账号") as note:
            bootstrap(session)
            plans = list(session.scalars(select(Plan).order_by(Plan.key)))
            note(f"{len(plans)} 个方案，{_count(session, Task)} 项任务，{_count(session, User)} 个账号")
        rng = random.Random(SEED)
        schedule = round_schedule(today(), DEMO_ROUNDS)
        with step(f"生成调度轮次与进展报送（每个方案 {DEMO_ROUNDS} 轮）") as note:
            outcomes = [generate_operations(session, plan, schedule, rng) for plan in plans]
            note(
                f"{_count(session, Round)} 个轮次，{_count(session, RoundItem)} 个报送事项，"
                f"{_count(session, Report)} 份报告，{_count(session, Closure)} 个销号申请"
            )
        with step("生成指标基期值与观测值（2023 年起）") as note:
            for plan in plans:
                generate_indicators(session, plan, rng, scale=CITY_SCALE.get(city_slug(plan.key), 1.0))
            note(f"{_count(session, Baseline)} 个基期值，{_count(session, Observation)} 个观测值")
        with step(f"生成以旧换新：活动、预算池、经营主体、居民和约 {claims:,} 笔补贴申请") as note:
            summary = generate_tradein(session, plans, rng, claims)
            note(
                f"{summary.retailers} 家经营主体，{summary.persons} 位实名居民，"
                f"{summary.qualifications} 个资格，{summary.claims} 笔申请（"
                + "、".join(f"{CLAIM_STATUS_LABELS.get(k, k)} {v}" for k, v in sorted(summary.by_status.items()))
                + f"），账本转账 {_count(session, LedgerTransfer)} 笔"
            )
        with step("以旧换新数据汇入指标观测值（报废汽车、废旧家电）") as note:
            fed = sum(indicator_feed.feed_months(session, code, today()) for code in _city_codes(plans))
            note(f"写入 {fed} 个计算观测值（已有统计数的年份以统计数为准）")
        with step("生成重点项目库：企业、各审核状态的项目、设备清单、审核记录和申报批次，并汇入指标") as note:
            note(projects_demo.describe(generate_projects(session, plans, rng)))
        with step("生成供需对接：供给产品、联系与成交") as note:
            made = sum(matching_demo.seed(session, code, rng) for code in _city_codes(plans))
            note(f"{made} 个供给产品")
        with step("生成融资对接：银行及账号、各状态融资需求、贷款与放款、贴息计划与首季度拨付，并汇入指标") as note:
            # its own generator: the later steps' demo data stays the same whatever financing draws
            financing_rng = random.Random(SEED + 18)
            needs = sum(financing_demo.seed(session, code, financing_rng) for code in _city_codes(plans))
            fed = sum(feed.feed_months(session, code, today()) for feed in (matching_feed, financing_feed)
                      for code in _city_codes(plans))
            note(f"{needs} 个融资需求；供需对接与融资汇入 {fed} 个计算观测值（全市和各县）")
        with step("生成再生资源回收：回收企业、三级网点、流向、价格表、车辆班次、上门预约，并汇入指标") as note:
            note(recycling_demo.describe(generate_recycling(session, plans, rng)))
            # scrapped cars after the recycling feed: the indicator is fed again with their certificates
            cars = sum(scrapped_demo.seed(session, code, rng) for code in _city_codes(plans))
            fed = sum(recycling_feed.feed_months(session, code, today()) for code in _city_codes(plans))
            note(f"报废机动车 {cars} 辆（回收证明与注销、部分已用于汽车报废更新补贴），重新汇入 {fed} 个计算观测值")
        with step("生成二手交易：二手电子产品与数据清除记录、二手车、经营者投诉") as note:
            note(secondhand_demo.describe(secondhand_demo.generate(session, _city_codes(plans), rng, today())))
            fed = sum(trade_feed.feed_months(session, code, today()) for code in _city_codes(plans))
            note(f"二手交易与反向开票汇入 {fed} 个计算观测值")
        with step("写入代表性审计记录") as note:
            for outcome in outcomes:
                record_representative_actions(session, outcome)
            mark_built(session, {"plans": len(plans), "rounds": DEMO_ROUNDS, "claims": claims})
            note(f"审计日志共 {_count(session, AuditRecord)} 条")
        session.commit()
        return logins_from_db(session)


def _city_codes(plans: list[Plan]) -> list[str]:
    return list(dict.fromkeys(p.city_code for p in plans))


def _cities(plans: list[Plan]) -> list[tuple[str, str]]:
    """(city code, slug) of each city once (a city with two plans is one city)."""
    seen: dict[str, str] = {}
    for plan in plans:
        seen.setdefault(plan.city_code, city_slug(plan.key))
    return list(seen.items())


def _demo_password_hash(session: Session) -> str:
    """The demo's one password, as bootstrap hashed it for the office accounts."""
    office_hash = session.scalar(select(User.password_hash).where(User.role == Role.OFFICE.value).limit(1))
    assert office_hash, "bootstrap creates the office accounts first"
    return office_hash


def generate_tradein(
    session: Session, plans: list[Plan], rng: random.Random, claims: int
) -> tradein_demo.Summary:
    """Each city's trade-in (see `huanxin.tradein.demo`), claims shared by city size."""
    cities = tradein_demo.city_specs(session, _cities(plans), claims, CITY_SCALE)
    return tradein_demo.generate(session, cities, rng, today(), _demo_password_hash(session))


def generate_projects(session: Session, plans: list[Plan], rng: random.Random) -> projects_demo.Summary:
    """Each city's key project library (see `huanxin.projects.demo`), then its indicator feed."""
    cities = projects_demo.city_specs(session, _cities(plans), CITY_SCALE)
    return projects_demo.generate(session, cities, rng, today(), _demo_password_hash(session))


def generate_recycling(session: Session, plans: list[Plan], rng: random.Random) -> recycling_demo.Summary:
    """Each city's recycling (see `huanxin.recycling.demo`), after trade-in (送新收旧 reads its claims)."""
    return recycling_demo.generate(session, _cities(plans), rng, today(), _demo_password_hash(session))


def demo_walkthroughs(url: str | None = None) -> dict[str, tradein_demo.Walkthrough]:
    """Plan key → the trade-in flows of its city to finish by hand, read from the demo database."""
    engine = make_engine(url or get_settings().database_url)
    try:
        with Session(engine) as session:
            plans = list(session.scalars(select(Plan).order_by(Plan.key)))
            by_city = tradein_demo.walkthroughs(session, _city_codes(plans))
            return {plan.key: by_city[plan.city_code] for plan in plans}
    finally:
        engine.dispose()


# ---- database lifecycle ---------------------------------------------------------------------


def reset_database(url: str) -> None:
    """Deletes the SQLite file (and its WAL companions) or empties a PostgreSQL schema."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            for suffix in ("", "-wal", "-shm"):
                Path(path + suffix).unlink(missing_ok=True)
        return
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


def _has_tables(engine: Engine) -> bool:
    return bool(inspect(engine).get_table_names())


def is_complete(engine: Engine, action: str = BUILT_ACTION) -> bool:
    if "audit_record" not in inspect(engine).get_table_names():
        return False
    with engine.connect() as conn:
        return conn.scalar(select(AuditRecord.id).where(AuditRecord.action == action).limit(1)) is not None


def mark_built(session: Session, detail: dict[str, Any], action: str = BUILT_ACTION) -> None:
    audit.record(session, actor="system", action=action, entity="database", entity_id="demo", detail=detail)


# ---- progress output ------------------------------------------------------------------------


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


class _Steps:
    """Prints `步骤 n/N label …` then what was done and how long it took; the steps of one build
    number themselves in the order they run."""

    def __init__(self) -> None:
        self.number = 0

    @contextmanager
    def __call__(self, label: str) -> Iterator[Any]:
        self.number += 1
        _say(f"步骤 {self.number}/{STEPS} {label} …")
        notes: list[str] = []
        started = time.perf_counter()
        yield notes.append
        done = "；".join(notes)
        _say(f"        完成{('：' + done) if done else ''}（{time.perf_counter() - started:.1f} 秒）")


def _count(session: Session, model: type[Any]) -> int:
    session.flush()
    return int(session.scalar(select(text("count(*)")).select_from(model)) or 0)


def _where(url: str) -> str:
    return url.split("///", 1)[-1] if url.startswith("sqlite") else url.split("@")[-1]
