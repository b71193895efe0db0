"""An error is shown on the form that caused it: the office returns a report without a reason and
stays on the task page, the message beside the reason field, the report still waiting for review;
then it types a reason in the same form and the report is returned."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import LoginAs
from tests.e2e.support import Directory, open_round_api, owed_item, pick_assignment

pytestmark = pytest.mark.e2e


def test_the_office_returns_a_report_without_a_reason_and_sees_the_error_on_the_form(
    login_as: LoginAs, directory: Directory,
) -> None:
    office_api = directory.api("panzhihua-office")
    plan_id = office_api.plan_id()
    task = pick_assignment(directory, "panzhihua", office_api, plan_id, skip=1)
    rnd = open_round_api(office_api, plan_id, f"攀枝花第{uuid.uuid4().hex[:6]}轮调度", 5, [task.task_id])
    lead_api = directory.api(task.lead)
    item = owed_item(lead_api, rnd["id"], task.task_id)
    report = lead_api.post(f"/round-items/{item['item_id']}/reports",
                           {"progress_pct": 40, "task_status": "in_progress", "narrative": "已完成摸底"})

    office = login_as("panzhihua-office", next=f"/tasks/{task.task_id}")
    form = office.locator(f"form#review-{report['id']}")
    form.get_by_role("button", name="退回修改").click()

    expect(office.get_by_role("heading", name="无法完成操作")).to_have_count(0)
    field_error = office.locator(f"form#review-{report['id']} [data-testid=field-error][data-field=reason]")
    expect(field_error).to_contain_text("请填写退回理由")
    expect(office.get_by_test_id("form-error")).to_contain_text("请填写退回理由")
    row = office.locator(f"tr:has(form#review-{report['id']})")
    expect(row).to_have_attribute("data-report-status", "submitted")

    office.locator(f"form#review-{report['id']} input[name=reason]").fill("请补充量化数据")
    office.locator(f"form#review-{report['id']}").get_by_role("button", name="退回修改").click()
    expect(office.get_by_test_id("history").locator("tr[data-report-status=returned]")).to_contain_text(
        "请补充量化数据")
