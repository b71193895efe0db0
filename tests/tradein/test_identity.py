"""Residents: the ID number validated (GB 11643), encrypted at rest and matched by keyed hash;
the name must match; the bank card must be the applicant's own (Luhn)."""

from __future__ import annotations

import datetime as dt

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.tradein.claims_support import City, T, bad_id_number, bank_card, enrol, id_number, setup_city, user
from tests.tradein.test_pages import Browser

from huanxin.errors import Forbidden, InvalidInput
from huanxin.kit import audit
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein.claims import redemption
from huanxin.tradein.claims.lifecycle import Purchase
from huanxin.tradein.models import FraudFlag
from huanxin.tradein.qualifications import lifecycle as qualification
from huanxin.tradein.residents import identity, reclaim


def test_person_encrypted_and_matched_by_hash(db: Session) -> None:
    number = id_number()
    person = identity.register_person(db, id_number=number, name="陈 小明", phone="13800138000")
    assert number not in (person.id_enc, person.id_hash) and person.id_masked.startswith(number[:3])
    assert identity.person_id_number(person) == number and identity.person_name(person) == "陈小明"
    again = identity.register_person(db, id_number=number.lower(), name="陈小明")
    assert again.id == person.id


def test_bad_id_and_borrowed_name(db: Session) -> None:
    with pytest.raises(InvalidInput, match="校验位"):
        identity.register_person(db, id_number=bad_id_number(), name="陈小明")
    number = id_number()
    identity.register_person(db, id_number=number, name="陈小明")
    with pytest.raises(InvalidInput, match="姓名与身份证号不一致"):
        identity.register_person(db, id_number=number, name="李雷")


def test_bank_card_own_name_and_luhn(db: Session) -> None:
    person = identity.register_person(db, id_number=id_number(), name="陈小明")
    with pytest.raises(InvalidInput, match="本人名下") as err:
        identity.set_bank_card(db, person, card_number=bank_card(), holder_name="韩梅梅")
    assert err.value.field == "card_holder" and person.bank_card_enc is None
    card = bank_card()
    with pytest.raises(InvalidInput, match="Luhn"):
        identity.set_bank_card(db, person, card_number=card[:-1] + str((int(card[-1]) + 1) % 10),
                               holder_name="陈小明")
    identity.set_bank_card(db, person, card_number=card, holder_name="陈小明")
    assert person.bank_card_masked == "**** " + card[-4:]


def test_one_account_one_identity(db: Session) -> None:
    city = setup_city(db, budgets={"digital-2025": 1000_00})
    username = user(db, f"acct-{city.tag}", Role.RESIDENT, city.code)
    scope = city.scope(db, username)
    first, second = id_number(), id_number()
    enrol(db, first, "陈小明")
    enrol(db, second, "陈小明")
    identity.register_person(db, id_number=first, name="陈小明", user_id=scope.user_id)
    with pytest.raises(Forbidden, match="已实名认证"):
        identity.register_person(db, id_number=second, name="陈小明", user_id=scope.user_id)


# ---- the real-name check and the owner's recovery (issue 10, finding 6) ----------------------

def _fresh_account(db: Session, city: City, label: str) -> Scope:
    return city.scope(db, user(db, f"{label}-{city.tag}-{id_number()[-6:]}", Role.RESIDENT, city.code))


def test_an_impostor_is_refused_by_the_real_name_check(db: Session) -> None:
    city = setup_city(db, budgets={"digital-2025": 1000_00})
    number, card = id_number(), bank_card()
    enrol(db, number, "陈小明", card, phone="13912345678")
    impostor = _fresh_account(db, city, "imp")
    for wrong_name in ("李雷", "韩梅梅"):  # any name but the owner's fails the check
        with pytest.raises(InvalidInput, match="实名认证未通过") as err:
            identity.register_person(db, id_number=number, name=wrong_name, user_id=impostor.user_id)
        assert err.value.field == "id_number"
    unregistered = id_number()  # not on the population register at all
    with pytest.raises(InvalidInput, match="实名认证未通过"):
        identity.register_person(db, id_number=unregistered, name="陈小明", user_id=impostor.user_id)
    assert identity.find_person(db, number) is None and identity.find_person(db, unregistered) is None
    owner = _fresh_account(db, city, "own")
    person = identity.register_person(db, id_number=number, name="陈小明", user_id=owner.user_id)
    assert person.user_id == owner.user_id


def test_the_owner_reclaims_an_identity_bound_by_another_account(db: Session) -> None:
    city = setup_city(db)
    programme = city.programmes["appliance-2025"]
    number, card = id_number(), bank_card()
    enrol(db, number, "陈小明", card, phone="13912345678")
    # Someone who knew the owner's name and ID number bound them first (before the check, or
    # through a leak) and put their own card on it; a retailer then redeemed a purchase.
    impostor = _fresh_account(db, city, "imp")
    taken = identity.register_person(db, id_number=number, name="陈小明", user_id=impostor.user_id)
    identity.set_bank_card(db, taken, card_number=bank_card(), holder_name="陈小明")
    q = qualification.claim_qualification(db, programme=programme, person=taken, category="refrigerator",
                                          actor=impostor.username, at=T)
    claim = redemption.redeem(db, city.scope(db, city.retailer_user), q.id,
                              Purchase(category="refrigerator", price_fen=5000_00, invoice_no="INV-RECLAIM-1",
                                       invoice_date=T.date(), brand="海尔", model="BCD-470", efficiency_grade=1,
                                       serial="SN-RECLAIM-1"),
                              holder_id_hash=taken.id_hash, at=T + dt.timedelta(days=1))
    assert claim.status == "approved"

    owner = _fresh_account(db, city, "own")
    with pytest.raises(Forbidden, match="已绑定其他账号"):
        identity.register_person(db, id_number=number, name="陈小明", user_id=owner.user_id)
    proof = reclaim.ReclaimInput(id_number=number, name="陈小明", card_number=card, phone="13912345678")
    with pytest.raises(InvalidInput, match="银行卡核验未通过"):
        reclaim.reclaim(db, owner, reclaim.ReclaimInput(id_number=number, name="陈小明", card_number=bank_card(),
                                                        phone="13912345678"))
    person = reclaim.reclaim(db, owner, proof)

    assert person.id == taken.id and person.user_id == owner.user_id
    assert identity.person_for_user(db, impostor.user_id) is None  # the impostor's account is unbound
    assert person.bank_card_masked == "**** " + card[-4:]  # payouts go to the owner's verified card
    assert claim.status == "review"  # not deleted: back to a reviewer, with the reason
    assert any(f.rule == reclaim.RULE for f in db.scalars(select(FraudFlag).where(FraudFlag.claim_id == claim.id)))
    assert db.scalar(select(audit.AuditRecord).where(audit.AuditRecord.action == "identity_reclaimed",
                                                     audit.AuditRecord.entity_id == str(person.id))) is not None


def test_the_owner_reclaims_over_http(client: TestClient, db: Session) -> None:
    city = setup_city(db, budgets={"digital-2025": 1000_00})
    number, card = id_number(), bank_card()
    enrol(db, number, "陈小明", card, phone="13912345678")
    impostor = _fresh_account(db, city, "imp")
    identity.register_person(db, id_number=number, name="陈小明", user_id=impostor.user_id)
    owner = api_token(client, _fresh_account(db, city, "own").username)
    body = {"id_number": number, "name": "陈小明", "card_number": card, "phone": "13900000000"}
    wrong_phone = client.post("/api/v1/tradein/me/identity/reclaim", headers=owner, json=body)
    assert wrong_phone.status_code == 422 and wrong_phone.json()["field"] == "bank_card"
    done = client.post("/api/v1/tradein/me/identity/reclaim", headers=owner, json={**body, "phone": "13912345678"})
    assert done.status_code == 200, done.text
    assert done.json()["name"] == "陈**" and done.json()["bank_card"] == "**** " + card[-4:]
    assert client.get("/api/v1/tradein/me/messages", headers=api_token(client, impostor.username)).status_code == 422


def test_the_owner_reclaims_through_the_form(app: FastAPI, db: Session) -> None:
    city = setup_city(db, budgets={"digital-2025": 1000_00})
    number, card = id_number(), bank_card()
    enrol(db, number, "陈小明", card, phone="13912345678")
    identity.register_person(db, id_number=number, name="陈小明", user_id=_fresh_account(db, city, "imp").user_id)
    owner = Browser(app, _fresh_account(db, city, "own").username)
    assert "找回身份" in owner.get("/tradein/me")
    r = owner.post("/tradein/me/identity/reclaim", {"name": "陈小明", "id_number": number, "card_number": card,
                                                    "phone": "13912345678"})
    assert r.headers["location"] == "/tradein/me?done=reclaimed"
    page = owner.get(r.headers["location"])
    assert "身份已找回" in page and "陈**" in page and "陈小明" not in page
