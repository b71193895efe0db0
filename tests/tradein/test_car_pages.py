"""Car applications as forms (/tradein/retailer/car for dealers, /tradein/me/car for residents):
the decision with reasons and trace shown at once, the same service and checks as the API (a VIN
check digit, one scrapped VIN and one new car ever, scrap or replace), and who may file what."""

from __future__ import annotations

import re

from fastapi import FastAPI
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.tradein.claims_support import City, id_number, resident, setup_city, user, vin
from tests.tradein.test_pages import Browser, error_text, form_key

from huanxin.orgs.roles import Role
from huanxin.tradein.models import Claim

INVOICE_DATE = "2025-06-01"  # inside the 2025 national car programmes (the city keeps them open in tests)
BUDGETS = {"car-scrap-2025": 1_000_000_00, "car-replace-2025": 1_000_000_00, "appliance-2025": 100_000_00}


def car_city(db: Session) -> City:
    return setup_city(db, budgets=BUDGETS)


def bad_vin() -> str:
    good = vin()
    return good[:8] + ("0" if good[8] != "0" else "1") + good[9:]


def scrap_form(city: City, **over: str) -> dict[str, str]:
    """A 国三 petrol car registered in 2010 scrapped, an NEV bought: 20,000 yuan in 2025."""
    return {"programme_id": str(city.programmes["car-scrap-2025"].id), "old_vin": vin(), "old_vehicle_fuel": "petrol",
            "old_vehicle_registered_on": "2010-05-01", "old_emission_standard": "国三",
            "old_vehicle_owned_since": "2015-01-01", "scrap_cert": f"BF{id_number()[-8:]}",
            "deregistration": f"ZX{id_number()[-8:]}", "new_vin": vin(), "new_vehicle_fuel": "nev", "brand": "比亚迪",
            "model": "秦PLUS", "invoice_no": f"CAR{id_number()[-10:]}", "invoice_date": INVOICE_DATE,
            "price": "150000.00", **over}


def replace_form(city: City, **over: str) -> dict[str, str]:
    return {"programme_id": str(city.programmes["car-replace-2025"].id), "old_vin": vin(),
            "old_vehicle_fuel": "petrol", "old_vehicle_registered_on": "2019-05-01",
            "sale_record": f"GH{id_number()[-8:]}", "new_vin": vin(), "new_vehicle_fuel": "nev",
            "invoice_no": f"CAR{id_number()[-10:]}", "invoice_date": INVOICE_DATE, "price": "180000", **over}


def buyer(name: str = "周建国") -> dict[str, str]:
    return {"buyer_name": name, "buyer_id_number": id_number(), "buyer_phone": "13900139000"}


def file(browser: Browser, path: str, form: dict[str, str], status: int = 303) -> tuple[str, str]:
    """Posts the form with the key the page carries; returns (location or error text, the key)."""
    key = form_key(browser.get(path), path)
    r = browser.post(path, {**form, "idempotency_key": key}, status=status)
    return (r.headers["location"] if status == 303 else error_text(r.text)), key


def claim_id_of(location: str) -> int:
    found = re.search(r"/car/claims/(\d+)\?done=filed$", location)
    assert found, location
    return int(found.group(1))


def claims(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(Claim)) or 0)


def test_a_dealer_files_a_scrap_application_and_sees_the_decision(app: FastAPI, db: Session) -> None:
    city = car_city(db)
    dealer = Browser(app, city.retailer_user)
    page = dealer.get("/tradein/retailer/car")
    assert "2025年汽车报废更新补贴" in page and "报废机动车回收证明" in page and 'href="/tradein/retailer/car"' in page
    form = {**scrap_form(city), **buyer()}
    location, key = file(dealer, "/tradein/retailer/car", form)
    claim_id = claim_id_of(location)
    claim = db.get(Claim, claim_id)
    assert claim is not None and claim.retailer_id == city.retailer.id and claim.amount_fen == 20_000_00
    assert claim.status in ("approved", "review"), claim.decision

    page = dealer.get(location)
    assert "汽车补贴申请已提交" in page and "20,000.00 元" in page and "中央资金" in page
    assert "判定依据" in page and "商办消费函〔2025〕8号" in page and "旧车注册登记日期" in page
    assert form["old_vin"] in page and form["new_vin"] in page and "周**" in page
    assert f'data-claim="{claim_id}"' in dealer.get("/tradein/retailer/car")

    # a double click files it once
    before = claims(db)
    again = dealer.post("/tradein/retailer/car", {**form, "idempotency_key": key})
    assert again.headers["location"] == location and claims(db) == before
    assert db.scalar(select(func.count()).select_from(Claim).where(Claim.vin == form["new_vin"])) == 1
    # the reviewer finds it like any other claim
    Browser(app, city.reviewer_user).get(f"/tradein/review/claims/{claim_id}")


def test_a_scrapped_car_and_a_new_car_are_subsidised_once(app: FastAPI, db: Session) -> None:
    city = car_city(db)
    dealer = Browser(app, city.retailer_user)
    first = {**scrap_form(city), **buyer()}
    file(dealer, "/tradein/retailer/car", first)
    before = claims(db)
    # the same scrapped car again, with another new car
    message, _ = file(dealer, "/tradein/retailer/car", {**scrap_form(city, old_vin=first["old_vin"]), **buyer()},
                      status=409)
    assert "旧车车辆识别代号（VIN）" in message and "已用于其他补贴申请" in message
    # the new car of the scrap application cannot also get the replacement subsidy
    message, _ = file(dealer, "/tradein/retailer/car", {**replace_form(city, new_vin=first["new_vin"]), **buyer()},
                      status=409)
    assert "新车车辆识别代号（VIN）" in message and "每个只能享受一次补贴" in message
    assert claims(db) == before


def test_a_bad_vin_check_digit_is_an_error_and_writes_nothing(app: FastAPI, db: Session) -> None:
    city = car_city(db)
    dealer = Browser(app, city.retailer_user)
    before = claims(db)
    message, _ = file(dealer, "/tradein/retailer/car", {**scrap_form(city, new_vin=bad_vin()), **buyer()}, status=422)
    assert "第9位校验位不正确" in message
    message, _ = file(dealer, "/tradein/retailer/car", {**scrap_form(city, old_vin=bad_vin()), **buyer()}, status=422)
    assert "校验位" in message
    wrong_id = id_number()
    wrong_id = wrong_id[:-1] + ("0" if wrong_id[-1] != "0" else "1")
    message, _ = file(dealer, "/tradein/retailer/car",
                      {**scrap_form(city), **buyer(), "buyer_id_number": wrong_id}, status=422)
    assert "身份证" in message or "校验" in message
    message, _ = file(dealer, "/tradein/retailer/car", {**scrap_form(city, price="0"), **buyer()}, status=422)
    assert "大于0" in message
    message, _ = file(dealer, "/tradein/retailer/car", {**scrap_form(city, sale_record="GH-1"), **buyer()},
                      status=422)
    assert "不需要旧车交易登记凭证" in message
    assert claims(db) == before


def test_an_ineligible_old_car_is_a_rejection_with_the_reason(app: FastAPI, db: Session) -> None:
    city = car_city(db)
    dealer = Browser(app, city.retailer_user)
    location, _ = file(dealer, "/tradein/retailer/car",
                       {**scrap_form(city, old_vehicle_registered_on="2013-01-01"), **buyer()})
    page = dealer.get(location)
    assert 'data-testid="claim-status">已驳回<' in page and "晚于 2012-06-30" in page
    # a missing scrap certificate is the rules' rejection too (the rules name what is missing)
    location, _ = file(dealer, "/tradein/retailer/car", {**scrap_form(city, scrap_cert=""), **buyer()})
    page = dealer.get(location)
    assert 'data-testid="claim-status">已驳回<' in page and "报废机动车回收证明" in page


def test_a_resident_files_their_own_replacement(app: FastAPI, db: Session) -> None:
    city = car_city(db)
    username, person = resident(db, city, name="吴晓燕")
    me = Browser(app, username)
    page = me.get("/tradein/me/car")
    assert "吴**" in page and "2025年汽车置换更新补贴" in page and 'href="/tradein/me/car"' in page
    location, _ = file(me, "/tradein/me/car", {**replace_form(city), "region_code": "512021"})
    claim_id = claim_id_of(location)
    claim = db.get(Claim, claim_id)
    assert claim is not None and claim.person_id == person.id and claim.retailer_id is None
    assert claim.region_code == "512021" and claim.amount_fen == 15_000_00, claim.decision
    page = me.get(location)
    assert "15,000.00 元" in page and "判定依据" in page and "置换更新补贴标准" in page
    assert f'data-claim="{claim_id}"' in me.get("/tradein/me")  # with their other claims
    # one replacement per person per calendar year
    message, _ = file(me, "/tradein/me/car", replace_form(city), status=409)
    assert "每人每自然年限一次置换更新补贴" in message or "名额" in message, message
    # another resident cannot open it
    other_user, _ = resident(db, city)
    Browser(app, other_user).get(location.split("?")[0], status=404)


def test_who_may_file(app: FastAPI, db: Session) -> None:
    city = car_city(db)
    # a resident without a real-name identity is asked for it first
    newcomer = Browser(app, user(db, f"res-car-{city.tag}", Role.RESIDENT, city.code))
    assert "请先实名认证" in newcomer.get("/tradein/me/car")
    r = newcomer.post("/tradein/me/car", {**replace_form(city), "idempotency_key": "k1"}, status=422)
    assert "实名认证" in error_text(r.text)
    # staff and residents cannot use the dealer's form; a dealer cannot use the resident's
    Browser(app, city.reviewer_user).get("/tradein/retailer/car", status=403)
    resident_user, _ = resident(db, city)
    Browser(app, resident_user).get("/tradein/retailer/car", status=403)
    Browser(app, city.retailer_user).get("/tradein/me/car", status=403)
    # a shop admitted only for appliances sees why it cannot file, and is refused by the service
    city.retailer.kinds = ["appliance"]
    db.flush()
    shop = Browser(app, city.retailer_user)
    assert "未准入汽车报废更新或置换更新" in shop.get("/tradein/retailer/car")
    r = shop.post("/tradein/retailer/car", {**scrap_form(city), **buyer(), "idempotency_key": "k2"}, status=403)
    assert "未准入" in error_text(r.text)
    # another city's programme is not found
    elsewhere = setup_city(db, "510400", budgets=BUDGETS)
    r = Browser(app, elsewhere.retailer_user).post(
        "/tradein/retailer/car", {**scrap_form(city), **buyer(), "idempotency_key": "k3"}, status=404)
    assert "未找到该补贴活动" in error_text(r.text)
