"""Second-hand electronics in the browser, as a recycler's counter meets it: a phone with a wrong
IMEI is refused beside the field; without a verified wipe it cannot be listed for resale; a wipe
the rules refuse says why beside the field; with a verified block erase it is listed, and its
certificate prints with the standard and the IMEI masked; the office reads the device but has no
dealer's forms."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session
from tests.conftest import PASSWORD as STAFF_PASSWORD
from tests.e2e.support import Server, server_db_url
from tests.recycling import invoicing_support as inv
from tests.recycling import weighing_support as ws
from tests.secondhand.support import bad_imei, imei

from huanxin.db import make_engine

LoginAs = Callable[..., Page]


def _recycler(server: Server) -> tuple[ws.Recycler, str]:
    engine = make_engine(server_db_url(server))
    try:
        with Session(engine) as session:
            rc = ws.recycler(session, "512000")
            office = inv.office_of(session, rc.city_code)
            session.commit()
            return rc, office
    finally:
        engine.dispose()


def _fill_wipe(page: Page, form_id: str, *, method: str, passes: str, verified: bool) -> None:
    form = page.locator(f"#{form_id}")
    form.locator("select[name=method]").select_option(method)
    form.locator("input[name=passes]").fill(passes)
    form.locator("input[name=tool_name]").fill("移动终端信息清除平台")
    form.locator("input[name=tool_version]").fill("1.8")
    form.locator("input[name=operator]").fill("李工")
    form.locator("input[name=verification_method]").fill("全盘读取校验")
    if verified:
        form.locator("input[name=verified]").check()
        form.locator("input[name=evidence]").set_input_files(
            {"name": "清除报告.txt", "mimeType": "text/plain", "buffer": "全部存储块已擦除并读回校验".encode()})
    form.get_by_role("button", name="登记清除记录").click()


def test_a_phone_is_listed_only_after_a_verified_wipe_and_its_certificate_prints(server: Server,
                                                                                 login_as: LoginAs) -> None:
    rc, office = _recycler(server)
    page = login_as(rc.driver, next="/secondhand", password=STAFF_PASSWORD)
    form = page.locator("#device-new")
    form.locator("select[name=device_type]").select_option("phone")
    form.locator("input[name=brand]").fill("华为")
    form.locator("input[name=model]").fill("Mate 40")
    form.locator("input[name=imei]").fill(bad_imei())
    form.locator("select[name=media_type]").select_option("flash")
    form.get_by_role("button", name="登记").click()
    expect(page.locator("#device-new")).to_contain_text("IMEI")
    expect(page.locator("#device-new input[name=brand]")).to_have_value("华为")  # what was typed is kept
    number = imei()
    page.locator("#device-new input[name=imei]").fill(number)
    page.locator("#device-new").get_by_role("button", name="登记").click()
    expect(page.get_by_test_id("flash")).to_contain_text("已登记设备")
    section = page.locator("section[id$=-forms]", has_text="Mate 40").first
    form_id = section.locator("form[id^=wipe-]").get_attribute("id")
    assert form_id

    section.get_by_role("button", name="上架转售").click()
    expect(section.get_by_test_id("field-error")).to_contain_text("尚无经核验的数据清除记录")

    _fill_wipe(page, form_id, method="crypto_erase", passes="0", verified=True)
    expect(page.locator(f"#{form_id}")).to_contain_text("闪存介质须覆写至少1遍或块擦除")

    _fill_wipe(page, form_id, method="block_erase", passes="0", verified=True)
    expect(page.get_by_test_id("flash")).to_contain_text("已登记清除记录")
    page.locator("section[id$=-forms]", has_text="Mate 40").first.get_by_role("button", name="上架转售").click()
    expect(page.get_by_test_id("flash")).to_contain_text("已上架转售")
    devices = page.get_by_test_id("devices")
    expect(devices).to_contain_text("已上架转售")

    devices.get_by_role("link", name="查看、打印").first.click()
    expect(page.locator("body")).to_contain_text("GB 46864")
    expect(page.locator("body")).to_contain_text(number[-4:])
    expect(page.locator("body")).not_to_contain_text(number)  # the IMEI masked but for its last four
    expect(page.locator("body")).to_contain_text("块擦除")

    office_page = login_as(office, next="/secondhand", password=STAFF_PASSWORD)
    expect(office_page.get_by_test_id("devices")).to_contain_text("Mate 40")
    expect(office_page.locator("#device-new")).to_have_count(0)
    expect(office_page.locator("form[id^=wipe-]")).to_have_count(0)
