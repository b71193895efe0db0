"""Downloads and the upload over HTTP, in pages and the API: content types, scope, CSRF."""

from __future__ import annotations

import datetime as dt
import io

import docx
import openpyxl
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser

from huanxin.kit.clock import today
from huanxin.orgs.models import Unit, User
from huanxin.orgs.service import scope_of
from huanxin.plans import service
from huanxin.plans.models import Plan, Report, Round, Task

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
INDUSTRY = "市经济和信息化局"
FIRST_MEASURE = "分类施策推进重点行业产线升级改造"


def plan_of(db: Session, key: str) -> Plan:
    plan = db.scalar(select(Plan).where(Plan.key == key))
    assert plan is not None
    return plan


def industry_user(db: Session, plan: Plan) -> User:
    user = db.scalar(select(User).join(Unit, Unit.id == User.unit_id)
                     .where(Unit.city_code == plan.city_code, Unit.name == INDUSTRY))
    assert user is not None
    return user


def first_measure(db: Session, plan: Plan) -> Task:
    task = db.scalar(select(Task).where(Task.plan_id == plan.id, Task.title == FIRST_MEASURE))
    assert task is not None
    return task


def open_round(db: Session, plan: Plan) -> Round:
    office = scope_of(db.scalar(select(User).where(User.username == "ziyang-office")))  # type: ignore[arg-type]
    return service.open_round(db, office, plan, title="2024年第三季度调度", period="2024年第3季度",
                              due_on=today() + dt.timedelta(days=10), task_ids=[first_measure(db, plan).id])


def filled_in(data: bytes, task_id: int, pct: object) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    row = next(r for r in range(3, ws.max_row + 1) if ws.cell(r, 2).value == task_id)
    ws.cell(row, 9).value, ws.cell(row, 10).value = pct, "进行中"
    ws.cell(row, 11).value = "已摸排全市设备更新需求。"
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def reports(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Report)) or 0


def test_office_downloads_ledger_and_targets(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    login_browser(client, "ziyang-office")
    ledger = client.get(f"/plans/{plan.id}/ledger.xlsx")
    assert ledger.status_code == 200 and ledger.headers["content-type"] == XLSX
    assert "attachment" in ledger.headers["content-disposition"]
    ws = openpyxl.load_workbook(io.BytesIO(ledger.content)).active
    assert ws.cell(2, 2).value == "任务编号"
    assert INDUSTRY in {c.value for c in ws["F"]}
    targets = client.get(f"/plans/{plan.id}/targets.xlsx")
    assert targets.status_code == 200 and targets.headers["content-type"] == XLSX
    assert openpyxl.load_workbook(io.BytesIO(targets.content)).active.cell(2, 1).value == "指标"


def test_briefing_for_office_and_leader_not_for_departments(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    rnd = open_round(db, plan)
    url = f"/plans/{plan.id}/rounds/{rnd.id}/briefing.docx"
    login_browser(client, "ziyang-office")
    response = client.get(url)
    assert response.status_code == 200 and response.headers["content-type"] == DOCX
    document = docx.Document(io.BytesIO(response.content))
    assert "2024年第三季度调度" in "\n".join(p.text for p in document.paragraphs)
    assert client.get(f"/api/v1/plans/{plan.id}/rounds/{rnd.id}/briefing.docx",
                      headers=api_token(client, "ziyang-leader")).status_code == 200
    department = api_token(client, industry_user(db, plan).username)
    api_url = f"/api/v1/plans/{plan.id}/rounds/{rnd.id}/briefing.docx"
    assert client.get(api_url, headers=department).status_code == 403
    login_browser(client, industry_user(db, plan).username)
    assert client.get(url).status_code == 403


def test_another_citys_plan_is_not_found(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    rnd = open_round(db, plan)
    other = api_token(client, "panzhihua-office")
    for path in (f"/plans/{plan.id}/ledger.xlsx", f"/plans/{plan.id}/targets.xlsx",
                 f"/plans/{plan.id}/rounds/{rnd.id}/briefing.docx"):
        assert client.get(f"/api/v1{path}", headers=other).status_code == 404, path
    # a round of ziyang under panzhihua's own plan id: still not found
    panzhihua = plan_of(db, "panzhihua-2024")
    crossed = f"/api/v1/plans/{panzhihua.id}/rounds/{rnd.id}/briefing.docx"
    assert client.get(crossed, headers=other).status_code == 404


def test_department_imports_through_the_page(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    task = first_measure(db, plan)
    open_round(db, plan)
    csrf = login_browser(client, industry_user(db, plan).username)
    exported = client.get(f"/plans/{plan.id}/ledger.xlsx").content
    response = client.post(f"/plans/{plan.id}/ledger/import", data={"csrf_token": csrf},
                           files={"file": ("台账.xlsx", filled_in(exported, task.id, 35), XLSX)})
    assert response.status_code == 200, response.text
    assert 'data-testid="imported">1<' in response.text
    db.refresh(task)
    assert task.progress_pct == 35


def test_page_lists_row_errors_and_writes_nothing(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    task = first_measure(db, plan)
    open_round(db, plan)
    csrf = login_browser(client, industry_user(db, plan).username)
    exported = client.get(f"/plans/{plan.id}/ledger.xlsx").content
    before = reports(db)
    response = client.post(f"/plans/{plan.id}/ledger/import", data={"csrf_token": csrf},
                           files={"file": ("台账.xlsx", filled_in(exported, task.id, 120), XLSX)})
    assert response.status_code == 422
    assert "“完成百分比”须在0到100之间" in response.text and "未写入任何数据" in response.text
    assert reports(db) == before


def test_forged_csrf_token_is_refused(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    task = first_measure(db, plan)
    open_round(db, plan)
    login_browser(client, industry_user(db, plan).username)
    exported = client.get(f"/plans/{plan.id}/ledger.xlsx").content
    before = reports(db)
    response = client.post(f"/plans/{plan.id}/ledger/import", data={"csrf_token": "forged"},
                           files={"file": ("台账.xlsx", filled_in(exported, task.id, 35), XLSX)})
    assert response.status_code == 403
    assert reports(db) == before


def test_api_import_answers_json(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    task = first_measure(db, plan)
    open_round(db, plan)
    headers = api_token(client, industry_user(db, plan).username)
    exported = client.get(f"/api/v1/plans/{plan.id}/ledger.xlsx", headers=headers)
    assert exported.headers["content-type"] == XLSX
    bad = client.post(f"/api/v1/plans/{plan.id}/ledger/import", headers=headers,
                      files={"file": ("台账.xlsx", b"not a workbook", XLSX)})
    assert bad.status_code == 422 and "不是有效的 .xlsx 文件" in bad.json()["errors"][0]["message"]
    good = client.post(f"/api/v1/plans/{plan.id}/ledger/import", headers=headers,
                       files={"file": ("台账.xlsx", filled_in(exported.content, task.id, 55), XLSX)})
    assert good.status_code == 200, good.text
    assert good.json() == {"imported": 1, "unchanged": good.json()["unchanged"], "editor": "unit",
                           "task_ids": [task.id]}
