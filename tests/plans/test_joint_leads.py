"""A task with several lead units (牵头单位, or units 按职责分工负责) closes out only when every
lead's part is done; its progress is the mean of the leads' parts; co-units' reports inform only
(docs/ledger.md, “多个牵头单位”)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.plans.test_ledger_flow import open_round

from huanxin.kit.clock import today
from huanxin.orgs.models import Unit, User
from huanxin.plans.models import Plan, Task

LEADS = ("lead", "joint")


@dataclass(frozen=True)
class JointTask:
    plan: Plan
    task: Task
    leads: list[tuple[str, str]]  # (username, unit name) of each lead unit, in the plan's order
    co: tuple[str, str] | None  # a co-unit with a user, if any


def _user_of(db: Session, unit_id: int) -> tuple[str, str] | None:
    row = db.execute(select(User.username, Unit.name).join(Unit, Unit.id == User.unit_id)
                     .where(User.unit_id == unit_id, User.role == "department")).first()
    return (row[0], row[1]) if row else None


def joint_task(db: Session, key: str, *, with_co: bool = False) -> JointTask:
    """A leaf task of the plan with exactly two lead units, each with a department user."""
    plan = db.scalar(select(Plan).where(Plan.key == key))
    assert plan is not None
    for task in db.scalars(select(Task).where(Task.plan_id == plan.id, Task.is_leaf).order_by(Task.path)):
        leads = [_user_of(db, tu.unit_id) for tu in task.units if tu.role in LEADS]
        cos = [u for u in (_user_of(db, tu.unit_id) for tu in task.units if tu.role == "co") if u]
        if len(leads) == 2 and all(leads) and (cos or not with_co):
            return JointTask(plan, task, [u for u in leads if u], cos[0] if cos else None)
    raise AssertionError(f"{key} has no leaf task with two lead units that have users")


def report(client: TestClient, username: str, round_id: int, task_id: int, pct: int, status: str) -> int:
    headers = api_token(client, username)
    item = next(o for o in client.get("/api/v1/my/items", headers=headers).json()
                if o["round_id"] == round_id and o["task_id"] == task_id)
    response = client.post(f"/api/v1/round-items/{item['item_id']}/reports", headers=headers,
                           json={"progress_pct": pct, "task_status": status, "narrative": f"完成 {pct}%"})
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


def review(client: TestClient, office: dict[str, str], report_id: int, decision: str = "accept") -> None:
    response = client.post(f"/api/v1/reports/{report_id}/review", headers=office,
                           json={"decision": decision, "reason": "请补充佐证"})
    assert response.status_code == 200, response.text


def test_one_lead_completing_does_not_close_a_jointly_led_task(client: TestClient, db: Session) -> None:
    jt = joint_task(db, "panzhihua-2024")
    (first, _), (second, second_name) = jt.leads
    office = api_token(client, "panzhihua-office")
    rnd = open_round(client, office, jt.plan, today() + dt.timedelta(days=10), task_ids=[jt.task.id])
    report(client, second, rnd["id"], jt.task.id, 64, "in_progress")
    review(client, office, report(client, first, rnd["id"], jt.task.id, 100, "completed"))

    task = client.get(f"/api/v1/tasks/{jt.task.id}", headers=office).json()
    assert task["status"] == "in_progress"  # one lead's 100% is not the task's
    closure = client.post(f"/api/v1/tasks/{jt.task.id}/closures", headers=api_token(client, first),
                          json={"evidence": "本单位负责部分已完成，见验收材料"})
    assert closure.status_code == 201, closure.text
    refused = client.post(f"/api/v1/closures/{closure.json()['id']}/decision", headers=office, json={"approve": True})
    assert refused.status_code == 409
    assert refused.json()["error"].startswith(f"尚有 1 个牵头单位未完成：{second_name}（64%）")
    assert client.get(f"/api/v1/tasks/{jt.task.id}", headers=office).json()["status"] != "closed"

    login_browser(client, "panzhihua-office")  # the closure section shows each lead's part
    page = client.get(f"/tasks/{jt.task.id}").text
    parts = page[page.index('data-testid="lead-parts"'):]
    assert second_name in parts and "64%" in parts and "待审核" in parts


def test_closure_is_approved_once_every_lead_part_is_done_and_accepted(client: TestClient, db: Session) -> None:
    jt = joint_task(db, "panzhihua-2024")
    (first, _), (second, second_name) = jt.leads
    office = api_token(client, "panzhihua-office")
    rnd = open_round(client, office, jt.plan, today() + dt.timedelta(days=10), task_ids=[jt.task.id])
    review(client, office, report(client, first, rnd["id"], jt.task.id, 100, "completed"))
    second_report = report(client, second, rnd["id"], jt.task.id, 100, "completed")
    closure = client.post(f"/api/v1/tasks/{jt.task.id}/closures", headers=api_token(client, second),
                          json={"evidence": "两家牵头单位均已完成"}).json()
    url = f"/api/v1/closures/{closure['id']}/decision"

    waiting = client.post(url, headers=office, json={"approve": True})
    assert waiting.status_code == 409
    assert f"{second_name}（100%，报告待采纳）" in waiting.json()["error"]
    review(client, office, second_report)
    approved = client.post(url, headers=office, json={"approve": True})
    assert approved.status_code == 200 and approved.json()["status"] == "approved"
    assert client.get(f"/api/v1/tasks/{jt.task.id}", headers=office).json()["status"] == "closed"


def test_progress_is_the_mean_of_the_leads_parts_and_co_units_only_inform(client: TestClient, db: Session) -> None:
    jt = joint_task(db, "panzhihua-2024", with_co=True)
    (first, _), (second, _) = jt.leads
    assert jt.co is not None
    office = api_token(client, "panzhihua-office")
    rnd = open_round(client, office, jt.plan, today() + dt.timedelta(days=10), task_ids=[jt.task.id],
                     include_co_units=True)

    def figure() -> tuple[float, str]:
        task = client.get(f"/api/v1/tasks/{jt.task.id}", headers=office).json()
        return task["progress"], task["status"]

    report(client, jt.co[0], rnd["id"], jt.task.id, 100, "completed")
    assert figure() == (0, "not_started")  # a co-unit's report does not move the task
    report(client, first, rnd["id"], jt.task.id, 40, "in_progress")
    returned = report(client, second, rnd["id"], jt.task.id, 61, "in_progress")
    assert figure() == (50, "in_progress")  # (40 + 61) / 2, rounded down
    review(client, office, returned, "return")
    assert figure() == (20, "in_progress")  # a returned report is nobody's figure
