"""Excel round-trip of the ledger: the sheet departments use, filled in and uploaded again.

Every bad file is refused as a whole with row-level errors in Chinese, and nothing is written."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path

import openpyxl
import pytest
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.plans.support import plan_of, scope_named, task_titled, unit_scope
from typer.testing import CliRunner

from huanxin.errors import Forbidden
from huanxin.kit.clock import today
from huanxin.orgs.scope import Scope
from huanxin.plans import excel, service
from huanxin.plans import ledger as ledger_mod
from huanxin.plans.models import Plan, Report, Round, Task

HEADERS = ["序号", "任务编号", "行动", "重点任务", "具体举措", "牵头单位", "配合单位", "时间节点",
           "完成百分比", "完成状态", "进展情况", "灯号", "最近报送时间"]
INDUSTRY = "市经济和信息化局"
FIRST_MEASURE = "分类施策推进重点行业产线升级改造"  # 〔市经济和信息化局，市发展改革委、…〕
SECOND_MEASURE = "协同推进制造业“智改数转”与设备更新"  # also led by 市经济和信息化局


# ---- helpers -------------------------------------------------------------------------------





def report_count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Report)) or 0


def open_round(db: Session, plan: Plan, tasks: list[Task], *, overdue: bool = False) -> Round:
    """A round owing reports on `tasks`; `overdue` puts its due date in the past (red lights)."""
    office = scope_named(db, f"{plan.key.split('-')[0]}-office")
    opened = today() - dt.timedelta(days=20) if overdue else today()
    due = today() - dt.timedelta(days=5) if overdue else today() + dt.timedelta(days=10)
    return service.open_round(db, office, plan, title="2024年第三季度调度", period="2024年第3季度",
                              due_on=due, task_ids=[t.id for t in tasks], opened_on=opened)


def sheet_of(data: bytes) -> Worksheet:
    return openpyxl.load_workbook(io.BytesIO(data)).active


def edit(data: bytes, changes: Callable[[Worksheet], None]) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    changes(wb.active)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def row_of(ws: Worksheet, task_id: int) -> int:
    return next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == task_id)


def set_cells(task_id: int, **values: object) -> Callable[[Worksheet], None]:
    """Sets cells of a task's row by header name (完成百分比=..., 完成状态=..., 进展情况=...)."""
    def change(ws: Worksheet) -> None:
        row = row_of(ws, task_id)
        for header, value in values.items():
            ws.cell(row, HEADERS.index(header) + 1).value = value
    return change


NARRATIVE = "已完成全市重点行业设备更新需求摸排，形成一业一策清单。"


def report_row(
    task_id: int, pct: object = 60, status: object = "进行中", narrative: object = NARRATIVE,
) -> Callable[[Worksheet], None]:
    return set_cells(task_id, 完成百分比=pct, 完成状态=status, 进展情况=narrative)


@pytest.fixture()
def ziyang(db: Session) -> Plan:
    return plan_of(db, "ziyang-2024")


@pytest.fixture()
def industry(db: Session, ziyang: Plan) -> Scope:
    return unit_scope(db, ziyang.city_code, INDUSTRY)


# ---- export --------------------------------------------------------------------------------

def test_office_export_has_layout_headers_and_every_leaf_with_its_lead_units(
    db: Session, ziyang: Plan,
) -> None:
    office = scope_named(db, "ziyang-office")
    ws = sheet_of(excel.export_ledger(db, office, ziyang))
    assert "资阳市推动大规模设备更新和消费品以旧换新实施方案" in ws.cell(1, 1).value
    assert [c.value for c in ws[2]] == HEADERS
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["K"].width > ws.column_dimensions["A"].width  # 进展情况 is wide
    leaves = db.scalar(select(func.count()).select_from(Task).where(Task.plan_id == ziyang.id, Task.is_leaf))
    assert ws.max_row - 2 == leaves
    first = task_titled(db, ziyang, FIRST_MEASURE)
    row = [c.value for c in ws[row_of(ws, first.id)]]
    assert row[HEADERS.index("牵头单位")] == INDUSTRY
    assert "市发展改革委" in row[HEADERS.index("配合单位")]
    assert row[HEADERS.index("行动")].startswith("二、突出重点领域")
    assert row[HEADERS.index("重点任务")].startswith("（一）以大规模技术改造")
    assert row[HEADERS.index("完成状态")] == "未开始"
    assert ws.cell(3, 11).alignment.wrap_text


def test_department_exports_only_its_own_tasks(db: Session, ziyang: Plan, industry: Scope) -> None:
    ws = sheet_of(excel.export_ledger(db, industry, ziyang))
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    assert rows
    lead, co = HEADERS.index("牵头单位"), HEADERS.index("配合单位")
    assert all(INDUSTRY in f"{r[lead] or ''}、{r[co] or ''}" for r in rows)
    office_rows = sheet_of(excel.export_ledger(db, scope_named(db, "ziyang-office"), ziyang)).max_row - 2
    assert len(rows) < office_rows


def test_targets_export_lists_each_target(db: Session, ziyang: Plan) -> None:
    ws = sheet_of(excel.export_targets(db, scope_named(db, "ziyang-office"), ziyang))
    assert [c.value for c in ws[2]] == ["指标", "年份", "类型", "目标值", "单位", "表述", "基期年份", "原文"]
    rows = list(ws.iter_rows(min_row=3, values_only=True))
    investment = next(r for r in rows if "较 2023 年增长 25%" in r[7])
    assert investment[1:7] == (2027, "较基期增长", 25, "%", "以上", 2023)
    elevators = next(r for r in rows if "电梯500部" in r[7])
    assert elevators[3] == 500 and elevators[4] == "部"


def test_cli_export_writes_the_ledger(tmp_path: Path) -> None:
    from huanxin.cli import app

    out = tmp_path / "ziyang.xlsx"
    result = CliRunner().invoke(app, ["plans", "export", "ziyang-2024", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert [c.value for c in sheet_of(out.read_bytes())[2]] == HEADERS


# ---- round trip ----------------------------------------------------------------------------

def test_round_trip_reports_progress_and_changes_the_light(
    db: Session, ziyang: Plan, industry: Scope,
) -> None:
    task = task_titled(db, ziyang, FIRST_MEASURE)
    open_round(db, ziyang, [task], overdue=True)
    light_before = next(r.light for r in ledger_mod.build(db, industry, ziyang).rows if r.task.id == task.id)
    assert light_before == "red"  # the report is owed past its due date
    data = edit(excel.export_ledger(db, industry, ziyang),
                report_row(task.id, 100, "已完成", "分类施策已全部完成，37家企业完成产线升级改造。"))
    result = excel.import_ledger(db, industry, ziyang, data, "台账.xlsx")
    assert (result.imported, result.task_ids) == (1, [task.id])
    db.refresh(task)
    assert (task.progress_pct, task.status) == (100, "completed")
    after = next(r.light for r in ledger_mod.build(db, industry, ziyang).rows if r.task.id == task.id)
    assert after == "green"
    # the next export carries the report back
    ws = sheet_of(excel.export_ledger(db, industry, ziyang))
    row = [c.value for c in ws[row_of(ws, task.id)]]
    assert row[HEADERS.index("进展情况")].startswith("分类施策已全部完成")
    assert row[HEADERS.index("完成状态")] == "已完成" and row[HEADERS.index("灯号")] == "绿灯"
    assert row[HEADERS.index("最近报送时间")]


def test_unchanged_rows_are_left_alone(db: Session, ziyang: Plan, industry: Scope) -> None:
    open_round(db, ziyang, [task_titled(db, ziyang, FIRST_MEASURE)])
    before = report_count(db)
    result = excel.import_ledger(db, industry, ziyang, excel.export_ledger(db, industry, ziyang), "a.xlsx")
    assert result.imported == 0 and result.unchanged > 0
    assert report_count(db) == before


def test_percent_typed_as_text_with_percent_sign_is_accepted(
    db: Session, ziyang: Plan, industry: Scope,
) -> None:
    task = task_titled(db, ziyang, FIRST_MEASURE)
    open_round(db, ziyang, [task])
    data = edit(excel.export_ledger(db, industry, ziyang), report_row(task.id, "45%"))
    excel.import_ledger(db, industry, ziyang, data, "a.xlsx")
    db.refresh(task)
    assert task.progress_pct == 45


# ---- bad input: every error names row and column, and nothing is written --------------------

def other_city_task_id(db: Session) -> int:
    task_id = db.scalar(select(Task.id).where(Task.plan_id == plan_of(db, "panzhihua-2024").id, Task.is_leaf))
    assert task_id is not None
    return task_id


BAD_ROWS: dict[str, tuple[Callable[[Session, int, int], Callable[[Worksheet], None]], str]] = {
    "percent above 100": (lambda db, t, o: report_row(t, 150), "“完成百分比”须在0到100之间"),
    "percent not a number": (lambda db, t, o: report_row(t, "大半"), "“完成百分比”“大半”不是数字"),
    "percent empty": (lambda db, t, o: report_row(t, None), "“完成百分比”不能为空"),
    "status not allowed": (lambda db, t, o: report_row(t, 60, "基本完成"),
                           "“完成状态”“基本完成”无效，须为 未开始、进行中、已完成 之一"),
    "completed below 100": (lambda db, t, o: report_row(t, 90, "已完成"),
                            "“完成百分比”在完成状态为“已完成”时应为100"),
    "narrative empty": (lambda db, t, o: report_row(t, 60, "进行中", ""), "“进展情况”不能为空"),
    "unknown task id": (lambda db, t, o: set_cells(t, 任务编号=9999999),
                        "“任务编号”“9999999”不是本方案的任务"),
    "another city's task": (lambda db, t, o: set_cells(t, 任务编号=other_city_task_id(db)),
                            "不是本方案的任务"),
    "task not owed": (lambda db, t, o: report_row(o), "没有该任务的待报送事项"),
    "unknown unit": (lambda db, t, o: set_cells(t, 牵头单位="市火星开发局"),
                     "“牵头单位”中的“市火星开发局”不是本市已登记的单位"),
    "lead unit of another task": (lambda db, t, o: set_cells(t, 牵头单位="市商务局"), "“牵头单位”与任务编号"),
}


@pytest.mark.parametrize("case", list(BAD_ROWS))
def test_bad_row_is_refused_with_its_row_and_column_and_nothing_is_written(
    db: Session, ziyang: Plan, industry: Scope, case: str,
) -> None:
    owed = task_titled(db, ziyang, FIRST_MEASURE)
    not_owed = task_titled(db, ziyang, SECOND_MEASURE)
    open_round(db, ziyang, [owed])
    exported = excel.export_ledger(db, industry, ziyang)
    ws = sheet_of(exported)
    make, expected = BAD_ROWS[case]
    bad_task = not_owed.id if case == "task not owed" else owed.id
    bad_row = row_of(ws, bad_task)
    # a good row as well: all-or-nothing means it is not written either
    good = report_row(owed.id) if case == "task not owed" else (lambda _ws: None)
    data = edit(edit(exported, good), make(db, owed.id, not_owed.id))
    before = report_count(db)
    with pytest.raises(excel.ImportRejected) as caught:
        excel.import_ledger(db, industry, ziyang, data, "台账.xlsx")
    messages = [e["message"] for e in caught.value.errors]
    assert any(m.startswith(f"第{bad_row}行") and expected in m for m in messages), messages
    assert caught.value.status_code == 422
    assert report_count(db) == before
    db.refresh(owed)
    assert (owed.progress_pct, owed.status) == (0, "not_started")


def test_one_bad_row_among_good_ones_writes_nothing(db: Session, ziyang: Plan, industry: Scope) -> None:
    first, second = task_titled(db, ziyang, FIRST_MEASURE), task_titled(db, ziyang, SECOND_MEASURE)
    open_round(db, ziyang, [first, second])
    data = edit(excel.export_ledger(db, industry, ziyang), report_row(first.id, 70))
    data = edit(data, report_row(second.id, 101))
    before = report_count(db)
    with pytest.raises(excel.ImportRejected) as caught:
        excel.import_ledger(db, industry, ziyang, data, "a.xlsx")
    assert len(caught.value.errors) == 1 and "完成百分比" in caught.value.errors[0]["message"]
    assert report_count(db) == before
    db.refresh(first)
    assert first.progress_pct == 0


def test_duplicate_submission_is_refused(db: Session, ziyang: Plan, industry: Scope) -> None:
    task = task_titled(db, ziyang, FIRST_MEASURE)
    open_round(db, ziyang, [task])
    data = edit(excel.export_ledger(db, industry, ziyang), report_row(task.id, 60))
    excel.import_ledger(db, industry, ziyang, data, "a.xlsx")
    again = edit(excel.export_ledger(db, industry, ziyang), report_row(task.id, 80))
    before = report_count(db)
    with pytest.raises(excel.ImportRejected) as caught:
        excel.import_ledger(db, industry, ziyang, again, "a.xlsx")
    assert "请勿重复提交" in caught.value.errors[0]["message"]
    assert report_count(db) == before


def test_duplicate_task_rows_are_refused(db: Session, ziyang: Plan, industry: Scope) -> None:
    first, second = task_titled(db, ziyang, FIRST_MEASURE), task_titled(db, ziyang, SECOND_MEASURE)
    open_round(db, ziyang, [first])
    data = edit(excel.export_ledger(db, industry, ziyang), set_cells(second.id, 任务编号=first.id))
    with pytest.raises(excel.ImportRejected) as caught:
        excel.import_ledger(db, industry, ziyang, data, "a.xlsx")
    assert any("重复" in e["message"] for e in caught.value.errors)


@pytest.mark.parametrize("header", ["完成百分比", "任务编号", "进展情况"])
def test_missing_or_renamed_required_column_is_named(
    db: Session, ziyang: Plan, industry: Scope, header: str,
) -> None:
    def rename(ws: Worksheet) -> None:
        ws.cell(2, HEADERS.index(header) + 1).value = header + "（%）"
    data = edit(excel.export_ledger(db, industry, ziyang), rename)
    with pytest.raises(excel.ImportRejected) as caught:
        excel.import_ledger(db, industry, ziyang, data, "a.xlsx")
    assert f"缺少必需的列“{header}”" in caught.value.errors[0]["message"]


@pytest.mark.parametrize(("content", "filename", "expected"), [
    (b"task_id,progress\n1,50\n", "台账.csv", "不是 .xlsx 格式"),
    (b"PK\x03\x04 not really a workbook", "台账.xlsx", "不是有效的 .xlsx 文件"),
    (b"%PDF-1.4", None, "不是有效的 .xlsx 文件"),
])
def test_a_file_that_is_not_xlsx_is_refused(
    db: Session, ziyang: Plan, industry: Scope, content: bytes, filename: str | None, expected: str,
) -> None:
    before = report_count(db)
    with pytest.raises(excel.ImportRejected) as caught:
        excel.import_ledger(db, industry, ziyang, content, filename)
    assert expected in caught.value.message
    assert report_count(db) == before


def test_leader_cannot_import(db: Session, ziyang: Plan) -> None:
    leader = scope_named(db, "ziyang-leader")
    with pytest.raises(Forbidden):
        excel.import_ledger(db, leader, ziyang, excel.export_ledger(db, leader, ziyang), "a.xlsx")


# ---- the office imports task settings (时间节点) ------------------------------------------------

def test_office_import_sets_due_dates_from_text_and_date_cells(db: Session, ziyang: Plan) -> None:
    office = scope_named(db, "ziyang-office")
    first, second = task_titled(db, ziyang, FIRST_MEASURE), task_titled(db, ziyang, SECOND_MEASURE)
    data = edit(excel.export_ledger(db, office, ziyang), set_cells(first.id, 时间节点="2025-06-30"))
    data = edit(data, set_cells(second.id, 时间节点=dt.datetime(2025, 9, 30)))
    # progress columns are the units' to report: the office's edits there are ignored, not submitted
    data = edit(data, report_row(first.id, 80))
    before = report_count(db)
    result = excel.import_ledger(db, office, ziyang, data, "a.xlsx")
    assert (result.editor, result.imported) == ("office", 2)
    db.refresh(first)
    db.refresh(second)
    assert (first.due_on, second.due_on) == (dt.date(2025, 6, 30), dt.date(2025, 9, 30))
    assert first.progress_pct == 0 and report_count(db) == before
    ws = sheet_of(excel.export_ledger(db, office, ziyang))
    assert ws.cell(row_of(ws, first.id), HEADERS.index("时间节点") + 1).value == dt.datetime(2025, 6, 30)


@pytest.mark.parametrize("value", ["2025/06/30", "2025年6月底", "2025-02-30"])
def test_office_date_in_wrong_format_is_refused(db: Session, ziyang: Plan, value: str) -> None:
    office = scope_named(db, "ziyang-office")
    first, second = task_titled(db, ziyang, FIRST_MEASURE), task_titled(db, ziyang, SECOND_MEASURE)
    data = edit(excel.export_ledger(db, office, ziyang), set_cells(first.id, 时间节点="2025-06-30"))
    data = edit(data, set_cells(second.id, 时间节点=value))
    row = row_of(sheet_of(data), second.id)
    with pytest.raises(excel.ImportRejected) as caught:
        excel.import_ledger(db, office, ziyang, data, "a.xlsx")
    assert caught.value.errors[0]["message"].startswith(f"第{row}行“时间节点”“{value}”不是有效日期")
    db.refresh(first)
    assert first.due_on is None  # the good row was not written either
