"""The registry's API and pages as a dismantler, another recycler, another city, the office and a
resident meet them: scope (404 / 403), errors beside the field, the office's city list with the
linked claim, its filters and the .xlsx export."""

from __future__ import annotations

import io
import re

from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.recycling import invoicing_support as inv
from tests.recycling import weighing_support as ws
from tests.recycling.scrapped import support as s
from tests.tradein.claims_support import resident, setup_city, vin

API = "/api/v1/recycling/scrapped"


def _csrf(page: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found is not None
    return found.group(1)


def test_api_create_get_deregister_and_scope(client: TestClient, db: Session) -> None:
    rc = s.dismantler(db)
    mine = api_token(client, rc.dispatcher)
    data = s.car()
    made = client.post(API, headers=mine, json=s.api_body(data))
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["vin"] == data.vin and body["certificate"]["number"] == data.certificate_no
    assert data.owner_id_number not in made.text and body["fuel_label"] == "汽油"
    again = client.post(API, headers=mine, json=s.api_body(s.car(vin=data.vin)))
    assert again.status_code == 409 and again.json()["field"] == "vin" and data.certificate_no in again.json()["error"]
    bad = client.post(API, headers=mine, json=s.api_body(s.car(vin=data.vin[:8] + "Z" + data.vin[9:])))
    assert bad.status_code == 422 and bad.json()["field"] == "vin"
    early = client.post(f"{API}/{body['id']}/deregistration", headers=mine,
                        json={"number": "ZX-1", "deregistered_on": "2020-01-01"})
    assert early.status_code == 422 and early.json()["field"] == "deregistered_on"
    done = client.post(f"{API}/{body['id']}/deregistration", headers=mine,
                       json={"number": "ZX-1", "deregistered_on": data.certificate_issued_on.isoformat()})
    assert done.status_code == 200 and done.json()["certificate"]["deregistration_no"] == "ZX-1"

    other_recycler = api_token(client, s.dismantler(db).dispatcher)
    other_city = api_token(client, s.dismantler(db, "510400").dispatcher)
    for token in (other_recycler, other_city):
        assert client.get(f"{API}/{body['id']}", headers=token).status_code == 404
        assert client.post(f"{API}/{body['id']}/deregistration", headers=token,
                           json={"number": "ZX-2", "deregistered_on": "2026-01-01"}).status_code == 404
        assert all(v["id"] != body["id"] for v in client.get(API, headers=token).json()["vehicles"])
    city = setup_city(db)
    person_user, _ = resident(db, city)
    res = api_token(client, person_user)
    assert client.get(API, headers=res).status_code == 403
    assert client.get(f"{API}/{body['id']}", headers=res).status_code == 403
    assert client.post(API, headers=res, json=s.api_body(s.car())).status_code == 403
    office = api_token(client, city.office_user)
    assert client.get(f"{API}/{body['id']}", headers=office).status_code == 200
    assert client.post(API, headers=office, json=s.api_body(s.car())).status_code == 403


def test_an_unqualified_recycler_is_refused_on_the_form(client: TestClient, db: Session) -> None:
    rc = ws.recycler(db)
    inv.qualify(db, rc)  # a renewable-resource filing is not a dismantling qualification
    login_browser(client, rc.dispatcher)
    page = client.get("/recycling/scrapped")
    data = s.api_body(s.car())
    refused = client.post("/recycling/scrapped", data={"csrf_token": _csrf(page.text), **data})
    assert refused.status_code == 403 and "报废机动车回收拆解资质" in refused.text


def test_the_form_shows_errors_beside_the_field_and_the_office_reads_exports(client: TestClient,
                                                                             db: Session) -> None:
    city = setup_city(db)
    rc = s.dismantler(db, city.code)
    login_browser(client, rc.dispatcher)
    page = client.get("/recycling/scrapped")
    assert page.status_code == 200 and "登记报废机动车及回收证明" in page.text
    good = vin()
    data = s.api_body(s.car(vin=good))
    wrong = client.post("/recycling/scrapped", data={"csrf_token": _csrf(page.text),
                                                     **{**data, "vin": good[:8] + "Z" + good[9:]}})
    assert wrong.status_code == 422 and "校验位" in wrong.text and f'value="{data["plate"]}"' in wrong.text
    ok = client.post("/recycling/scrapped", data={"csrf_token": _csrf(page.text), **data}, follow_redirects=False)
    assert ok.status_code == 303
    listed = client.get("/recycling/scrapped?done=vehicle")
    assert good in listed.text and "已登记报废机动车" in listed.text
    early = client.post(f"/recycling/scrapped/{_id_of(listed.text)}/deregistration",
                        data={"csrf_token": _csrf(listed.text), "number": "ZX-9", "deregistered_on": "2020-01-01"})
    assert early.status_code == 422 and "应先回收报废、后注销登记" in early.text

    claim = s.car_claim(db, city, good, data["certificate_no"])
    client.cookies.clear()
    login_browser(client, city.office_user)
    month = data["certificate_issued_on"][:7]
    office = client.get(f"/recycling/scrapped?month={month}")
    assert good in office.text and f"#{claim.id}" in office.text and rc.unit_id is not None
    assert data["owner_id_number"] not in office.text
    assert good not in client.get("/recycling/scrapped?month=2020-01").text
    sheet = client.get(f"/recycling/scrapped/export.xlsx?month={month}")
    assert sheet.status_code == 200
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    mine = [r for r in rows if r[1] == good]
    assert len(mine) == 1 and mine[0][15] == f"#{claim.id}" and data["owner_id_number"] not in [str(c) for c in mine[0]]


def _id_of(page: str) -> int:
    found = re.search(r'data-testid="vehicle-(\d+)"', page)
    assert found is not None
    return int(found.group(1))
