"""Car applications as forms (/tradein/retailer/car for dealers, /tradein/me/car for residents):
the decision with reasons and trace shown at once, the same service and checks as the API (a VIN
check digit, one scrapped VIN and one new car ever, scrap or replace), and who may file what."""

from __future__ import annotations

import re
import uuid

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.tradein.claims_support import City, id_number, resident, setup_city, user, vin
from tests.tradein.test_pages import Browser, error_text, form_key

from huanxin.orgs.roles import Role
from huanxin.tradein.models import Claim, QuotaSlot, UsedIdentifier

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


# ---- 补正: a car claim sent back for correction is corrected on the car form ----------------------

def _to_correction(app: FastAPI, city: City, claim_id: int, what: str) -> None:
    reviewer = Browser(app, city.reviewer_user)
    reviewer.post(f"/tradein/review/claims/{claim_id}/request-correction", {"what": what})


def _held(db: Session, claim_id: int) -> tuple[list[str], int]:
    """The one-time identifier kinds and the number of quota slots the claim holds."""
    kinds = sorted(db.scalars(select(UsedIdentifier.kind).where(UsedIdentifier.claim_id == claim_id)))
    slots = int(db.scalar(select(func.count()).select_from(QuotaSlot).where(QuotaSlot.claim_id == claim_id)) or 0)
    return kinds, slots


def test_a_dealer_corrects_a_car_claim_sent_back_and_resubmits(app: FastAPI, db: Session) -> None:
    # a small pool: the 20,000 yuan claim cannot be reserved, so it waits in the review queue
    city = setup_city(db, budgets={**BUDGETS, "car-scrap-2025": 10_000_00})
    dealer = Browser(app, city.retailer_user)
    form = {**scrap_form(city), **buyer()}
    location, _ = file(dealer, "/tradein/retailer/car", form)
    claim_id = claim_id_of(location)
    claim = db.get(Claim, claim_id)
    assert claim is not None and claim.status == "review", claim.status
    held_before = _held(db, claim_id)
    assert "new_car_vin" in held_before[0] and "old_car_vin" in held_before[0]
    _to_correction(app, city, claim_id, "行驶证注册登记日期为2011-03-15，请核对后补正")

    page = dealer.get(f"/tradein/retailer/claims/{claim_id}")
    correction_url = f"/tradein/retailer/claims/{claim_id}/car-correction"
    assert f'href="{correction_url}"' in page and 'data-testid="resubmit"' not in page  # not the goods form
    assert f'href="{correction_url}"' in dealer.get(f"/tradein/retailer/car/claims/{claim_id}")
    page = dealer.get(correction_url)
    assert "行驶证注册登记日期为2011-03-15" in page and "周**" in page and 'name="buyer_id_number"' not in page
    for value in (form["old_vin"], form["new_vin"], form["invoice_no"], "2010-05-01", form["scrap_cert"], "150000.00"):
        assert f'value="{value}"' in page, value
    assert 'name="version" value="1"' in page
    key = form_key(page, correction_url)
    corrected = {k: v for k, v in form.items() if not k.startswith("buyer_")}
    corrected.update(old_vehicle_registered_on="2011-03-15", version="1", idempotency_key=key)
    r = dealer.post(correction_url, corrected)
    assert r.headers["location"] == f"/tradein/retailer/car/claims/{claim_id}?done=resubmitted"
    db.expire_all()
    claim = db.get(Claim, claim_id)
    assert claim is not None and claim.version == 2 and claim.status == "review"
    assert claim.inputs["old_vehicle_registered_on"] == "2011-03-15" and claim.amount_fen == 20_000_00
    assert _held(db, claim_id) == held_before  # its own VINs, invoice and quota slot, not counted twice
    page = dealer.get(r.headers["location"])
    assert "补正材料已提交" in page and "第 2 版" in page and "2011-03-15" in page

    # a double click does it once; the same version again (a new form key) is refused clearly
    again = dealer.post(correction_url, corrected)
    assert again.headers["location"] == r.headers["location"]
    r = dealer.post(correction_url, {**corrected, "idempotency_key": "another-key"}, status=409)
    assert "第 1 版已经补正提交过" in error_text(r.text)
    assert dealer.client.get(correction_url, follow_redirects=False).headers["location"].endswith(f"/{claim_id}")
    db.expire_all()
    assert db.get(Claim, claim_id).version == 2  # type: ignore[union-attr]
    # the goods resubmit form of the retailer page points to the car form instead of failing on the VIN
    r = dealer.post(f"/tradein/retailer/claims/{claim_id}/resubmit", {"idempotency_key": "k-goods"}, status=422)
    assert "car-correction" in error_text(r.text)


def test_a_resident_adds_the_missing_proof_and_resubmits(app: FastAPI, db: Session) -> None:
    city = car_city(db)
    username, _person = resident(db, city, name="吴晓燕")
    me = Browser(app, username)
    form = replace_form(city, sale_record="")
    location, _ = file(me, "/tradein/me/car", form)
    claim_id = claim_id_of(location)
    assert 'data-testid="claim-status">已驳回<' in me.get(location)  # no 旧车交易登记凭证: the rules reject it
    # the resident appeals, the reviewer overturns and asks for the missing proof
    me.post(f"/tradein/me/claims/{claim_id}/appeal", {"reason": "旧车已过户，交易登记凭证补交"})
    reviewer = Browser(app, city.reviewer_user)
    appeal_id = re.search(r'action="/tradein/review/appeals/(\d+)/decide"',
                          reviewer.get(f"/tradein/review/claims/{claim_id}"))
    assert appeal_id
    reviewer.post(f"/tradein/review/appeals/{appeal_id.group(1)}/decide", {"decision": "overturn", "note": "补交凭证"})
    _to_correction(app, city, claim_id, "请补充旧车交易登记凭证编号")

    page = me.get(f"/tradein/me/claims/{claim_id}")
    correction_url = f"/tradein/me/claims/{claim_id}/car-correction"
    assert f'href="{correction_url}"' in page
    page = me.get(correction_url)
    assert "请补充旧车交易登记凭证编号" in page and f'value="{form["old_vin"]}"' in page
    sale_record = f"GH{id_number()[-8:]}"
    r = me.post(correction_url, {**form, "sale_record": sale_record, "version": "1",
                                 "idempotency_key": form_key(page, correction_url)})
    assert r.headers["location"] == f"/tradein/me/car/claims/{claim_id}?done=resubmitted"
    db.expire_all()
    claim = db.get(Claim, claim_id)
    assert claim is not None and claim.version == 2 and claim.status == "review"
    assert claim.amount_fen == 15_000_00 and claim.inputs["proofs"] == {"sale_record": sale_record}, claim.decision
    kinds, slots = _held(db, claim_id)
    assert {"new_car_vin", "old_car_vin"} <= set(kinds) and slots == 1
    # now eligible, the reviewer can decide it
    reviewer.post(f"/tradein/review/claims/{claim_id}/approve", {"note": "凭证已核实"})
    db.expire_all()
    assert db.get(Claim, claim_id).status == "approved"  # type: ignore[union-attr]
    # a second resubmit of version 1 is refused; another resident cannot open the form
    r = me.post(correction_url, {**form, "sale_record": sale_record, "version": "1", "idempotency_key": "k2"},
                status=409)
    assert "已经补正提交过" in error_text(r.text)
    other_user, _ = resident(db, city)
    Browser(app, other_user).get(correction_url, status=404)
    Browser(app, city.retailer_user).get(f"/tradein/retailer/claims/{claim_id}/car-correction", status=404)


def test_the_api_resubmits_a_car_claim(app: FastAPI, db: Session) -> None:
    city = setup_city(db, budgets={**BUDGETS, "car-scrap-2025": 10_000_00})
    client = TestClient(app)
    shop = api_token(client, city.retailer_user)
    form = scrap_form(city)
    body = {"programme_id": int(form["programme_id"]), "price_fen": 150_000_00, "invoice_no": form["invoice_no"],
            "invoice_date": INVOICE_DATE, "new_vin": form["new_vin"], "new_vehicle_fuel": "nev",
            "old_vin": form["old_vin"], "old_vehicle_fuel": "petrol", "old_vehicle_registered_on": "2010-05-01",
            "old_vehicle_owned_since": "2015-01-01", "old_emission_standard": "国三",
            "proofs": {"scrap_cert": form["scrap_cert"], "deregistration": form["deregistration"]},
            "applicant": {"id_number": id_number(), "name": "郑一"}}
    r = client.post("/api/v1/tradein/car-claims", headers={**shop, "Idempotency-Key": uuid.uuid4().hex}, json=body)
    assert r.status_code == 201 and r.json()["status"] == "review", r.text
    claim_id = r.json()["id"]
    _to_correction(app, city, claim_id, "请核对成交价")
    again = {k: v for k, v in body.items() if k not in ("programme_id", "applicant")}
    r = client.post(f"/api/v1/tradein/claims/{claim_id}/resubmit",
                    headers={**shop, "Idempotency-Key": uuid.uuid4().hex}, json={**again, "price_fen": 148_000_00})
    assert r.status_code == 200 and r.json()["version"] == 2 and r.json()["status"] == "review", r.text
    r = client.post(f"/api/v1/tradein/claims/{claim_id}/resubmit",
                    headers={**shop, "Idempotency-Key": uuid.uuid4().hex}, json={**again, "version": 1})
    assert r.status_code == 409 and "已经补正提交过" in r.json()["error"], r.text
    r = client.post(f"/api/v1/tradein/claims/{claim_id}/resubmit",
                    headers={**shop, "Idempotency-Key": uuid.uuid4().hex}, json=again)
    assert r.status_code == 409 and "第 2 版补正材料已提交" in r.json()["error"], r.text
