"""The ledger's column table, shared by the Excel export (plans.excel) and import (plans.excel_import).

One column table (`LEDGER_COLUMNS`) drives both directions: the export writes its headers and
values, the import finds the same headers and reads only the columns the user's role may edit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.orgs.scope import Scope
from huanxin.plans import repository as repo
from huanxin.plans import service
from huanxin.plans.models import Task
from huanxin.web import labels

LEDGER_SHEET = "工作台账"
TARGETS_SHEET = "目标指标"
# Statuses a unit may report; 已销号 is set only by the office's approval of a close-out.
REPORTABLE_STATUSES = {labels.TASK_STATUS[s]: s for s in service.TASK_STATUSES}


# ---- the column table ----------------------------------------------------------------------

@dataclass(frozen=True)
class Column:
    key: str
    header: str
    width: int
    # Who may change the column by import: "unit" (department/county reporting), "office", or nobody.
    editable_by: str | None = None
    # Whether an import by that editor refuses a sheet without this column.
    required: bool = False


LEDGER_COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", 6),
    Column("task_id", "任务编号", 10),
    Column("action", "行动", 22),
    Column("key_task", "重点任务", 28),
    Column("measure", "具体举措", 36),
    Column("lead", "牵头单位", 22),
    Column("co", "配合单位", 28),
    Column("due", "时间节点", 14, editable_by="office", required=True),
    Column("progress_pct", "完成百分比", 11, editable_by="unit", required=True),
    Column("task_status", "完成状态", 11, editable_by="unit", required=True),
    Column("narrative", "进展情况", 48, editable_by="unit", required=True),
    Column("light", "灯号", 8),
    Column("last_reported", "最近报送时间", 18),
)
HEADER_OF = {c.key: c.header for c in LEDGER_COLUMNS}

TARGET_COLUMNS: tuple[Column, ...] = (
    Column("indicator", "指标", 30),
    Column("year", "年份", 8),
    Column("kind", "类型", 14),
    Column("value", "目标值", 10),
    Column("unit", "单位", 8),
    Column("comparator", "表述", 8),
    Column("baseline_year", "基期年份", 10),
    Column("text", "原文", 60),
)

def _due_value(task: Task) -> dt.date | str:
    # An office-set date is a real date cell; otherwise the plan's own wording (如 2024年底前).
    return task.due_on if task.due_on else (task.deadline_text or "")


def _latest_narratives(session: Session, scope: Scope, tasks: list[Task]) -> dict[int, str]:
    """The newest report narrative of each task that this user may read."""
    out: dict[int, str] = {}
    for task in tasks:
        visible = [r for r in repo.reports_of_task(session, task.id) if service.can_see_report(scope, r)]
        # A unit reads its own newest version (draft included); others read what was submitted.
        out[task.id] = visible[0].narrative if visible else ""
    return out
