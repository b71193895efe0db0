"""Issue 11, item 10: the one-time redemption code (核销码). The resident's page shows a code (and
its QR code) once; the retailer redeems with the qualification number and that code instead of the
holder's ID number, on the page and over the API; the code redeems once, expires, is replaced by a
new one, and is worth nothing for another resident's qualification. Only its keyed hash is kept."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.tradein.claims_support import City, resident, setup_city
from tests.tradein.test_pages import Browser, claim_qualification, error_text, form_key, new_resident, purchase

from huanxin.kit import idempotency
from huanxin.kit.clock import now
from huanxin.tradein.models import Claim, Qualification, RedemptionCode
from huanxin.tradein.qualifications import codes as redemption_codes

CLAIMS = "/api/v1/tradein/claims"
PRESENTED = "/api/v1/tradein/qualifications/presented"
CODE_ON_PAGE = re.compile(r'data-testid="redemption-code">(\d{8})<')


def _show_code(me: Browser, qid: int) -> tuple[str, str]:
    """The resident asks for a code on their page: (the page, the code it shows)."""
    page = me.post(f"/tradein/me/qualifications/{qid}/redemption-code", status=200).text
    found = CODE_ON_PAGE.search(page)
    assert found, page[:3000]
    return page, found.group(1)


def _verify(shop: Browser, qid: int | str, code: str, status: int = 200) -> str:
    return str(shop.post("/tradein/retailer/verify", {"qualification_no": str(qid), "redemption_code": code},
                         status=status).text)


def _redeem_on_page(shop: Browser, qid: int, code: str) -> int:
    page = _verify(shop, qid, code)
    assert "资格有效" in page
    key = form_key(page, "/tradein/retailer/redeem")
    r = shop.post("/tradein/retailer/redeem", {"qualification_no": str(qid), "redemption_code": code,
                                               "idempotency_key": key, **purchase()})
    found = re.search(r"/tradein/retailer/claims/(\d+)", r.headers["location"])
    assert found, r.headers["location"]
    return int(found.group(1))


def _claims_of(db: Session, qid: int) -> int:
    db.expire_all()
    return int(db.scalar(select(func.count()).select_from(Claim).where(Claim.qualification_id == qid)) or 0)


def test_the_resident_page_shows_a_code_and_its_qr_once(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    me, _number, _name = new_resident(app, db, city)
    qid = claim_qualification(me, city)
    assert f'action="/tradein/me/qualifications/{qid}/redemption-code"' in me.get("/tradein/me")
    page, code = _show_code(me, qid)
    assert f'data-testid="qualification-no">{qid}<' in page and "<svg" in page and "10分钟" in page
    assert code not in me.get("/tradein/me")  # shown in the answer that made it, never again
    stored = db.get(RedemptionCode, qid)
    assert stored is not None and code not in stored.code_hash  # only a keyed hash is kept


def test_a_retailer_redeems_with_the_code_once(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    me, _number, _name = new_resident(app, db, city)
    qid = claim_qualification(me, city)
    _page, code = _show_code(me, qid)
    shop = Browser(app, city.retailer_user)
    claim_id = _redeem_on_page(shop, qid, code)
    assert claim_id and _claims_of(db, qid) == 1
    again = _verify(shop, qid, code, status=422)
    assert "核销码已使用" in error_text(again)
    assert _claims_of(db, qid) == 1


def test_the_qr_code_typed_by_a_scanner_carries_number_and_code(app: FastAPI, db: Session) -> None:
    city = setup_city(db)
    me, _number, _name = new_resident(app, db, city)
    qid = claim_qualification(me, city)
    _page, code = _show_code(me, qid)
    page = _verify(Browser(app, city.retailer_user), f"HX{qid}-{code}", "")
    assert "资格有效" in page and f'name="redemption_code" value="{code}"' in page


def test_a_wrong_code_is_refused_naming_the_field(client: TestClient, db: Session) -> None:
    city = setup_city(db)
    qid, code = _api_code(client, db, city)
    shop = api_token(client, city.retailer_user)
    wrong = f"{(int(code) + 1) % 10**8:08d}"
    for bad, says in ((wrong, "核销码与该资格不符"), ("12ab", "8位数字")):
        r = client.post(PRESENTED, headers=shop, json={"qualification_id": qid, "redemption_code": bad})
        assert r.status_code == 422 and r.json()["field"] == "redemption_code", r.text
        assert says in r.json()["error"], r.text
    r = client.post(CLAIMS, headers={**shop, "Idempotency-Key": uuid.uuid4().hex},
                    json=_purchase(qid, "SN-C-1", redemption_code=wrong))
    assert r.status_code == 422 and r.json()["field"] == "redemption_code", r.text
    assert _claims_of(db, qid) == 0


def test_an_expired_code_is_refused(client: TestClient, db: Session) -> None:
    city = setup_city(db)
    username, _person = resident(db, city)
    qid = _api_qualification(client, username, city)
    q = db.get(Qualification, qid)
    assert q is not None
    old = redemption_codes.issue(db, city.scope(db, username), q, at=now() - dt.timedelta(minutes=11))
    r = client.post(PRESENTED, headers=api_token(client, city.retailer_user),
                    json={"qualification_id": qid, "redemption_code": old.code})
    assert r.status_code == 422 and r.json()["field"] == "redemption_code" and "过期" in r.json()["error"], r.text


def test_a_new_code_replaces_the_old_one(client: TestClient, db: Session) -> None:
    city = setup_city(db)
    qid, first = _api_code(client, db, city)
    username = _holder_username(db, qid)
    second = client.post(f"/api/v1/tradein/qualifications/{qid}/redemption-code",
                         headers=api_token(client, username)).json()["redemption_code"]
    shop = api_token(client, city.retailer_user)
    old = client.post(PRESENTED, headers=shop, json={"qualification_id": qid, "redemption_code": first})
    assert old.status_code == 422 and old.json()["field"] == "redemption_code", old.text
    new = client.post(PRESENTED, headers=shop, json={"qualification_id": qid, "redemption_code": second})
    assert new.status_code == 200 and new.json()["id"] == qid, new.text


def test_another_residents_code_is_refused(client: TestClient, db: Session) -> None:
    city = setup_city(db)
    mine, _code = _api_code(client, db, city)
    theirs, their_code = _api_code(client, db, city)
    shop = api_token(client, city.retailer_user)
    r = client.post(CLAIMS, headers={**shop, "Idempotency-Key": uuid.uuid4().hex},
                    json=_purchase(mine, "SN-C-2", redemption_code=their_code))
    assert r.status_code == 422 and r.json()["field"] == "redemption_code", r.text
    assert _claims_of(db, mine) == 0 and _claims_of(db, theirs) == 0
    # and nobody but the holder makes a code for a qualification
    other, _person = resident(db, city)
    r = client.post(f"/api/v1/tradein/qualifications/{mine}/redemption-code", headers=api_token(client, other))
    assert r.status_code == 404, r.text


def test_the_api_redeems_with_the_code_and_remembers_no_code(client: TestClient, db: Session) -> None:
    city = setup_city(db)
    qid, code = _api_code(client, db, city)
    shop = api_token(client, city.retailer_user)
    body = _purchase(qid, "SN-C-3", redemption_code=code)
    first = client.post(CLAIMS, headers={**shop, "Idempotency-Key": "code-replay"}, json=body)
    replay = client.post(CLAIMS, headers={**shop, "Idempotency-Key": "code-replay"}, json=body)
    assert first.status_code == replay.status_code == 201, first.text
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json() == first.json()
    assert code not in first.text
    record = db.scalar(select(idempotency.IdempotencyRecord).where(idempotency.IdempotencyRecord.key == "code-replay"))
    assert record is not None and record.request_hash != idempotency.request_hash(body)  # not of the raw code
    again = client.post(CLAIMS, headers={**shop, "Idempotency-Key": uuid.uuid4().hex},
                        json=_purchase(qid, "SN-C-4", redemption_code=code))
    assert again.status_code == 422 and again.json()["field"] == "redemption_code", again.text
    assert _claims_of(db, qid) == 1


# ---- helpers ------------------------------------------------------------------------------------

def _purchase(qid: int, serial: str, **change: Any) -> dict[str, Any]:
    return {"qualification_id": qid, "category": "refrigerator", "price_fen": 4999_00, "invoice_no": f"F-{serial}",
            "invoice_date": "2025-06-01", "efficiency_grade": 1, "serial": f"{serial}-{uuid.uuid4().hex[:6]}",
            **change}


def _api_qualification(client: TestClient, username: str, city: City) -> int:
    r = client.post("/api/v1/tradein/qualifications",
                    headers={**api_token(client, username), "Idempotency-Key": uuid.uuid4().hex},
                    json={"programme_id": city.programmes["appliance-2025"].id, "category": "refrigerator"})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _api_code(client: TestClient, db: Session, city: City) -> tuple[int, str]:
    username, _person = resident(db, city)
    qid = _api_qualification(client, username, city)
    r = client.post(f"/api/v1/tradein/qualifications/{qid}/redemption-code", headers=api_token(client, username))
    assert r.status_code == 200, r.text
    return qid, str(r.json()["redemption_code"])


def _holder_username(db: Session, qid: int) -> str:
    from huanxin.orgs.models import User
    from huanxin.tradein.models import Person

    q = db.get(Qualification, qid)
    assert q is not None
    person = db.get(Person, q.person_id)
    assert person is not None and person.user_id is not None
    user = db.get(User, person.user_id)
    assert user is not None
    return user.username

