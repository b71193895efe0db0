"""The /secondhand pages as a browser uses them: errors beside the field, the resale gate's reason on
the page, the printable certificate, and the office's read-only view with the scores' formula."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session
from tests.conftest import login_browser
from tests.secondhand.support import EVIDENCE, OTHER_CITY, dealer, imei, office, wipe_form


def _register(client: TestClient, csrf: str, number: str) -> int:
    r = client.post("/secondhand/devices", data={"csrf_token": csrf, "device_type": "phone", "brand": "小米",
                                                 "model": "13", "imei": number, "media_type": "flash"},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/secondhand").text
    found = re.findall(r'data-testid="device-(\d+)"', page)
    assert found
    return int(found[0])


def test_a_bad_imei_is_shown_beside_the_field_with_what_was_typed(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, dealer(db))
    r = client.post("/secondhand/devices", data={"csrf_token": csrf, "device_type": "phone", "brand": "小米",
                                                 "model": "13", "imei": "123456789012345", "media_type": "flash"})
    assert r.status_code == 422
    assert 'data-field="imei"' in r.text and "IMEI末位校验位不正确" in r.text
    assert 'value="123456789012345"' in r.text


def test_a_phone_without_a_wipe_cannot_be_listed_with_one_it_can_and_the_certificate_prints(
        client: TestClient, db: Session) -> None:
    number = imei()
    csrf = login_browser(client, dealer(db))
    device_id = _register(client, csrf, number)
    refused = client.post(f"/secondhand/devices/{device_id}/list", data={"csrf_token": csrf})
    assert refused.status_code == 409 and "尚无经核验的数据清除记录" in refused.text

    one_pass = client.post(f"/secondhand/devices/{device_id}/wipes",
                           data={"csrf_token": csrf, **wipe_form(method="overwrite", passes="0")}, files=EVIDENCE)
    assert one_pass.status_code == 422 and 'data-field="passes"' in one_pass.text

    ok = client.post(f"/secondhand/devices/{device_id}/wipes", data={"csrf_token": csrf, **wipe_form()},
                     files=EVIDENCE, follow_redirects=False)
    assert ok.status_code == 303, ok.text
    listed = client.post(f"/secondhand/devices/{device_id}/list", data={"csrf_token": csrf}, follow_redirects=True)
    assert "已上架转售" in listed.text

    cert = client.get(f"/secondhand/devices/{device_id}/certificate")
    assert cert.status_code == 200
    assert "块擦除" in cert.text and "参照 GB 46864—2025（2027年1月1日起实施）" in cert.text
    assert number not in cert.text and f"***********{number[-4:]}" in cert.text
    assert "清除大师 3.2" in cert.text and "张师傅" in cert.text
    css = client.get("/secondhand/certificate.css")
    assert css.status_code == 200 and "@media print" in css.text


def test_the_office_reads_the_citys_devices_and_scores_read_only(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, dealer(db))
    device_id = _register(client, csrf, imei())
    client.post("/logout", data={"csrf_token": csrf})
    login_browser(client, office(db))
    page = client.get("/secondhand")
    assert page.status_code == 200
    assert f'data-testid="device-{device_id}"' in page.text and "未清除" in page.text
    assert "信用分 = 100 − 5×投诉次数" in page.text
    assert f'action="/secondhand/devices/{device_id}/wipes"' not in page.text
    assert "登记投诉" in page.text


def test_another_citys_office_gets_404_for_the_certificate(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, dealer(db))
    device_id = _register(client, csrf, imei())
    ok = client.post(f"/secondhand/devices/{device_id}/wipes", data={"csrf_token": csrf, **wipe_form()},
                     files=EVIDENCE, follow_redirects=False)
    assert ok.status_code == 303
    client.post("/logout", data={"csrf_token": csrf})
    login_browser(client, office(db, OTHER_CITY))
    assert client.get(f"/secondhand/devices/{device_id}/certificate").status_code == 404
    assert f'data-testid="device-{device_id}"' not in client.get("/secondhand").text
