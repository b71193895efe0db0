"""The second-hand registry through the API: IMEI check, wipe records refused whole, the resale gate,
the certificate, and the scope (another city, another dealer, a resident)."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import api_token
from tests.recycling.weighing_support import CITY, tag
from tests.secondhand.support import (
    OTHER_CITY,
    add_device,
    add_wipe,
    bad_imei,
    dealer,
    device_body,
    office,
    other_city_world,
    resident,
)
from tests.tradein.claims_support import user

from huanxin.kit.clock import today
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import Role


def test_an_imei_with_a_wrong_check_digit_is_refused_naming_imei(client: TestClient, db: Session) -> None:
    headers = api_token(client, dealer(db))
    r = client.post("/api/v1/secondhand/devices", headers=headers, json=device_body(imei=bad_imei()))
    assert r.status_code == 422
    assert r.json()["field"] == "imei" and "校验位" in r.json()["error"]
    assert client.get("/api/v1/secondhand/devices", headers=headers).json()["devices"] == []


def test_a_phone_needs_an_imei_and_other_devices_an_imei_or_sn(client: TestClient, db: Session) -> None:
    headers = api_token(client, dealer(db))
    r = client.post("/api/v1/secondhand/devices", headers=headers, json=device_body(imei=""))
    assert r.status_code == 422 and r.json()["field"] == "imei"
    laptop = add_device(client, headers, device_type="computer", imei="", serial_number="SN-1", media_type="magnetic")
    assert laptop["status_label"] == "已登记，待清除" and laptop["wipe_status"] == "未清除"


def test_one_pass_on_a_magnetic_disk_is_refused_whole_and_counted(client: TestClient, db: Session) -> None:
    headers = api_token(client, dealer(db))
    laptop = add_device(client, headers, device_type="computer", imei="", serial_number="SN-2", media_type="magnetic")
    r = add_wipe(client, headers, laptop["id"], method="overwrite", passes="1", includes_random_pass="1",
                 media_type="magnetic")
    assert r.status_code == 422 and r.json()["field"] == "passes"
    assert "磁介质须至少覆写3遍且含1遍随机数据" in r.json()["error"]
    assert client.get(f"/api/v1/secondhand/devices/{laptop['id']}", headers=headers).json()["wipes"] == []
    mine = client.get("/api/v1/secondhand/dealers", headers=headers).json()["dealers"]
    assert [(d["refusals"], d["score"]) for d in mine] == [(1, 97)]


def test_three_passes_without_random_are_refused(client: TestClient, db: Session) -> None:
    headers = api_token(client, dealer(db))
    disk = add_device(client, headers, device_type="storage", imei="", serial_number="HDD-3", media_type="magnetic")
    r = add_wipe(client, headers, disk["id"], method="overwrite", passes="3", media_type="magnetic")
    assert r.status_code == 422 and r.json()["field"] == "includes_random_pass"
    ok = add_wipe(client, headers, disk["id"], method="overwrite", passes="3", includes_random_pass="1",
                  media_type="magnetic")
    assert ok.status_code == 201, ok.text


def test_without_a_verified_wipe_a_phone_cannot_be_listed_with_one_it_can(client: TestClient, db: Session) -> None:
    headers = api_token(client, dealer(db))
    phone = add_device(client, headers)
    refused = client.post(f"/api/v1/secondhand/devices/{phone['id']}/list", headers=headers)
    assert refused.status_code == 409 and "尚无经核验的数据清除记录" in refused.json()["error"]
    failed = add_wipe(client, headers, phone["id"], verified="", evidence=False)
    assert failed.status_code == 201 and failed.json()["certificate_number"] is None
    again = client.post(f"/api/v1/secondhand/devices/{phone['id']}/list", headers=headers)
    assert again.status_code == 409
    passed = add_wipe(client, headers, phone["id"])
    assert passed.status_code == 201 and passed.json()["certificate_number"]
    listed = client.post(f"/api/v1/secondhand/devices/{phone['id']}/list", headers=headers)
    assert listed.status_code == 200 and listed.json()["status_label"] == "已上架转售"
    sold = client.post(f"/api/v1/secondhand/devices/{phone['id']}/sold", headers=headers)
    assert sold.status_code == 200 and sold.json()["status_label"] == "已售出"
    scores = client.get("/api/v1/secondhand/dealers", headers=headers).json()["dealers"]
    assert scores[0]["failed_verifications"] == 1 and scores[0]["score"] == 90


def test_a_verified_record_needs_evidence_and_the_method_of_the_media(client: TestClient, db: Session) -> None:
    headers = api_token(client, dealer(db))
    phone = add_device(client, headers)
    no_file = add_wipe(client, headers, phone["id"], evidence=False)
    assert no_file.status_code == 422 and no_file.json()["field"] == "evidence"
    crypto = add_wipe(client, headers, phone["id"], method="crypto_erase")
    assert crypto.status_code == 422 and crypto.json()["field"] == "method"
    wrong_media = add_wipe(client, headers, phone["id"], media_type="magnetic", method="overwrite", passes="3",
                           includes_random_pass="1")
    assert wrong_media.status_code == 422 and wrong_media.json()["field"] == "media_type"


def test_the_certificate_json_masks_the_imei_and_cites_the_standard(client: TestClient, db: Session) -> None:
    headers = api_token(client, dealer(db))
    phone = add_device(client, headers)
    assert client.get(f"/api/v1/secondhand/devices/{phone['id']}/certificate", headers=headers).status_code == 404
    assert add_wipe(client, headers, phone["id"]).status_code == 201
    cert = client.get(f"/api/v1/secondhand/devices/{phone['id']}/certificate", headers=headers).json()
    assert cert["method"] == "块擦除" and cert["standard"] == "参照 GB 46864—2025（2027年1月1日起实施）"
    assert cert["imei_masked"].startswith("***********") and len(cert["imei_masked"]) == 15


def test_another_city_another_dealer_and_a_resident_are_refused(client: TestClient, db: Session) -> None:
    owner = api_token(client, dealer(db))
    phone = add_device(client, owner)
    assert add_wipe(client, owner, phone["id"]).status_code == 201
    path = f"/api/v1/secondhand/devices/{phone['id']}"
    far_office = api_token(client, office(db, OTHER_CITY))
    for url in (path, f"{path}/certificate"):
        assert client.get(url, headers=far_office).status_code == 404
    rival = api_token(client, dealer(db))
    assert client.get(path, headers=rival).status_code == 404
    assert client.post(f"{path}/list", headers=rival).status_code == 404
    assert add_wipe(client, rival, phone["id"]).status_code == 404
    assert client.get("/api/v1/secondhand/devices", headers=rival).json()["devices"] == []
    home_office = api_token(client, office(db))
    assert client.get(path, headers=home_office).status_code == 200
    assert client.post(f"{path}/list", headers=home_office).status_code == 403
    person = api_token(client, resident(db))
    assert client.get("/api/v1/secondhand/devices", headers=person).status_code == 403
    assert client.get(path, headers=person).status_code == 403


def test_the_office_records_a_complaint_that_lowers_the_score(client: TestClient, db: Session) -> None:
    owner = api_token(client, dealer(db))
    phone = add_device(client, owner)
    me = client.get("/api/v1/secondhand/dealers", headers=owner).json()["dealers"][0]
    boss = api_token(client, office(db))
    body = {"dealer_unit_id": phone["dealer_unit_id"], "received_on": (today() - dt.timedelta(days=10)).isoformat(),
            "summary": "出售的手机残留照片"}
    r = client.post("/api/v1/secondhand/complaints", headers=boss, json=body)
    assert r.status_code == 201, r.text
    assert client.post("/api/v1/secondhand/complaints", headers=owner, json=body).status_code == 403
    far = api_token(client, office(db, OTHER_CITY))
    assert client.post("/api/v1/secondhand/complaints", headers=far, json=body).status_code == 404
    after = [d for d in client.get("/api/v1/secondhand/dealers", headers=boss).json()["dealers"]
             if d["dealer_unit_id"] == phone["dealer_unit_id"]][0]
    assert after["complaints"] == 1 and after["score"] == me["score"] - 5


def test_a_retailer_trades_devices_too(client: TestClient, db: Session) -> None:
    shop = orgs_service.ensure_unit(db, city_code=CITY, name=f"测试数码店{tag()}", kind="retailer", aliases=[],
                                    region_code=CITY)
    headers = api_token(client, user(db, f"sh-shop-{tag()}", Role.RETAILER, CITY, shop.id))
    assert add_device(client, headers)["dealer_unit_id"] == shop.id


def test_ids_beyond_64_bits_answer_4xx_on_every_route(client: TestClient, db: Session) -> None:
    headers = api_token(client, dealer(db))
    big = str(2**63)
    for method, path in (("GET", "devices/{}"), ("POST", "devices/{}/list"), ("POST", "devices/{}/sold"),
                         ("GET", "devices/{}/certificate"), ("POST", "devices/{}/wipes"), ("POST", "cars/{}/sold")):
        r = client.request(method, "/api/v1/secondhand/" + path.format(big), headers=headers)
        assert 400 <= r.status_code < 500, (method, path, r.status_code)


def test_another_citys_whole_world_stays_out_of_sight(client: TestClient, db: Session) -> None:
    far = other_city_world(db, OTHER_CITY, "SHMARK")
    headers = api_token(client, office(db))
    for url in ("devices", "dealers", "cars"):
        assert "SHMARK" not in client.get(f"/api/v1/secondhand/{url}", headers=headers).text
    assert client.get(f"/api/v1/secondhand/devices/{far['device_id']}/certificate", headers=headers).status_code == 404
    body = {"dealer_unit_id": far["dealer_unit_id"], "received_on": today().isoformat(), "summary": "越权投诉"}
    assert client.post("/api/v1/secondhand/complaints", headers=headers, json=body).status_code == 404
