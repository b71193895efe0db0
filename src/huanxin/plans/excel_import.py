"""Import of a filled-in ledger (工作台账) sheet, in the layout plans.excel exports.

The import finds the export's headers and reads only the columns the user's role may edit.
Imports are all-or-nothing: every row is checked first, and the writes run in a savepoint that
is rolled back if anything still fails, so a bad file never leaves half a ledger behind.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from huanxin.errors import DomainError, Forbidden, InvalidInput
from huanxin.kit import audit, uploads
from huanxin.kit.excel import RowError, unquote_cell
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.plans import repository as repo
from huanxin.plans import service
from huanxin.plans.excel_columns import (
    HEADER_OF,
    LEDGER_COLUMNS,
    LEDGER_SHEET,
    REPORTABLE_STATUSES,
    _due_value,
    _latest_narratives,
)
from huanxin.plans.models import Plan, RoundItem, Task
from huanxin.web import labels

UNIT_SEPARATORS = re.compile(r"[、，,；;\s]+")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ---- import --------------------------------------------------------------------------------

@dataclass
class ImportResult:
    imported: int = 0  # rows written (reports submitted, or due dates set)
    unchanged: int = 0
    editor: str = "unit"  # which columns were read: "unit" (progress) or "office" (时间节点)
    task_ids: list[int] = field(default_factory=list)


class ImportRejected(InvalidInput):
    """The whole file was refused; `errors` lists every row-level problem found."""


def _reject(errors: list[RowError]) -> ImportRejected:
    first = errors[0].message
    more = f"等 {len(errors)} 处错误" if len(errors) > 1 else ""
    return ImportRejected(f"导入失败，未写入任何数据：{first}{more}", errors=[e.as_dict() for e in errors])


def _file_error(message: str) -> ImportRejected:
    return _reject([RowError(0, "", message)])


def _read_sheet(data: bytes, filename: str | None, editor: str) -> list[SheetRow]:
    """The task rows of an upload, read in the parse process (kit.uploads) within the upload
    limits, which raise uploads.UploadTooLarge. Only real .xlsx files: an .xls, a CSV or a renamed
    Word file gets one clear message."""
    if filename and not filename.lower().endswith(".xlsx"):
        raise _file_error(f"文件“{filename}”不是 .xlsx 格式，请使用导出的工作台账模板（Excel 2007 及以上）")
    try:
        sheet = uploads.read_rows(data, prefer=LEDGER_SHEET, filename=filename)
    except uploads.UnreadableUpload:
        raise _file_error("文件不是有效的 .xlsx 文件，请使用导出的工作台账模板") from None
    header_row, found = _find_header(sheet)
    errors = _check_columns(found, editor)
    if errors:
        raise _reject(errors)
    return _read_rows(sheet, header_row, found)


def _find_header(sheet: uploads.SheetRows) -> tuple[int, dict[str, int]]:
    """The header row is the one (among the first few) naming the most known columns; the
    title row above it is free text. Returns (row number, column key → column index)."""
    wanted = {c.header: c.key for c in LEDGER_COLUMNS}
    best: tuple[int, dict[str, int]] = (0, {})
    for r, values in sheet.rows(1, 6):
        names = [str(v).strip() if v is not None else "" for v in values]
        found = {wanted[name]: i for i, name in enumerate(names) if name in wanted}
        if len(found) > len(best[1]):
            best = (r, found)
    return best


def _check_columns(found: dict[str, int], editor: str) -> list[RowError]:
    needed = [c for c in LEDGER_COLUMNS if c.key == "task_id" or (c.editable_by == editor and c.required)]
    missing = [c.header for c in needed if c.key not in found]
    if not missing:
        return []
    names = "、".join(f"“{h}”" for h in missing)
    return [RowError(0, missing[0], f"表头缺少必需的列{names}（请勿删除或改名表头，可重新导出模板）")]


@dataclass
class SheetRow:
    number: int
    cells: dict[str, Any]

    def text(self, key: str) -> str:
        value = unquote_cell(self.cells.get(key))  # our export's apostrophe before =, +, -, @ …
        if value is None:
            return ""
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        return str(value).strip()


def _read_rows(sheet: uploads.SheetRows, header_row: int, found: dict[str, int]) -> list[SheetRow]:
    rows = []
    for number, values in sheet.rows(header_row + 1):
        cells = {key: values[index] if index < len(values) else None for key, index in found.items()}
        if all(v is None or str(v).strip() == "" for v in cells.values()):
            continue  # blank lines between blocks are common in hand-kept sheets
        rows.append(SheetRow(number, cells))
    return rows


def _cell_error(row: SheetRow, key: str, message: str) -> RowError:
    header = HEADER_OF[key]
    return RowError(row.number, header, f"第{row.number}行“{header}”{message}")


def _match_tasks(rows: list[SheetRow], tasks: dict[int, Task], errors: list[RowError]) -> dict[int, Task]:
    """Row number → task, by 任务编号; unknown ids, another plan's or city's ids, and repeats are errors."""
    matched: dict[int, Task] = {}
    seen: dict[int, int] = {}
    for row in rows:
        raw = row.text("task_id")
        if not raw:
            errors.append(_cell_error(row, "task_id", "不能为空（该列用于匹配任务，请勿删除）"))
            continue
        task = tasks.get(int(raw)) if raw.isdigit() else None
        if task is None:
            # Another city's task answers like an unknown one: its existence is not ours to reveal.
            errors.append(_cell_error(row, "task_id", f"“{raw}”不是本方案的任务"))
            continue
        if task.id in seen:
            errors.append(_cell_error(row, "task_id", f"“{raw}”与第{seen[task.id]}行重复"))
            continue
        seen[task.id] = row.number
        matched[row.number] = task
    return matched


def _check_units(session: Session, plan: Plan, rows: list[SheetRow], matched: dict[int, Task],
                 errors: list[RowError]) -> None:
    """Unit names, when present, must be this city's units and the task's own lead units:
    a mismatch means the row was shifted or its 任务编号 edited."""
    lookup = orgs_service.unit_lookup(session, plan.city_code)
    for row in rows:
        for key in ("lead", "co"):
            names = [n for n in UNIT_SEPARATORS.split(row.text(key)) if n]
            unknown = [n for n in names if n not in lookup]
            for name in unknown:
                errors.append(_cell_error(row, key, f"中的“{name}”不是本市已登记的单位"))
            task = matched.get(row.number)
            if key == "lead" and names and not unknown and task is not None:
                given = {lookup[n].id for n in names}
                owners = {tu.unit_id for tu in task.units if tu.role in ("lead", "joint")}
                if given != owners:
                    errors.append(_cell_error(
                        row, key, f"与任务编号 {task.id} 的牵头单位不一致，请勿修改任务编号或牵头单位"))


# -- progress rows of a unit --

@dataclass(frozen=True)
class Pending:
    """A validated change, written only once every row has passed."""

    row: int
    task: Task
    item: RoundItem | None = None
    report: service.ReportInput | None = None
    due_on: dt.date | None = None


def _parse_pct(row: SheetRow, errors: list[RowError]) -> int | None:
    raw = row.cells.get("progress_pct")
    text = row.text("progress_pct").rstrip("%％").strip()
    if raw is None or text == "":
        errors.append(_cell_error(row, "progress_pct", "不能为空"))
        return None
    try:
        value = float(text)
    except ValueError:
        shown = row.text("progress_pct")
        errors.append(_cell_error(row, "progress_pct", f"“{shown}”不是数字，须为0到100之间的整数"))
        return None
    if not value.is_integer() or not 0 <= value <= 100:
        errors.append(_cell_error(row, "progress_pct", "须在0到100之间（整数）"))
        return None
    return int(value)


def _parse_status(row: SheetRow, errors: list[RowError]) -> str | None:
    text = row.text("task_status")
    if text not in REPORTABLE_STATUSES:
        allowed = "、".join(REPORTABLE_STATUSES)
        errors.append(_cell_error(row, "task_status", f"“{text}”无效，须为 {allowed} 之一"))
        return None
    return REPORTABLE_STATUSES[text]


def _unit_changed(row: SheetRow, task: Task, narrative: str) -> bool:
    pct_text = row.text("progress_pct").rstrip("%％").strip()
    return (
        pct_text != str(task.progress_pct)
        or row.text("task_status") != labels.TASK_STATUS.get(task.status, task.status)
        or row.text("narrative") != narrative.strip()
    )


def _open_items(session: Session, scope: Scope, plan: Plan) -> dict[int, list[RoundItem]]:
    """This unit's items in the plan's open rounds, per task, earliest-due round first."""
    by_task: dict[int, list[RoundItem]] = {}
    for rnd in sorted(repo.rounds_of_plan(session, plan.id), key=lambda r: (r.due_on, r.id)):
        if rnd.status != "open":
            continue
        for item in repo.round_items(session, rnd.id):
            if item.unit_id == scope.unit_id:
                by_task.setdefault(item.task_id, []).append(item)
    return by_task


def _owed_item(row: SheetRow, task: Task, items: list[RoundItem], errors: list[RowError]) -> RoundItem | None:
    owed = [i for i in items if i.status in ("pending", "returned")]
    if owed:
        return owed[0]
    if items:
        errors.append(_cell_error(row, "progress_pct",
                                  "：本轮已报送该任务，请勿重复提交；如需修改，请等待办公室退回"))
    else:
        errors.append(_cell_error(row, "task_id",
                                  f"{task.id}：本单位在进行中的调度轮次里没有该任务的待报送事项，不能报送"))
    return None


def _unit_row(row: SheetRow, task: Task, items: list[RoundItem], errors: list[RowError]) -> Pending | None:
    before = len(errors)
    if task.status == "closed":
        errors.append(_cell_error(row, "task_status", "：该任务已销号，无需再报送"))
        return None
    item = _owed_item(row, task, items, errors)
    pct = _parse_pct(row, errors)
    status = _parse_status(row, errors)
    narrative = row.text("narrative")
    if not narrative:
        errors.append(_cell_error(row, "narrative", "不能为空，请填写本期进展"))
    if status == "completed" and pct is not None and pct != 100:
        errors.append(_cell_error(row, "progress_pct", "在完成状态为“已完成”时应为100"))
    if len(errors) > before or item is None or pct is None or status is None:
        return None
    report = service.ReportInput(progress_pct=pct, task_status=status, narrative=narrative, figures=[])
    return Pending(row.number, task, item=item, report=report)


def _unit_changes(session: Session, scope: Scope, plan: Plan, rows: list[SheetRow], matched: dict[int, Task],
                  errors: list[RowError], result: ImportResult) -> list[Pending]:
    items = _open_items(session, scope, plan)
    narratives = _latest_narratives(session, scope, list(matched.values()))
    pending = []
    for row in rows:
        task = matched.get(row.number)
        if task is None:
            continue
        if not _unit_changed(row, task, narratives[task.id]):
            result.unchanged += 1  # rows the unit did not touch (or co-unit context) are left alone
            continue
        change = _unit_row(row, task, items.get(task.id, []), errors)
        if change:
            pending.append(change)
    return pending


# -- schedule rows of the office --

def _exported_due(task: Task) -> str:
    value = _due_value(task)
    return value.isoformat() if isinstance(value, dt.date) else value


def _parse_due(row: SheetRow, errors: list[RowError]) -> tuple[bool, dt.date | None]:
    """(valid, date). Excel turns a typed date into a date cell; text must be YYYY-MM-DD; empty clears."""
    raw = row.cells.get("due")
    if isinstance(raw, dt.datetime):
        return True, raw.date()
    if isinstance(raw, dt.date):
        return True, raw
    text = row.text("due")
    if not text:
        return True, None
    if ISO_DATE.match(text):
        try:
            return True, dt.date.fromisoformat(text)
        except ValueError:
            pass
    errors.append(_cell_error(row, "due", f"“{text}”不是有效日期，请按 YYYY-MM-DD 格式填写（如 2024-12-31）"))
    return False, None


def _office_changes(rows: list[SheetRow], matched: dict[int, Task], errors: list[RowError],
                    result: ImportResult) -> list[Pending]:
    pending = []
    for row in rows:
        task = matched.get(row.number)
        if task is None:
            continue
        raw = row.cells.get("due")
        shown = raw.date().isoformat() if isinstance(raw, dt.datetime) else row.text("due")
        if shown == _exported_due(task):
            result.unchanged += 1
            continue
        valid, due_on = _parse_due(row, errors)
        if not valid:
            continue
        if due_on == task.due_on:
            result.unchanged += 1  # e.g. the plan's wording cleared: the due date itself is unchanged
            continue
        pending.append(Pending(row.number, task, due_on=due_on))
    return pending


# -- the whole import --

def _editor_of(scope: Scope) -> str:
    if scope.is_office:
        return "office"
    if scope.reports:
        return "unit"
    raise Forbidden("您的角色不能导入工作台账：责任单位导入进展，专班办公室导入时间节点")


def import_ledger(
    session: Session, scope: Scope, plan: Plan, data: bytes, filename: str | None = None,
) -> ImportResult:
    """Reads a filled-in ledger sheet. A unit's changed rows become progress reports on its open
    round items; the office's changed 时间节点 become due dates. Raises ImportRejected with every
    row-level error, and then nothing has been written."""
    scope.require_ledger()
    scope.require_city(plan.city_code)
    result = ImportResult(editor=_editor_of(scope))
    rows = _read_sheet(data, filename, result.editor)
    if not rows:
        raise _file_error("表格中没有任务行")
    errors: list[RowError] = []
    tasks = {t.id: t for t in repo.tasks_of_plan(session, plan.id)}
    matched = _match_tasks(rows, tasks, errors)
    _check_units(session, plan, rows, matched, errors)
    if result.editor == "unit":
        pending = _unit_changes(session, scope, plan, rows, matched, errors, result)
    else:
        pending = _office_changes(rows, matched, errors, result)
    if errors:
        raise _reject(sorted(errors, key=lambda e: e.row))
    _write_all(session, scope, plan, pending)
    result.imported = len(pending)
    result.task_ids = [p.task.id for p in pending]
    return result


def _write_all(session: Session, scope: Scope, plan: Plan, pending: list[Pending]) -> None:
    """Every write in one savepoint: should a service still refuse a row (a round closed a moment
    ago, say), the rows written before it are undone too."""
    savepoint = session.begin_nested()
    current: Pending | None = None
    try:
        for current in pending:
            _apply(session, scope, current)
        audit.record(session, actor=scope.username, action="import_ledger", entity="plan",
                     entity_id=plan.id, city_code=plan.city_code,
                     detail={"rows": len(pending), "tasks": [p.task.id for p in pending]})
    except DomainError as exc:
        savepoint.rollback()
        row = current.row if current else 0
        raise _reject([RowError(row, "", f"第{row}行：{exc.message}" if row else exc.message)]) from exc
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()


def _apply(session: Session, scope: Scope, change: Pending) -> None:
    if change.report is not None and change.item is not None:
        service.submit_report(session, scope, change.item, change.report)
    else:
        # Only the date comes from the sheet; the task keeps its weight.
        service.set_task_schedule(session, scope, change.task, due_on=change.due_on,
                                  weight=change.task.weight)
