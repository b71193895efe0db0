"""The task-force office in the browser: its cockpit and ledger, never another city's; a forged
CSRF token is refused and changes nothing."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, expect
from tests.e2e.conftest import LoginAs
from tests.e2e.support import Directory, Server, screenshot

pytestmark = pytest.mark.e2e

ZIYANG, ANQIU = "512000", "370784"


def test_office_sees_its_cockpit_and_ledger_but_not_another_city(
    login_as: LoginAs, server: Server, directory: Directory, browser: Browser,
) -> None:
    # The login page as a visitor meets it.
    visitor = browser.new_context(base_url=server.base_url, locale="zh-CN",
                                  viewport={"width": 1280, "height": 800})
    login_page = visitor.new_page()
    login_page.goto("/")
    expect(login_page).to_have_url(re.compile(r"/login"))
    expect(login_page.get_by_role("heading", name="登录焕新平台")).to_be_visible()
    screenshot(login_page, "login")
    visitor.close()

    # The office lands on its city's cockpit.
    page = login_as("ziyang-office", next="/")
    expect(page).to_have_url(re.compile(rf"/cities/{ZIYANG}/cockpit$"))
    expect(page.get_by_test_id("whoami")).to_contain_text("专班办公室")
    expect(page.get_by_test_id("error")).to_have_count(0)
    main = page.locator("main")
    expect(main).to_contain_text("资阳")
    expect(main).not_to_contain_text("安丘")
    screenshot(page, "cockpit")

    # From the navigation to the city's plans, then to the ledger of its plan.
    page.locator("header nav").get_by_role("link", name="工作台账").click()
    expect(page).to_have_url(re.compile(rf"/cities/{ZIYANG}/plans$"))
    expect(page.locator("main")).not_to_contain_text("安丘")
    page.locator("main").get_by_role("link", name="工作台账", exact=True).first.click()
    expect(page).to_have_url(re.compile(r"/plans/\d+/ledger$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("资阳市推动大规模设备更新")
    rows = page.locator("table[data-testid=ledger] tr[data-task-id]")
    assert rows.count() > 20
    lights = {rows.nth(i).get_attribute("data-light") for i in range(rows.count())}
    assert lights and lights <= {"red", "yellow", "green"}
    expect(rows.first.locator(".light")).to_be_visible()
    counted = sum(int(page.get_by_test_id(f"count-{c}").inner_text()) for c in ("red", "yellow", "green"))
    assert counted > 0
    screenshot(page, "ledger")

    # Another city's plan and city pages answer 404 with the 未找到 page.
    anqiu_plan = directory.api("anqiu-office").plan_id(ANQIU)
    for path in (f"/plans/{anqiu_plan}/ledger", f"/plans/{anqiu_plan}/rounds", f"/cities/{ANQIU}/plans"):
        response = page.goto(path)
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("未找到")
        expect(page.locator("main")).not_to_contain_text("安丘市推动")


def test_forged_csrf_token_is_refused_and_changes_nothing(login_as: LoginAs, directory: Directory) -> None:
    office = directory.api("anqiu-office")
    plan_id = office.plan_id(ANQIU)
    before = office.get(f"/plans/{plan_id}/rounds")
    page = login_as("anqiu-office", next=f"/plans/{plan_id}/rounds")
    form = page.locator(f"form[action='/plans/{plan_id}/rounds']")
    form.get_by_label("标题").fill("伪造令牌的调度")
    form.get_by_label("期次").fill("2026-12")
    form.get_by_label("报送截止").fill("2030-01-31")
    page.evaluate("""() => {
        const input = document.querySelector("form[action$='/rounds'] input[name=csrf_token]");
        input.value = "forged-" + input.value.slice(7);
    }""")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        form.get_by_role("button", name="开启").click()
    assert posted.value.status == 403
    expect(page.get_by_role("heading", level=1)).to_have_text("无权访问")
    expect(page.get_by_test_id("error")).to_contain_text("CSRF")
    assert office.get(f"/plans/{plan_id}/rounds") == before
    page.goto(f"/plans/{plan_id}/rounds")
    expect(page.get_by_test_id("rounds")).not_to_contain_text("伪造令牌的调度")
