"""Each responsible unit's part of a task, and how a task's figure rolls up from them
(documented in docs/ledger.md, “多个牵头单位”).

- The parts are the task's lead (牵头) and joint (按职责分工负责) units, except a collective such as
  各县市区人民政府 that its member units carry. Co-units (配合单位) and the counties that carry
  out a 各县（市、区）落实 task report too, but their reports inform and do not move the figure,
  unless the task names no lead at all: then every unit that reported has a part.
- A part is the unit's latest report that the office has not returned (accepted, or awaiting
  review). The task's percentage is the mean of the parts, rounded down, so that it reads 100%
  only when every part does; its status is 已完成 only when every part is.
- A part is done, for close-out (销号), only when it reads 100% 已完成 and the office accepted it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from huanxin.plans.models import Report, Task

COUNTED = ("submitted", "accepted")  # a returned report or a draft is nobody's figure
LEAD_ROLES = ("lead", "joint")


@dataclass(frozen=True)
class Part:
    unit_id: int
    progress_pct: int
    task_status: str  # not_started | in_progress | completed
    report_status: str | None  # accepted | submitted, None while the unit has reported nothing
    reported_at: dt.datetime | None = None

    @property
    def done(self) -> bool:
        return self.task_status == "completed" and self.progress_pct == 100 and self.report_status == "accepted"


def lead_units(task: Task, collectives: set[int]) -> list[int]:
    """The lead and joint units of the task that report for themselves, in the plan's order."""
    return [tu.unit_id for tu in task.units if tu.role in LEAD_ROLES and tu.unit_id not in collectives]


def parts_of(task: Task, reports: Iterable[Report], collectives: set[int]) -> list[Part]:
    """`reports` come newest first (as the repository orders them): the first counted one of a
    unit is its part."""
    latest: dict[int, Report] = {}
    for report in reports:
        if report.task_id == task.id and report.status in COUNTED:
            latest.setdefault(report.unit_id, report)
    units = lead_units(task, collectives) or sorted(latest)
    return [_part(unit_id, latest.get(unit_id)) for unit_id in units]


def _part(unit_id: int, report: Report | None) -> Part:
    if report is None:
        return Part(unit_id=unit_id, progress_pct=0, task_status="not_started", report_status=None)
    return Part(unit_id=unit_id, progress_pct=report.progress_pct, task_status=report.task_status,
                report_status=report.status, reported_at=report.submitted_at)


def roll_up(parts: list[Part]) -> tuple[int, str]:
    """The task's percentage and status from its parts (see the module's docstring)."""
    if not parts:
        return 0, "not_started"
    pct = sum(p.progress_pct for p in parts) // len(parts)
    statuses = {p.task_status for p in parts}
    # 已完成 (or 未开始) only when every part says so; any mixture is work in progress.
    return pct, statuses.pop() if len(statuses) == 1 else "in_progress"


def owing(parts: list[Part]) -> list[Part]:
    return [p for p in parts if not p.done]


def describe(part: Part, name: str) -> str:
    """“市商务局（64%）”, “市商务局（100%，报告待采纳）”, “市商务局（未报送）” for messages."""
    if part.report_status is None:
        return f"{name}（未报送）"
    if part.task_status == "completed" and part.report_status != "accepted":
        return f"{name}（{part.progress_pct}%，报告待采纳）"
    return f"{name}（{part.progress_pct}%）"
