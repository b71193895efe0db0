"""The demo database (`huanxin demo`): the five city plans with several dispatch rounds of
generated progress reports, close-outs (销号) and indicator observations, and each city's
consumer trade-in: programmes, budget pools, retailers, residents and a few hundred thousand
claims in every state (`huanxin.tradein.demo_data`), whose paid claims feed the indicators.

Everything generated is deterministic (random.Random(2024)) but dated relative to today, so the
lights mean something whenever the demo is built: the latest round is open and due in two days
(yellow for whoever has not reported), the round before it is open and ten days overdue for a
few units (red), older rounds are closed. Rows are written with bulk inserts so the whole build
takes seconds; the bench (`bench/ledger_pages.py`) reuses the same generator at larger scale.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import insert, inspect, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huanxin.bootstrap import DEMO_PASSWORD, Login, bootstrap, city_slug
from huanxin.config import get_settings
from huanxin.db import make_engine
from huanxin.indicators.catalogue import catalogue
from huanxin.indicators.models import Baseline, Observation
from huanxin.indicators.progress import is_flow
from huanxin.kit import audit
from huanxin.kit.audit import AuditRecord
from huanxin.kit.clock import CHINA, now, today
from huanxin.kit.text import clause_cut
from huanxin.ledger.models import Transfer as LedgerTransfer
from huanxin.migrate import upgrade
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import ROLE_LABELS, Role
from huanxin.plans import service as plans_service
from huanxin.plans.lights import expected_progress
from huanxin.plans.models import Closure, Milestone, Plan, Report, Round, RoundItem, Target, Task
from huanxin.tradein import demo_data as tradein_demo
from huanxin.tradein import indicator_feed
from huanxin.tradein.events import STATUS_LABELS as CLAIM_STATUS_LABELS

SEED = 2024
DEMO_ROUNDS = 6
STEPS = 7
# Trade-in claims generated over the five cities (HUANXIN_DEMO_CLAIMS overrides; tests use fewer).
DEMO_CLAIMS = tradein_demo.DEFAULT_CLAIMS
# The marker of a finished build: written last, in the same transaction as the generated data,
# so a build that died half-way never looks complete and is rebuilt on the next run.
BUILT_ACTION = "build_demo"
# A task quoted in a narrative: about this long, cut at a clause end.
SHORT_TITLE = 24


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
    with _step(1, "迁移数据库结构") as note:
        upgrade(engine)
        note("已升级到最新版本")
    with Session(engine) as session:
        with _step(2, "载入行政区划、五个城市方案和各角色账号") as note:
            bootstrap(session)
            plans = list(session.scalars(select(Plan).order_by(Plan.key)))
            note(f"{len(plans)} 个方案，{_count(session, Task)} 项任务，{_count(session, User)} 个账号")
        rng = random.Random(SEED)
        schedule = round_schedule(today(), DEMO_ROUNDS)
        with _step(3, f"生成调度轮次与进展报送（每个方案 {DEMO_ROUNDS} 轮）") as note:
            outcomes = [generate_operations(session, plan, schedule, rng) for plan in plans]
            note(
                f"{_count(session, Round)} 个轮次，{_count(session, RoundItem)} 个报送事项，"
                f"{_count(session, Report)} 份报告，{_count(session, Closure)} 个销号申请"
            )
        with _step(4, "生成指标基期值与观测值（2023 年起）") as note:
            for plan in plans:
                generate_indicators(session, plan, rng, scale=CITY_SCALE.get(city_slug(plan.key), 1.0))
            note(f"{_count(session, Baseline)} 个基期值，{_count(session, Observation)} 个观测值")
        with _step(5, f"生成以旧换新：活动、预算池、经营主体、居民和约 {claims:,} 笔补贴申请") as note:
            summary = generate_tradein(session, plans, rng, claims)
            note(
                f"{summary.retailers} 家经营主体，{summary.persons} 位实名居民，"
                f"{summary.qualifications} 个资格，{summary.claims} 笔申请（"
                + "、".join(f"{CLAIM_STATUS_LABELS.get(k, k)} {v}" for k, v in sorted(summary.by_status.items()))
                + f"），账本转账 {_count(session, LedgerTransfer)} 笔"
            )
        with _step(6, "以旧换新数据汇入指标观测值（报废汽车、废旧家电）") as note:
            fed = sum(indicator_feed.feed_months(session, code, today()) for code in _city_codes(plans))
            note(f"写入 {fed} 个计算观测值（已有统计数的年份以统计数为准）")
        with _step(7, "写入代表性审计记录") as note:
            for outcome in outcomes:
                record_representative_actions(session, outcome)
            mark_built(session, {"plans": len(plans), "rounds": DEMO_ROUNDS, "claims": claims})
            note(f"审计日志共 {_count(session, AuditRecord)} 条")
        session.commit()
        return logins_from_db(session)


def _city_codes(plans: list[Plan]) -> list[str]:
    return list(dict.fromkeys(p.city_code for p in plans))


def generate_tradein(
    session: Session, plans: list[Plan], rng: random.Random, claims: int
) -> tradein_demo.Summary:
    """Each city's trade-in (see `huanxin.tradein.demo_data`), claims shared by city size."""
    seen: dict[str, str] = {}
    for plan in plans:
        seen.setdefault(plan.city_code, city_slug(plan.key))
    cities = tradein_demo.city_specs(session, list(seen.items()), claims, CITY_SCALE)
    office_hash = session.scalar(select(User.password_hash).where(User.role == Role.OFFICE.value).limit(1))
    assert office_hash, "bootstrap creates the office accounts first"
    return tradein_demo.generate(session, cities, rng, today(), office_hash)


def print_logins(logins: dict[str, list[Login]], host: str, port: int,
                 walkthroughs: dict[str, tradein_demo.Walkthrough] | None = None) -> None:
    """Prints where to open the demo and every account, grouped by city and role; with
    `walkthroughs` (plan key → `demo_walkthroughs`), how to finish the trade-in flows by hand."""
    shown_host = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    print(f"\n焕新演示：http://{shown_host}:{port}/   所有账号的密码：{DEMO_PASSWORD}")
    for key, city_logins in logins.items():
        if not city_logins:
            continue
        print(f"\n{city_logins[0].city}（{len(city_logins)} 个账号）")
        for role in (Role.OFFICE, Role.LEADER, Role.REVIEWER, Role.DEPARTMENT, Role.COUNTY):
            members = [lg for lg in city_logins if lg.role == role]
            if members:
                _print_role(role, members)
        _print_tradein(city_logins)
        if walkthroughs and key in walkthroughs:
            _print_walkthrough(walkthroughs[key])


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


def _print_walkthrough(w: tradein_demo.Walkthrough) -> None:
    if w.resident and w.retailer:
        print(f"  {_pad('核销演示', 18)}居民 {w.resident} 的资格 {w.qualification_id}（{w.category}）"
              f" → 商户 {w.retailer}")
        print(f"  {_pad('', 18)}居民页面显示核销码，收银员输入资格编号和核销码即可核销")
    if w.dealer and w.car_programme:
        print(f"  {_pad('汽车补贴演示', 18)}经销商 {w.dealer} 代购车人申请“{w.car_programme}”")
        print(f"  {_pad('', 18)}可用 购车人身份证号 {w.buyer_id_number}（姓名任填）、"
              f"新车VIN {w.new_vin}、旧车VIN {w.old_vin}")


def _print_tradein(city_logins: list[Login]) -> None:
    """Trade-in accounts, one line per role: the first few retailers and residents of many."""
    for role, label in ((Role.RETAILER, "以旧换新经营主体"), (Role.RESIDENT, "以旧换新居民")):
        members = [lg for lg in city_logins if lg.role == role]
        if members:
            names = "  ".join(f"{lg.username}（{lg.unit}）" if lg.unit else lg.username for lg in members)
            print(f"  {_pad(label, 18)}{names}")


def _print_role(role: Role, members: list[Login]) -> None:
    # A reporting account may be a department or an enterprise, bank or agency the plan names
    # as responsible: the group says so rather than calling 中车资阳机车 a 市直部门.
    label = "市直部门及责任单位" if role == Role.DEPARTMENT else ROLE_LABELS[role]
    if role in (Role.OFFICE, Role.LEADER, Role.REVIEWER):
        for lg in members:
            print(f"  {_pad(label, 14)}{_pad(lg.username, 26)}{lg.unit or ''}")
        return
    # Departments and counties are many: two per line keeps a city on one screen.
    print(f"  {label}（{len(members)}）")
    name_width = min(34, max(_width(lg.unit or "") for lg in members) + 2)
    cells = [f"{_pad(lg.username, 24)}{_pad(lg.unit or '', name_width)}" for lg in members]
    for i in range(0, len(cells), 2):
        print("    " + "".join(cells[i : i + 2]).rstrip())


def _width(value: str) -> int:
    """Display width: a Chinese character takes two columns in a terminal."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in value)


def _pad(value: str, width: int) -> str:
    return value + " " * max(1, width - _width(value))


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


def logins_from_db(session: Session) -> dict[str, list[Login]]:
    """The accounts of each plan's city, office first, read back so a reused database prints too."""
    order = {Role.OFFICE: 0, Role.LEADER: 1, Role.REVIEWER: 2, Role.DEPARTMENT: 3, Role.COUNTY: 4,
             Role.RETAILER: 5, Role.RESIDENT: 6}
    plans = list(session.scalars(select(Plan).order_by(Plan.key)))
    many = (Role.RETAILER.value, Role.RESIDENT.value)
    rows = session.execute(
        select(User.username, User.role, User.city_code, Unit.name)
        .outerjoin(Unit, Unit.id == User.unit_id)
        .where(User.role.in_([r.value for r in order]))
    ).all()
    # Of the many retailers and residents, the first three of each city are listed.
    rows = [r for r in rows if r.role not in many or r.username[-2:] in ("01", "02", "03")]
    out: dict[str, list[Login]] = {}
    for plan in plans:
        if any(p.city_code == plan.city_code for p in plans if p.key in out):
            continue  # a city with two plans lists its accounts once
        city = orgs_service.region_name(session, plan.city_code)
        mine = [
            Login(city=city, username=u, role=Role(r), unit=n) for u, r, c, n in rows if c == plan.city_code
        ]
        out[plan.key] = sorted(mine, key=lambda lg: (order[lg.role], lg.username))
    return out


# ---- progress output ------------------------------------------------------------------------


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@contextmanager
def _step(number: int, label: str) -> Iterator[Any]:
    """Prints `步骤 n/N label …` then what was done and how long it took."""
    _say(f"步骤 {number}/{STEPS} {label} …")
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


# ---- dispatch rounds ------------------------------------------------------------------------


@dataclass(frozen=True)
class RoundSpec:
    title: str
    period: str
    opened_on: dt.date
    due_on: dt.date
    kind: str  # closed | overdue (open, past due) | current (open, due soon)

    @property
    def is_open(self) -> bool:
        return self.kind != "closed"


def round_schedule(on: dt.date, count: int, first_opened: dt.date = dt.date(2024, 9, 20)) -> list[RoundSpec]:
    """`count` rounds, oldest first: closed ones spread from `first_opened`, then one open round
    ten days overdue and the current one due in two days, so the ledger shows every light."""
    count = max(count, 2)
    last_closed = on - dt.timedelta(days=80)
    older = count - 2
    spacing = (last_closed - first_opened).days / max(older - 1, 1)
    specs = []
    for i in range(older):
        opened = first_opened + dt.timedelta(days=round(i * spacing))
        window = max(5, min(20, int(spacing * 0.7)))
        specs.append(_spec(opened, opened + dt.timedelta(days=window), "closed", spacing))
    specs.append(_spec(on - dt.timedelta(days=40), on - dt.timedelta(days=10), "overdue", 30))
    specs.append(_spec(on - dt.timedelta(days=12), on + dt.timedelta(days=2), "current", 30))
    return specs


def _spec(opened: dt.date, due: dt.date, kind: str, spacing: float) -> RoundSpec:
    if spacing >= 25:
        period = f"{opened.year}年{opened.month}月"
    else:  # more than one round a month (the bench): name the half of the month
        period = f"{opened.year}年{opened.month}月{'上' if opened.day <= 15 else '下'}半月"
    return RoundSpec(title=f"{period}工作调度", period=period, opened_on=opened, due_on=due, kind=kind)


# ---- generated operations of one plan -------------------------------------------------------


@dataclass
class TaskProfile:
    """How fast a task moves: its progress at a date is the straight-line schedule × pace."""

    task: Task
    owners: list[int]  # lead or joint unit ids: who owes a report each round
    pace: float
    offsets: dict[int, int]  # per unit: a joint unit often reports a few points below the others

    def progress_at(self, plan: Plan, on: dt.date) -> int:
        expected = expected_progress(on, plan.starts_on, self.task.due_on or plan.ends_on)
        return min(100, round(expected * self.pace))

    def unit_progress(self, plan: Plan, on: dt.date, unit_id: int) -> int:
        pct = self.progress_at(plan, on)
        return pct if pct >= 100 else max(0, pct + self.offsets.get(unit_id, 0))


@dataclass
class PlanOutcome:
    """What the representative audit records refer to."""

    plan: Plan
    office: str
    returned: Report | None = None
    accepted: Report | None = None
    approved: list[Closure] = field(default_factory=list)
    pending: Closure | None = None
    current_round_id: int | None = None


@dataclass
class ReportDraft:
    """One version of a report, before its round item has an id."""

    version: int
    status: str
    pct: int
    narrative: str
    figures: list[dict[str, Any]]
    submitted_at: dt.datetime
    review_note: str | None = None
    reviewed_at: dt.datetime | None = None


def generate_operations(
    session: Session, plan: Plan, schedule: list[RoundSpec], rng: random.Random
) -> PlanOutcome:
    """Rounds, round items, reports, closures and milestones of one plan; keeps each task's
    denormalised status / progress / last report consistent with its latest submitted report."""
    profiles = _profiles(session, plan, rng)
    users = _unit_users(session, plan.city_code)
    office = session.scalar(
        select(User).where(User.city_code == plan.city_code, User.role == Role.OFFICE.value)
    )
    outcome = PlanOutcome(plan=plan, office=office.username if office else "system")
    closures = _approved_closures(plan, profiles, schedule, rng)
    round_ids = _insert_rounds(session, plan, schedule)
    outcome.current_round_id = round_ids[-1]
    drafts = _round_drafts(plan, profiles, schedule, round_ids, closures, rng)
    report_rows = _insert_items_and_reports(session, drafts, users)
    latest = _apply_latest_reports(session, report_rows)
    closures.update(_pending_closure(latest, closures, rng))
    _insert_closures(session, plan, profiles, closures, users, office, outcome)
    _insert_milestones(session, plan, profiles)
    _pick_examples(session, plan, outcome)
    return outcome


def _insert_rounds(session: Session, plan: Plan, schedule: list[RoundSpec]) -> list[int]:
    rows = [
        {
            "plan_id": plan.id,
            "title": s.title,
            "period": s.period,
            "opened_on": s.opened_on,
            "due_on": s.due_on,
            "status": "open" if s.is_open else "closed",
        }
        for s in schedule
    ]
    return list(session.scalars(insert(Round).returning(Round.id, sort_by_parameter_order=True), rows))


def _insert_items_and_reports(
    session: Session, drafts: list[tuple[dict[str, Any], list[ReportDraft]]], users: dict[int, int]
) -> list[dict[str, Any]]:
    """Bulk inserts: the items first (their ids come back in order), then every report version."""
    items = [item for item, _ in drafts]
    item_ids = list(
        session.scalars(insert(RoundItem).returning(RoundItem.id, sort_by_parameter_order=True), items)
    )
    rows = [
        _report_row(item, item_id, version, users)
        for (item, versions), item_id in zip(drafts, item_ids, strict=True)
        for version in versions
    ]
    if rows:
        session.execute(insert(Report), rows)
    return rows


def _profiles(session: Session, plan: Plan, rng: random.Random) -> list[TaskProfile]:
    """Every leaf task that someone reports on, with a pace; a few get a due date of their own."""
    leaves = [
        t
        for t in session.scalars(
            select(Task).where(Task.plan_id == plan.id, Task.is_leaf).order_by(Task.path)
        )
    ]
    # The rule of plans_service.open_round: lead and joint units, members for a collective, and
    # every county for a task the plan gives to 各县（市、区）.
    owners = plans_service.owing_units(session, plan.city_code, leaves)
    profiles = []
    for task in leaves:
        if not owners[task.id]:
            continue
        pace = rng.uniform(0.65, 1.55)
        offsets = {u: rng.choice((0, 0, -3, -5)) for u in owners[task.id]}
        profiles.append(TaskProfile(task=task, owners=owners[task.id], pace=pace, offsets=offsets))
    for fast in rng.sample(profiles, min(3, len(profiles))):
        fast.pace = rng.uniform(1.9, 2.4)  # finished early: candidates for close-out (销号)
    _set_due_dates(session, plan, profiles, rng)
    return profiles


# Due dates the office sets for some tasks: past ones (mostly met, one or two missed) and future ones.
DUE_CHOICES = (
    dt.date(2024, 12, 31),
    dt.date(2025, 6, 30),
    dt.date(2025, 12, 31),
    dt.date(2026, 12, 31),
    dt.date(2027, 6, 30),
)


def _set_due_dates(session: Session, plan: Plan, profiles: list[TaskProfile], rng: random.Random) -> None:
    chosen = [p for p in profiles if p.task.due_on is None and rng.random() < 0.12]
    for profile in chosen:
        due = rng.choice(DUE_CHOICES)
        profile.task.due_on = due
        if due < today() and rng.random() < 0.8:
            profile.pace = max(profile.pace, rng.uniform(1.0, 1.3))  # a met deadline
        elif due < today():
            profile.pace = rng.uniform(0.7, 0.9)  # a missed one: stuck below 100, red in the ledger


def _unit_users(session: Session, city_code: str) -> dict[int, int]:
    """The user who reports for each unit (department and county accounts)."""
    rows = session.execute(
        select(User.unit_id, User.id).where(
            User.city_code == city_code, User.role.in_((Role.DEPARTMENT.value, Role.COUNTY.value))
        )
    )
    return {unit_id: user_id for unit_id, user_id in rows if unit_id is not None}


@dataclass(frozen=True)
class ClosurePlan:
    requested_at: dt.datetime
    decided_at: dt.datetime | None  # None: still waiting for the office


def _approved_closures(
    plan: Plan, profiles: list[TaskProfile], schedule: list[RoundSpec], rng: random.Random
) -> dict[int, ClosurePlan]:
    """Two tasks finished before the last closed round were closed out after it; later rounds
    leave them out, as the service does for closed tasks."""
    closed_rounds = [s for s in schedule if s.kind == "closed"]
    if not closed_rounds:
        return {}
    last_closed = closed_rounds[-1]
    early = [p for p in profiles if p.progress_at(plan, last_closed.opened_on) >= 100]
    out = {}
    for p in rng.sample(early, min(2, len(early))):
        requested = last_closed.due_on + dt.timedelta(days=rng.randint(2, 6))
        decided = requested + dt.timedelta(days=rng.randint(2, 5))
        out[p.task.id] = ClosurePlan(_at(requested, 10), _at(decided, 15))
    return out


def _pending_closure(
    latest: dict[int, dict[str, Any]], closures: dict[int, ClosurePlan], rng: random.Random
) -> dict[int, ClosurePlan]:
    """One task whose latest report says completed asks to be closed out and waits for the office."""
    done = sorted(t for t, row in latest.items() if row["task_status"] == "completed" and t not in closures)
    if not done:
        return {}
    task_id = rng.choice(done)
    return {task_id: ClosurePlan(_later(latest[task_id]["submitted_at"], rng), None)}


def _round_drafts(
    plan: Plan,
    profiles: list[TaskProfile],
    schedule: list[RoundSpec],
    round_ids: list[int],
    closures: dict[int, ClosurePlan],
    rng: random.Random,
) -> list[tuple[dict[str, Any], list[ReportDraft]]]:
    """For each round, every task still open owes a report from each owner unit."""
    out = []
    for spec, round_id in zip(schedule, round_ids, strict=True):
        live = [p for p in profiles if not _closed_before(closures.get(p.task.id), spec.opened_on)]
        laggards = _laggards(plan, live, spec, rng) if spec.kind == "overdue" else set()
        for profile in live:
            for unit_id in profile.owners:
                item_status, versions = _outcome(
                    plan, profile, unit_id, spec, (profile.task.id, unit_id) in laggards, rng
                )
                item = {
                    "round_id": round_id,
                    "task_id": profile.task.id,
                    "unit_id": unit_id,
                    "status": item_status,
                }
                out.append((item, versions))
    return out


def _closed_before(closure: ClosurePlan | None, on: dt.date) -> bool:
    return closure is not None and closure.decided_at is not None and closure.decided_at.date() < on


def _laggards(
    plan: Plan, live: list[TaskProfile], spec: RoundSpec, rng: random.Random
) -> set[tuple[int, int]]:
    """Units that let the overdue round pass: about one unfinished task in ten, at least one."""
    unfinished = [p for p in live if p.progress_at(plan, spec.opened_on) < 100]
    picked = [p for p in unfinished if rng.random() < 0.1] or unfinished[:1]
    return {(p.task.id, rng.choice(p.owners)) for p in picked}


def _outcome(
    plan: Plan, profile: TaskProfile, unit_id: int, spec: RoundSpec, laggard: bool, rng: random.Random
) -> tuple[str, list[ReportDraft]]:
    """The round item's status and the report versions behind it."""
    pct = profile.unit_progress(plan, spec.opened_on, unit_id)
    task = profile.task
    first = _submitted_at(spec, rng)
    r = rng.random()
    if spec.kind == "closed":
        if r < 0.04:
            return "pending", []  # missed a round long ago: the round was closed anyway
        if r < 0.10:
            return "accepted", _returned_then(spec, pct, task, first, "accepted", rng)
        return "accepted", [_version(1, "accepted", pct, task, first, rng, reviewed=True)]
    if spec.kind == "overdue":
        if laggard:
            if rng.random() < 0.5:
                return "pending", []
            return "returned", [_returned(1, pct, task, first, rng)]
        if r < 0.12:
            return "submitted", [_version(1, "submitted", pct, task, first, rng)]
        if r < 0.17:
            return "submitted", _returned_then(spec, pct, task, first, "submitted", rng)
        return "accepted", [_version(1, "accepted", pct, task, first, rng, reviewed=True)]
    # current round: due in two days, so many units have not reported yet
    if r < 0.28:
        return "pending", []
    if r < 0.33:
        return "pending", [_version(1, "draft", pct, task, first, rng, draft=True)]
    if r < 0.38:
        return "returned", [_returned(1, pct, task, first, rng)]
    if r < 0.68:
        return "submitted", [_version(1, "submitted", pct, task, first, rng)]
    return "accepted", [_version(1, "accepted", pct, task, first, rng, reviewed=True)]


def _submitted_at(spec: RoundSpec, rng: random.Random) -> dt.datetime:
    window = max((min(spec.due_on, today()) - spec.opened_on).days, 1)
    day = spec.opened_on + dt.timedelta(days=rng.randint(0, window - 1))
    moment = dt.datetime(day.year, day.month, day.day, rng.randint(8, 17), rng.randint(0, 59), tzinfo=CHINA)
    return min(moment, now() - dt.timedelta(minutes=rng.randint(30, 600)))


def _later(moment: dt.datetime, rng: random.Random, max_days: int = 3) -> dt.datetime:
    """A review or a resubmission a little after `moment`, never in the future."""
    later = moment + dt.timedelta(days=rng.randint(0, max_days), hours=rng.randint(1, 8))
    return min(later, now() - dt.timedelta(minutes=rng.randint(5, 25)))


def _version(
    version: int,
    status: str,
    pct: int,
    task: Task,
    at: dt.datetime,
    rng: random.Random,
    *,
    reviewed: bool = False,
    draft: bool = False,
) -> ReportDraft:
    narrative, figures = _narrative(task.title, task.action, pct, rng)
    if draft:
        narrative = narrative.split("。")[0]  # a draft is half-written
    return ReportDraft(
        version=version,
        status=status,
        pct=pct,
        narrative=narrative,
        figures=figures,
        submitted_at=at,
        review_note=rng.choice(ACCEPT_NOTES) if reviewed else None,
        reviewed_at=_later(at, rng) if reviewed else None,
    )


def _returned(version: int, pct: int, task: Task, at: dt.datetime, rng: random.Random) -> ReportDraft:
    # A returned report often claimed more than its narrative supports.
    draft = _version(version, "returned", min(100, pct + rng.choice((0, 5, 10))), task, at, rng)
    draft.review_note = rng.choice(RETURN_REASONS)
    draft.reviewed_at = _later(at, rng)
    return draft


def _returned_then(
    spec: RoundSpec, pct: int, task: Task, first: dt.datetime, final: str, rng: random.Random
) -> list[ReportDraft]:
    returned = _returned(1, pct, task, first, rng)
    assert returned.reviewed_at is not None
    again = _version(
        2, final, pct, task, _later(returned.reviewed_at, rng), rng, reviewed=final == "accepted"
    )
    return [returned, again]


def _report_row(
    item: dict[str, Any], item_id: int, draft: ReportDraft, users: dict[int, int]
) -> dict[str, Any]:
    pct = draft.pct
    return {
        "round_item_id": item_id,
        "task_id": item["task_id"],
        "unit_id": item["unit_id"],
        "version": draft.version,
        "status": draft.status,
        "progress_pct": pct,
        "task_status": "completed" if pct >= 100 else ("in_progress" if pct > 0 else "not_started"),
        "narrative": draft.narrative,
        "figures": draft.figures,
        "submitted_at": draft.submitted_at,
        "submitted_by": users.get(item["unit_id"]),
        "review_note": draft.review_note,
        "reviewed_at": draft.reviewed_at,
        "idempotency_key": None,
    }


def _apply_latest_reports(session: Session, rows: list[dict[str, Any]]) -> dict[int, dict[str, Any]]:
    """As the reporting service does: a task's figure and status roll up from each lead unit's
    latest report (plans.parts, docs/ledger.md); the latest submitted report of each task is
    returned with the rolled-up status, which is what a close-out request looks at."""
    latest: dict[int, dict[str, Any]] = {}
    for row in rows:
        if row["status"] == "draft":
            continue
        seen = latest.get(row["task_id"])
        if seen is None or row["submitted_at"] >= seen["submitted_at"]:
            latest[row["task_id"]] = row
    session.expire_all()  # the reports were written set-wise: let the ORM read them
    for task_id, row in latest.items():
        task = session.get(Task, task_id)
        assert task is not None
        task.progress_pct, task.status = plans_service.rolled_up(session, task)
        task.last_reported_at = row["submitted_at"]
        latest[task_id] = {**row, "task_status": task.status, "progress_pct": task.progress_pct}
    session.flush()
    return latest


def _insert_closures(
    session: Session,
    plan: Plan,
    profiles: list[TaskProfile],
    closures: dict[int, ClosurePlan],
    users: dict[int, int],
    office: User | None,
    outcome: PlanOutcome,
) -> None:
    owners = {p.task.id: p.owners for p in profiles}
    for task_id, cp in closures.items():
        unit_id = owners[task_id][0]
        closure = Closure(
            task_id=task_id,
            unit_id=unit_id,
            evidence=EVIDENCE[task_id % len(EVIDENCE)],
            status="approved" if cp.decided_at else "pending",
            requested_at=cp.requested_at,
            requested_by=users.get(unit_id),
        )
        if cp.decided_at:
            closure.decided_at = cp.decided_at
            closure.decided_by = office.id if office else None
            closure.decision_note = "佐证材料齐全，同意销号"
        session.add(closure)
        if cp.decided_at:
            outcome.approved.append(closure)
        else:
            outcome.pending = closure
    session.flush()
    if outcome.approved:
        session.execute(
            update(Task),
            [
                {"id": c.task_id, "status": "closed", "progress_pct": 100, "closed_at": c.decided_at}
                for c in outcome.approved
            ],
        )


def _at(day: dt.date, hour: int) -> dt.datetime:
    return min(
        dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=CHINA), now() - dt.timedelta(hours=1)
    )


def _insert_milestones(session: Session, plan: Plan, profiles: list[TaskProfile]) -> None:
    """Tasks with a due date of their own get two milestones: the work plan and the main works."""
    rows = []
    for p in profiles:
        due = p.task.due_on
        if due is None:
            continue
        start = plan.starts_on
        first = start + (due - start) / 4
        second = start + (due - start) * 3 / 4
        for title, on, need in (("制定实施方案，明确项目清单", first, 25), ("完成主体工作", second, 75)):
            done = on if on <= today() and p.progress_at(plan, on) >= need else None
            rows.append({"task_id": p.task.id, "title": title, "due_on": on, "done_on": done})
    if rows:
        session.execute(insert(Milestone), rows)


def _pick_examples(session: Session, plan: Plan, outcome: PlanOutcome) -> None:
    """A returned and an accepted report of the current round, for the audit examples."""
    base = (
        select(Report)
        .join(RoundItem, RoundItem.id == Report.round_item_id)
        .where(RoundItem.round_id == outcome.current_round_id)
        .order_by(Report.id)
        .limit(1)
    )
    outcome.returned = session.scalar(base.where(Report.status == "returned"))
    outcome.accepted = session.scalar(base.where(Report.status == "accepted"))


def record_representative_actions(session: Session, outcome: PlanOutcome) -> None:
    """A few audit records per plan, as the services would have written them: the generated bulk
    rows are not audited one by one, but the chain stays whole and verifiable."""
    examples: list[tuple[str, str, object, dict[str, Any]]] = []  # action, entity, id, detail
    if outcome.current_round_id is not None:
        examples.append(("open_round", "round", outcome.current_round_id, {"demo": True}))
    if outcome.returned is not None:
        examples.append(("return_report", "report", outcome.returned.id, {"reason": outcome.returned.review_note}))
    if outcome.accepted is not None:
        examples.append(("accept_report", "report", outcome.accepted.id, {}))
    for closure in outcome.approved[:1]:
        examples.append(("approve_closure", "closure", closure.id, {"task_id": closure.task_id}))
    if outcome.pending is not None:
        examples.append(("request_closure", "closure", outcome.pending.id, {"task_id": outcome.pending.task_id}))
    for action, entity, entity_id, detail in examples:
        audit.record(session, actor=outcome.office, action=action, entity=entity, entity_id=entity_id,
                     city_code=outcome.plan.city_code, detail=detail)


# ---- narratives -----------------------------------------------------------------------------

STAGE_PHRASES = {
    "start": (
        "已完成摸底排查，形成更新需求清单",
        "已制定工作方案，明确责任分工和时间节点",
        "召开专题推进会，部署相关工作",
        "已建立工作台账，逐项明确责任人和完成时限",
    ),
    "early": (
        "已梳理储备项目{n}个，正在开展前期论证",
        "组织政策宣讲{n}场，覆盖企业{m}家",
        "已向上争取超长期特别国债资金{x}亿元",
        "已形成第一批项目清单并报送省级主管部门",
    ),
    "late": (
        "主体工作基本完成，正在组织验收",
        "已完成目标任务的{pct}%，剩余工作正加快收尾",
        "已完成项目建设{n}个，正在开展绩效评估",
    ),
    "done": (
        "已全面完成任务，形成长效工作机制",
        "任务已完成并通过验收，相关佐证材料已归档",
        "已完成全部目标任务，正在总结推广经验做法",
    ),
}
# Half-way there, a report speaks the language of its action (the plan's four actions and guarantees).
MID_PHRASES = {
    "equipment": (
        "已推动{n}个设备更新项目开工建设，完成设备投资{x}亿元",
        "已入库设备更新项目{n}个，其中{k}个获超长期特别国债或贴息支持",
        "已组织设备供需对接活动{n}场，促成签约{m}项",
    ),
    "consumer": (
        "已兑付以旧换新补贴{x}亿元，惠及消费者{m}百人次",
        "已组织以旧换新促销活动{n}场，参与经营主体{m}家",
    ),
    "recycling": (
        "已新建或改造回收网点{n}个，规范回收废旧物资{m}百吨",
        "已推动{n}家回收企业规范经营，开展“反向开票”{m}笔",
    ),
    "standards": (
        "已推动{n}家企业开展对标达标，制修订标准{m}项",
        "已组织能效、排放等标准宣贯{n}场，覆盖企业{m}家",
    ),
    "guarantee": (
        "已落实财政贴息资金{x}亿元，惠及企业{m}家",
        "已向金融机构推送融资需求项目{n}个，获授信{x}亿元",
    ),
    "other": ("累计完成更新改造{n}处，正在加快推进剩余任务", "已召开专题调度会{n}次，协调解决问题{m}个"),
}
FIGURE_OF_ACTION = {
    "equipment": ("完成设备投资", "亿元"),
    "consumer": ("兑付补贴", "亿元"),
    "recycling": ("回收网点", "个"),
    "standards": ("对标达标企业", "家"),
    "guarantee": ("落实资金", "亿元"),
    "other": ("完成事项", "项"),
}
NEXT_STEPS = (
    "下一步将加强要素保障，确保按期完成。",
    "下一步将强化调度，及时协调解决困难问题。",
    "存在资金到位偏慢的问题，已提请市专班协调。",
    "下一步将加强部门协同，推动政策直达快享。",
    "部分项目受审批进度影响，正加快办理前期手续。",
    "",
)
RETURN_REASONS = (
    "进展描述过于笼统，请补充具体数据和项目清单",
    "完成百分比与描述不符，请核实后重新报送",
    "缺少资金到位情况，请补充",
    "请补充佐证材料（照片、合同或验收报告）",
    "量化数据口径与上期不一致，请说明",
)
ACCEPT_NOTES = (None, None, "已阅，请继续推进", "进展良好")
EVIDENCE = (
    "已完成全部建设内容，验收报告和资金拨付凭证见附件",
    "任务完成情况经第三方评估合格，评估报告已上传",
    "相关政策文件已印发实施，文件及落实情况说明见附件",
)


def _stage(pct: int) -> str:
    if pct >= 100:
        return "done"
    if pct >= 75:
        return "late"
    if pct >= 35:
        return "mid"
    return "early" if pct >= 10 else "start"


def _short_title(title: str) -> str:
    """The task's first clause, whole: a cut at a fixed length ends inside a 、-list ("供水、供气、")."""
    for mark in ("（",):
        title = title.split(mark)[0]
    return clause_cut(title, SHORT_TITLE, ellipsis="")


def _narrative(
    title: str, action: str | None, pct: int, rng: random.Random
) -> tuple[str, list[dict[str, Any]]]:
    """A plausible progress narrative and its figures, varied by the action and how far the task has come."""
    kind = action if action in MID_PHRASES else "other"
    n, m, x = rng.randint(2, 30), rng.randint(10, 200), round(rng.uniform(0.2, 12.0), 2)
    k = rng.randint(1, n)  # a part of the n: "项目{n}个，其中{k}个" never says more than the whole
    stage = _stage(pct)
    phrases = MID_PHRASES[kind] if stage == "mid" else STAGE_PHRASES[stage]
    phrase = rng.choice(phrases).format(n=n, m=m, k=k, x=x, pct=pct)
    follow_up = "" if stage == "done" else rng.choice(NEXT_STEPS)
    figures: list[dict[str, Any]] = []
    if pct >= 10:
        figures.append({"label": "推进项目数", "value": n, "unit": "个"})
    if pct >= 35:
        label, unit = FIGURE_OF_ACTION[kind]
        figures.append({"label": label, "value": x if unit == "亿元" else m, "unit": unit})
    return f"围绕“{_short_title(title)}”，{phrase}。{follow_up}", figures


# ---- indicators -----------------------------------------------------------------------------

# Rough size of each seed city relative to 资阳 (GDP and population), for magnitudes.
CITY_SCALE = {"ziyang": 1.0, "panzhihua": 1.1, "shaoyang": 1.8, "yangquan": 0.9, "anqiu": 0.5}
# 2023 values of a city of scale 1.0, for indicators whose targets are relative to 2023.
MAGNITUDE_2023 = {
    "equipment_investment": 130.0,
    "equipment_manufacturing_revenue": 110.0,
    "scrapped_car_recycling": 6000,
    "scrapped_car_dismantling": 12000,
    "used_car_transactions": 30000,
    "waste_appliance_recycling": 150000,
    "waste_appliance_recycling_rate": 25.0,
    "energy_saving_level_share": 45.0,
    "env_a_level_capacity_share": 18.0,
    "nev_stock": 15000,
}
# Annual amounts, for the baseline guess (the indicators service decides what a flow is for progress).
FLOW = {
    "equipment_investment",
    "equipment_manufacturing_revenue",
    "scrapped_car_recycling",
    "scrapped_car_dismantling",
    "used_car_transactions",
    "waste_appliance_recycling",
    "nev_promotion_events",
    "nev_rural_promotion_events",
    "tourism_equipment_renewed",
    "tech_transfer_demo_enterprises_new",
    "pilot_test_bases_new",
}
STOCK = {"nev_stock"}
INTEGER_UNITS = {"辆", "台", "场", "家", "个", "座", "所", "部", "户", "台（套）"}
BASE_YEAR = 2023


def generate_indicators(session: Session, plan: Plan, rng: random.Random, scale: float = 1.0) -> None:
    """2023 baselines and observations 2023 → last year plus this year to date, for every
    indicator the plan sets a target for; about a third of them lag behind their path."""
    targets = list(session.scalars(select(Target).where(Target.plan_id == plan.id).order_by(Target.id)))
    groups: dict[tuple[str, str], list[Target]] = defaultdict(list)
    for t in targets:
        groups[(t.indicator_code, t.region_code or plan.city_code)].append(t)
    keys = sorted(groups)
    at_risk = set(rng.sample(keys, max(1, len(keys) // 3))) if len(keys) > 1 else set()
    office = session.scalar(
        select(User.id).where(User.city_code == plan.city_code, User.role == Role.OFFICE.value)
    )
    baselines, observations = [], []
    for key in keys:
        code, region = key
        series = _series(code, groups[key], rng, scale, lagging=key in at_risk)
        stamp = {
            "city_code": plan.city_code,
            "indicator_code": code,
            "region_code": region,
            "entered_by": office,
        }
        baselines.append(
            {
                **stamp,
                "year": BASE_YEAR,
                "value": series[(BASE_YEAR, 12)],
                "note": "演示数据：2023年统计值",
                "entered_at": _at(dt.date(BASE_YEAR + 1, 3, 20), 10),
            }
        )
        for (year, month), value in series.items():
            observations.append(
                {
                    **stamp,
                    "year": year,
                    "month": month,
                    "value": value,
                    "source": "imported",
                    "note": "演示数据" if month == 12 else f"演示数据：1-{month}月累计",
                    "entered_at": _at(_published(year, month), 10),
                }
            )
    if baselines:
        session.execute(insert(Baseline), baselines)
        session.execute(insert(Observation), observations)


def _published(year: int, month: int) -> dt.date:
    """Statistics come out about three weeks after the period."""
    first = dt.date(year + (month == 12), month % 12 + 1, 1)
    return first + dt.timedelta(days=20)


def _series(
    code: str, targets: list[Target], rng: random.Random, scale: float, *, lagging: bool
) -> dict[tuple[int, int], float]:
    """Observations read the way the indicators service reads them: full years as month 12,
    this year's figure to date (a running sum for flows, a level for shares and stocks), and
    yearly amounts, not running totals, where a target counts 2024–2027 累计."""
    indicator = catalogue()[code]
    pace = rng.uniform(0.5, 0.8) if lagging else rng.uniform(1.04, 1.12)
    if any(t.cumulative for t in targets):
        year_value = _cumulative_amounts(targets, pace, rng)
    else:
        year_value = _level_path(code, indicator.unit, targets, pace, rng, scale)
    this_year, ytd_month = today().year, today().month - 1
    out = {(year, 12): _clean(indicator.unit, year_value(year)) for year in range(BASE_YEAR, this_year)}
    if ytd_month >= 1:
        if is_flow(indicator):
            so_far = year_value(this_year) * ytd_month / 12 * rng.uniform(0.95, 1.0)
        else:
            so_far = year_value(this_year - 1 + ytd_month / 12)
        out[(this_year, ytd_month)] = _clean(indicator.unit, so_far)
    return out


def _cumulative_amounts(targets: list[Target], pace: float, rng: random.Random) -> Callable[[float], float]:
    """Each year adds about its share of the cumulative target; 2023, before the plan, a little less."""
    target = max(targets, key=lambda t: t.year)
    per_year = target.value / max(target.year - BASE_YEAR, 1) * pace

    def amount(year: float) -> float:
        return per_year * (0.6 if year <= BASE_YEAR else rng.uniform(0.96, 1.04))

    return amount


def _level_path(
    code: str, unit: str, targets: list[Target], pace: float, rng: random.Random, scale: float
) -> Callable[[float], float]:
    """From the 2023 value along the path the targets ask for, at the indicator's pace."""
    base = _baseline(code, unit, targets, rng, scale)
    anchors = _anchors(base, targets)

    def value(year: float) -> float:
        if year <= BASE_YEAR:
            return base
        return (base + (_interpolate(anchors, year) - base) * pace) * rng.uniform(0.98, 1.02)

    return value


def _baseline(code: str, unit: str, targets: list[Target], rng: random.Random, scale: float) -> float:
    """The 2023 value: read back from a level target when there is one, else a city-sized magnitude."""
    levels = sorted((t for t in targets if t.kind in ("level", "ratio")), key=lambda t: t.year)
    if not levels:
        size = 1.0 if unit == "%" else scale
        return MAGNITUDE_2023.get(code, 50.0) * size * rng.uniform(0.85, 1.15)
    value = levels[0].value
    if unit == "%":
        return rng.uniform(55, 80) if value >= 99 else value * (1 - rng.uniform(0.12, 0.25))
    if unit == ":1":
        return value * rng.uniform(0.6, 0.75)
    if code in FLOW:
        return value * rng.uniform(0.7, 0.85)
    if code in STOCK:
        return value * rng.uniform(0.5, 0.6)
    return value * rng.uniform(0.05, 0.15)  # cumulative counts (km renewed, plants upgraded …) start low


def _target_value(target: Target, base: float) -> float:
    if target.kind == "growth":
        return base * (1 + target.value / 100)
    if target.kind == "multiple":
        return base * (1 + target.value)
    if target.kind == "pp_increase":
        return base + target.value
    return target.value


def _anchors(base: float, targets: list[Target]) -> list[tuple[float, float]]:
    """The path the targets ask for: from the 2023 value through each target, never falling
    (two targets of one plan can disagree; the higher one wins)."""
    points: dict[int, float] = {}
    for t in targets:
        points[t.year] = max(points.get(t.year, 0.0), _target_value(t, base))
    anchors = [(float(BASE_YEAR), base)]
    for year in sorted(points):
        if year > BASE_YEAR:
            anchors.append((float(year), max(points[year], anchors[-1][1])))
    return anchors


def _interpolate(anchors: list[tuple[float, float]], year: float) -> float:
    if len(anchors) == 1:
        return anchors[0][1]
    for (y0, v0), (y1, v1) in zip(anchors, anchors[1:], strict=False):
        if year <= y1:
            return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
    (y0, v0), (y1, v1) = anchors[-2], anchors[-1]
    return v1 + (v1 - v0) / (y1 - y0) * (year - y1) * 0.5  # past the last target: keep growing, slower


def _clean(unit: str, value: float) -> float:
    if unit == "%":
        return round(min(max(value, 0.0), 100.0), 1)
    if unit == ":1":
        return round(max(value, 0.0), 2)
    if unit in INTEGER_UNITS:
        return float(max(0, math.floor(value + 0.5)))
    return round(max(value, 0.0), 2)
