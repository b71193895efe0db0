"""The scrapped-vehicle trail in the browser: a qualified dismantler records a car and its
报废机动车回收证明 (a VIN with a wrong check digit is refused beside the field); a resident's car
claim names the certificate and is filed; a second resident's claim on the same certificate is
refused with the first claim named; the office sees the certificate linked to the first claim."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from sqlalchemy.orm import Session
from tests.conftest import PASSWORD as STAFF_PASSWORD
from tests.e2e.support import Server, china_today, server_db_url
from tests.recycling import weighing_support as ws
from tests.recycling.scrapped import support as s
from tests.tradein.claims_support import City, id_number, resident, setup_city, vin

from huanxin.db import make_engine

LoginAs = Callable[..., Page]
DAY = dt.timedelta(days=1)
CITY = "511500"  # a city of its own: once it keeps a registry, its car claims must name a registered certificate


def _world(server: Server) -> tuple[City, ws.Recycler, list[str]]:
    engine = make_engine(server_db_url(server))
    try:
        with Session(engine, expire_on_commit=False) as session:
            city = setup_city(session, CITY)
            rc = s.dismantler(session, CITY)
            people = [resident(session, city)[0] for _ in range(2)]
            session.commit()
            return city, rc, people
    finally:
        engine.dispose()


def _record_car(page: Page, car_vin: str, certificate: str) -> None:
    form = page.locator("#vehicle-new")
    values = {"vin": car_vin, "plate": "川L12345", "owner_name": "赵铁柱", "owner_id_number": id_number(),
              "first_registered_on": "2010-05-01", "received_on": (china_today() - DAY * 3).isoformat(),
              "certificate_no": certificate, "certificate_issued_on": (china_today() - DAY * 2).isoformat()}
    for name, value in values.items():
        form.locator(f"input[name={name}]").fill(value)
    form.locator("select[name=fuel]").select_option("petrol")
    form.locator("select[name=emission_standard]").select_option("国三")
    form.get_by_role("button", name="登记").click()


def _file_claim(page: Page, city: City, old_vin: str, certificate: str) -> None:
    form = page.get_by_test_id("car-form")
    form.locator("select[name=programme_id]").select_option(str(city.programmes["car-scrap-2025"].id))
    for name, value in {"old_vin": old_vin, "old_vehicle_registered_on": "2010-05-01",
                        "old_vehicle_owned_since": "2015-01-01", "scrap_cert": certificate,
                        "deregistration": f"ZX{id_number()[-8:]}", "new_vin": vin(), "brand": "比亚迪",
                        "model": "秦PLUS", "invoice_no": f"CAR{id_number()[-10:]}", "invoice_date": "2025-06-01",
                        "price": "150000.00"}.items():
        form.locator(f"input[name={name}]").fill(value)
    form.locator("select[name=old_vehicle_fuel]").select_option("petrol")
    form.locator("select[name=old_emission_standard]").select_option("国三")
    form.locator("select[name=new_vehicle_fuel]").select_option("nev")
    form.get_by_role("button", name="提交汽车补贴申请").click()


def test_a_scrapped_car_certificate_serves_one_car_claim(server: Server, login_as: LoginAs) -> None:
    city, rc, people = _world(server)
    good = vin()
    certificate = f"BF{ws.tag()}".upper()
    page = login_as(rc.dispatcher, next="/recycling/scrapped", password=STAFF_PASSWORD)
    _record_car(page, good[:8] + ("0" if good[8] != "0" else "1") + good[9:], certificate)
    expect(page.locator("#vehicle-new")).to_contain_text("校验位")
    _record_car(page, good, certificate)
    expect(page.get_by_test_id("flash")).to_contain_text("已登记报废机动车")
    expect(page.get_by_test_id("scrapped")).to_contain_text(good)

    first = login_as(people[0], next="/tradein/me/car", password=STAFF_PASSWORD)
    _file_claim(first, city, good, certificate)
    first.wait_for_url(re.compile(r"/tradein/me/car/claims/\d+"))
    claim_id = int(re.search(r"/claims/(\d+)", first.url).group(1))  # type: ignore[union-attr]

    second = login_as(people[1], next="/tradein/me/car", password=STAFF_PASSWORD)
    _file_claim(second, city, good, certificate)
    expect(second.locator("main")).to_contain_text(f"补贴申请 #{claim_id}")
    expect(second.locator("main")).to_contain_text("每辆车只能享受一次补贴")

    office = login_as(city.office_user, next="/recycling/scrapped", password=STAFF_PASSWORD)
    expect(office.get_by_test_id("scrapped")).to_contain_text(f"#{claim_id}")
    expect(office.locator("#vehicle-new")).to_have_count(0)
