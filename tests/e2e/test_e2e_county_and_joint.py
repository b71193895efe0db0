"""A county signs in and finds on its home page what the plan makes every county carry out
(各县（市、区）落实), and reports it; a task led by two units (牵头单位) closes out only once both
leads' parts are done and accepted (docs/ledger.md)."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass

import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import LoginAs
from tests.e2e.support import LEAD_ROLES, Directory, leaves, open_round_api, owed_item

pytestmark = pytest.mark.e2e

COUNTY = "yangquan-county-140321"  # 平定县人民政府


def test_a_county_sees_what_it_owes_and_reports_it(login_as: LoginAs, directory: Directory) -> None:
    office_api = directory.api("yangquan-office")
    plan_id = office_api.plan_id()
    county_rows = [r for r in leaves(office_api.get(f"/plans/{plan_id}/ledger")["rows"]) if r["all_counties"]][:2]
    assert county_rows, "the plan marks tasks 各县（市、区）落实"
    tag = uuid.uuid4().hex[:6]
    round_title = f"阳泉第{tag}轮调度"
    open_round_api(office_api, plan_id, round_title, 10, [r["task_id"] for r in county_rows])
    task = county_rows[0]

    county = login_as(COUNTY, next="/")
    expect(county).to_have_url(re.compile(r"/my/work$"))
    owed = county.get_by_test_id("owed").locator(f"tr:has(a[href='/tasks/{task['task_id']}'])")
    expect(owed).to_contain_text(round_title)
    expect(county.get_by_test_id("nothing-owed")).to_have_count(0)

    owed.get_by_role("link").click()
    form = county.get_by_test_id("report-form").filter(has_text=round_title)
    narrative = f"平定县{tag}：已摸排重点企业 18 家"
    form.get_by_label("完成百分比").fill("30")
    form.get_by_label("完成状态").select_option("in_progress")
    form.get_by_label("进展情况").fill(narrative)
    form.get_by_role("button", name="报送").click()
    expect(county.get_by_test_id("flash")).to_contain_text("进展已报送")
    expect(county.get_by_test_id("history")).to_contain_text(narrative)

    county.goto("/my/work")  # what it reported is no longer owed
    expect(county.locator(f"table[data-testid=owed] tr:has(a[href='/tasks/{task['task_id']}'])")).to_have_count(0)


@dataclass(frozen=True)
class JointTask:
    task_id: int
    leads: list[tuple[str, str]]  # (username, unit name)


def joint_task(directory: Directory, slug: str, plan_id: int) -> JointTask:
    rows = directory.api(f"{slug}-office").get(f"/plans/{plan_id}/ledger")["rows"]
    for row in leaves(rows):
        names = [u["name"] for u in row["units"] if u["role"] in LEAD_ROLES]
        users = [directory.department_of_unit(slug, n) for n in names]
        if row["status"] == "not_started" and len(names) == 2 and all(users):
            return JointTask(row["task_id"], [(u, n) for u, n in zip(users, names, strict=True) if u])
    raise AssertionError(f"no task of {slug} has two lead units with users")


def report(directory: Directory, username: str, round_id: int, task_id: int, pct: int, status: str) -> int:
    api = directory.api(username)
    item = owed_item(api, round_id, task_id)
    body = {"progress_pct": pct, "task_status": status, "narrative": f"本单位负责部分完成 {pct}%"}
    return int(api.post(f"/round-items/{item['item_id']}/reports", body)["id"])


def test_a_jointly_led_task_closes_only_when_every_lead_is_done(login_as: LoginAs, directory: Directory) -> None:
    office_api = directory.api("panzhihua-office")
    plan_id = office_api.plan_id()
    joint = joint_task(directory, "panzhihua", plan_id)
    (first, _), (second, second_name) = joint.leads
    rnd = open_round_api(office_api, plan_id, f"攀枝花第{uuid.uuid4().hex[:6]}轮调度", 10, [joint.task_id])
    office_api.post(f"/reports/{report(directory, first, rnd['id'], joint.task_id, 100, 'completed')}/review",
                    {"decision": "accept"}, expect=200)
    late = report(directory, second, rnd["id"], joint.task_id, 64, "in_progress")

    # The first lead has finished its part and asks for close-out on the task page.
    lead = login_as(first, next=f"/tasks/{joint.task_id}")
    expect(lead.get_by_test_id("task-status")).to_have_text("进行中")
    lead.get_by_label("佐证材料说明").fill("本单位负责部分已完成，验收材料见附件")
    lead.get_by_role("button", name="申请销号").click()
    expect(lead.get_by_test_id("flash")).to_contain_text("销号申请已提交")

    # The office sees each lead's part; approving now is refused, naming the lead still owing.
    office = login_as("panzhihua-office", next=f"/tasks/{joint.task_id}")
    parts = office.get_by_test_id("lead-parts")
    expect(parts.locator("tr[data-done=no]")).to_contain_text(second_name)
    expect(parts.locator("tr[data-done=no]")).to_contain_text("64%")
    office.get_by_role("button", name="批准销号").click()
    expect(office.locator("main")).to_contain_text(f"尚有 1 个牵头单位未完成：{second_name}（64%）")
    office.goto(f"/tasks/{joint.task_id}")
    expect(office.get_by_test_id("task-status")).not_to_have_text("已销号")

    # The second lead finishes too (after a return), the office accepts: now the approval goes through.
    office_api.post(f"/reports/{late}/review", {"decision": "return", "reason": "请报送最新进展"}, expect=200)
    done = report(directory, second, rnd["id"], joint.task_id, 100, "completed")
    office_api.post(f"/reports/{done}/review", {"decision": "accept"}, expect=200)
    office.goto(f"/tasks/{joint.task_id}")
    expect(office.get_by_test_id("lead-parts").locator("tr[data-done=no]")).to_have_count(0)
    office.get_by_role("button", name="批准销号").click()
    expect(office.get_by_test_id("task-status")).to_have_text("已销号")
