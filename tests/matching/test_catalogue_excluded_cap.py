"""A buyer's page lists at most EXCLUDED_SHOWN of the excluded products (a city of 100,000 products
excludes thousands for one item) and says how many there are."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.matching.catalogue_support import product, setup

from huanxin.matching.catalogue import matches


def test_the_excluded_list_is_capped_and_counted(db: Session, client: TestClient,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    m = setup(db)
    product(db, m.supplier_user, "L-1")
    first = product(db, m.third_user, "W-1", on_sale=False)
    second = product(db, m.third_user, "S-1", efficiency_level="below", efficiency_grade=None)
    monkeypatch.setattr(matches, "EXCLUDED_SHOWN", 1)
    answer = client.get(f"/api/v1/matching/demands/{m.motor.id}", headers=api_token(client, m.buyer_user)).json()
    assert answer["excluded_count"] == 2
    assert [x["product"]["id"] for x in answer["excluded"]] == [first.id]
    login_browser(client, m.buyer_user)
    page = client.get(f"/matching/demands/{m.motor.id}").text
    assert "因硬性条件排除的同类产品（2）" in page and "以下列出前 1 个" in page
    assert "该型号已不允许销售" in page and second.name not in page[page.index("因硬性条件排除"):]
