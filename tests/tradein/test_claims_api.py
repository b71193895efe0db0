"""The claim API end to end over HTTP: Idempotency-Key required and replayed, data scope,
and bad input answered in Chinese without changing anything it should not."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.tradein.claims_support import bad_id_number, bank_card, enrol, id_number, resident, setup_city, user, vin

from huanxin.orgs.roles import Role
from huanxin.tradein.models import Claim, Person, Qualification
from huanxin.tradein.residents import identity


def idem() -> dict[str, str]:
    return {"Idempotency-Key": uuid.uuid4().hex}


def count(db: Session, model: Any) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def _qualified(client: TestClient, db: Session) -> tuple[Any, dict[str, str], dict[str, Any]]:
    city = setup_city(db)
    username, person = resident(db, city)
    token = api_token(client, username)
    r = client.post("/api/v1/tradein/qualifications", headers={**token, **idem()},
                    json={"programme_id": city.programmes["appliance-2025"].id, "category": "refrigerator"})
    assert r.status_code == 201, r.text
    # what the resident shows at the till with the qualification number
    return city, token, {**r.json(), "holder_id_number": identity.person_id_number(person)}


def test_full_flow_over_http(client: TestClient, db: Session) -> None:
    city, token, q = _qualified(client, db)
    assert q["status"] == "active" and q["category_label"]
    shop = api_token(client, city.retailer_user)
    body = {"qualification_id": q["id"], "id_number": q["holder_id_number"],
            "category": "refrigerator", "price_fen": 4999_00, "invoice_no": "F-001",
            "invoice_date": "2025-06-01", "efficiency_grade": 1, "serial": "SN-HTTP-1"}
    r = client.post("/api/v1/tradein/claims", headers={**shop, "Idempotency-Key": "redeem-1"}, json=body)
    assert r.status_code == 201, r.text
    claim = r.json()
    assert claim["amount_fen"] == 999_80 and claim["reasons"]
    replay = client.post("/api/v1/tradein/claims", headers={**shop, "Idempotency-Key": "redeem-1"}, json=body)
    assert replay.status_code == 201 and replay.json() == claim and replay.headers["Idempotent-Replayed"] == "true"
    clash = client.post("/api/v1/tradein/claims", headers={**shop, "Idempotency-Key": "redeem-1"},
                        json={**body, "price_fen": 100})
    assert clash.status_code == 409 and "幂等键" in clash.json()["error"]
    reviewer = api_token(client, city.reviewer_user)
    if claim["status"] == "review":  # the 2025 invoice predates today's qualification: a fraud signal
        detail = client.get(f"/api/v1/tradein/claims/{claim['id']}", headers=reviewer).json()
        assert detail["flags"]
        r = client.post(f"/api/v1/tradein/claims/{claim['id']}/request-correction", headers=reviewer,
                        json={"what": "请补充发票照片"})
        assert r.json()["status"] == "correction"
        r = client.post(f"/api/v1/tradein/claims/{claim['id']}/resubmit", headers={**shop, **idem()},
                        json={k: v for k, v in body.items() if k not in ("qualification_id", "id_number")})
        assert r.status_code == 200 and r.json()["version"] == 2, r.text
        r = client.post(f"/api/v1/tradein/claims/{claim['id']}/approve", headers=reviewer, json={"note": "已核实"})
        assert r.status_code == 200 and r.json()["status"] == "approved", r.text
    r = client.post("/api/v1/tradein/payout-batches", headers={**reviewer, **idem()}, json={})
    assert r.status_code == 201, r.text
    batch = r.json()
    office = api_token(client, city.office_user)
    r = client.post(f"/api/v1/tradein/payout-batches/{batch['id']}/approve", headers={**office, **idem()})
    assert r.status_code == 200 and r.json()["approved_by"] == city.office_user, r.text
    f = client.get(f"/api/v1/tradein/payout-batches/{batch['id']}/file", headers=reviewer)
    assert f.status_code == 200 and "张三丰" in f.content.decode("utf-8-sig")
    result = f"申请编号,金额（分）,状态,银行流水号,原因\n{claim['id']},{claim['amount_fen']},成功,B-9,\n"
    r = client.post(f"/api/v1/tradein/payout-batches/{batch['id']}/result", headers={**reviewer, **idem()},
                    files={"file": ("r.csv", result.encode(), "text/csv")})
    assert r.status_code == 200 and r.json()["paid"] == 1, r.text
    mine = client.get(f"/api/v1/tradein/claims/{claim['id']}", headers=token).json()
    assert mine["status"] == "paid" and mine["status_label"] == "已发放"
    bodies = [m["body"] for m in client.get("/api/v1/tradein/me/messages", headers=token).json()]
    assert any("已发放 999.80 元" in b for b in bodies) and any("资格已发放" in b for b in bodies)


def test_idempotency_key_is_required(client: TestClient, db: Session) -> None:
    city = setup_city(db)
    username, _ = resident(db, city)
    token = api_token(client, username)
    before = count(db, Qualification)
    r = client.post("/api/v1/tradein/qualifications", headers=token,
                    json={"programme_id": city.programmes["appliance-2025"].id, "category": "tv"})
    assert r.status_code == 422 and "Idempotency-Key" in r.json()["error"]
    assert count(db, Qualification) == before


def test_scope_other_city_and_other_resident(client: TestClient, db: Session) -> None:
    city, token, q = _qualified(client, db)
    other_city = setup_city(db, city_code="510400")
    stranger = api_token(client, other_city.reviewer_user)
    assert client.get(f"/api/v1/tradein/qualifications/{q['id']}", headers=stranger).status_code == 404
    other_resident, _ = resident(db, city)
    other = api_token(client, other_resident)
    assert client.get(f"/api/v1/tradein/qualifications/{q['id']}", headers=other).status_code == 404
    assert client.get("/api/v1/tradein/qualifications", headers=other).json() == []
    # a resident may not review, a retailer may not create payouts
    assert client.get("/api/v1/tradein/review-queue", headers=token).status_code == 403
    shop = api_token(client, city.retailer_user)
    assert client.post("/api/v1/tradein/payout-batches", headers={**shop, **idem()}, json={}).status_code == 403


def test_bad_identity_input(client: TestClient, db: Session) -> None:
    city = setup_city(db)
    username = user(db, f"new-{city.tag}", Role.RESIDENT, city.code)
    token = api_token(client, username)
    before = count(db, Person)
    pid = city.programmes["appliance-2025"].id
    r = client.post("/api/v1/tradein/qualifications", headers={**token, **idem()},
                    json={"programme_id": pid, "category": "tv", "id_number": bad_id_number(), "name": "王五"})
    assert r.status_code == 422 and "校验位" in r.json()["error"] and r.json()["field"] == "id_number"
    number = id_number()
    enrol(db, number, "王五")  # on the population register: the real-name check passes
    r = client.post("/api/v1/tradein/qualifications", headers={**token, **idem()},
                    json={"programme_id": pid, "category": "spaceship", "id_number": number, "name": "王五"})
    assert r.status_code == 422 and "不在本活动补贴范围内" in r.json()["error"]
    assert count(db, Person) == before  # nothing half-written: the person was rolled back with the request
    r = client.post("/api/v1/tradein/qualifications", headers={**token, **idem()},
                    json={"programme_id": pid, "category": "tv", "id_number": number, "name": "王五"})
    assert r.status_code == 201
    r = client.put("/api/v1/tradein/me/bank-card", headers=token,
                   json={"card_number": bank_card(), "holder_name": "赵六"})
    assert r.status_code == 422 and "本人名下" in r.json()["error"]
    card = bank_card()
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    r = client.put("/api/v1/tradein/me/bank-card", headers=token, json={"card_number": wrong, "holder_name": "王五"})
    assert r.status_code == 422 and "银行卡" in r.json()["error"]
    r = client.put("/api/v1/tradein/me/bank-card", headers=token, json={"card_number": bank_card(),
                                                                       "holder_name": "王五"})
    assert r.status_code == 200 and r.json()["bank_card"].startswith("****")


def test_bad_purchase_input_over_http(client: TestClient, db: Session) -> None:
    city, _, q = _qualified(client, db)
    shop = api_token(client, city.retailer_user)
    base = {"qualification_id": q["id"], "id_number": q["holder_id_number"],
            "category": "refrigerator", "price_fen": 3000_00, "invoice_no": "X-1",
            "invoice_date": "2025-06-01", "efficiency_grade": 1, "serial": "SN-X"}
    before = count(db, Claim)
    for change, field, text in [({"price_fen": 0}, "price_fen", "大于0"), ({"price_fen": -1}, "price_fen", "大于0"),
                                ({"invoice_date": "2099-01-01"}, "invoice_date", "晚于今天"),
                                ({"category": "tv"}, "category", "不一致")]:
        r = client.post("/api/v1/tradein/claims", headers={**shop, **idem()}, json={**base, **change})
        assert r.status_code == 422, r.text
        assert r.json()["field"] == field and text in r.json()["error"]
    assert count(db, Claim) == before
    r = client.post("/api/v1/tradein/claims", headers={**shop, **idem()}, json={**base, "efficiency_grade": 3})
    assert r.status_code == 201 and r.json()["status"] == "rejected"
    assert any("3级" in reason for reason in r.json()["reasons"])


def test_car_vin_check_digit(client: TestClient, db: Session) -> None:
    city = setup_city(db)
    username, _ = resident(db, city)
    token = api_token(client, username)
    good = vin()
    bad = good[:8] + ("0" if good[8] != "0" else "1") + good[9:]
    r = client.post("/api/v1/tradein/car-claims", headers={**token, **idem()}, json={
        "programme_id": city.programmes["car-scrap-2025"].id, "price_fen": 100_000_00, "invoice_no": "C-1",
        "invoice_date": "2025-06-01", "new_vin": bad, "new_vehicle_fuel": "nev", "old_vin": vin(),
        "old_vehicle_fuel": "petrol", "old_vehicle_registered_on": "2010-01-01", "old_emission_standard": "国三",
        "proofs": {"scrap_cert": "S-1", "deregistration": "D-1"}})
    assert r.status_code == 422 and "校验位" in r.json()["error"] and r.json()["field"] == "new_vin"


def test_malformed_payout_result_changes_nothing(client: TestClient, db: Session) -> None:
    city, _, q = _qualified(client, db)
    shop = api_token(client, city.retailer_user)
    claim = client.post("/api/v1/tradein/claims", headers={**shop, **idem()}, json={
        "qualification_id": q["id"], "id_number": q["holder_id_number"], "category": "refrigerator",
        "price_fen": 3000_00, "invoice_no": "M-1",
        "invoice_date": "2025-06-01", "efficiency_grade": 2, "serial": "SN-M"}).json()
    reviewer = api_token(client, city.reviewer_user)
    if claim["status"] == "review":
        client.post(f"/api/v1/tradein/claims/{claim['id']}/approve", headers=reviewer, json={})
    batch = client.post("/api/v1/tradein/payout-batches", headers={**reviewer, **idem()},
                        json={"claim_ids": [claim["id"]]}).json()
    approved = client.post(f"/api/v1/tradein/payout-batches/{batch['id']}/approve",
                           headers={**api_token(client, city.office_user), **idem()})
    assert approved.status_code == 200, approved.text
    head = "申请编号,金额（分）,状态,银行流水号,原因\n"
    bad_files = {
        "missing column": ("申请编号,金额（分）,状态\n1,1,成功\n", "缺少列"),
        "unknown claim": (head + f"{claim['id'] + 999},{claim['amount_fen']},成功,B,\n", "不在本发放批次"),
        "amount mismatch": (head + f"{claim['id']},{claim['amount_fen'] + 1},成功,B,\n", "不一致"),
        "duplicate line": (head + f"{claim['id']},{claim['amount_fen']},成功,B,\n" * 2, "重复"),
        "bad status": (head + f"{claim['id']},{claim['amount_fen']},处理中,B,\n", "状态"),
    }
    for name, (text, message) in bad_files.items():
        r = client.post(f"/api/v1/tradein/payout-batches/{batch['id']}/result", headers={**reviewer, **idem()},
                        files={"file": ("r.csv", text.encode(), "text/csv")})
        assert r.status_code == 422, name
        assert message in r.json()["error"] and "未做任何变更" in r.json()["error"] or message in str(r.json()), name
    assert client.get(f"/api/v1/tradein/claims/{claim['id']}", headers=reviewer).json()["status"] == "paying"
    # a failure sends the claim back to approved with the reason; the reservation stays
    r = client.post(f"/api/v1/tradein/payout-batches/{batch['id']}/result", headers={**reviewer, **idem()},
                    files={"file": ("r.csv", (head + f"{claim['id']},{claim['amount_fen']},失败,,户名不符\n").encode(),
                                    "text/csv")})
    assert r.status_code == 200 and r.json()["failed"] == 1
    assert client.get(f"/api/v1/tradein/claims/{claim['id']}", headers=reviewer).json()["status"] == "approved"
    again = client.post("/api/v1/tradein/payout-batches", headers={**reviewer, **idem()}, json={})
    assert again.status_code == 201 and again.json()["lines"][0]["claim_id"] == claim["id"]
    assert again.json()["lines"][0]["status"] == "sent" and again.json()["lines"][0]["failure_reason"] is None
    # the failed attempt stays in its own batch, with the bank's reason: the retry is a line of its own
    first = client.get(f"/api/v1/tradein/payout-batches/{batch['id']}", headers=reviewer).json()
    assert [(x["claim_id"], x["status"], x["failure_reason"]) for x in first["lines"]] == [
        (claim["id"], "failed", "户名不符")]
    twice = client.post("/api/v1/tradein/payout-batches", headers={**reviewer, **idem()},
                        json={"claim_ids": [claim["id"]]})
    assert twice.status_code == 422  # in flight in the new batch: not payable a second time
