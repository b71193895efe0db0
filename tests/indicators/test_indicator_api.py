"""The JSON API under /api/v1: same rules and same Chinese errors as the pages."""

from __future__ import annotations

from fastapi.testclient import TestClient
from indicator_helpers import PANZHIHUA, ZIYANG, count_observations, username_of_unit
from sqlalchemy.orm import Session
from tests.conftest import api_token

OBS = {
    "indicator_code": "equipment_investment",
    "region_code": ZIYANG,
    "year": 2024,
    "month": 12,
    "value": 215,
}


def test_catalogue_needs_a_login_and_lists_every_indicator(client: TestClient) -> None:
    assert client.get("/api/v1/indicators/catalogue").status_code == 401
    response = client.get("/api/v1/indicators/catalogue", headers=api_token(client, "ziyang-leader"))
    codes = {item["code"] for item in response.json()}
    assert {"equipment_investment", "nev_stock", "used_to_new_car_ratio"} <= codes


def test_office_posts_an_observation_and_reads_it_back(client: TestClient) -> None:
    headers = api_token(client, "ziyang-office")
    created = client.post(f"/api/v1/cities/{ZIYANG}/observations", json=OBS, headers=headers)
    assert created.status_code == 201, created.text
    assert created.json()["value"] == 215 and created.json()["source"] == "entered"
    listed = client.get(
        f"/api/v1/cities/{ZIYANG}/observations",
        params={"indicator_code": "equipment_investment"},
        headers=headers,
    )
    assert [(o["year"], o["value"]) for o in listed.json()] == [(2024, 215)]


def test_bad_value_is_422_naming_the_field_in_chinese(client: TestClient, db: Session) -> None:
    headers = api_token(client, "ziyang-office")
    before = count_observations(db)
    response = client.post(
        f"/api/v1/cities/{ZIYANG}/observations",
        json={**OBS, "indicator_code": "key_process_cnc_rate", "value": 101},
        headers=headers,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "value" and "0 到 100" in response.json()["error"]
    missing = client.post(
        f"/api/v1/cities/{ZIYANG}/observations", json={"indicator_code": "nev_stock"}, headers=headers
    )
    assert missing.status_code == 422 and missing.json()["field"] in ("year", "value")
    assert count_observations(db) == before


def test_another_city_is_404_and_a_reader_cannot_write(client: TestClient) -> None:
    other = api_token(client, "panzhihua-office")
    assert client.get(f"/api/v1/cities/{ZIYANG}/indicators/progress", headers=other).status_code == 404
    assert client.post(f"/api/v1/cities/{ZIYANG}/observations", json=OBS, headers=other).status_code == 404
    leader = api_token(client, "ziyang-leader")
    assert client.post(f"/api/v1/cities/{ZIYANG}/observations", json=OBS, headers=leader).status_code == 403


def test_department_writes_only_its_own_indicator(client: TestClient, db: Session) -> None:
    headers = api_token(client, username_of_unit(db, ZIYANG, "商务"))
    own = {**OBS, "indicator_code": "used_car_transactions", "value": 30000}
    assert client.post(f"/api/v1/cities/{ZIYANG}/observations", json=own, headers=headers).status_code == 201
    refused = client.post(f"/api/v1/cities/{ZIYANG}/observations", json=OBS, headers=headers)
    assert refused.status_code == 403 and "负责填报" in refused.json()["error"]


def test_baseline_once_then_409_and_progress_uses_it(client: TestClient, db: Session) -> None:
    headers = api_token(client, "panzhihua-office")
    body = {"indicator_code": "equipment_investment", "region_code": PANZHIHUA, "year": 2023, "value": 300}
    assert client.post(f"/api/v1/cities/{PANZHIHUA}/baselines", json=body, headers=headers).status_code == 201
    again = client.post(f"/api/v1/cities/{PANZHIHUA}/baselines", json={**body, "value": 310}, headers=headers)
    assert again.status_code == 409 and "已录入" in again.json()["error"]
    progress = client.get(f"/api/v1/cities/{PANZHIHUA}/indicators/progress", headers=headers).json()
    target = next(
        t for p in progress["plans"] for t in p["targets"] if t["indicator_code"] == "equipment_investment"
    )
    assert target["target_value"] == 375 and target["baseline"] == 300  # 较2023年增长25%
    missing = next(
        t for p in progress["plans"] for t in p["targets"] if t["indicator_code"] == "used_car_transactions"
    )
    assert missing["status"] == "missing_baseline" and "缺少2023年基期值" in missing["note"]
    dept = api_token(client, username_of_unit(db, PANZHIHUA, "商务"))
    assert client.post(f"/api/v1/cities/{PANZHIHUA}/baselines", json=body, headers=dept).status_code == 403
