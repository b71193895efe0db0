"""Residents: the ID number validated (GB 11643), encrypted at rest and matched by keyed hash;
the name must match; the bank card must be the applicant's own (Luhn)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from tests.tradein.claims_support import bad_id_number, bank_card, id_number

from huanxin.errors import Forbidden, InvalidInput
from huanxin.tradein import identity


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
    from tests.tradein.claims_support import setup_city, user

    from huanxin.orgs.roles import Role

    city = setup_city(db, budgets={"digital-2025": 1000_00})
    username = user(db, f"acct-{city.tag}", Role.RESIDENT, city.code)
    scope = city.scope(db, username)
    identity.register_person(db, id_number=id_number(), name="陈小明", user_id=scope.user_id)
    with pytest.raises(Forbidden, match="已实名认证"):
        identity.register_person(db, id_number=id_number(), name="陈小明", user_id=scope.user_id)
