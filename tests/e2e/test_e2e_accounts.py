"""Account management in the browser (issue 11, item 9): the office creates an account and sees its
temporary password once; the new user signs in, is held on the change-password page until the
password is changed, then sees its own home."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import LoginAs

pytestmark = pytest.mark.e2e

ZIYANG = "512000"


def test_the_office_creates_an_account_and_the_new_user_must_change_the_password(login_as: LoginAs) -> None:
    username = f"zy-e2e-{uuid.uuid4().hex[:6]}"
    office = login_as("ziyang-office", next="/")
    office.locator("header nav").get_by_role("link", name="账号管理").click()
    expect(office).to_have_url(re.compile(rf"/cities/{ZIYANG}/accounts$"))
    expect(office.get_by_test_id("accounts")).to_contain_text("ziyang-dept01")
    office.get_by_test_id("new-account").click()

    form = office.get_by_test_id("account-form")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=display_name]").fill("王小明")
    form.locator("select[name=role]").select_option(label="市直部门")
    form.locator("select[name=unit_id]").select_option(index=1)
    form.get_by_role("button", name="创建账号").click()
    expect(office.get_by_test_id("credentials")).to_contain_text("只在本页显示一次")
    temporary = office.get_by_test_id("password").inner_text().strip()
    assert len(temporary) >= 10

    # The new user signs in and is held on the change-password page, wherever it goes.
    user = login_as(username, next="/", password=temporary)
    expect(user).to_have_url(re.compile(r"/me/password$"))
    expect(user.get_by_test_id("must-change")).to_contain_text("请先修改初始密码")
    user.goto("/my/work")
    expect(user).to_have_url(re.compile(r"/me/password$"))

    # A password against the rules is refused on the form; a good one opens the user's home.
    user.locator("input[name=current_password]").fill(temporary)
    user.locator("input[name=new_password]").fill(username)
    user.locator("input[name=confirm_password]").fill(username)
    user.get_by_role("button", name="修改密码").click()
    expect(user.get_by_test_id("error")).to_contain_text("新密码")  # at least 10 characters, or not the username
    new_password = f"{username}-new-pass"
    user.locator("input[name=current_password]").fill(temporary)
    user.locator("input[name=new_password]").fill(new_password)
    user.locator("input[name=confirm_password]").fill(new_password)
    user.get_by_role("button", name="修改密码").click()
    expect(user).to_have_url(re.compile(r"/my/work"))
    expect(user.get_by_test_id("must-change")).to_have_count(0)
    expect(user.get_by_test_id("whoami")).to_contain_text("王小明")

    # The office sees that the account has signed in and no longer waits for a change.
    office.goto(f"/cities/{ZIYANG}/accounts?role=department")
    row = office.locator(f"tr[data-account='{username}']")
    expect(row.locator("td[data-state]")).to_have_attribute("data-state", "active")
    expect(row).not_to_contain_text("从未登录")
