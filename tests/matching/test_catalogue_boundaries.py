"""Every matching route, walked by the home city's roles against another city's product, demand item
and contact (as tests/test_boundaries.py walks every route): none is served or changed."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.matching.boundary_support import other_city_world
from tests.matching.catalogue_support import resident, setup

from huanxin.matching.catalogue.models import MatchDeal, SupplyProduct

MARK = "BCITYMARK"


def test_home_roles_never_reach_another_citys_catalogue(db: Session, client: TestClient) -> None:
    ids = other_city_world(db, "370784", MARK)
    m = setup(db)
    actors = {name: api_token(client, user) for name, user in (
        ("supplier", m.supplier_user), ("buyer", m.buyer_user), ("office", m.lib.office_user),
        ("county", m.lib.county_user), ("resident", resident(db)))}
    day = dt.date.today().isoformat()
    requests = [
        ("GET", f"/api/v1/matching/demands/{ids['equipment_id']}", None),
        ("POST", f"/api/v1/matching/demands/{ids['equipment_id']}/contacts", {"product_id": ids["product_id"]}),
        ("POST", f"/api/v1/matching/products/{ids['product_id']}/withdraw", None),
        ("POST", f"/api/v1/matching/contacts/{ids['contact_id']}/deal", {"amount_fen": 100, "signed_on": day}),
        ("GET", "/api/v1/matching/orders", None),
        ("GET", "/api/v1/matching/products", None),
        ("GET", "/api/v1/matching/stats", None),
    ]
    for role, headers in actors.items():
        for method, path, body in requests:
            answer = client.request(method, path, headers=headers, json=body)
            assert answer.status_code < 500, (role, path)
            assert MARK not in answer.text, (role, path)
            if method == "POST" or "demands" in path:  # names the other city's object
                assert answer.status_code in (403, 404), (role, method, path, answer.status_code)
    assert db.get(SupplyProduct, ids["product_id"]).on_sale  # type: ignore[union-attr]
    assert db.query(MatchDeal).filter_by(contact_id=ids["contact_id"]).count() == 0
