"""Read models shared by the pages and the API: what a user sees of a task, a round, their work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from huanxin.errors import NotFound
from huanxin.kit.clock import today
from huanxin.orgs.scope import Scope
from huanxin.plans import ledger as ledger_mod
from huanxin.plans import repository as repo
from huanxin.plans import service
from huanxin.plans.lights import LightInput, light_of
from huanxin.plans.models import Attachment, Closure, Milestone, Plan, Report, Round, RoundItem, Task
from huanxin.plans.parts import Part


@dataclass
class TaskView:
    plan: Plan
    task: Task
    ancestors: list[Task]
    units: list[tuple[str, str, int]]
    light: str
    progress: float
    reports: list[Report]
    attachments: dict[int, list[Attachment]]
    milestones: list[Milestone]
    closures: list[Closure]
    my_items: list[tuple[RoundItem, Round, Report | None]]  # items this user's unit owes or owed
    unit_names: dict[int, str]
    children: list[ledger_mod.LedgerRow] = field(default_factory=list)
    parts: list[Part] = field(default_factory=list)  # each lead unit's part (docs/ledger.md)
    mine: bool = False  # the user's unit may change the task (report, close-out); others only read it
    status: str = "not_started"  # the task's status; a parent's rolled up from its children


def task_view(session: Session, scope: Scope, task_id: int) -> TaskView:
    plan, task = repo.get_task(session, scope, task_id)
    ledger = ledger_mod.build(session, scope, plan)
    # Every unit of the city reads the whole plan (a link to a sibling task must not be a dead
    # end); what it may change is checked by each use case in the service.
    row = ledger.by_id.get(task.id)
    if row is None:
        raise NotFound("未找到该任务")
    ancestors: list[Task] = []
    parent_id = task.parent_id
    by_id = {r.task.id: r.task for r in ledger.by_id.values()}
    while parent_id and parent_id in by_id:
        ancestors.insert(0, by_id[parent_id])
        parent_id = by_id[parent_id].parent_id
    reports = [r for r in repo.reports_of_task(session, task.id) if service.can_see_report(scope, r)]
    my_items: list[tuple[RoundItem, Round, Report | None]] = []
    if scope.unit_id is not None:
        for item, rnd in repo.items_of_task_for_unit(session, task.id, scope.unit_id):
            my_items.append((item, rnd, repo.latest_report_for_item(session, item.id)))
    return TaskView(
        plan=plan, task=task, ancestors=ancestors, units=row.units, light=row.light, progress=row.progress,
        reports=reports, attachments=repo.attachments_of(session, [r.id for r in reports]),
        milestones=repo.milestones_of(session, task.id), closures=repo.closures_of_task(session, task.id),
        my_items=my_items, unit_names=repo.unit_names(session, plan.city_code), children=row.children,
        parts=service.task_parts(session, task), mine=row.mine, status=row.status,
    )


def parts_by_task(session: Session, tasks: list[Task]) -> dict[int, list[Part]]:
    """Each lead unit's part of each task, for the office's list of pending close-outs."""
    return {t.id: service.task_parts(session, t) for t in tasks}


@dataclass
class OwedItem:
    item: RoundItem
    round: Round
    task: Task
    plan_id: int
    light: str
    draft: Report | None
    return_note: str | None


def owed_by_unit(session: Session, scope: Scope) -> list[OwedItem]:
    """What the user's unit still owes: pending and returned items of open rounds, with lights."""
    if scope.unit_id is None:
        return []
    out = []
    on = today()
    for item, rnd, task in repo.owed_items(session, scope.unit_id):
        latest = repo.latest_report_for_item(session, item.id)
        light = light_of(LightInput(status=task.status, progress_pct=task.progress_pct, due_on=task.due_on,
                                    owed_due_on=rnd.due_on, starts_on=rnd.opened_on,
                                    schedule_end=task.due_on or rnd.due_on), on)
        out.append(OwedItem(item=item, round=rnd, task=task, plan_id=rnd.plan_id, light=light,
                            draft=latest if latest and latest.status == "draft" else None,
                            return_note=latest.review_note if latest and latest.status == "returned" else None))
    return out


@dataclass
class RoundView:
    plan: Plan
    round: Round
    items: list[tuple[RoundItem, Task, Report | None]]
    counts: dict[str, int]
    unit_names: dict[int, str]
    overdue: bool


def round_view(session: Session, scope: Scope, round_id: int) -> RoundView:
    plan, rnd = repo.get_round(session, scope, round_id)
    scope.require_ledger()
    tasks = {t.id: t for t in repo.tasks_of_plan(session, plan.id)}
    items = []
    counts: dict[str, int] = {"pending": 0, "submitted": 0, "returned": 0, "accepted": 0}
    for item in repo.round_items(session, rnd.id):
        if not scope.city_wide and item.unit_id != scope.unit_id:
            continue
        latest = repo.latest_report_for_item(session, item.id)
        if latest is not None and not service.can_see_report(scope, latest):
            latest = None
        items.append((item, tasks[item.task_id], latest))
        counts[item.status] = counts.get(item.status, 0) + 1
    return RoundView(plan=plan, round=rnd, items=items, counts=counts,
                     unit_names=repo.unit_names(session, plan.city_code),
                     overdue=rnd.status == "open" and rnd.due_on < today())


def days_left(due: dt.date) -> int:
    return (due - today()).days
