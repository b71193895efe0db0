"""Errors are shown on the form that caused them (web.form_pages), with what was typed kept:
never a bare "无法完成操作" page the user must leave the form for."""

from __future__ import annotations

import datetime as dt
import re

from fastapi.testclient import TestClient
from lxml import html  # type: ignore[import-untyped]
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.tradein.claims_support import resident, setup_city

from huanxin.kit.clock import today
from huanxin.orgs.models import User
from huanxin.plans.models import Plan, Report, Task, TaskUnit
from huanxin.tradein.qualifications import lifecycle as qualification


def _plan(db: Session, key: str) -> Plan:
    plan = db.scalar(select(Plan).where(Plan.key == key))
    assert plan is not None
    return plan


def _leaf_and_lead(db: Session, plan: Plan) -> tuple[Task, User]:
    for task in db.scalars(select(Task).join(TaskUnit).where(Task.plan_id == plan.id, Task.is_leaf,
                                                              TaskUnit.role == "lead").order_by(Task.path)):
        lead = next(tu for tu in task.units if tu.role == "lead")
        user = db.scalar(select(User).where(User.unit_id == lead.unit_id))
        if user is not None:
            return task, user
    raise AssertionError("no leaf task with a lead unit that has an account")


def _owed_item(client: TestClient, db: Session) -> tuple[Task, User, int]:
    """A round opened for one task of 阳泉's plan; the lead unit's item for it."""
    plan = _plan(db, "yangquan-2024")
    task, lead = _leaf_and_lead(db, plan)
    office = api_token(client, "yangquan-office")
    opened = client.post(f"/api/v1/plans/{plan.id}/rounds", headers=office,
                         json={"title": "第一轮调度", "period": "2026-11",
                               "due_on": (today() + dt.timedelta(days=10)).isoformat(), "task_ids": [task.id]})
    assert opened.status_code == 201, opened.text
    items = client.get("/api/v1/my/items", headers=api_token(client, lead.username)).json()
    return task, lead, next(i["item_id"] for i in items if i["task_id"] == task.id)


def _form(page: str, form_id: str) -> html.HtmlElement:
    found = html.fromstring(page).xpath(f'//form[@id="{form_id}"]')
    assert found, f"the page shows the form {form_id} again"
    return found[0]


def _field_error(form: html.HtmlElement, name: str) -> str:
    """The message shown beside the field `name` of the form."""
    return " ".join(e.text_content() for e in form.xpath(f'.//*[@data-testid="field-error"][@data-field="{name}"]'))


def _summary(page: str) -> str:
    return " ".join(e.text_content() for e in html.fromstring(page).xpath('//*[@data-testid="form-error"]'))


def test_returning_a_report_without_a_reason_shows_the_message_by_the_reason_field(
    client: TestClient, db: Session,
) -> None:
    task, lead, item_id = _owed_item(client, db)
    report = client.post(f"/api/v1/round-items/{item_id}/reports", headers=api_token(client, lead.username),
                         json={"progress_pct": 30, "task_status": "in_progress", "narrative": "正在摸底"}).json()
    csrf = login_browser(client, "yangquan-office")

    answer = client.post(f"/reports/{report['id']}/review", data={"csrf_token": csrf, "decision": "return",
                                                                 "reason": ""}, follow_redirects=False)

    assert answer.status_code == 422
    assert "无法完成操作" not in answer.text
    form = _form(answer.text, f"review-{report['id']}")
    assert "请填写退回理由" in _field_error(form, "reason")
    assert "请填写退回理由" in _summary(answer.text)
    assert db.get(Report, report["id"]).status == "submitted"  # type: ignore[union-attr]


def test_a_report_with_a_bad_figure_line_is_shown_again_with_what_was_typed(client: TestClient, db: Session) -> None:
    task, lead, item_id = _owed_item(client, db)
    csrf = login_browser(client, lead.username)
    narrative = "已摸底 120 家企业，正在组织申报"

    answer = client.post(f"/round-items/{item_id}/report", data={
        "csrf_token": csrf, "progress_pct": "35", "task_status": "in_progress", "narrative": narrative,
        "figures": "摸底企业一百二十家", "save": "submit"}, follow_redirects=False)

    assert answer.status_code == 422
    form = _form(answer.text, f"report-{item_id}")
    assert form.xpath('.//textarea[@name="narrative"]')[0].text_content() == narrative
    assert form.xpath('.//textarea[@name="figures"]')[0].text_content() == "摸底企业一百二十家"
    assert form.xpath('.//input[@name="progress_pct"]')[0].get("value") == "35"
    assert "格式应为" in _field_error(form, "figures")
    assert re.search(r"未报送|待报送", client.get(f"/tasks/{task.id}").text)


def test_a_residents_qualification_form_does_not_offer_a_category_already_held(client: TestClient, db: Session) -> None:
    city = setup_city(db)
    username, person = resident(db, city)
    programme = city.programmes["appliance-2025"]
    login_browser(client, username)
    option = f'value="{programme.id}:refrigerator"'
    assert option in _qualification_form(client.get("/tradein/me").text)

    qualification.claim_qualification(db, programme=programme, person=person, category="refrigerator", actor="t")
    page = client.get("/tradein/me").text

    assert option not in _qualification_form(page)
    assert f'value="{programme.id}:washing_machine"' in _qualification_form(page)  # the others still offered
    assert "电冰箱" in " ".join(e.text_content() for e in html.fromstring(page).xpath('//*[@data-testid="used-up"]'))


def _qualification_form(page: str) -> str:
    return str(html.tostring(_form(page, "qualification"), encoding="unicode"))
