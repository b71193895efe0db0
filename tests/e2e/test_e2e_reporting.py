"""A dispatch round as its users meet it: the office opens it on the rounds page, the lead
department saves a draft that nobody else sees, submits, the light turns green on the task page and
in the office's ledger; the department asks for close-out (销号) and the office approves it."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest
from playwright.sync_api import FilePayload, Locator, Page, expect
from tests.e2e.conftest import LoginAs
from tests.e2e.support import (
    Directory,
    china_today,
    open_round_api,
    other_department,
    owed_item,
    pick_assignment,
    screenshot,
)

pytestmark = pytest.mark.e2e


def report_form(page: Page, round_title: str) -> Locator:
    return page.get_by_test_id("report-form").filter(has_text=round_title)


def test_round_draft_submit_and_light(login_as: LoginAs, directory: Directory) -> None:
    office_api = directory.api("ziyang-office")
    plan_id = office_api.plan_id()
    tag = uuid.uuid4().hex[:6]
    round_title = f"资阳第{tag}轮调度"

    # The office opens a round through the form; the report is owed within 3 days.
    office = login_as("ziyang-office", next=f"/plans/{plan_id}/rounds")
    form = office.locator(f"form[action='/plans/{plan_id}/rounds']")
    form.get_by_label("标题").fill(round_title)
    form.get_by_label("期次").fill(china_today().strftime("%Y-%m"))
    form.get_by_label("报送截止").fill((china_today() + dt.timedelta(days=2)).isoformat())
    form.get_by_role("button", name="开启").click()
    expect(office).to_have_url(re.compile(r"/rounds/\d+$"))
    expect(office.get_by_role("heading", level=1)).to_have_text(round_title)
    round_id = int(office.url.rsplit("/", 1)[1])

    task = pick_assignment(directory, "ziyang", office_api, plan_id)
    lead_api = directory.api(task.lead)
    owed_item(lead_api, round_id, task.task_id)  # the round reached the lead unit

    office.goto(f"/tasks/{task.task_id}")
    expect(office.get_by_test_id("task-light")).not_to_have_text("绿灯")
    ledger_row = f"table[data-testid=ledger] tr[data-task-id='{task.task_id}']"

    # The lead department finds the item on its work list and saves a draft.
    dept = login_as(task.lead, next="/my/work")
    owed = (dept.get_by_test_id("owed").locator(f"tr:has(a[href='/tasks/{task.task_id}'])")
            .filter(has_text=round_title))
    expect(owed).to_contain_text(task.title)
    expect(owed).to_contain_text("待报送")
    screenshot(dept, "my-work")
    owed.get_by_role("link").click()
    expect(dept).to_have_url(re.compile(rf"/tasks/{task.task_id}$"))
    draft_text = f"草稿{tag}：正在摸底重点企业设备情况"
    form = report_form(dept, round_title)
    form.get_by_label("完成百分比").fill("40")
    form.get_by_label("完成状态").select_option("in_progress")
    form.get_by_label("进展情况").fill(draft_text)
    form.get_by_role("button", name="保存草稿").click()
    expect(dept.get_by_test_id("flash")).to_contain_text("草稿已保存")
    expect(report_form(dept, round_title).get_by_label("进展情况")).to_have_value(draft_text)
    dept.goto("/my/work")
    expect(owed).to_contain_text("草稿未报送")

    # Nobody else sees the draft: not the office, not another department of the city.
    office.goto(f"/tasks/{task.task_id}")
    expect(office.locator("main")).not_to_contain_text(draft_text)
    expect(office.get_by_test_id("task-status")).not_to_have_text("已完成")
    other = task.co or other_department(directory, "ziyang", task.lead)
    other_page = login_as(other)
    response = other_page.goto(f"/tasks/{task.task_id}")
    assert response is not None
    if task.co:  # a co-unit sees the task itself, but not the lead unit's draft
        assert response.status == 200
        expect(other_page.get_by_role("heading", level=1)).to_contain_text(task.title)
    expect(other_page.locator("body")).not_to_contain_text(draft_text)

    # The department submits: done, 100 %.
    dept.goto(f"/tasks/{task.task_id}")
    form = report_form(dept, round_title)
    expect(form.get_by_label("进展情况")).to_have_value(draft_text)
    final_text = f"报送{tag}：已完成全部重点企业设备更新摸底"
    form.get_by_label("完成百分比").fill("100")
    form.get_by_label("完成状态").select_option("completed")
    form.get_by_label("进展情况").fill(final_text)
    form.get_by_role("button", name="报送").click()
    expect(dept.get_by_test_id("flash")).to_contain_text("进展已报送")
    expect(dept.get_by_test_id("task-status")).to_have_text("已完成")
    expect(dept.get_by_test_id("task-light")).to_have_text("绿灯")
    expect(report_form(dept, round_title)).to_have_count(0)
    screenshot(dept, "task")

    # The office sees the submitted report and the green light, on the task page and in the ledger.
    office.goto(f"/tasks/{task.task_id}")
    expect(office.get_by_test_id("task-status")).to_have_text("已完成")
    expect(office.get_by_test_id("task-light")).to_have_text("绿灯")
    expect(office.get_by_test_id("history")).to_contain_text(final_text)
    office.goto(f"/plans/{plan_id}/ledger")
    expect(office.locator(ledger_row)).to_have_attribute("data-light", "green")
    expect(office.locator(ledger_row)).to_contain_text("已完成")

    # The department cannot open another city's task.
    anqiu = directory.api("anqiu-office")
    anqiu_task = anqiu.get(f"/plans/{anqiu.plan_id()}/ledger")["rows"][-1]
    response = dept.goto(f"/tasks/{anqiu_task['task_id']}")
    assert response is not None and response.status == 404
    expect(dept.get_by_role("heading", level=1)).to_have_text("未找到")
    expect(dept.locator("main")).not_to_contain_text(anqiu_task["title"])


def test_close_out_requested_with_evidence_and_approved(login_as: LoginAs, directory: Directory) -> None:
    office_api = directory.api("shaoyang-office")
    plan_id = office_api.plan_id()
    task = pick_assignment(directory, "shaoyang", office_api, plan_id)
    tag = uuid.uuid4().hex[:6]
    # Set-up through the API (the reporting itself is the test above): the task is reported done.
    rnd = open_round_api(office_api, plan_id, f"邵阳第{tag}轮调度", 10, [task.task_id])
    lead_api = directory.api(task.lead)
    item = owed_item(lead_api, rnd["id"], task.task_id)
    report = lead_api.post(f"/round-items/{item['item_id']}/reports",
                           {"progress_pct": 100, "task_status": "completed", "narrative": f"已完成{tag}"})
    # A lead's part counts for close-out once the office accepted its report (docs/ledger.md).
    office_api.post(f"/reports/{report['id']}/review", {"decision": "accept"}, expect=200)

    # The department asks for close-out with evidence and an attachment.
    dept = login_as(task.lead, next=f"/tasks/{task.task_id}")
    expect(dept.get_by_test_id("task-status")).to_have_text("已完成")
    evidence = f"佐证{tag}：项目库已上线运行，验收报告见附件"
    dept.get_by_label("佐证材料说明").fill(evidence)
    dept.locator("form[action$='/closure'] input[name=attachments]").set_input_files(
        files=[FilePayload(name="验收报告.txt", mimeType="text/plain", buffer="验收合格".encode())])
    dept.get_by_role("button", name="申请销号").click()
    expect(dept.get_by_test_id("flash")).to_contain_text("销号申请已提交")
    closure = dept.get_by_test_id("closure").filter(has_text=evidence)
    expect(closure).to_contain_text("待审核")
    expect(dept.get_by_role("button", name="批准销号")).to_have_count(0)  # only the office decides

    # The office sees the pending request on its ledger and approves it on the task page.
    office = login_as("shaoyang-office", next=f"/plans/{plan_id}/ledger")
    office.locator("main").get_by_role("link", name=task.title).first.click()
    expect(office).to_have_url(re.compile(rf"/tasks/{task.task_id}$"))
    expect(office.get_by_test_id("closure").filter(has_text=evidence)).to_contain_text("待审核")
    office.get_by_role("button", name="批准销号").click()
    expect(office.get_by_test_id("task-status")).to_have_text("已销号")
    expect(office.get_by_test_id("closure").filter(has_text=evidence)).to_contain_text("已批准")
    expect(office.get_by_role("button", name="批准销号")).to_have_count(0)

    dept.goto(f"/tasks/{task.task_id}")
    expect(dept.get_by_test_id("task-status")).to_have_text("已销号")
    expect(dept.locator("main")).to_contain_text("销号")
    expect(dept.get_by_role("button", name="申请销号")).to_have_count(0)
