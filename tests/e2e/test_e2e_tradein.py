"""Consumer trade-in in the browser, on the real server: a resident claims a qualification, a
retailer redeems it, the commerce bureau's reviewer asks for a correction, the retailer corrects,
the reviewer approves, the payout batch runs with the bank's result file, and the resident sees
"已发放". The office then reads the statistics.

The city's programme, its budget pool and the two accounts (resident, retailer user) are written
into the server's committed database through the services, as an operator would when opening the
programme; the retailer is admitted through the API; everything else goes through the pages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.e2e.conftest import LoginAs
from tests.e2e.support import (
    PASSWORD,
    Applicant,
    Directory,
    Server,
    open_appliance_programme,
    screenshot,
    server_db_url,
)

from huanxin.db import make_engine
from huanxin.kit.identifiers import credit_check_char, id_check_char, luhn_complete
from huanxin.kit.passwords import hash_password
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role

pytestmark = pytest.mark.e2e

PANZHIHUA, DONGQU = "510400", "510402"
RESIDENT, SHOP = "pzh-resident-e2e", "pzh-shop-e2e"
NAME = "刘晓燕"


def _id_number() -> str:
    first17 = "51040219880612032"
    return first17 + id_check_char(first17)


def _card() -> str:
    body = "622848000012345678"
    return luhn_complete(body)


def _credit_code() -> str:
    first17 = "91510402MA62X0E2C"
    return first17 + credit_check_char(first17)


def _open_programme(server: Server, directory: Directory) -> None:
    """The appliance programme of 攀枝花 open today with a funded pool, a resident account, and an
    admitted retailer with its user."""
    engine = make_engine(server_db_url(server))
    try:
        with Session(engine) as session:
            open_appliance_programme(session, PANZHIHUA, Applicant(RESIDENT, NAME, _id_number(), _card(),
                                                                   "13981200001"))
            session.commit()
        office = directory.api("panzhihua-office")
        retailer = office.post(f"/cities/{PANZHIHUA}/retailers", {
            "name": "攀枝花东区焕新家电卖场", "credit_code": _credit_code(), "region_code": DONGQU,
            "kinds": ["appliance", "digital"], "reason": "商务局审核准入"})
        with Session(engine) as session:
            if session.scalar(select(User.id).where(User.username == SHOP)) is None:
                orgs_service.create_user(session, username=SHOP, password=PASSWORD, display_name="卖场收银台",
                                         role=Role.RETAILER, city_code=PANZHIHUA, unit_id=retailer["unit_id"],
                                         password_hash=hash_password(PASSWORD))
            session.commit()
    finally:
        engine.dispose()


def test_a_subsidy_from_qualification_to_payment(
    login_as: LoginAs, server: Server, directory: Directory, tmp_path: Path,
) -> None:
    _open_programme(server, directory)
    id_number = _id_number()

    # The resident registers, adds a card in their own name and claims a qualification.
    resident = login_as(RESIDENT, next="/")
    expect(resident).to_have_url(re.compile(r"/tradein/me$"))
    resident.get_by_label("姓名", exact=True).fill(NAME)
    resident.get_by_label("身份证号（18位）").fill(id_number)
    resident.get_by_label("手机号").fill("13981200001")
    resident.get_by_label("住址").fill("攀枝花市东区炳草岗大街8号")
    resident.get_by_role("button", name="提交实名信息").click()
    expect(resident.get_by_test_id("flash")).to_contain_text("实名信息已保存")
    resident.get_by_label("银行卡号").fill(_card())
    resident.get_by_label("持卡人姓名（须为本人）").fill(NAME)
    resident.get_by_role("button", name="登记银行卡").click()
    expect(resident.get_by_test_id("card")).to_be_visible()
    resident.get_by_test_id("choice").select_option(label="电冰箱")
    resident.get_by_role("button", name="申领资格").click()
    row = resident.locator("table[data-testid=qualifications] tr[data-qualification]").first
    expect(row).to_contain_text("有效")
    qualification_id = row.get_attribute("data-qualification")
    assert qualification_id
    expect(resident.get_by_test_id("messages")).to_contain_text("资格已发放")

    # The retailer checks the qualification against the ID card and redeems the purchase. The
    # invoice is dated before today's qualification, so the claim goes to manual review.
    shop = login_as(SHOP, next="/")
    expect(shop).to_have_url(re.compile(r"/tradein/retailer$"))
    shop.get_by_label("资格编号").fill(qualification_id)
    shop.get_by_label("持有人身份证号").fill(id_number)
    shop.get_by_role("button", name="核验资格").click()
    expect(shop.get_by_test_id("verified")).to_contain_text("电冰箱")
    shop.get_by_label("成交价格").fill("4999.00")
    shop.get_by_label("发票号码").fill("51040025000012345678")
    shop.get_by_label("发票日期").fill("2025-06-01")
    shop.get_by_label("品牌").fill("海尔")
    shop.get_by_label("型号").fill("BCD-470WDPG")
    shop.get_by_label("能效（水效）等级").select_option(label="1 级")
    shop.get_by_label("产品序列号（SN/IMEI）").fill("HR2025PZH000123")
    shop.get_by_role("button", name="提交核销").click()
    expect(shop).to_have_url(re.compile(r"/tradein/retailer/claims/\d+"))
    claim_id = re.search(r"/claims/(\d+)", shop.url).group(1)  # type: ignore[union-attr]
    expect(shop.get_by_test_id("claim-status")).to_have_text("待人工审核")
    expect(shop.get_by_test_id("amount")).to_have_text("999.80 元")

    # The reviewer sees the flag explained and scored, and asks for a correction.
    reviewer = login_as("panzhihua-commerce", next="/")
    expect(reviewer).to_have_url(re.compile(r"/tradein/review$"))
    reviewer.locator(f"table[data-testid=queue] tr[data-claim='{claim_id}'] a").first.click()
    expect(reviewer.get_by_test_id("flags")).to_contain_text("发票重复或异常")
    expect(reviewer.get_by_test_id("flags")).to_contain_text("早于补贴资格发放日期")
    expect(reviewer.get_by_test_id("trace")).to_contain_text("发改环资〔2025〕13号")
    reviewer.get_by_test_id("trace").locator("xpath=..").locator("summary").click()
    reviewer.evaluate("window.scrollTo(0, 0)")
    screenshot(reviewer, "tradein-review")
    reviewer.get_by_label("需要补正的内容").fill("请补充购物小票，并说明发票日期早于资格领取日期的原因")
    reviewer.get_by_role("button", name="要求补正").click()
    expect(reviewer.get_by_test_id("claim-status")).to_have_text("待补正")

    # The retailer corrects and resubmits.
    shop.reload()
    expect(shop.get_by_test_id("correction-note")).to_contain_text("请补充购物小票")
    shop.get_by_label("型号").fill("BCD-470WDPG/A")
    shop.get_by_role("button", name="提交补正").click()
    expect(shop.get_by_test_id("flash")).to_contain_text("补正材料已提交")
    expect(shop.get_by_test_id("claim-status")).to_have_text("待人工审核")
    shop.goto("/tradein/retailer")
    expect(shop.locator(f"table[data-testid=claims] tr[data-claim='{claim_id}']")).to_contain_text("待人工审核")
    screenshot(shop, "tradein-retailer")

    # The reviewer approves; a payout batch is made; the bank's result file is uploaded.
    reviewer.reload()
    reviewer.get_by_label("审核意见（可选）").fill("已核对购物小票，发票为补开")
    reviewer.get_by_role("button", name="批准").click()
    expect(reviewer.get_by_test_id("claim-status")).to_have_text("审核通过（待发放）")
    reviewer.locator("main").get_by_role("link", name="发放批次").first.click()
    expect(reviewer.get_by_test_id("payable")).to_have_text("1")
    reviewer.get_by_role("button", name="生成发放批次").click()
    expect(reviewer).to_have_url(re.compile(r"/tradein/review/batches/\d+$"))
    # Four eyes: the maker sees no bank file until the office approves the batch.
    expect(reviewer.get_by_test_id("batch-status")).to_have_text("待复核")
    expect(reviewer.get_by_test_id("payout-file")).to_have_count(0)
    office = login_as("panzhihua-office", next=reviewer.url.replace(server.base_url, ""))
    office.get_by_test_id("approve-batch").click()
    expect(office.get_by_test_id("batch-status")).to_have_text("已复核，待银行回盘")
    reviewer.reload()
    with reviewer.expect_download() as download_info:
        reviewer.get_by_test_id("payout-file").click()
    payout = Path(download_info.value.path()).read_text(encoding="utf-8-sig")
    line = next(x for x in payout.splitlines()[1:] if x.split(",")[1] == claim_id)
    assert NAME in line and id_number in line
    amount_fen = line.split(",")[6]
    result = tmp_path / "bank-result.csv"
    result.write_text(f"申请编号,金额（分）,状态,银行流水号,原因\n{claim_id},{amount_fen},成功,PZH20250605000001,\n",
                      encoding="utf-8")
    reviewer.get_by_label("结果文件").set_input_files(str(result))
    reviewer.get_by_role("button", name="上传并对账").click()
    expect(reviewer.get_by_test_id("reconcile-result")).to_contain_text("发放成功 1 笔")
    expect(reviewer.get_by_test_id("batch-status")).to_have_text("已对账")

    # The resident sees 已发放 and the message.
    resident.goto(f"/tradein/me/claims/{claim_id}")
    expect(resident.get_by_test_id("claim-status")).to_have_text("已发放")
    expect(resident.get_by_test_id("decision")).to_contain_text("中央资金")
    resident.goto("/tradein/me")
    expect(resident.locator(f"table[data-testid=claims] tr[data-claim='{claim_id}']")).to_contain_text("已发放")
    expect(resident.get_by_test_id("messages")).to_contain_text("已发放 999.80 元")
    resident.get_by_test_id("qualifications").evaluate("table => table.closest('section').scrollIntoView()")
    screenshot(resident, "tradein-resident")

    # The office reads the statistics, with charts drawn by Chart.js.
    office = login_as("panzhihua-office", next="/tradein/stats")
    expect(office.get_by_test_id("total-paid")).to_have_text("999.80")
    expect(office.get_by_test_id("by-programme")).to_contain_text("2025年家电以旧换新补贴")
    expect(office.locator("figure.ti-chart.drawn").first).to_be_visible()
    screenshot(office, "tradein-stats")
