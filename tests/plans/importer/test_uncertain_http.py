"""Metadata the importer guessed is shown as a guess on the review screen, until the office corrects it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import login_browser
from tests.plans.importer.test_import_http import ZIYANG, import_id_of, upload

DRAFT = ("安岳县推动设备更新工作方案\n\n为推动设备更新，制定本方案。\n\n一、主要目标\n\n"
         "到2027年，全县设备投资规模较2023年增长20%。\n\n二、重点任务\n\n"
         "（一）推进工业设备更新。支持企业更新设备。（县经济科技信息化局）\n")
SIGNED = DRAFT + "\n安岳县人民政府办公室\n2024年7月8日\n"


def test_a_guessed_issuer_and_a_missing_date_are_marked_until_corrected(client: TestClient) -> None:
    csrf = login_browser(client, "ziyang-office")
    import_id = import_id_of(upload(client, csrf, ZIYANG, "安岳.txt", DRAFT.encode()))
    page = client.get(f"/cities/{ZIYANG}/plans/import/{import_id}").text
    assert 'data-testid="uncertain-issuer"' in page and "系按标题推断" in page
    assert "文中未见落款日期" in page
    saved = client.post(f"/cities/{ZIYANG}/plans/import/{import_id}", data={
        "csrf_token": csrf, "plan-issuer": "安岳县人民政府办公室", "plan-issued_on": "2024-07-08",
        "action": "save"}, follow_redirects=True)
    assert saved.status_code == 200
    page = client.get(f"/cities/{ZIYANG}/plans/import/{import_id}").text
    assert 'data-testid="uncertain-issuer"' not in page and "文中未见落款日期" not in page
    assert 'value="安岳县人民政府办公室"' in page


def test_a_signed_plan_shows_no_guess(client: TestClient) -> None:
    csrf = login_browser(client, "ziyang-office")
    import_id = import_id_of(upload(client, csrf, ZIYANG, "安岳.txt", SIGNED.encode()))
    page = client.get(f"/cities/{ZIYANG}/plans/import/{import_id}").text
    assert 'value="安岳县人民政府办公室"' in page and 'value="2024-07-08"' in page
    assert "uncertain-" not in page
