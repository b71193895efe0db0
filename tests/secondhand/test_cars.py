"""Used cars: VIN check digit and plate refused naming the field, the grade optional, one VIN on sale
once in a city, and the scope."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.secondhand.support import OTHER_CITY, dealer, office, resident
from tests.tradein.claims_support import vin

from huanxin.kit.clock import today


def car(**over: Any) -> dict[str, Any]:
    return {"vin": vin(), "plate": "川A12345", "first_registered_on": "2019-05-20", "grade": "grade_2",
            "inspection_summary": "车身漆面轻微划痕，发动机舱无渗漏，底盘正常，路试无异响", **over}


def test_a_bad_vin_check_digit_and_a_bad_plate_are_refused_naming_the_field(client: TestClient, db: Session) -> None:
    headers = api_token(client, dealer(db))
    good = vin()
    wrong = good[:8] + ("0" if good[8] != "0" else "1") + good[9:]
    r = client.post("/api/v1/secondhand/cars", headers=headers, json=car(vin=wrong))
    assert r.status_code == 422 and r.json()["field"] == "vin" and "校验位" in r.json()["error"]
    r = client.post("/api/v1/secondhand/cars", headers=headers, json=car(plate="AB12"))
    assert r.status_code == 422 and r.json()["field"] == "plate"
    future = (today() + dt.timedelta(days=1)).isoformat()
    r = client.post("/api/v1/secondhand/cars", headers=headers, json=car(first_registered_on=future))
    assert r.status_code == 422 and r.json()["field"] == "first_registered_on"
    assert client.get("/api/v1/secondhand/cars", headers=headers).json()["cars"] == []


def test_a_car_is_registered_with_its_grade_or_without_and_sold_once(client: TestClient, db: Session) -> None:
    headers = api_token(client, dealer(db))
    graded = client.post("/api/v1/secondhand/cars", headers=headers, json=car(plate="川AD12345"))
    assert graded.status_code == 201, graded.text
    assert graded.json()["grade_label"].startswith("二级") and graded.json()["status_label"] == "在售"
    plain = client.post("/api/v1/secondhand/cars", headers=headers, json=car(grade=""))
    assert plain.status_code == 201 and plain.json()["grade_label"] == "未评定"
    twice = client.post("/api/v1/secondhand/cars", headers=headers, json=car(vin=graded.json()["vin"]))
    assert twice.status_code == 409 and twice.json()["field"] == "vin"
    path = f"/api/v1/secondhand/cars/{graded.json()['id']}/sold"
    assert client.post(path, headers=headers).json()["status_label"] == "已售出"
    assert client.post(path, headers=headers).status_code == 409


def test_cars_are_scoped_to_the_city_and_the_dealer(client: TestClient, db: Session) -> None:
    owner = api_token(client, dealer(db))
    made = client.post("/api/v1/secondhand/cars", headers=owner, json=car()).json()
    rival = api_token(client, dealer(db))
    assert client.post(f"/api/v1/secondhand/cars/{made['id']}/sold", headers=rival).status_code == 404
    assert client.get("/api/v1/secondhand/cars", headers=rival).json()["cars"] == []
    far = api_token(client, office(db, OTHER_CITY))
    assert made["vin"] not in client.get("/api/v1/secondhand/cars", headers=far).text
    assert made["vin"] in client.get("/api/v1/secondhand/cars", headers=api_token(client, office(db))).text
    assert client.get("/api/v1/secondhand/cars", headers=api_token(client, resident(db))).status_code == 403


def test_the_car_form_shows_the_error_beside_the_field(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, dealer(db))
    r = client.post("/secondhand/cars", data={"csrf_token": csrf, **car(vin="LSVAB2BM0000000")})
    assert r.status_code == 422 and 'data-field="vin"' in r.text and "17位" in r.text
    ok = client.post("/secondhand/cars", data={"csrf_token": csrf, **car()}, follow_redirects=True)
    assert "已登记车辆" in ok.text and "川A12345" in ok.text
