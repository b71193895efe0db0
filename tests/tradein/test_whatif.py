"""What-if over the city's past claims: the cost of lowering a cap is computed, and nothing changes."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.tradein.claims_support import T, holder, resident, setup_city
from tests.tradein.test_lifecycle import DAY, fridge

from huanxin.errors import Forbidden, InvalidInput
from huanxin.ledger.models import Transfer
from huanxin.tradein.claims import redemption
from huanxin.tradein.programmes import whatif as whatif_service
from huanxin.tradein.qualifications import lifecycle as qualification


def _three_fridges(db: Session) -> tuple[object, object]:
    city = setup_city(db, "430500")
    programme = city.programmes["appliance-2025"]
    shop = city.scope(db, city.retailer_user)
    for price, grade in ((5000_00, 1), (12000_00, 1), (8000_00, 2)):  # subsidies 1,000 / 2,000 (cap) / 1,200 yuan
        _, person = resident(db, city)
        q = qualification.claim_qualification(db, programme=programme, person=person, category="refrigerator",
                                              actor="t", at=T)
        redemption.redeem(db, shop, q.id, fridge(f"SN-W-{price}", price=price, grade=grade),
                          holder_id_hash=holder(db, q), at=T + DAY)
    return city, programme


def test_lowering_the_cap_costs_less_on_past_claims(db: Session) -> None:
    city, _ = _three_fridges(db)
    transfers_before = db.scalar(select(func.count()).select_from(Transfer))
    result = whatif_service.what_if_for_city(db, city.scope(db, city.office_user), rules_code="appliance-2025",
                                             overrides={"appliance.cap_per_item": 150000})
    assert result.count == 3
    assert result.baseline_total_fen == 1000_00 + 2000_00 + 1200_00
    assert result.proposed_total_fen == 1000_00 + 1500_00 + 1200_00
    assert result.difference_fen == -500_00 and result.changed == 1
    assert db.scalar(select(func.count()).select_from(Transfer)) == transfers_before  # nothing moved


def test_what_if_needs_staff_and_a_known_parameter(db: Session) -> None:
    city, _ = _three_fridges(db)
    from huanxin.tradein.rules.registry import default_rulebook

    with pytest.raises(InvalidInput):
        whatif_service.what_if_for_city(db, city.scope(db, city.office_user), rules_code="appliance-2025",
                                        overrides={"appliance.no_such_parameter": 1})
    with pytest.raises(Forbidden):
        whatif_service.what_if_for_city(db, city.scope(db, city.retailer_user), rules_code="appliance-2025",
                                        overrides={"appliance.cap_per_item": 150000})
    assert default_rulebook().programme("appliance-2025")  # the shipped rules are untouched


def test_what_if_api(client: TestClient, db: Session) -> None:
    _three_fridges(db)
    headers = api_token(client, "shaoyang-office")
    response = client.post("/api/v1/tradein/what-if", headers=headers,
                           json={"programme": "appliance-2025", "overrides": {"appliance.cap_per_item": 150000}})
    assert response.status_code == 200, response.text
    assert response.json()["difference_fen"] == -500_00
    assert client.post("/api/v1/tradein/what-if", headers=headers,
                       json={"programme": "appliance-2025", "overrides": {}}).status_code == 422
