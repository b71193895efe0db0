"""The ledger as its users meet it: the office dispatches a round, a department reports, the
office returns and accepts, the light changes, a task is closed out; scope holds everywhere."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser

from huanxin.kit.clock import today
from huanxin.orgs.models import User
from huanxin.plans.models import Plan, Report, RoundItem, Task, TaskUnit


def plan_of(db: Session, key: str) -> Plan:
    plan = db.scalar(select(Plan).where(Plan.key == key))
    assert plan is not None
    return plan


def lead_user_of(db: Session, task: Task) -> User:
    lead = next(tu for tu in task.units if tu.role in ("lead", "joint"))
    user = db.scalar(select(User).where(User.unit_id == lead.unit_id))
    assert user is not None
    return user


def first_leaf_with_lead(db: Session, plan: Plan) -> Task:
    return db.scalars(
        select(Task).join(TaskUnit, TaskUnit.task_id == Task.id)
        .where(Task.plan_id == plan.id, Task.is_leaf, TaskUnit.role == "lead").order_by(Task.path)
    ).first()  # type: ignore[return-value]


def open_round(client: TestClient, headers: dict[str, str], plan: Plan, due: dt.date, **extra: object) -> dict:
    response = client.post(f"/api/v1/plans/{plan.id}/rounds", headers=headers,
                           json={"title": "第一轮调度", "period": "2026-11", "due_on": due.isoformat(), **extra})
    assert response.status_code == 201, response.text
    return response.json()


def test_office_sees_whole_ledger_department_only_its_tasks(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    office = api_token(client, "ziyang-office")
    whole = client.get(f"/api/v1/plans/{plan.id}/ledger", headers=office).json()["rows"]
    task = first_leaf_with_lead(db, plan)
    dept = lead_user_of(db, task)
    mine = client.get(f"/api/v1/plans/{plan.id}/ledger", headers=api_token(client, dept.username)).json()["rows"]
    assert len(mine) < len(whole)
    assert task.id in {r["task_id"] for r in mine}
    leaves = [r for r in mine if r["level"] in ("measure", "sub_measure") and not any(
        x["parent_id"] == r["task_id"] for x in mine)]
    # every leaf a department sees names its unit (ancestors are shown only for context)
    assert all(any(u["unit_id"] == dept.unit_id for u in r["units"]) for r in leaves if r["units"])


def test_report_changes_light_and_history(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    office = api_token(client, "ziyang-office")
    task = first_leaf_with_lead(db, plan)
    rnd = open_round(client, office, plan, today() + dt.timedelta(days=2), task_ids=[task.id])
    before = client.get(f"/api/v1/tasks/{task.id}", headers=office).json()
    assert before["light"] == "yellow"  # a report is owed within 3 days
    dept = lead_user_of(db, task)
    headers = api_token(client, dept.username)
    owed = client.get("/api/v1/my/items", headers=headers).json()
    item = next(o for o in owed if o["round_id"] == rnd["id"])
    response = client.post(f"/api/v1/round-items/{item['item_id']}/reports", headers=headers, json={
        "progress_pct": 100, "task_status": "completed", "narrative": "已建立重点项目库，入库项目 86 个",
        "figures": [{"label": "入库项目", "value": 86, "unit": "个"}]})
    assert response.status_code == 201, response.text
    after = client.get(f"/api/v1/tasks/{task.id}", headers=office).json()
    assert after["light"] == "green" and after["status"] == "completed"
    assert after["reports"][0]["narrative"].startswith("已建立重点项目库")


def test_overdue_round_turns_red(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "anqiu-2024")
    task = first_leaf_with_lead(db, plan)
    from huanxin.orgs import service as orgs_service
    from huanxin.plans import service

    office = orgs_service.scope_of(db.scalar(select(User).where(User.username == "anqiu-office")))  # type: ignore[arg-type]
    service.open_round(db, office, plan, title="上月调度", period="2026-10", due_on=today() - dt.timedelta(days=1),
                       task_ids=[task.id], opened_on=today() - dt.timedelta(days=20))
    row = next(r for r in client.get(f"/api/v1/plans/{plan.id}/ledger",
                                     headers=api_token(client, "anqiu-office")).json()["rows"]
               if r["task_id"] == task.id)
    assert row["light"] == "red"


def test_bad_report_input_changes_nothing(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "panzhihua-2024")
    task = first_leaf_with_lead(db, plan)
    open_round(client, api_token(client, "panzhihua-office"), plan, today() + dt.timedelta(days=10), task_ids=[task.id])
    headers = api_token(client, lead_user_of(db, task).username)
    item = client.get("/api/v1/my/items", headers=headers).json()[0]
    url = f"/api/v1/round-items/{item['item_id']}/reports"
    count = db.scalar(select(func.count()).select_from(Report))
    for body, field in [
        ({"progress_pct": 120, "task_status": "in_progress", "narrative": "x"}, "progress_pct"),
        ({"progress_pct": -1, "task_status": "in_progress", "narrative": "x"}, "progress_pct"),
        ({"progress_pct": 50, "task_status": "done", "narrative": "x"}, "task_status"),
        ({"progress_pct": 50, "task_status": "in_progress", "narrative": "  "}, "narrative"),
    ]:
        response = client.post(url, headers=headers, json=body)
        assert response.status_code == 422, response.text
        assert response.json()["field"] == field
        assert re.search(r"[\u4e00-\u9fff]", response.json()["error"])
    assert db.scalar(select(func.count()).select_from(Report)) == count


def test_duplicate_submission_and_idempotent_replay(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "shaoyang-2024")
    task = db.scalars(select(Task).join(TaskUnit).where(Task.plan_id == plan.id, Task.is_leaf,
                                                      TaskUnit.role.in_(("lead", "joint")))).first()
    assert task is not None
    open_round(client, api_token(client, "shaoyang-office"), plan, today() + dt.timedelta(days=10), task_ids=[task.id])
    headers = api_token(client, lead_user_of(db, task).username)
    item = client.get("/api/v1/my/items", headers=headers).json()[0]
    url = f"/api/v1/round-items/{item['item_id']}/reports"
    body = {"progress_pct": 40, "task_status": "in_progress", "narrative": "推进中"}
    first = client.post(url, headers={**headers, "Idempotency-Key": "k-1"}, json=body)
    replay = client.post(url, headers={**headers, "Idempotency-Key": "k-1"}, json=body)
    assert first.status_code == 201 and replay.status_code == 201
    assert first.json()["id"] == replay.json()["id"]
    duplicate = client.post(url, headers={**headers, "Idempotency-Key": "k-2"}, json=body)
    assert duplicate.status_code == 409
    assert "重复" in duplicate.json()["error"]
    assert db.scalar(select(func.count()).select_from(Report).where(Report.round_item_id == item["item_id"])) == 1


def test_return_then_resubmit_then_accept(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "yangquan-2024")
    task = db.scalars(select(Task).join(TaskUnit).where(Task.plan_id == plan.id, Task.is_leaf)).first()
    assert task is not None
    office = api_token(client, "yangquan-office")
    open_round(client, office, plan, today() + dt.timedelta(days=10), task_ids=[task.id])
    headers = api_token(client, lead_user_of(db, task).username)
    item = client.get("/api/v1/my/items", headers=headers).json()[0]
    url = f"/api/v1/round-items/{item['item_id']}/reports"
    report = client.post(url, headers=headers, json={"progress_pct": 30, "task_status": "in_progress",
                                                     "narrative": "正在摸底"}).json()
    assert client.post(f"/api/v1/reports/{report['id']}/review", headers=office,
                       json={"decision": "return", "reason": ""}).status_code == 422  # reason required
    returned = client.post(f"/api/v1/reports/{report['id']}/review", headers=office,
                           json={"decision": "return", "reason": "请补充量化数据"})
    assert returned.json()["status"] == "returned"
    owed = client.get("/api/v1/my/items", headers=headers).json()
    assert owed[0]["status"] == "returned"
    second = client.post(url, headers=headers, json={"progress_pct": 35, "task_status": "in_progress",
                                                     "narrative": "已摸底 120 家企业",
                                                     "figures": [{"label": "摸底企业", "value": 120, "unit": "家"}]})
    assert second.status_code == 201 and second.json()["version"] == 2
    accepted = client.post(f"/api/v1/reports/{second.json()['id']}/review", headers=office,
                           json={"decision": "accept"})
    assert accepted.json()["status"] == "accepted"
    assert db.get(RoundItem, item["item_id"]).status == "accepted"  # type: ignore[union-attr]


def test_department_cannot_review_or_open_rounds(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    task = first_leaf_with_lead(db, plan)
    dept = api_token(client, lead_user_of(db, task).username)
    response = client.post(f"/api/v1/plans/{plan.id}/rounds", headers=dept,
                           json={"title": "x", "period": "x", "due_on": "2030-01-01"})
    assert response.status_code == 403


def test_other_city_ids_answer_404(client: TestClient, db: Session) -> None:
    ziyang = plan_of(db, "ziyang-2024")
    task = first_leaf_with_lead(db, ziyang)
    headers = api_token(client, "anqiu-office")
    assert client.get(f"/api/v1/plans/{ziyang.id}/ledger", headers=headers).status_code == 404
    assert client.get(f"/api/v1/tasks/{task.id}", headers=headers).status_code == 404
    assert client.get("/api/v1/cities/512000/plans", headers=headers).status_code == 404
    login_browser(client, "anqiu-office")
    page = client.get(f"/tasks/{task.id}")
    assert page.status_code == 404 and "未找到" in page.text


def test_closure_needs_evidence_and_office_approval(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    task = first_leaf_with_lead(db, plan)
    office = api_token(client, "ziyang-office")
    open_round(client, office, plan, today() + dt.timedelta(days=10), task_ids=[task.id])
    dept = api_token(client, lead_user_of(db, task).username)
    item = client.get("/api/v1/my/items", headers=dept).json()[0]
    early = client.post(f"/api/v1/tasks/{task.id}/closures", headers=dept, json={"evidence": "完成"})
    assert early.status_code == 422  # not yet reported completed
    report = client.post(f"/api/v1/round-items/{item['item_id']}/reports", headers=dept,
                         json={"progress_pct": 100, "task_status": "completed", "narrative": "已完成"}).json()
    client.post(f"/api/v1/reports/{report['id']}/review", headers=office, json={"decision": "accept"})
    assert client.post(f"/api/v1/tasks/{task.id}/closures", headers=dept, json={"evidence": " "}).status_code == 422
    closure = client.post(f"/api/v1/tasks/{task.id}/closures", headers=dept, json={"evidence": "项目库已上线，见附件"})
    assert closure.status_code == 201
    assert client.post(f"/api/v1/closures/{closure.json()['id']}/decision", headers=dept,
                       json={"approve": True}).status_code == 403
    decided = client.post(f"/api/v1/closures/{closure.json()['id']}/decision", headers=office, json={"approve": True})
    assert decided.json()["status"] == "approved"
    assert client.get(f"/api/v1/tasks/{task.id}", headers=office).json()["status"] == "closed"


def test_pages_forms_and_csrf(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    login_browser(client, "ziyang-office")
    page = client.get(f"/plans/{plan.id}/ledger")
    assert page.status_code == 200 and "工作台账" in page.text
    forged = client.post(f"/plans/{plan.id}/rounds", data={"title": "t", "period": "p", "due_on": "2030-01-01",
                                                           "csrf_token": "forged"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    bad_date = client.post(f"/plans/{plan.id}/rounds", data={"title": "t", "period": "p", "due_on": "2030年1月",
                                                             "csrf_token": token})
    assert bad_date.status_code == 422 and "2024-06-30" in bad_date.text
    ok = client.post(f"/plans/{plan.id}/rounds", data={"title": "十一月调度", "period": "2026-11",
                                                       "due_on": (today() + dt.timedelta(days=7)).isoformat(),
                                                       "csrf_token": token}, follow_redirects=True)
    assert ok.status_code == 200 and "十一月调度" in ok.text


@pytest.mark.parametrize("path", ["/cities/512000/plans", "/my/work"])
def test_pages_require_login(client: TestClient, path: str) -> None:
    response = client.get(path, follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_round_can_be_narrowed_to_one_action_and_one_unit(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    task = first_leaf_with_lead(db, plan)
    lead = next(tu.unit_id for tu in task.units if tu.role == "lead")
    rnd = open_round(client, api_token(client, "ziyang-office"), plan, today() + dt.timedelta(days=9),
                     unit_ids=[lead])
    items = db.scalars(select(RoundItem).where(RoundItem.round_id == rnd["id"])).all()
    assert items and {i.unit_id for i in items} == {lead}
    login_browser(client, "ziyang-office")
    page = client.get(f"/plans/{plan.id}/rounds")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
    client.post(f"/plans/{plan.id}/rounds", data={"title": "标准提升专项调度", "period": "2026-11",
                                                  "due_on": (today() + dt.timedelta(days=9)).isoformat(),
                                                  "action": "standards", "csrf_token": token})
    narrowed = db.scalars(select(RoundItem).join(Task, Task.id == RoundItem.task_id)
                          .where(Task.plan_id == plan.id, Task.action != "standards",
                                 RoundItem.round_id != rnd["id"])).all()
    standards = db.scalars(select(RoundItem).join(Task, Task.id == RoundItem.task_id)
                           .where(Task.plan_id == plan.id, Task.action == "standards")).all()
    assert standards and not narrowed
