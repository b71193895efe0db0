"""The ledger (工作台账) of a plan as the current user may see it: rows in document order,
each with its units, light and rolled-up progress."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import get_args

from sqlalchemy.orm import Session

from huanxin.kit.clock import today
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.plans import repository as repo
from huanxin.plans.lights import LightInput, light_of, worst
from huanxin.plans.loader import BODY
from huanxin.plans.models import Plan, Task
from huanxin.plans.plan_document import ActionKind


@dataclass
class LedgerRow:
    task: Task
    depth: int
    units: list[tuple[str, str, int]]  # (role, unit name, unit id)
    light: str = "green"
    progress: float = 0.0
    children: list[LedgerRow] = field(default_factory=list)
    mine: bool = False
    status: str = "not_started"  # a leaf's own; a parent's rolled up from its children (status_of)

    @property
    def lead_names(self) -> list[str]:
        return [name for role, name, _ in self.units if role in ("lead", "joint")]

    @property
    def co_names(self) -> list[str]:
        return [name for role, name, _ in self.units if role == "co"]


@dataclass
class Ledger:
    plan: Plan
    rows: list[LedgerRow]  # document order, filtered
    roots: list[LedgerRow]
    progress: float
    light_counts: dict[str, int]
    # Every row of the plan, seen or not: a unit reads the whole plan (a sibling task's page)
    # though its ledger lists its own tasks.
    by_id: dict[int, LedgerRow] = field(default_factory=dict)


def _visible_to(scope: Scope, row: LedgerRow) -> bool:
    if scope.city_wide:
        return True
    if scope.role == Role.COUNTY and row.task.all_counties:
        return True
    return any(unit_id == scope.unit_id for _, _, unit_id in row.units)


def build(session: Session, scope: Scope, plan: Plan, *, on: dt.date | None = None) -> Ledger:
    """Builds the whole tree once (lights and weighted progress roll up from leaves)."""
    scope.require_ledger()
    on = on or today()
    tasks = repo.tasks_of_plan(session, plan.id)
    names = repo.unit_names(session, plan.city_code)
    owed = repo.owed_due_by_task(session, plan.id)
    by_id: dict[int, LedgerRow] = {}
    roots: list[LedgerRow] = []
    for task in tasks:
        units = sorted(((tu.role, names.get(tu.unit_id, "?"), tu.unit_id) for tu in task.units),
                       key=lambda u: ("lead", "joint", "co").index(u[0]))
        row = LedgerRow(task=task, depth=task.path.count("."), units=units)
        by_id[task.id] = row
        parent = by_id.get(task.parent_id) if task.parent_id else None
        (parent.children if parent else roots).append(row)
    for root in roots:
        _roll_up(root, plan, owed, on)
    for row in by_id.values():
        row.mine = _visible_to(scope, row) and not scope.city_wide
    visible = _visible_ids(scope, roots)
    ordered = [by_id[t.id] for t in tasks if t.id in visible]
    reported = [r for r in roots if _has_units(r)]
    progress = _weighted(reported) if reported else 0.0
    counts = {"green": 0, "yellow": 0, "red": 0}
    for row in ordered:
        if row.task.is_leaf and row.units:
            counts[row.light] += 1
    return Ledger(plan=plan, rows=ordered, roots=roots, progress=progress, light_counts=counts, by_id=by_id)


def _has_units(row: LedgerRow) -> bool:
    return bool(row.units) or any(_has_units(c) for c in row.children)


def _weighted(rows: list[LedgerRow]) -> float:
    total = sum(r.task.weight for r in rows)
    return sum(r.progress * r.task.weight for r in rows) / total if total else 0.0


def _roll_up(row: LedgerRow, plan: Plan, owed: dict[int, dt.date], on: dt.date) -> None:
    task = row.task
    if not row.children:
        row.progress = 100.0 if task.status in ("completed", "closed") else float(task.progress_pct)
        row.status = task.status
        row.light = light_of(LightInput(
            status=task.status, progress_pct=task.progress_pct, due_on=task.due_on, owed_due_on=owed.get(task.id),
            starts_on=plan.starts_on, schedule_end=task.due_on or plan.ends_on,
        ), on)
        return
    for child in row.children:
        _roll_up(child, plan, owed, on)
    counted = [c for c in row.children if _has_units(c)] or row.children
    row.progress = _weighted(counted)
    row.light = worst([c.light for c in counted])
    row.status = status_of([c.status for c in counted])


def status_of(children: list[str]) -> str:
    """A parent's status from its children's: 已销号 when all are closed, 已完成 when all are done,
    未开始 only when none has started; otherwise 进行中 (a parent at 94% is never 未开始)."""
    if children and all(s == "closed" for s in children):
        return "closed"
    if children and all(s in ("completed", "closed") for s in children):
        return "completed"
    if all(s == "not_started" for s in children):
        return "not_started"
    return "in_progress"


def _visible_ids(scope: Scope, roots: list[LedgerRow]) -> set[int]:
    """A department or county sees its own tasks and, for context, their ancestors."""
    keep: set[int] = set()

    def walk(row: LedgerRow, ancestors: list[int]) -> bool:
        here = _visible_to(scope, row)
        below = any([walk(c, [*ancestors, row.task.id]) for c in row.children])
        if here or below:
            keep.add(row.task.id)
        if here:
            keep.update(ancestors)
            _add_all(row, keep)
        return here or below

    for root in roots:
        walk(root, [])
    return keep


def _add_all(row: LedgerRow, keep: set[int]) -> None:
    for child in row.children:
        keep.add(child.task.id)
        _add_all(child, keep)


def filter_rows(
    ledger: Ledger, *, action: str | None = None, unit_id: int | None = None, status: str | None = None,
    light: str | None = None, mine: bool = False,
) -> list[LedgerRow]:
    rows = ledger.rows
    if action:
        rows = [r for r in rows if r.task.action == action]
    if unit_id:
        rows = [r for r in rows if any(u == unit_id for _, _, u in r.units)]
    if status:
        rows = [r for r in rows if r.task.status == status and r.task.is_leaf]
    if light:
        rows = [r for r in rows if r.light == light]
    if mine:
        rows = [r for r in rows if r.mine]
    return rows


@dataclass
class ActionShare:
    """One action of a plan's breakdown: its weighted progress and how many leaf tasks it holds."""

    action: str
    progress: float
    tasks: int


ACTION_ORDER = list(get_args(ActionKind))  # 设备更新, 以旧换新, 回收, 标准, 供需对接, 保障, 机制, 其他


def action_breakdown(ledger: Ledger) -> list[ActionShare]:
    """Progress by action as the plan itself is structured. An action is the topmost node that
    names one: a heading 二、实施设备更新行动, or under a container such as 三、重点任务 its
    （一）实施…行动 headings, or the actions of a responsibility list (邵阳's 附件2). A body and its
    attachment often list the same actions twice, so each action is taken from one tree: the tree
    that names the most actions (the body on a tie), then the others for actions it lacks."""
    trees: dict[str, dict[str, list[LedgerRow]]] = {}
    for root in ledger.roots:
        heads = trees.setdefault(root.task.source, {})
        for row in [root] if root.task.source == BODY else root.children:  # not the 附件 root itself
            _collect_heads(row, heads)
    ranked = sorted(trees.values(), key=lambda heads: -len(set(heads) - {"other"}))  # stable: body first
    chosen: dict[str, list[LedgerRow]] = {}
    for heads in ranked:
        for action, rows in heads.items():
            chosen.setdefault(action, rows)
    return [
        ActionShare(action=a, progress=_weighted(chosen[a]), tasks=sum(_leaves(r) for r in chosen[a]))
        for a in sorted(chosen, key=lambda a: ACTION_ORDER.index(a) if a in ACTION_ORDER else len(ACTION_ORDER))
    ]


def _collect_heads(row: LedgerRow, into: dict[str, list[LedgerRow]]) -> None:
    if not _has_units(row):
        return  # nobody reports on it (a preamble, the closing words): not part of any action's progress
    action = row.task.action
    if action and action != "other":
        into.setdefault(action, []).append(row)
    elif row.children:
        for child in row.children:
            _collect_heads(child, into)
    else:
        into.setdefault("other", []).append(row)


def _leaves(row: LedgerRow) -> int:
    if not row.children:
        return 1 if row.units else 0
    return sum(_leaves(c) for c in row.children)


def progress_by_action(ledger: Ledger) -> dict[str, float]:
    """Weighted progress of each action, in `action_breakdown`'s order."""
    return {share.action: share.progress for share in action_breakdown(ledger)}
