"""Excel round-trip of the ledger (工作台账) and the targets, in the layout departments use.

One column table (`LEDGER_COLUMNS`) drives both directions: the export writes its headers and
values, the import finds the same headers and reads only the columns the user's role may edit.
Imports are all-or-nothing: every row is checked first, and the writes run in a savepoint that
is rolled back if anything still fails, so a bad file never leaves half a ledger behind.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy.orm import Session

from huanxin.indicators.catalogue import catalogue
from huanxin.kit.clock import aware
from huanxin.kit.excel import append_row
from huanxin.orgs.scope import Scope
from huanxin.plans import ledger as ledger_mod
from huanxin.plans import repository as repo
from huanxin.plans.excel_columns import (
    LEDGER_COLUMNS,
    LEDGER_SHEET,
    REPORTABLE_STATUSES,
    TARGET_COLUMNS,
    TARGETS_SHEET,
    Column,
    _due_value,
    _latest_narratives,
)
from huanxin.plans.excel_import import ImportRejected, ImportResult, import_ledger
from huanxin.plans.ledger import LedgerRow
from huanxin.plans.models import Plan, Target, Task
from huanxin.web import labels

__all__ = ["XLSX_TYPE", "ImportRejected", "ImportResult", "export_ledger", "export_targets", "import_ledger"]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# ---- shared sheet styling ------------------------------------------------------------------

THIN = Side(style="thin", color="999999")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
LIGHT_FILL = {"red": "F8CBAD", "yellow": "FFE699", "green": "C6EFCE"}


def _start_sheet(ws: Worksheet, title: str, columns: tuple[Column, ...]) -> None:
    """Title row, header row, widths and a frozen header: the layout of the departments' 台账."""
    append_row(ws, [title])  # the plan's title is text someone typed, like every cell below
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(columns))
    ws.cell(1, 1).font = Font(bold=True, size=14)
    ws.cell(1, 1).alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 28
    append_row(ws, [c.header for c in columns])
    for index, column in enumerate(columns, start=1):
        cell = ws.cell(2, index)
        cell.font = Font(bold=True)
        cell.fill = HEADER_FILL
        cell.border = BORDER
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
        ws.column_dimensions[get_column_letter(index)].width = column.width
    ws.freeze_panes = "A3"


def _finish_rows(ws: Worksheet, first_row: int) -> None:
    for row in ws.iter_rows(min_row=first_row, max_row=ws.max_row):
        for cell in row:
            cell.alignment = WRAP
            cell.border = BORDER
    ws.auto_filter.ref = f"A2:{get_column_letter(ws.max_column)}{max(ws.max_row, 2)}"


def _to_bytes(wb: Workbook) -> bytes:
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ---- ledger rows as the sheet shows them ---------------------------------------------------

def _titled(task: Task) -> str:
    return f"{task.no}{task.title}" if task.no else task.title


def _ancestors(roots: list[LedgerRow]) -> dict[int, list[Task]]:
    """Each task's chain from the root down to itself, to fill 行动 / 重点任务 / 具体举措."""
    chains: dict[int, list[Task]] = {}

    def walk(row: LedgerRow, above: list[Task]) -> None:
        chain = [*above, row.task]
        chains[row.task.id] = chain
        for child in row.children:
            walk(child, chain)

    for root in roots:
        walk(root, [])
    return chains


def _hierarchy(chain: list[Task]) -> tuple[str, str, str]:
    """(行动, 重点任务, 具体举措) of a leaf. Attachment trees have an extra root (附件N) above
    their actions, so the innermost action is the one named, prefixed by the attachment."""
    actions = [t for t in chain if t.level == "action"]
    key_tasks = [t for t in chain if t.level == "key_task"]
    measures = [t for t in chain if t.level in ("measure", "sub_measure")]
    action = _titled(actions[-1]) if actions else ""
    if len(actions) > 1 and actions[0].no:
        action = f"{actions[0].no}·{action}"
    return action, (_titled(key_tasks[-1]) if key_tasks else ""), "\n".join(_titled(m) for m in measures)



def _leaf_rows(ledger: ledger_mod.Ledger) -> list[LedgerRow]:
    # Reports are made on leaves; parents only roll their leaves up, so the sheet lists leaves.
    return [row for row in ledger.rows if row.task.is_leaf]


def _ledger_values(row: LedgerRow, chain: list[Task], narrative: str, seq: int) -> dict[str, Any]:
    task = row.task
    action, key_task, measure = _hierarchy(chain)
    reported = aware(task.last_reported_at).strftime("%Y-%m-%d %H:%M") if task.last_reported_at else ""
    return {
        "seq": seq, "task_id": task.id, "action": action, "key_task": key_task, "measure": measure,
        "lead": "、".join(row.lead_names), "co": "、".join(row.co_names), "due": _due_value(task),
        "progress_pct": task.progress_pct, "task_status": labels.TASK_STATUS.get(task.status, task.status),
        "narrative": narrative, "light": labels.LIGHT[row.light], "last_reported": reported,
    }


def export_ledger(session: Session, scope: Scope, plan: Plan) -> bytes:
    """The plan's ledger as the user may see it: the office all tasks, a unit its own."""
    scope.require_city(plan.city_code)
    ledger = ledger_mod.build(session, scope, plan)
    rows = _leaf_rows(ledger)
    chains = _ancestors(ledger.roots)
    narratives = _latest_narratives(session, scope, [r.task for r in rows])
    wb = Workbook()
    ws = wb.worksheets[0]  # a new workbook always has one worksheet
    ws.title = LEDGER_SHEET
    owner = "" if scope.city_wide else f"（{scope.unit_name}）"
    _start_sheet(ws, f"{plan.title}工作台账{owner}", LEDGER_COLUMNS)
    for seq, row in enumerate(rows, start=1):
        values = _ledger_values(row, chains[row.task.id], narratives[row.task.id], seq)
        append_row(ws, [values[c.key] for c in LEDGER_COLUMNS])
    _finish_rows(ws, 3)
    _decorate_ledger(ws, len(rows))
    return _to_bytes(wb)


def _decorate_ledger(ws: Worksheet, count: int) -> None:
    """Date format, coloured lights and drop-downs, so a filled-in sheet is mostly valid already."""
    col = {c.key: index for index, c in enumerate(LEDGER_COLUMNS, start=1)}
    last = count + 2
    for r in range(3, last + 1):
        due = ws.cell(r, col["due"])
        if isinstance(due.value, dt.date):
            due.number_format = "yyyy-mm-dd"
        light = ws.cell(r, col["light"])
        for code, label in labels.LIGHT.items():
            if light.value == label:
                light.fill = PatternFill("solid", fgColor=LIGHT_FILL[code])
    if count:
        status_letter = get_column_letter(col["task_status"])
        pct_letter = get_column_letter(col["progress_pct"])
        statuses = DataValidation(type="list", formula1='"' + ",".join(REPORTABLE_STATUSES) + '"',
                                  allow_blank=True, showErrorMessage=False)
        statuses.add(f"{status_letter}3:{status_letter}{last}")
        pct = DataValidation(type="whole", operator="between", formula1="0", formula2="100",
                             allow_blank=True, showErrorMessage=True, errorTitle="完成百分比",
                             error="请填写 0 到 100 之间的整数")
        pct.add(f"{pct_letter}3:{pct_letter}{last}")
        ws.add_data_validation(statuses)
        ws.add_data_validation(pct)


# ---- targets -------------------------------------------------------------------------------

def _target_values(target: Target) -> dict[str, Any]:
    indicator = catalogue().get(target.indicator_code)
    return {
        "indicator": indicator.name if indicator else target.indicator_code, "year": target.year,
        "kind": labels.TARGET_KIND.get(target.kind, target.kind), "value": target.value, "unit": target.unit,
        "comparator": target.comparator or "", "baseline_year": target.baseline_year or "",
        "text": target.text,
    }


def export_targets(session: Session, scope: Scope, plan: Plan) -> bytes:
    scope.require_ledger()
    scope.require_city(plan.city_code)
    wb = Workbook()
    ws = wb.worksheets[0]  # a new workbook always has one worksheet
    ws.title = TARGETS_SHEET
    _start_sheet(ws, f"{plan.title}目标指标", TARGET_COLUMNS)
    for target in repo.targets_of_plan(session, plan.id):
        values = _target_values(target)
        append_row(ws, [values[c.key] for c in TARGET_COLUMNS])
    _finish_rows(ws, 3)
    return _to_bytes(wb)
