"""The demo's key project library (projects.demo), generated for 资阳 into the test database: every
review state, valid credit codes, enterprise logins on enterprise units, equipment lists that add up
to the equipment investment, histories with snapshots and return comments, a sent and an open batch,
and the cockpit's equipment-investment target computed from the library."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanxin.indicators import service as indicators_service
from huanxin.indicators.city_progress import city_progress
from huanxin.kit.clock import today
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import Role
from huanxin.projects import credit_code, indicator_feed, vocab
from huanxin.projects import demo as projects_demo
from huanxin.projects.demo_equipment import equipment_lines
from huanxin.projects.demo_projects import states
from huanxin.projects.models import Enterprise, Project, ProjectBatch, ProjectEquipment, ProjectStep

CITY = "512000"


@pytest.fixture()
def made(db: Session) -> projects_demo.Summary:
    hashed = db.scalar(select(User.password_hash).where(User.role == Role.OFFICE.value).limit(1))
    assert hashed
    spec = projects_demo.city_specs(db, [(CITY, "ziyang")], {"ziyang": 1.0})[0]
    small = projects_demo.CitySpec(code=spec.code, slug="ziyangt", name=spec.name, counties=spec.counties,
                                   enterprises=40, projects=120)
    return projects_demo.generate(db, [small], random.Random(7), today(), hashed)


def _projects(db: Session) -> list[Project]:
    return list(db.scalars(select(Project).where(Project.city_code == CITY)))


def test_every_review_state_is_there(db: Session, made: projects_demo.Summary) -> None:
    counts = Counter(p.status for p in _projects(db))
    assert set(counts) == set(vocab.STATUSES), counts
    assert made.projects == sum(counts.values()) == 120


def test_enterprises_have_valid_credit_codes_and_their_own_logins(db: Session, made: projects_demo.Summary) -> None:
    enterprises = list(db.scalars(select(Enterprise).where(Enterprise.city_code == CITY)))
    assert len(enterprises) == made.enterprises == 40
    for enterprise in enterprises:
        assert credit_code.validate(enterprise.credit_code) == enterprise.credit_code
        unit = db.get(Unit, enterprise.unit_id)
        assert unit is not None and unit.kind == "enterprise" and unit.city_code == CITY
        login = db.scalar(select(User).where(User.unit_id == enterprise.unit_id))
        assert login is not None and login.role == Role.ENTERPRISE.value
    assert len({e.credit_code for e in enterprises}) == len(enterprises)
    assert db.scalar(select(User).where(User.username == "ziyangt-ent001")) is not None


def test_equipment_lists_add_up_and_carry_what_the_efficiency_tables_read(db: Session,
                                                                          made: projects_demo.Summary) -> None:
    projects = {p.id: p for p in _projects(db)}
    new_total: Counter[int] = Counter()
    sides: dict[int, set[str]] = {}
    motors = []
    for line in db.scalars(select(ProjectEquipment).where(ProjectEquipment.project_id.in_(list(projects)))):
        sides.setdefault(line.project_id, set()).add(line.side)
        if line.side == "new":
            new_total[line.project_id] += line.unit_price_fen * line.quantity
        if line.category == "motor":
            motors.append(line)
    for pid, project in projects.items():
        assert sides[pid] == {"retired", "new"}, project.code
        assert new_total[pid] == project.equipment_investment_fen, project.code
        assert project.equipment_investment_fen <= project.fixed_asset_fen <= project.total_investment_fen
    assert motors and all(m.rated_power_kw and m.poles and m.efficiency_pct for m in motors)
    assert {m.efficiency_level for m in motors if m.side == "new"} <= {"advanced", "saving", "entry"}


def test_histories_have_snapshots_comments_and_batches(db: Session, made: projects_demo.Summary) -> None:
    projects = _projects(db)
    steps: dict[int, list[ProjectStep]] = {}
    for step in db.scalars(select(ProjectStep).where(ProjectStep.project_id.in_([p.id for p in projects]))
                           .order_by(ProjectStep.at, ProjectStep.id)):
        steps.setdefault(step.project_id, []).append(step)
    for project in projects:
        mine = steps.get(project.id, [])
        if project.status == "draft":
            assert not mine
            continue
        assert mine[0].action == "submit" and mine[0].snapshot is not None
        assert mine[-1].at == project.stage_since
        if project.status == "returned":
            assert mine[-1].action == "return" and mine[-1].comment and project.returned_from == mine[-1].level
        if project.version == 2:  # returned once and corrected: the two snapshots differ
            resubmit = next(s for s in mine if s.action == "resubmit")
            assert resubmit.snapshot != mine[0].snapshot
    batches = {b.id: b for b in db.scalars(select(ProjectBatch).where(ProjectBatch.city_code == CITY))}
    for project in projects:
        if project.status in ("batched", "reported"):
            batch = batches[project.batch_id or 0]
            assert batch.status == ("open" if project.status == "batched" else "sent")
    codes = [p.code for p in projects]
    assert len(set(codes)) == len(codes) and all(c.startswith(f"SB-{CITY}-") for c in codes)


def test_the_library_moves_the_cockpits_equipment_target(db: Session, made: projects_demo.Summary) -> None:
    scope = indicator_feed._feed_scope(CITY)
    computed = [o for o in indicators_service.list_observations(db, scope, CITY,
                                                                 indicator_code=indicator_feed.EQUIPMENT_INVESTMENT)
                if o.source == "computed" and o.region_code == CITY]
    assert computed and made.observations > 0
    target = next(t for t in city_progress(db, scope, CITY).targets
                  if t.spec.indicator_code == indicator_feed.EQUIPMENT_INVESTMENT)
    assert target.baseline is not None and target.actual is not None and target.percent is not None


def test_generation_is_deterministic() -> None:
    assert states(random.Random(3), 50) == states(random.Random(3), 50)
    assert equipment_lines(random.Random(5), "industry", 10**10, 0.2, 2025) == \
        equipment_lines(random.Random(5), "industry", 10**10, 0.2, 2025)
    assert set(states(random.Random(1), 16)) == set(vocab.STATUSES)


def test_the_demo_adds_nothing_to_another_city(db: Session, made: projects_demo.Summary) -> None:
    assert db.scalar(select(func.count()).select_from(Project).where(Project.city_code != CITY)) == 0
