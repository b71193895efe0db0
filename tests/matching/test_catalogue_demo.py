"""The demo's catalogue: every supplier lists products of several classes the engine reads, and the
buyer's ranked list then shows them."""

from __future__ import annotations

import random

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.matching.catalogue_support import setup

from huanxin.matching import demo
from huanxin.matching.catalogue.models import SupplyProduct


def test_the_demo_lists_products_that_the_buyer_then_sees_ranked(db: Session, client: TestClient) -> None:
    m = setup(db)
    made = demo.seed(db, m.lib.city_code, random.Random(7))
    stored = db.scalar(select(func.count()).select_from(SupplyProduct)
                       .where(SupplyProduct.city_code == m.lib.city_code))
    assert made == stored and made >= 3 * demo.CLASSES_PER_SUPPLIER * 15
    classes = db.scalars(select(SupplyProduct.category).where(SupplyProduct.enterprise_id == m.supplier.id).distinct())
    assert len(list(classes)) == demo.CLASSES_PER_SUPPLIER
    answer = client.get(f"/api/v1/matching/demands/{m.motor.id}", headers=api_token(client, m.buyer_user))
    assert answer.status_code == 200
    for item in answer.json()["matches"]:
        assert item["explanation"].split("，")[0] in ("同类设备 +40", "所属大类相符 +30", "同组可替代设备 +10")
