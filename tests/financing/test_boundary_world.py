"""The boundary walk's financing world is sound, and the home city's users cannot reach it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.financing.boundary_world import financing_world
from tests.financing.support import setup_financing


def test_home_city_office_and_bank_get_404_for_the_other_citys_need_and_loan(db: Session, client: TestClient) -> None:
    ids = financing_world(db, "BCITYMARK")
    home = setup_financing(db)
    for username in (home.lib.office_user, home.bank_a_user):
        headers = api_token(client, username)
        assert client.get(f"/api/v1/financing/needs/{ids['need_id']}", headers=headers).status_code == 404
        assert client.get(f"/api/v1/financing/loans/{ids['loan_id']}", headers=headers).status_code == 404
        listed = client.get("/api/v1/financing/needs", headers=headers).text
        assert "BCITYMARK" not in listed
    office = api_token(client, home.lib.office_user)
    settle = client.post(f"/api/v1/financing/loans/{ids['loan_id']}/subsidy/2025Q1/settle", json={},
                         headers={**office, "Idempotency-Key": "x-1"})
    assert settle.status_code == 404
