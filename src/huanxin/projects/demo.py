"""The demo's key project library (`huanxin demo`, step "重点项目库"): per city a few hundred
enterprises with logins and a few hundred projects in every review state (draft, county,
department, office, returned with comments, approved, batched, reported), with equipment lists,
review histories with snapshots, a sent batch and an open one, and the departments that review
each field. Then the library feeds the indicators (projects.indicator_feed), so the cockpit's
设备投资增长 figure is the library's.

Deterministic from the caller's rng, dated relative to `on`, written with bulk inserts (ids given
here, PostgreSQL sequences moved past them). The bench (bench/projects_library.py) calls
`generate` with 50,000 projects per city.

The indicators demo leaves the figures the library computes (indicator_feed.CITY_CODES) without
stand-in statistics after 2023 (a computed figure never overrides a stated one), keeping their
2023 baselines; a city without an equipment-investment baseline gets one here."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from huanxin.db import insert_rows, is_postgres, move_sequences_past, next_id
from huanxin.indicators import service as indicators_service
from huanxin.kit.clock import CHINA
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import indicator_feed, search
from huanxin.projects.demo_enterprises import DemoEnterprise, generate_enterprises
from huanxin.projects.demo_projects import DemoProject, plan_projects, project_row
from huanxin.projects.demo_review import Actor, Actors, make_batches, number_projects, review_history
from huanxin.projects.models import Enterprise, FieldReviewer, Project, ProjectBatch, ProjectEquipment, ProjectStep

ACTOR = "demo"
# Fields of the demo's enterprises, by weight (industry first: the plans' first field).
FIELD_WEIGHTS = {"industry": 30, "energy_using": 8, "energy_power": 4, "construction_municipal": 6, "transport": 4,
                 "logistics": 4, "agriculture": 3, "grain_oil": 3, "education": 6, "culture_tourism": 3,
                 "healthcare": 7, "elevator": 5, "environment": 5, "work_safety": 3, "recycling": 4,
                 "electronic_info": 3}
DEFAULT_BASELINE_YI = 130.0  # 2023 equipment investment of a city of scale 1.0, as indicators.demo assumes
NEEDED_PACE = 0.0625  # +25% by 2027 on 2023 is 6.25 points a year
CHUNK = 5_000


@dataclass(frozen=True)
class CitySpec:
    code: str
    slug: str
    name: str
    counties: dict[str, str]
    enterprises: int
    projects: int
    scale: float = 1.0


@dataclass
class Summary:
    enterprises: int = 0
    projects: int = 0
    equipment: int = 0
    steps: int = 0
    batches: int = 0
    observations: int = 0
    by_status: Counter[str] = field(default_factory=Counter)


def city_specs(session: Session, cities: list[tuple[str, str]], scale: dict[str, float],
               projects_per_city: int | None = None) -> list[CitySpec]:
    """(city code, slug) → what to generate: a few hundred of each, by the city's size."""
    out = []
    for code, slug in cities:
        size = scale.get(slug, 1.0)
        counties = {r.code: r.name for r in orgs_service.child_regions(session, code)}
        name = orgs_service.region_name(session, code)
        projects = projects_per_city or max(120, min(480, int(260 * size)))
        enterprises = max(50, min(200, int(110 * size))) if projects_per_city is None else max(50, projects // 25)
        out.append(CitySpec(code=code, slug=slug, name=name, counties=counties or {code: name},
                            enterprises=enterprises, projects=projects, scale=size))
    return out


def _office_scope(city_code: str) -> Scope:
    return Scope(user_id=0, username=ACTOR, display_name="演示数据", role=Role.OFFICE, city_code=city_code,
                 unit_id=None, unit_name=None, region_code=None)


def _baseline(session: Session, city: CitySpec) -> float:
    """The city's 2023 equipment investment (亿元): the baseline on record, else one entered here."""
    scope = _office_scope(city.code)
    for b in indicators_service.list_baselines(session, scope, city.code):
        if b.indicator_code == indicator_feed.EQUIPMENT_INVESTMENT and b.region_code == city.code and b.year == 2023:
            return float(b.value)
    value = round(DEFAULT_BASELINE_YI * city.scale, 2)
    indicators_service.set_baseline(session, scope, city.code, indicators_service.BaselineInput(
        indicator_code=indicator_feed.EQUIPMENT_INVESTMENT, region_code=city.code, year=2023, value=value,
        note="演示数据：2023年设备投资统计值（重点项目库演示）"))
    return value


def _ensure_reviewers(session: Session, city_code: str) -> None:
    try:
        from huanxin.projects.reviewers import ensure_field_reviewers
    except ImportError:  # helper H4's module: departments then act as "行业主管部门审核人员"
        return
    ensure_field_reviewers(session, city_code, actor=ACTOR)


def _actors(session: Session, city: CitySpec, enterprises: list[DemoEnterprise]) -> Actors:
    users = {u.username: u for u in session.scalars(select(User).where(User.city_code == city.code))}
    counties: dict[str, Actor] = {}
    for user, region in session.execute(select(User, Unit.region_code).join(Unit, Unit.id == User.unit_id).where(
            User.city_code == city.code, User.role == Role.COUNTY.value).order_by(User.username)):
        if region and region not in counties:
            counties[region] = Actor(user.id, user.display_name)
    departments: dict[str, Actor] = {}
    for row in session.scalars(select(FieldReviewer).where(FieldReviewer.city_code == city.code)):
        found = session.scalar(select(User).where(User.unit_id == row.unit_id, User.role == Role.DEPARTMENT.value)
                               .order_by(User.username).limit(1))
        if found is not None:
            departments[row.field] = Actor(found.id, found.display_name)
    office = next((u for u in users.values() if u.role == Role.OFFICE.value), None)
    return Actors(enterprise={e.id: Actor(users[e.username].id, users[e.username].display_name) for e in enterprises},
                  county=counties, department=departments,
                  office=Actor(office.id if office else None, office.display_name if office else "专班办公室"))


def _fields(rng: random.Random, count: int, reviewed: set[str]) -> list[str]:
    """The field of each enterprise; fields without a reviewing department are rarer."""
    names = list(FIELD_WEIGHTS)
    weights = [FIELD_WEIGHTS[f] * (1.0 if f in reviewed or not reviewed else 0.2) for f in names]
    return ["industry", *rng.choices(names, weights=weights, k=max(0, count - 1))]



def _insert(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Bulk insert: one set-wise statement per chunk on PostgreSQL, an executemany on SQLite."""
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        if is_postgres(session):
            insert_rows(session, model, chunk)
        else:
            session.execute(insert(model.__table__), chunk)


def _sync_sequences(session: Session) -> None:
    move_sequences_past(session, (Enterprise, Project, ProjectBatch))


def _walkthrough_first(planned: list[tuple[str, DemoEnterprise, dt.date, int]],
                       first: DemoEnterprise) -> None:
    """The first enterprise (the login printed) has a returned, a draft and an approved project."""
    for state in ("returned", "draft", "approved"):
        for i, (s, enterprise, start, amount) in enumerate(planned):
            if s == state and enterprise.id != first.id:
                planned[i] = (s, first, start, amount)
                break


def generate_city(session: Session, city: CitySpec, rng: random.Random, on: dt.date, password_hash: str,
                  summary: Summary, *, snapshots: bool = True, pace: float | None = None) -> list[DemoProject]:
    """One city's enterprises, projects, equipment, histories and batches (not the feed)."""
    now = dt.datetime.combine(on, dt.time(9, 30), tzinfo=CHINA)
    _ensure_reviewers(session, city.code)
    reviewed = set(session.scalars(select(FieldReviewer.field).where(FieldReviewer.city_code == city.code)))
    enterprises = generate_enterprises(
        session, city_code=city.code, city_name=city.name, slug=city.slug, counties=city.counties,
        fields=_fields(rng, city.enterprises, reviewed), rng=rng, password_hash=password_hash, at=now,
        first_id=next_id(session, Enterprise))
    actors = _actors(session, city, enterprises)
    lagging = rng.random() < 0.35
    pace = pace if pace is not None else NEEDED_PACE * (rng.uniform(0.3, 0.55) if lagging else rng.uniform(1.1, 1.35))
    planned = plan_projects(rng, enterprises, city.projects, _baseline(session, city), pace, on)
    _walkthrough_first(planned, enterprises[0])
    first_id = next_id(session, Project)
    projects = [project_row(rng, city_code=city.code, pid=first_id + i, state=state, enterprise=enterprise,
                            start=start, equipment_fen=amount, on=on)
                for i, (state, enterprise, start, amount) in enumerate(planned)]
    batches = make_batches(rng, city.code, city.name, next_id(session, ProjectBatch), actors.office, on)
    steps = []
    for project in projects:
        steps.extend(review_history(rng, project, actors, batches, now, snapshots=snapshots))
    number_projects(projects, city.code)
    _insert(session, ProjectBatch, batches.rows)
    _insert(session, Project, [p.row for p in projects])
    search.index_rows(session, [(p.row["id"], p.row["name"]) for p in projects])
    lines = [{**line, "project_id": p.row["id"]} for p in projects for line in p.lines]
    _insert(session, ProjectEquipment, lines)
    _insert(session, ProjectStep, steps)
    summary.enterprises += len(enterprises)
    summary.projects += len(projects)
    summary.equipment += len(lines)
    summary.steps += len(steps)
    summary.batches += len(batches.rows)
    summary.by_status.update(p.row["status"] for p in projects)
    return projects


def generate(session: Session, cities: list[CitySpec], rng: random.Random, on: dt.date, password_hash: str,
             *, snapshots: bool = True, feed: bool = True) -> Summary:
    """Every city's library, then (with `feed`) its indicator observations from 2024 to last month."""
    summary = Summary()
    for city in cities:
        generate_city(session, city, rng, on, password_hash, summary, snapshots=snapshots)
    _sync_sequences(session)
    session.flush()
    if feed:
        for city in cities:
            summary.observations += indicator_feed.feed_months(session, city.code, on)
    return summary


def describe(summary: Summary) -> str:
    """One line for the demo's progress output, states by their Chinese names."""
    from huanxin.projects.vocab import STATUSES

    states = "、".join(f"{STATUSES[s]} {summary.by_status[s]}" for s in STATUSES if summary.by_status[s])
    return (f"{summary.enterprises} 家企业（含登录账号），{summary.projects} 个项目（{states}），"
            f"{summary.equipment} 行设备清单，{summary.steps} 条审核记录，{summary.batches} 个申报批次，"
            f"写入 {summary.observations} 个计算观测值")
