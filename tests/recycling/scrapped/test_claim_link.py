"""The link from a car-scrapping trade-in claim to the registry: the claim's 报废机动车回收证明 must be
registered in the city (once the city keeps the registry) for the claim's old VIN; the certificate
records the claim; a second claim on the same certificate or VIN is refused naming the first."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from tests.recycling.scrapped import support as s
from tests.tradein.claims_support import resident, setup_city, vin

from huanxin.errors import Conflict, InvalidInput
from huanxin.recycling.scrapped import repository as repo


def test_a_claim_with_a_registered_certificate_links_and_a_second_is_refused_naming_it(db: Session) -> None:
    city = setup_city(db)
    rc = s.dismantler(db, city.code)
    car = s.record(db, rc)
    first = s.car_claim(db, city, car.vin, car.certificate_no)
    assert first.status in ("approved", "review"), first.decision
    _, cert = repo.certificate_by_number(db, car.certificate_no) or (None, None)
    assert cert is not None and cert.claim_id == first.id
    day = first.submitted_at.date().isoformat()
    with pytest.raises(Conflict) as err:  # the same certificate
        s.car_claim(db, city, car.vin, car.certificate_no)
    assert f"补贴申请 #{first.id}（{day} 提交）" in err.value.message and "每辆车只能享受一次补贴" in err.value.message
    with pytest.raises(Conflict) as err:  # the same VIN with another certificate number
        s.car_claim(db, city, car.vin, "BF-FAKE-0001")
    assert f"#{first.id}" in err.value.message and err.value.field == "old_vin"
    assert cert.claim_id == first.id


def test_a_certificate_of_another_vin_or_not_in_the_registry_is_refused(db: Session) -> None:
    city = setup_city(db)
    rc = s.dismantler(db, city.code)
    car = s.record(db, rc)
    with pytest.raises(InvalidInput, match="不一致") as err:
        s.car_claim(db, city, vin(), car.certificate_no)
    assert err.value.field == "old_vin"
    with pytest.raises(InvalidInput, match="不在本市报废机动车回收登记中") as err:
        s.car_claim(db, city, vin(), "BF-NOT-REGISTERED")
    assert err.value.field == "proofs"
    _, cert = repo.certificate_by_number(db, car.certificate_no) or (None, None)
    assert cert is not None and cert.claim_id is None


def test_a_city_without_a_registry_accepts_the_certificate_as_before(db: Session) -> None:
    city = setup_city(db, "511300")  # a city no demo or hammer gives a registry
    claim = s.car_claim(db, city, vin(), f"BF-UNKNOWN-{city.tag}")
    assert claim.status in ("approved", "review"), claim.decision


def test_a_correction_naming_another_certificate_lets_the_first_go(db: Session) -> None:
    from huanxin.tradein.claims import events, review
    from huanxin.tradein.claims import lifecycle as claims

    city = setup_city(db)
    rc = s.dismantler(db, city.code)
    wrong, right = s.record(db, rc), s.record(db, rc)
    username, person = resident(db, city)
    claim = claims.apply_car(db, city.scope(db, username), city.programmes["car-scrap-2025"], person,
                             s.purchase(wrong.vin, wrong.certificate_no), at=s.T)
    if claim.status != "review":  # a clean claim is approved at once; the reviewer takes it back to ask
        events.move(db, claim, "review", actor="t", note="抽查")
    review.request_correction(db, city.scope(db, city.reviewer_user), claim, "报废机动车回收证明编号有误")
    claims.resubmit(db, city.scope(db, username), claim, s.purchase(right.vin, right.certificate_no), at=s.T)
    first = repo.certificate_by_number(db, wrong.certificate_no)
    second = repo.certificate_by_number(db, right.certificate_no)
    assert first is not None and second is not None
    db.refresh(first[1])
    db.refresh(second[1])
    assert first[1].claim_id is None and second[1].claim_id == claim.id
    assert s.car_claim(db, city, wrong.vin, wrong.certificate_no).id != claim.id  # free for another claim
