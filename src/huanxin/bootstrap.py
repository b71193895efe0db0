"""Loads the shipped reference data (regions, the five plans) and creates each role's users."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.kit.passwords import hash_password
from huanxin.orgs import accounts
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import Role
from huanxin.plans import loader
from huanxin.plans.models import Plan
from huanxin.plans.plan_document import shipped_plan_documents
from huanxin.projects import reviewers as projects_reviewers

DATA_DIR = Path(__file__).resolve().parent / "data"
DEMO_PASSWORD = accounts.DEMO_PASSWORD  # new passwords may never be this one (orgs.accounts)
# The office sits at the development-and-reform commission in every seed plan (专班办公室设在发改委;
# 阳泉: 联席会议办公室设在市发展改革委, whose unit is written in full as 市发展和改革委员会).
OFFICE_UNIT_HINTS = ("发展改革", "发展和改革", "发改")
# Trade-in claims are reviewed at the commerce bureau (商务局牵头消费品以旧换新).
COMMERCE_UNIT_HINTS = ("商务",)


@dataclass(frozen=True)
class Login:
    city: str
    username: str
    role: Role
    unit: str | None


def city_slug(plan_key: str) -> str:
    return plan_key.split("-")[0]


def load_regions(session: Session) -> None:
    orgs_service.load_regions(session, yaml.safe_load((DATA_DIR / "regions.yaml").read_text(encoding="utf-8")))


def load_seed_plans(session: Session) -> list[Plan]:
    plans = []
    for doc in shipped_plan_documents():
        existing = session.scalar(select(Plan).where(Plan.key == doc.key))
        plans.append(existing or loader.load_plan(session, doc))
    return plans


def _unit_named(units: list[Unit], hints: tuple[str, ...]) -> Unit | None:
    return next((u for u in units if u.kind == "department" and any(h in u.name for h in hints)), None)


def create_users(session: Session, plan: Plan, password: str = DEMO_PASSWORD) -> list[Login]:
    """One office, one leader, one user per department and per county government of the city."""
    slug = city_slug(plan.key)
    hashed = hash_password(password)  # one hash for all demo users: scrypt is slow on purpose
    units = orgs_service.units_of_city(session, plan.city_code)
    wanted: list[tuple[str, Role, Unit | None, str]] = [
        (f"{slug}-office", Role.OFFICE, _unit_named(units, OFFICE_UNIT_HINTS), "专班办公室"),
        (f"{slug}-leader", Role.LEADER, None, "市政府分管领导"),
        (f"{slug}-commerce", Role.REVIEWER, _unit_named(units, COMMERCE_UNIT_HINTS), "以旧换新审核员"),
    ]
    dept_no = 0
    used: set[str] = set()  # a zone in a county shares its region code: the first keeps the name
    for unit in units:
        if orgs_service.represented_by_members(unit, units):
            continue
        if unit.kind in ("department", "agency", "bank", "enterprise"):
            dept_no += 1
            wanted.append((f"{slug}-dept{dept_no:02d}", Role.DEPARTMENT, unit, unit.name))
        elif unit.kind in ("county", "zone", "town"):
            suffix = unit.region_code if unit.region_code and unit.region_code not in used else f"z{unit.id}"
            used.add(suffix)
            wanted.append((f"{slug}-county-{suffix}", Role.COUNTY, unit, unit.name))
    logins = []
    for username, role, owner, display in wanted:
        if session.scalar(select(User.id).where(User.username == username)) is None:
            orgs_service.create_user(session, username=username, password=password, display_name=display,
                                     role=role, city_code=plan.city_code, unit_id=owner.id if owner else None,
                                     password_hash=hashed)
        logins.append(Login(city=plan.title[:3], username=username, role=role, unit=owner.name if owner else None))
    return logins


def bootstrap(session: Session, password: str = DEMO_PASSWORD) -> dict[str, list[Login]]:
    load_regions(session)
    logins = {}
    for plan in load_seed_plans(session):
        logins[plan.key] = create_users(session, plan, password)
        # Which department reviews which field of renewal projects, proposed from the unit names.
        projects_reviewers.ensure_field_reviewers(session, plan.city_code)
    return logins
