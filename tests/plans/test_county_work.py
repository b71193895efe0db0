"""Counties owe what the plan marks 各县（市、区）落实, and see it on their home page; every unit of
the city reads the whole plan but changes only its own tasks (docs/ledger.md)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.plans.test_ledger_flow import open_round, plan_of

from huanxin.kit.clock import today
from huanxin.orgs.models import User
from huanxin.plans.models import RoundItem, Task

COUNTY = "ziyang-county-512021"  # 安岳县人民政府


def test_a_county_sees_and_reports_the_tasks_counties_carry_out(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    county_tasks = list(db.scalars(select(Task).where(Task.plan_id == plan.id, Task.all_counties, Task.is_leaf)
                                   .order_by(Task.path)))[:3]
    assert county_tasks
    office = api_token(client, "ziyang-office")
    rnd = open_round(client, office, plan, today() + dt.timedelta(days=10), task_ids=[t.id for t in county_tasks])

    login_browser(client, COUNTY)
    assert client.get("/", follow_redirects=False).headers["location"] == "/my/work"
    home = client.get("/my/work").text
    assert "本单位当前没有待报送事项" not in home
    assert all(f'href="/tasks/{t.id}"' in home for t in county_tasks)

    headers = api_token(client, COUNTY)
    task = county_tasks[0]
    item = next(o for o in client.get("/api/v1/my/items", headers=headers).json()
                if o["round_id"] == rnd["id"] and o["task_id"] == task.id)
    assert 'data-testid="report-form"' in client.get(f"/tasks/{task.id}").text
    sent = client.post(f"/api/v1/round-items/{item['item_id']}/reports", headers=headers,
                       json={"progress_pct": 30, "task_status": "in_progress", "narrative": "安岳县已摸排企业 42 家"})
    assert sent.status_code == 201, sent.text
    history = client.get(f"/api/v1/tasks/{task.id}", headers=office).json()["reports"]
    assert any(r["narrative"] == "安岳县已摸排企业 42 家" for r in history)


def test_a_department_reads_a_sibling_task_but_cannot_change_it(client: TestClient, db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    user = db.scalar(select(User).where(User.username == "ziyang-dept01"))
    assert user is not None
    leaves = list(db.scalars(select(Task).where(Task.plan_id == plan.id, Task.is_leaf).order_by(Task.path)))
    own = next(t for t in leaves if any(tu.unit_id == user.unit_id for tu in t.units))
    sibling = next(t for t in leaves if t.units and t.id != own.id
                   and all(tu.unit_id != user.unit_id for tu in t.units) and not t.all_counties)
    office = api_token(client, "ziyang-office")
    rnd = open_round(client, office, plan, today() + dt.timedelta(days=10), task_ids=[sibling.id])

    login_browser(client, user.username)
    page = client.get(f"/tasks/{sibling.id}")
    assert page.status_code == 200, page.text
    assert sibling.title in page.text and "不属于本单位" in page.text
    assert 'data-testid="report-form"' not in page.text
    headers = api_token(client, user.username)
    assert client.get(f"/api/v1/tasks/{sibling.id}", headers=headers).status_code == 200

    # Changing it stays refused: another unit's report item, close-out, schedule.
    item_id = db.scalar(select(RoundItem.id).where(RoundItem.round_id == rnd["id"]))
    body = {"progress_pct": 50, "task_status": "in_progress", "narrative": "越权报送"}
    assert client.post(f"/api/v1/round-items/{item_id}/reports", headers=headers, json=body).status_code == 404
    assert client.post(f"/api/v1/tasks/{sibling.id}/closures", headers=headers,
                       json={"evidence": "越权销号"}).status_code == 403
