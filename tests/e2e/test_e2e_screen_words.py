"""What the screen says, in the browser (issue 11, item 5): a resident signed in reads their claim's
decision and the public budget page with no code on screen — no parameter paths, rule keys or
programme codes outside the elements marked staff-only.

A 邵阳 appliance programme, a resident and an admitted retailer are written into the server's
database through the services (as an operator opening the programme would); the qualification,
the redemption and the reading go through the pages."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.e2e.conftest import LoginAs
from tests.e2e.support import PASSWORD, Applicant, Server, open_appliance_programme, server_db_url

from huanxin.db import make_engine
from huanxin.kit.identifiers import credit_check_char, id_check_char, luhn_complete
from huanxin.kit.passwords import hash_password
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.tradein.models import Retailer

pytestmark = pytest.mark.e2e

SHAOYANG = "430500"
RESIDENT, SHOP, NAME = "sy-resident-words", "sy-shop-words", "罗海燕"
CODE = re.compile(r"[a-z_]{4,}")
# The text a reader sees: staff-only elements, scripts and styles removed (attributes are not text).
VISIBLE_TEXT = """() => {
  const body = document.body.cloneNode(true);
  body.querySelectorAll('[data-staff-only], details.staff-only, script, style').forEach(e => e.remove());
  return body.innerText;
}"""


def _id_number() -> str:
    first17 = "43050219900315042"
    return first17 + id_check_char(first17)


def _card() -> str:
    body = "622848000043050012"
    return luhn_complete(body)


def _open_programme(server: Server) -> None:
    engine = make_engine(server_db_url(server))
    try:
        with Session(engine) as session:
            open_appliance_programme(session, SHAOYANG, Applicant(RESIDENT, NAME, _id_number(), _card(),
                                                                  "13907390001"))
            if session.scalar(select(User.id).where(User.username == SHOP)) is None:
                unit = orgs_service.ensure_unit(session, city_code=SHAOYANG, name="邵阳焕新家电卖场（测试）",
                                                kind="retailer", aliases=[], region_code=SHAOYANG)
                first17 = "91430500MA4Q0W3C7"
                session.add(Retailer(city_code=SHAOYANG, unit_id=unit.id, name=unit.name,
                                     credit_code=first17 + credit_check_char(first17), region_code=SHAOYANG,
                                     kinds=["appliance"], status="admitted", admitted_on=dt.date(2025, 1, 1)))
                orgs_service.create_user(session, username=SHOP, password=PASSWORD, display_name="卖场收银台",
                                         role=Role.RETAILER, city_code=SHAOYANG, unit_id=unit.id,
                                         password_hash=hash_password(PASSWORD))
            session.commit()
    finally:
        engine.dispose()


def _codes_on(page: Page) -> list[str]:
    return sorted(set(CODE.findall(page.evaluate(VISIBLE_TEXT))))


def test_a_resident_reads_a_decision_and_the_budget_without_codes(login_as: LoginAs, server: Server) -> None:
    _open_programme(server)
    resident = login_as(RESIDENT, next="/tradein/me")
    resident.get_by_label("姓名", exact=True).fill(NAME)
    resident.get_by_label("身份证号（18位）").fill(_id_number())
    resident.get_by_label("手机号").fill("13907390001")
    resident.get_by_label("住址").fill("邵阳市双清区宝庆路1号")
    resident.get_by_role("button", name="提交实名信息").click()
    resident.get_by_label("银行卡号").fill(_card())
    resident.get_by_label("持卡人姓名（须为本人）").fill(NAME)
    resident.get_by_role("button", name="登记银行卡").click()
    resident.get_by_test_id("choice").select_option(label="电冰箱")
    resident.get_by_role("button", name="申领资格").click()
    row = resident.locator("table[data-testid=qualifications] tr[data-qualification]").first
    expect(row).to_contain_text("有效")
    qualification_id = row.get_attribute("data-qualification")
    assert qualification_id

    shop = login_as(SHOP, next="/tradein/retailer")
    shop.get_by_label("资格编号").fill(qualification_id)
    shop.get_by_label("持有人身份证号").fill(_id_number())
    shop.get_by_role("button", name="核验资格").click()
    shop.get_by_label("成交价格").fill("3999.00")
    shop.get_by_label("发票号码").fill("43050025000098765432")
    shop.get_by_label("发票日期").fill("2025-06-01")
    shop.get_by_label("品牌").fill("美的")
    shop.get_by_label("型号").fill("BCD-521WKPZM")
    shop.get_by_label("能效（水效）等级").select_option(label="1 级")
    shop.get_by_label("产品序列号（SN/IMEI）").fill("MD2025SY000456")
    shop.get_by_role("button", name="提交核销").click()
    expect(shop).to_have_url(re.compile(r"/tradein/retailer/claims/\d+"))
    claim_id = re.search(r"/claims/(\d+)", shop.url).group(1)  # type: ignore[union-attr]

    resident.goto(f"/tradein/me/claims/{claim_id}")
    resident.get_by_test_id("trace").locator("xpath=..").locator("summary").click()
    expect(resident.get_by_test_id("trace")).to_contain_text("单件补贴上限")
    assert _codes_on(resident) == []
    assert resident.locator("[data-staff-only]").count() == 0  # a resident is not sent the staff detail

    resident.goto(f"/budget/{SHAOYANG}")
    expect(resident.locator("h1")).to_contain_text("补贴资金余额")
    assert _codes_on(resident) == []
