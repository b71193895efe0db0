"""Reverse invoicing in the browser, as a recycler's dispatcher meets it: on-board a seller (a wrong ID
number is refused beside the field), bill a station weighing, enter the code the seller received,
issue inside the quota, and find the invoice in the month's sheet for the tax platform; the office
sees the invoice but no invoicing forms."""

from __future__ import annotations

import io
import re
from collections.abc import Callable

import openpyxl
from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session
from tests.conftest import PASSWORD as STAFF_PASSWORD
from tests.e2e.support import Server, server_db_url
from tests.recycling import invoicing_support as inv
from tests.recycling import weighing_support as ws
from tests.tradein.claims_support import bad_id_number, id_number

from huanxin.db import make_engine
from huanxin.kit.clock import now
from huanxin.recycling.models import Weighing

LoginAs = Callable[..., Page]


def _qualified_recycler_with_a_weighing(server: Server) -> tuple[ws.Recycler, str]:
    engine = make_engine(server_db_url(server))
    try:
        with Session(engine) as session:
            rc = ws.recycler(session, "512000")
            inv.qualify(session, rc)
            session.add(Weighing(city_code=rc.city_code, site_id=rc.site_id, category="metal", unit="kg",
                                 gross_g=52_000, tare_g=2_000, net_g=50_000, unit_price_fen=260, amount_fen=13_000,
                                 place="station", weighed_at=now()))
            office = inv.office_of(session, rc.city_code)
            session.commit()
            return rc, office
    finally:
        engine.dispose()


def test_a_seller_is_onboarded_billed_confirmed_and_exported(server: Server, login_as: LoginAs) -> None:
    rc, office = _qualified_recycler_with_a_weighing(server)
    page = login_as(rc.dispatcher, next="/recycling/invoicing", password=STAFF_PASSWORD)
    seller = page.locator("#seller-new")
    seller.locator("input[name=name]").fill("王建国")
    seller.locator("input[name=id_number]").fill(bad_id_number())
    seller.locator("input[name=phone]").fill("13912345678")
    seller.locator("input[name=bank_card]").fill(inv.luhn_card())
    seller.locator("input[name=bank_name]").fill("中国农业银行资阳分行")
    seller.locator("input[name=authorised]").check()
    seller.get_by_role("button", name="登记出售方").click()
    expect(page.locator("#seller-new")).to_contain_text("身份证号校验位不正确")
    ident = id_number()
    page.locator("#seller-new input[name=id_number]").fill(ident)
    page.locator("#seller-new input[name=authorised]").check()
    page.locator("#seller-new").get_by_role("button", name="登记出售方").click()
    expect(page.get_by_test_id("flash")).to_contain_text("已登记出售方")
    expect(page.get_by_test_id("sellers")).to_contain_text("王*")
    expect(page.get_by_test_id("sellers")).not_to_contain_text(ident)

    # Bill the station weighing: 50 kg of scrap metal at 2.60 yuan.
    form = page.locator("#invoice-new")
    form.locator("select[name=seller_id]").select_option(index=1)
    row = page.get_by_test_id("weighings").locator("tr", has_text="50 公斤")
    row.locator("input[type=checkbox]").check()
    row.locator("input[name$=-tax_code]").fill(inv.TAX_CODE)
    form.get_by_role("button", name=re.compile("生成预开票")).click()
    expect(page.get_by_test_id("status")).to_have_text("待出售方确认")
    expect(page.get_by_test_id("lines")).to_contain_text("称重记录")
    text = page.get_by_test_id("demo-texts").inner_text()
    code = re.search(r"确认码 (\d{6})", text).group(1)  # type: ignore[union-attr]
    assert "130 元" in text
    page.locator("input[name=code]").fill(code)
    page.get_by_role("button", name="确认").click()
    expect(page.get_by_test_id("status")).to_have_text("已确认待开具")
    page.get_by_role("button", name=re.compile("开具")).click()
    expect(page.get_by_test_id("status")).to_have_text("已开具")
    expect(page.get_by_test_id("invoice-facts")).to_contain_text("免征")
    number = re.search(r"FX\d+", page.locator("h1").inner_text()).group(0)  # type: ignore[union-attr]

    # The month's sheet carries the invoice with the seller's identity in full.
    page.get_by_role("link", name=re.compile("返回反向开票")).click()
    with page.expect_download() as sheet:
        page.get_by_role("link", name=re.compile("导出.*发票")).click()
    book = openpyxl.load_workbook(io.BytesIO(sheet.value.path().read_bytes()), read_only=True)
    rows = [row for ws_ in book.worksheets for row in ws_.iter_rows(values_only=True)]
    mine = [r for r in rows if r[1] == number]
    assert mine and mine[0][8] == ident and mine[0][17] == 130

    # The office reads the invoice, with no invoicing form.
    boss = login_as(office, next="/recycling/invoicing", password=STAFF_PASSWORD)
    expect(boss.get_by_test_id("invoices")).to_contain_text(number)
    expect(boss.locator("#invoice-new")).to_have_count(0)
    expect(boss.locator("#seller-new")).to_have_count(0)
