"""The demo's representative audit records, and the generated rows they refer to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.kit import audit
from huanxin.plans.models import Closure, Plan, Report, RoundItem


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
