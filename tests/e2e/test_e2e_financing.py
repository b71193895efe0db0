"""Financing in the browser: a bank sees the need that named it, records a loan with two tranches
(a tranche before the contract is refused beside the form first), the subsidy schedule appears, and
the office funds the 贴息 pool and pays the first quarter (预拨, then 按实结算)."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session
from tests.conftest import PASSWORD as STAFF_PASSWORD
from tests.e2e.support import Server, server_db_url
from tests.financing.support import Fin, declared_need, setup_financing

from huanxin.db import make_engine

LoginAs = Callable[..., Page]


def _a_need_naming_bank_a(server: Server) -> tuple[Fin, int, str]:
    engine = make_engine(server_db_url(server))
    try:
        with Session(engine) as session:
            fin = setup_financing(session)
            need = declared_need(session, fin)
            session.commit()
            return fin, need.id, need.project_name
    finally:
        engine.dispose()


def _fill_tranche(page: Page, number: int, amount: str, on: str) -> None:
    page.get_by_test_id(f"tranche-amount-{number}").fill(amount)
    page.get_by_test_id(f"tranche-on-{number}").fill(on)


def test_bank_records_a_loan_and_the_office_pays_the_first_quarter(server: Server, login_as: LoginAs) -> None:
    fin, need_id, project_name = _a_need_naming_bank_a(server)
    page = login_as(fin.bank_a_user, next="/financing", password=STAFF_PASSWORD)
    expect(page.get_by_test_id("needs")).to_contain_text(project_name)
    page.get_by_test_id("needs").get_by_role("link", name=project_name).click()
    loan = page.locator("#loan")
    loan.locator("input[name=principal]").fill("1000000")
    loan.locator("input[name=rate]").fill("3.1")
    loan.locator("input[name=term_months]").fill("36")
    loan.locator("input[name=contract_on]").fill("2025-01-10")
    _fill_tranche(page, 1, "600000", "2025-01-10")
    _fill_tranche(page, 2, "400000", "2025-01-09")
    loan.get_by_role("button", name="登记贷款").click()
    expect(page.locator("#loan")).to_contain_text("早于合同签订日期")
    loan = page.locator("#loan")
    loan.locator("input[name=principal]").fill("1000000")
    loan.locator("input[name=rate]").fill("3.1")
    loan.locator("input[name=term_months]").fill("36")
    loan.locator("input[name=contract_on]").fill("2025-01-10")
    _fill_tranche(page, 1, "600000", "2025-01-10")
    _fill_tranche(page, 2, "400000", "2025-03-01")
    loan.get_by_role("button", name="登记贷款").click()
    expect(page.get_by_test_id("flash")).to_contain_text("已登记贷款")
    expect(page.get_by_test_id("tranches")).to_contain_text("2025-03-01")
    expect(page.get_by_test_id("quarter-2025Q1")).to_contain_text("2,541.66")
    loan_url = page.url.split("?")[0]

    office = login_as(fin.lib.office_user, next="/financing", password=STAFF_PASSWORD)
    fund = office.locator("#fund")
    fund.locator("input[name=amount]").fill("10000")
    fund.get_by_role("button", name="下达贴息资金").click()
    expect(office.get_by_test_id("flash")).to_contain_text("已下达贴息资金")
    office.goto(loan_url)
    office.get_by_test_id("preallocate-2025Q1").click()
    expect(office.get_by_test_id("flash")).to_contain_text("已预拨")
    office.get_by_test_id("settle-2025Q1").click()
    expect(office.get_by_test_id("quarter-2025Q1")).to_contain_text("已结算")
    office.goto("/financing")
    expect(office.get_by_test_id("figures")).to_contain_text("2,541.66")
    assert need_id > 0
