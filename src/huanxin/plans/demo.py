"""The demo's generated operations of one plan: rounds, round items, reports, closures and
milestones (`huanxin.demo`; the bench reuses it at larger scale).
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from huanxin.kit.clock import today
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.plans.demo_audit import PlanOutcome, _pick_examples
from huanxin.plans.demo_closures import ClosurePlan, _approved_closures, _insert_closures, _pending_closure
from huanxin.plans.demo_profiles import TaskProfile, _profiles, _unit_users
from huanxin.plans.demo_reports import ReportDraft, _apply_latest_reports, _insert_items_and_reports, _outcome
from huanxin.plans.demo_rounds import RoundSpec
from huanxin.plans.models import Milestone, Plan, Round


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
