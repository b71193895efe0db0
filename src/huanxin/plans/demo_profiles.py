"""The demo's task profiles: which leaf tasks are reported on, by whom, and how fast they move.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.kit.clock import today
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.plans import service as plans_service
from huanxin.plans.lights import expected_progress
from huanxin.plans.models import Plan, Task


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
