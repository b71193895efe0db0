"""Separation of duties (issue 10, finding 6): whoever asked for a 销号 or reported progress does
not approve it, even once their account has been moved into the office; another person does."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.plans.test_ledger_flow import first_leaf_with_lead, lead_user_of, open_round, plan_of

from huanxin.kit.clock import today
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role


def _completed_task(client: TestClient, db: Session) -> tuple[int, User, dict[str, str]]:
    """A task whose lead department has reported it completed in an open round."""
    plan = plan_of(db, "ziyang-2024")
    task = first_leaf_with_lead(db, plan)
    office = api_token(client, "ziyang-office")
    open_round(client, office, plan, today() + dt.timedelta(days=10), task_ids=[task.id])
    lead = lead_user_of(db, task)
    dept = api_token(client, lead.username)
    item = client.get("/api/v1/my/items", headers=dept).json()[0]
    report = client.post(f"/api/v1/round-items/{item['item_id']}/reports", headers=dept,
                         json={"progress_pct": 100, "task_status": "completed", "narrative": "已完成"})
    assert report.status_code == 201, report.text
    return task.id, lead, dept


def _move_into_office(client: TestClient, db: Session, user: User) -> dict[str, str]:
    """The department's staff member is seconded to the task-force office (专班办公室)."""
    user.role = Role.OFFICE.value
    db.flush()
    return api_token(client, user.username)


def test_the_requester_of_a_closure_cannot_approve_it(client: TestClient, db: Session) -> None:
    task_id, lead, dept = _completed_task(client, db)
    closure = client.post(f"/api/v1/tasks/{task_id}/closures", headers=dept, json={"evidence": "项目库已上线"})
    assert closure.status_code == 201, closure.text
    seconded = _move_into_office(client, db, lead)

    mine = client.post(f"/api/v1/closures/{closure.json()['id']}/decision", headers=seconded, json={"approve": True})
    assert mine.status_code == 403
    assert mine.json()["error"] == "销号申请人不能审批自己的申请，请由专班办公室的另一位同志审批"
    assert client.get(f"/api/v1/tasks/{task_id}", headers=seconded).json()["status"] != "closed"

    office = api_token(client, "ziyang-office")
    report_id = client.get(f"/api/v1/tasks/{task_id}", headers=office).json()["reports"][0]["id"]
    accepted = client.post(f"/api/v1/reports/{report_id}/review", headers=office, json={"decision": "accept"})
    assert accepted.status_code == 200, accepted.text  # a lead's part counts once its report is accepted
    other = client.post(f"/api/v1/closures/{closure.json()['id']}/decision", headers=office, json={"approve": True})
    assert other.status_code == 200 and other.json()["status"] == "approved"


def test_the_author_of_a_report_cannot_accept_it(client: TestClient, db: Session) -> None:
    task_id, lead, dept = _completed_task(client, db)
    report_id = client.get(f"/api/v1/tasks/{task_id}", headers=dept).json()["reports"][0]["id"]
    seconded = _move_into_office(client, db, lead)

    mine = client.post(f"/api/v1/reports/{report_id}/review", headers=seconded, json={"decision": "accept"})
    assert mine.status_code == 403 and "另一位同志" in mine.json()["error"]
    other = client.post(f"/api/v1/reports/{report_id}/review", headers=api_token(client, "ziyang-office"),
                        json={"decision": "accept"})
    assert other.status_code == 200 and other.json()["status"] == "accepted"
