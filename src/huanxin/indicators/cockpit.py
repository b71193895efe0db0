"""The cockpit's read model: the task force's one page of headline targets, each plan's ledger
progress and the overdue work of each unit."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from huanxin.indicators.access import require_cockpit
from huanxin.indicators.city_progress import CityProgress, city_progress
from huanxin.indicators.progress import TargetProgress
from huanxin.orgs.scope import Scope


@dataclass
class PlanStatus:
    plan_id: int
    title: str
    progress: float
    light_counts: dict[str, int]
    by_action: dict[str, float]
    actions: list[Any] = field(default_factory=list)  # plans' ActionShare: action, progress, tasks


@dataclass
class OverdueUnit:
    unit: str
    tasks: list[tuple[int, str, str]] = field(default_factory=list)  # (task id, plan title, task title)


@dataclass
class Cockpit:
    progress: CityProgress
    headline: list[TargetProgress]
    plans: list[PlanStatus]
    overdue: list[OverdueUnit]

    @property
    def at_risk_count(self) -> int:
        return sum(1 for t in self.headline if t.at_risk)

    @property
    def charts(self) -> list[dict[str, Any]]:
        return [t.chart() for t in self.headline if t.target_value is not None]


def is_headline(target: TargetProgress) -> bool:
    """The binding figures of a plan's 主要目标 section; 力争 (aspirational) ones are shown elsewhere."""
    return target.spec.section == "goals" and not target.spec.aspirational


def cockpit(session: Session, scope: Scope, city_code: str) -> Cockpit:
    """The task force's one page: headline targets, each plan's ledger progress, overdue work by unit."""
    require_cockpit(scope, city_code)
    from huanxin.plans import ledger as plans_ledger  # the plans domain's read model of its ledger

    progress = city_progress(session, scope, city_code)
    statuses: list[PlanStatus] = []
    overdue: dict[str, OverdueUnit] = {}
    for plan in (p.plan for p in progress.plans):
        ledger = plans_ledger.build(session, scope, plan)
        actions = plans_ledger.action_breakdown(ledger)
        statuses.append(
            PlanStatus(
                plan_id=plan.id,
                title=plan.title,
                progress=ledger.progress,
                light_counts=ledger.light_counts,
                by_action={a.action: a.progress for a in actions},
                actions=actions,
            )
        )
        _collect_overdue(overdue, plan.title, ledger.rows)
    ranked = sorted(overdue.values(), key=lambda u: (-len(u.tasks), u.unit))
    return Cockpit(
        progress=progress,
        headline=[t for t in progress.targets if is_headline(t)],
        plans=statuses,
        overdue=ranked,
    )


def _collect_overdue(into: dict[str, OverdueUnit], plan_title: str, rows: Iterable[Any]) -> None:
    """A red leaf task is overdue; it counts against each unit that must report on it (牵头/共同)."""
    for row in rows:
        if not row.task.is_leaf or row.light != "red":
            continue
        for role, name, _unit_id in row.units:
            if role in ("lead", "joint"):
                # the title alone: a number such as 5 or （12） means nothing out of its ledger
                into.setdefault(name, OverdueUnit(unit=name)).tasks.append((row.task.id, plan_title, row.task.title))
