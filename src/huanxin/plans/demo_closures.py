"""The demo's close-outs (销号): approved ones of tasks finished early and one still pending.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from huanxin.kit.clock import CHINA, now
from huanxin.orgs.models import User
from huanxin.plans.demo_audit import PlanOutcome
from huanxin.plans.demo_narratives import EVIDENCE
from huanxin.plans.demo_profiles import TaskProfile
from huanxin.plans.demo_reports import _later
from huanxin.plans.demo_rounds import RoundSpec
from huanxin.plans.models import Closure, Plan, Task


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
