"""资阳's office uploads 安丘's plan in a real browser: the upload form says whose plan it is and
that it was not imported; no draft and no plan are created, and 资阳's cockpit keeps its own core
targets only."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect
from tests.conftest import SEEDS_DIR
from tests.e2e.conftest import LoginAs

pytestmark = pytest.mark.e2e

ZIYANG = "512000"
ANQIU_SEED = SEEDS_DIR / "004_674a6e52ef9920f7.txt"


def test_office_uploading_another_citys_plan_is_refused_on_the_form(login_as: LoginAs) -> None:
    page = login_as("ziyang-office")
    page.goto(f"/cities/{ZIYANG}/cockpit")
    headline = page.get_by_test_id("headline-count").inner_text()
    page.goto(f"/cities/{ZIYANG}/plans")
    plans_before = page.locator("main section.card h2").count()

    page.goto(f"/cities/{ZIYANG}/plans/import")
    page.get_by_test_id("upload-file").set_input_files(str(ANQIU_SEED))
    page.get_by_role("button", name="上传并识别").click()

    # The refusal is shown on the upload form itself, naming both regions; the form stays usable.
    error = page.get_by_test_id("import-error")
    expect(error).to_contain_text("该方案的发文机关为安丘市人民政府（370784）")
    expect(error).to_contain_text("不是本市（资阳市，512000）的方案，未导入")
    expect(page).to_have_url(re.compile(rf"/cities/{ZIYANG}/plans/import$"))
    expect(page.get_by_test_id("upload-form")).to_be_visible()
    expect(page.get_by_test_id("review-form")).to_have_count(0)

    # Nothing was created: the city's plans and its cockpit are as before, with no 安丘 in them.
    page.goto(f"/cities/{ZIYANG}/plans")
    expect(page.locator("main section.card h2")).to_have_count(plans_before)
    expect(page.locator("main")).not_to_contain_text("安丘")
    page.goto(f"/cities/{ZIYANG}/cockpit")
    expect(page.get_by_test_id("headline-count")).to_have_text(headline)
    expect(page.locator("main")).not_to_contain_text("安丘")
