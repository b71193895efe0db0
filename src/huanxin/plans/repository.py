"""Every query of the plans domain, with the data-scope filter of the current user."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanxin.errors import NotFound
from huanxin.orgs.models import Unit
from huanxin.orgs.scope import Scope
from huanxin.plans.models import (
    Attachment,
    Closure,
    Milestone,
    Plan,
    Report,
    Round,
    RoundItem,
    Target,
    Task,
    TaskUnit,
)


def plans_of_city(session: Session, city_code: str) -> list[Plan]:
    return list(session.scalars(select(Plan).where(Plan.city_code == city_code).order_by(Plan.id)))


def get_plan(session: Session, scope: Scope, plan_id: int) -> Plan:
    plan = session.get(Plan, plan_id)
    if plan is None:
        raise NotFound("未找到该方案")
    scope.require_city(plan.city_code)
    return plan


def get_task(session: Session, scope: Scope, task_id: int) -> tuple[Plan, Task]:
    task = session.get(Task, task_id)
    if task is None:
        raise NotFound("未找到该任务")
    plan = get_plan(session, scope, task.plan_id)
    return plan, task


def tasks_of_plan(session: Session, plan_id: int) -> list[Task]:
    return list(session.scalars(select(Task).where(Task.plan_id == plan_id).order_by(Task.path)))


def unit_names(session: Session, city_code: str) -> dict[int, str]:
    rows = session.execute(select(Unit.id, Unit.name).where(Unit.city_code == city_code))
    return {unit_id: name for unit_id, name in rows}


def owed_due_by_task(session: Session, plan_id: int, unit_id: int | None = None) -> dict[int, dt.date]:
    """Earliest due date of a report still owed, per task, over the plan's open rounds."""
    query = (
        select(RoundItem.task_id, func.min(Round.due_on))
        .join(Round, Round.id == RoundItem.round_id)
        .where(Round.plan_id == plan_id, Round.status == "open", RoundItem.status.in_(("pending", "returned")))
        .group_by(RoundItem.task_id)
    )
    if unit_id is not None:
        query = query.where(RoundItem.unit_id == unit_id)
    return {task_id: due for task_id, due in session.execute(query)}


def targets_of_plan(session: Session, plan_id: int) -> list[Target]:
    return list(session.scalars(select(Target).where(Target.plan_id == plan_id).order_by(Target.year, Target.id)))


def rounds_of_plan(session: Session, plan_id: int) -> list[Round]:
    query = select(Round).where(Round.plan_id == plan_id).order_by(Round.opened_on.desc(), Round.id.desc())
    return list(session.scalars(query))


def get_round(session: Session, scope: Scope, round_id: int) -> tuple[Plan, Round]:
    rnd = session.get(Round, round_id)
    if rnd is None:
        raise NotFound("未找到该调度轮次")
    return get_plan(session, scope, rnd.plan_id), rnd


def round_item_counts(session: Session, round_ids: list[int]) -> dict[int, dict[str, int]]:
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    rows = session.execute(
        select(RoundItem.round_id, RoundItem.status, func.count())
        .where(RoundItem.round_id.in_(round_ids)).group_by(RoundItem.round_id, RoundItem.status)
    )
    for round_id, status, n in rows:
        counts[round_id][status] = n
    return counts


def round_items(session: Session, round_id: int) -> list[RoundItem]:
    return list(session.scalars(select(RoundItem).where(RoundItem.round_id == round_id).order_by(RoundItem.task_id)))


def get_round_item(session: Session, item_id: int) -> RoundItem:
    item = session.get(RoundItem, item_id)
    if item is None:
        raise NotFound("未找到该报送事项")
    return item


def owed_items(session: Session, unit_id: int) -> list[tuple[RoundItem, Round, Task]]:
    rows = session.execute(
        select(RoundItem, Round, Task)
        .join(Round, Round.id == RoundItem.round_id).join(Task, Task.id == RoundItem.task_id)
        .where(RoundItem.unit_id == unit_id, Round.status == "open", RoundItem.status.in_(("pending", "returned")))
        .order_by(Round.due_on, Task.path)
    )
    return [(i, r, t) for i, r, t in rows]


def reports_of_task(session: Session, task_id: int) -> list[Report]:
    query = select(Report).where(Report.task_id == task_id).order_by(Report.submitted_at.desc(), Report.id.desc())
    return list(session.scalars(query))


def latest_report_for_item(session: Session, item_id: int) -> Report | None:
    query = select(Report).where(Report.round_item_id == item_id).order_by(Report.version.desc()).limit(1)
    return session.scalar(query)


def report_by_key(session: Session, key: str) -> Report | None:
    return session.scalar(select(Report).where(Report.idempotency_key == key))


def submitted_reports_of_round(session: Session, round_id: int) -> list[Report]:
    return list(session.scalars(
        select(Report).join(RoundItem, RoundItem.id == Report.round_item_id)
        .where(RoundItem.round_id == round_id, Report.status.in_(("submitted", "accepted")))
        .order_by(Report.submitted_at)
    ))


def get_report(session: Session, report_id: int) -> Report:
    report = session.get(Report, report_id)
    if report is None:
        raise NotFound("未找到该报告")
    return report


def attachments_of(session: Session, report_ids: list[int]) -> dict[int, list[Attachment]]:
    out: dict[int, list[Attachment]] = defaultdict(list)
    if report_ids:
        for a in session.scalars(select(Attachment).where(Attachment.report_id.in_(report_ids))):
            out[a.report_id or 0].append(a)
    return out


def get_attachment(session: Session, attachment_id: int) -> Attachment:
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound("未找到该附件")
    return attachment


def milestones_of(session: Session, task_id: int) -> list[Milestone]:
    return list(session.scalars(select(Milestone).where(Milestone.task_id == task_id).order_by(Milestone.due_on)))


def closures_of_task(session: Session, task_id: int) -> list[Closure]:
    return list(session.scalars(select(Closure).where(Closure.task_id == task_id).order_by(Closure.id.desc())))


def pending_closures(session: Session, plan_id: int) -> list[tuple[Closure, Task]]:
    rows = session.execute(
        select(Closure, Task).join(Task, Task.id == Closure.task_id)
        .where(Task.plan_id == plan_id, Closure.status == "pending").order_by(Closure.requested_at)
    )
    return [(c, t) for c, t in rows]


def get_closure(session: Session, closure_id: int) -> Closure:
    closure = session.get(Closure, closure_id)
    if closure is None:
        raise NotFound("未找到该销号申请")
    return closure


def task_units(session: Session, task_ids: list[int]) -> dict[int, list[TaskUnit]]:
    out: dict[int, list[TaskUnit]] = defaultdict(list)
    for tu in session.scalars(select(TaskUnit).where(TaskUnit.task_id.in_(task_ids))):
        out[tu.task_id].append(tu)
    return out


def items_of_task_for_unit(session: Session, task_id: int, unit_id: int) -> list[tuple[RoundItem, Round]]:
    rows = session.execute(
        select(RoundItem, Round).join(Round, Round.id == RoundItem.round_id)
        .where(RoundItem.task_id == task_id, RoundItem.unit_id == unit_id).order_by(Round.opened_on.desc())
    )
    return [(i, r) for i, r in rows]
