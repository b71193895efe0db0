"""A door-to-door pickup in the browser, from the resident's booking to the receipt: the resident
books tomorrow's pickup, the dispatcher plans the day and sees the route on the map, the driver's
page shows the stop, the driver departs, arrives and weighs (more than the resident estimated), the
resident reads the explained re-quote and accepts, the driver records the payment, and the resident
sees the payment and the receipt. Another resident never sees the booking."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session
from tests.conftest import PASSWORD as STAFF_PASSWORD
from tests.e2e.support import Server, china_today, screenshot, server_db_url
from tests.recycling import weighing_support as ws

from huanxin.db import make_engine
from huanxin.recycling.dispatch import fleet

ZIYANG = "512000"
LoginAs = Callable[..., Page]


def _recycler_with_a_fleet(server: Server) -> tuple[ws.Recycler, str, str]:
    """A recycler of 资阳 with its staff, a station, a price for paper, a vehicle and tomorrow's shift;
    two residents (what a city's operator and the recycler set up before anyone books)."""
    engine = make_engine(server_db_url(server))
    try:
        with Session(engine) as session:
            rc = ws.recycler(session, ZIYANG)
            ws.price(session, rc, "paper", 120)  # 1.20 元 a kilogram
            boss = rc.scope(session, "dispatcher")
            vehicle = fleet.add_vehicle(session, boss, fleet.VehicleInput(
                plate="川M" + ws.tag()[-5:].upper().replace("O", "0").replace("I", "1").rjust(5, "1"),
                depot_site_id=rc.site_id, capacity_kg=1_000, capacity_m3=5))
            fleet.add_shift(session, boss, fleet.ShiftInput(
                vehicle_id=vehicle.id, driver_user_id=ws.scope_of(session, rc.driver).user_id,
                work_date=china_today() + dt.timedelta(days=1), starts_at="08:00", ends_at="18:00"))
            resident, neighbour = ws.resident(session, ZIYANG), ws.resident(session, ZIYANG)
            session.commit()
            return rc, resident, neighbour
    finally:
        engine.dispose()


def test_a_pickup_from_booking_to_receipt(server: Server, login_as: LoginAs) -> None:
    rc, resident, neighbour = _recycler_with_a_fleet(server)
    tomorrow = (china_today() + dt.timedelta(days=1)).isoformat()

    # The resident books: a wrong phone is refused on the form, then the booking goes through.
    page = login_as(resident, next="/recycling/bookings/new", password=STAFF_PASSWORD)
    page.locator("input[name=address]").fill("资阳市雁江区娇子大道 8 号 3 栋 2 单元 501")
    page.locator("input[name=lat]").fill("30.121")
    page.locator("input[name=lon]").fill("104.633")
    page.locator("select[name=coord_system]").select_option("wgs84")
    page.locator("input[name=phone]").fill("1381234")
    page.locator("input[name=day]").fill(tomorrow)
    page.locator("select[name=window]").select_option("09-11")
    page.locator("select[name=recycler_unit_id]").select_option(str(rc.unit_id))
    page.locator("select[name=item-0-category]").select_option("paper")
    page.locator("input[name=item-0-quantity]").fill("10")
    page.get_by_role("button", name="提交预约").click()
    expect(page.get_by_test_id("field-error").first).to_contain_text("手机号码")
    page.locator("input[name=phone]").fill("13812345678")
    page.get_by_role("button", name="提交预约").click()
    expect(page).to_have_url(re.compile(r"/recycling/bookings/\d+"))
    booking_id = int(re.search(r"/recycling/bookings/(\d+)", page.url).group(1))  # type: ignore[union-attr]
    expect(page.locator("main")).to_contain_text("已预约")

    # The dispatcher plans tomorrow and sees the route drawn on the map.
    dispatcher = login_as(rc.dispatcher, next=f"/recycling/dispatch?day={tomorrow}", password=STAFF_PASSWORD)
    dispatcher.get_by_role("button", name="排线").click()
    expect(dispatcher.locator("main")).to_contain_text("第1版")
    expect(dispatcher.locator("[data-testid=route-map] canvas").first).to_be_visible()
    legend = dispatcher.evaluate(  # the city's county borders are drawn, named as such in the legend
        "() => echarts.getInstanceByDom(document.querySelector('[data-testid=route-map]'))"
        ".getOption().series.map(s => s.name)")
    assert "行政边界（区县）" in legend
    dispatcher.locator("[data-testid=route-map]").scroll_into_view_if_needed()
    screenshot(dispatcher, "recycling-dispatch")

    # The driver's page shows the stop; the driver departs, arrives and weighs 12.5 kg.
    driver = login_as(rc.driver, next=f"/recycling/driver?day={tomorrow}", password=STAFF_PASSWORD)
    expect(driver.locator("main")).to_contain_text("138****5678")
    driver.get_by_role("button", name="出发").click()
    driver.get_by_role("button", name="到达").click()
    driver.get_by_role("link", name="称重").click()
    driver.locator("select[name=line-0-category]").select_option("paper")
    driver.locator("input[name=line-0-gross]").fill("13.0")
    driver.locator("input[name=line-0-tare]").fill("0.5")
    driver.get_by_role("button", name="提交称重").click()
    expect(driver.locator("main")).to_contain_text("12.5")

    # Another resident cannot open the booking.
    stranger = login_as(neighbour, next="/me", password=STAFF_PASSWORD)
    answer = stranger.goto(f"/recycling/bookings/{booking_id}")
    assert answer is not None and answer.status == 404

    # The resident reads why the price changed and accepts.
    page.goto(f"/recycling/bookings/{booking_id}/quote")
    expect(page.locator("main")).to_contain_text("重量不同（预计10公斤，实称12.5公斤）")
    expect(page.locator("main")).to_contain_text("15.00")  # 12.5 kg × 1.20 元
    page.get_by_test_id("accept").click()

    # The driver records the payment; the resident sees it and the receipt.
    driver.goto(f"/recycling/bookings/{booking_id}/settle")
    driver.get_by_role("button", name="确认已付款").click()
    page.goto(f"/recycling/bookings/{booking_id}")
    expect(page.locator("main")).to_contain_text("已结算")
    page.goto(f"/recycling/bookings/{booking_id}/receipt")
    expect(page.get_by_test_id("receipt-total")).to_have_text("¥15.00")
    expect(page.get_by_test_id("receipt-no")).not_to_be_empty()
    expect(page.get_by_test_id("requote-reasons")).to_contain_text("重量不同")
