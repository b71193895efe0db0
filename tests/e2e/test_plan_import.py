"""The office imports a seed plan through the review screen in a real browser: uploads it, sees
each item beside its source paragraph, corrects one task's lead unit, commits once, and finds the
new plan (a newer version of the loaded one) in the ledger with the corrected lead."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.conftest import SEEDS_DIR
from tests.e2e.conftest import LoginAs
from tests.e2e.support import screenshot

pytestmark = pytest.mark.e2e

ZIYANG = "512000"
SEED = SEEDS_DIR / "000_a085fa549c824a08.txt"
TASK = "推进建筑施工设备更新"


def test_office_imports_a_plan_through_the_review_screen(login_as: LoginAs) -> None:
    page = login_as("ziyang-office")
    page.goto(f"/cities/{ZIYANG}/plans/import")
    expect(page.get_by_role("heading", level=1)).to_contain_text("导入方案文件")

    # A file that is not a plan gets a clear message and stays on the upload page.
    page.get_by_test_id("upload-file").set_input_files(
        files=[{"name": "空.txt", "mimeType": "text/plain", "buffer": b""}])
    page.get_by_role("button", name="上传并识别").click()
    expect(page.get_by_test_id("import-error")).to_contain_text("空文件")

    page.get_by_test_id("upload-file").set_input_files(str(SEED))
    page.get_by_role("button", name="上传并识别").click()
    expect(page).to_have_url(re.compile(rf"/cities/{ZIYANG}/plans/import/[0-9a-f]{{32}}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("资阳市推动大规模设备更新和消费品以旧换新实施方案")
    expect(page.get_by_test_id("plan-key")).to_have_value("ziyang-2024-v2")
    expect(page.get_by_test_id("diff")).to_contain_text("与已载入版本 ziyang-2024 的差异")
    assert int(page.get_by_test_id("count-targets").inner_text()) >= 9

    # Each item links to its sentence: following the link highlights the paragraph beside it.
    row = page.locator(f'tr[data-task-title="{TASK}"]').first
    row.locator("a[data-source]").click()
    highlighted = page.locator(".doc p.hl")
    expect(highlighted).to_have_count(1)
    expect(highlighted).to_contain_text(TASK)
    screenshot(page, "plan-import-review")

    # The office corrects the lead unit of one task, then commits once.
    lead = row.locator("input[aria-label='牵头单位']")
    expect(lead).to_have_value("市住房城乡建设局")
    lead.fill("市发展改革委")
    page.get_by_test_id("commit").click()
    expect(page).to_have_url(re.compile(r"/plans/\d+/ledger\?imported=1$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("资阳市推动大规模设备更新")
    ledger_row = page.locator("table[data-testid=ledger] tr[data-task-id]", has_text=TASK).first
    expect(ledger_row.locator(".tag.lead")).to_have_text("市发展改革委")
    plan_url = page.url.split("?")[0]

    # The city's plans now list the imported version beside the loaded one.
    page.goto(f"/cities/{ZIYANG}/plans")
    expect(page.locator(f'a[href="{plan_url.split(page.url.split("/cities")[0])[-1]}"]').first).to_be_visible()
    expect(page.locator("section.card h2")).to_have_count(2)
