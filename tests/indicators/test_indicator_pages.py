"""The indicator pages and the cockpit, through a browser session (cookie + CSRF)."""

from __future__ import annotations

import io
import json
import re

import pytest
from fastapi.testclient import TestClient
from indicator_helpers import (
    PANZHIHUA,
    ZIYANG,
    count_baselines,
    count_observations,
    username_of_unit,
    workbook,
)
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from tests.conftest import login_browser

from huanxin.web.app import VENDOR_DIR

FORM = {
    "indicator_code": "equipment_investment",
    "region_code": ZIYANG,
    "year": "2024",
    "month": "12",
    "value": "215",
}


def chart_data(html: str) -> list[dict[str, object]]:
    return [
        json.loads(m)
        for m in re.findall(r'<script type="application/json" class="chart-data">(.*?)</script>', html, re.S)
    ]


def test_office_sees_the_cockpit_with_charts_and_ledger(client: TestClient) -> None:
    csrf = login_browser(client, "ziyang-office")
    client.post(
        f"/cities/{ZIYANG}/baselines",
        data={
            "indicator_code": "equipment_investment",
            "region_code": ZIYANG,
            "year": "2023",
            "value": "200",
            "csrf_token": csrf,
        },
    )
    client.post(f"/cities/{ZIYANG}/observations", data={**FORM, "csrf_token": csrf})
    page = client.get(f"/cities/{ZIYANG}/cockpit")
    assert page.status_code == 200
    assert "工作专班驾驶舱" in page.text and "核心指标" in page.text and "逾期事项" in page.text
    assert "/vendor/chartjs/chart.umd.js" in page.text and "/static/charts.js" in page.text
    charts = chart_data(page.text)
    investment = next(c for c in charts if "设备投资" in str(c["title"]))
    assert investment["target"] == 250 and investment["needed"][0] == {"year": 2023, "value": 200}  # type: ignore[index]
    assert '<table class="path-table">' in page.text  # the same data without JavaScript
    assert "资阳市推动大规模设备更新和消费品以旧换新实施方案" in page.text and "红灯" in page.text


def test_leader_sees_the_cockpit(client: TestClient) -> None:
    login_browser(client, "ziyang-leader")
    assert client.get(f"/cities/{ZIYANG}/cockpit").status_code == 200


def test_department_and_county_get_403_on_the_cockpit(client: TestClient, db: Session) -> None:
    login_browser(client, username_of_unit(db, ZIYANG, "商务"))
    response = client.get(f"/cities/{ZIYANG}/cockpit")
    assert response.status_code == 403 and "驾驶舱" in response.text
    county = TestClient(client.app)
    login_browser(county, "ziyang-county-512021")
    assert county.get(f"/cities/{ZIYANG}/cockpit").status_code == 403


def test_another_citys_cockpit_and_indicators_are_404(client: TestClient) -> None:
    login_browser(client, "ziyang-office")
    assert client.get(f"/cities/{PANZHIHUA}/cockpit").status_code == 404
    assert client.get(f"/cities/{PANZHIHUA}/indicators").status_code == 404
    assert client.get(f"/cities/{PANZHIHUA}/indicators/equipment_investment").status_code == 404


def test_signed_out_visitor_is_sent_to_login(client: TestClient) -> None:
    response = client.get(f"/cities/{ZIYANG}/cockpit", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"].startswith("/login")


def test_indicators_page_shows_targets_missing_baselines_and_forms(client: TestClient) -> None:
    login_browser(client, "ziyang-office")
    page = client.get(f"/cities/{ZIYANG}/indicators")
    assert page.status_code == 200
    assert "缺少2023年基期值" in page.text  # no baselines entered yet
    assert "录入指标数据" in page.text and "从 Excel 导入" in page.text and "录入基期值" in page.text


def test_department_form_offers_only_its_indicators_and_no_baseline_form(
    client: TestClient, db: Session
) -> None:
    login_browser(client, username_of_unit(db, ZIYANG, "商务"))
    page = client.get(f"/cities/{ZIYANG}/indicators").text
    entry = page[page.index('id="entry"') :]
    assert 'value="used_car_transactions"' in entry and 'value="equipment_investment"' not in entry
    assert 'id="baseline"' not in page and "保存基期值" not in page


def test_posting_an_observation_saves_it_and_shows_it_in_history(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, "ziyang-office")
    before = count_observations(db, ZIYANG)
    response = client.post(
        f"/cities/{ZIYANG}/observations", data={**FORM, "csrf_token": csrf}, follow_redirects=False
    )
    assert response.status_code == 303
    assert count_observations(db, ZIYANG) == before + 1
    page = client.get(response.headers["location"])
    assert "已保存指标数据" in page.text
    detail = client.get(f"/cities/{ZIYANG}/indicators/equipment_investment")
    assert detail.status_code == 200 and "2024年" in detail.text and "215" in detail.text


def test_forged_csrf_token_is_refused_and_nothing_saved(client: TestClient, db: Session) -> None:
    login_browser(client, "ziyang-office")
    before = count_observations(db)
    forged = client.post(f"/cities/{ZIYANG}/observations", data={**FORM, "csrf_token": "forged"})
    assert forged.status_code == 403 and "CSRF" in forged.text
    missing = client.post(f"/cities/{ZIYANG}/observations", data=FORM)
    assert missing.status_code == 403
    baseline = client.post(
        f"/cities/{ZIYANG}/baselines",
        data={"indicator_code": "equipment_investment", "value": "1", "csrf_token": "forged"},
    )
    assert baseline.status_code == 403
    assert count_observations(db) == before and count_baselines(db) == 0


def test_bad_form_value_gets_a_chinese_error_page(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, "ziyang-office")
    before = count_observations(db)
    response = client.post(
        f"/cities/{ZIYANG}/observations", data={**FORM, "value": "两百", "csrf_token": csrf}
    )
    assert response.status_code == 422 and "数值“两百”不是有效数字" in response.text
    assert count_observations(db) == before


def test_second_baseline_via_form_is_refused_with_a_clear_message(client: TestClient) -> None:
    csrf = login_browser(client, "ziyang-office")
    form = {
        "indicator_code": "used_car_transactions",
        "region_code": ZIYANG,
        "year": "2023",
        "value": "20000",
        "csrf_token": csrf,
    }
    assert client.post(f"/cities/{ZIYANG}/baselines", data=form, follow_redirects=False).status_code == 303
    again = client.post(f"/cities/{ZIYANG}/baselines", data={**form, "value": "21000"})
    assert again.status_code == 409 and "基期值已录入" in again.text
    fixed = client.post(
        f"/cities/{ZIYANG}/baselines",
        data={**form, "value": "21000", "correct": "1", "note": "口径调整"},
        follow_redirects=False,
    )
    assert fixed.status_code == 303


def test_upload_import_good_and_bad(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, "ziyang-office")
    before = count_observations(db)
    bad = workbook(
        [["equipment_investment", ZIYANG, 2024, 12, 1, None], ["nev_stock", ZIYANG, 2024, 12, "x", None]]
    )
    response = client.post(
        f"/cities/{ZIYANG}/observations/import",
        data={"csrf_token": csrf},
        files={"file": ("data.xlsx", bad, "application/octet-stream")},
    )
    assert response.status_code == 422 and "第3行「数值」" in response.text
    assert count_observations(db) == before
    good = workbook([["equipment_investment", ZIYANG, 2024, 12, 1, None]])
    done = client.post(
        f"/cities/{ZIYANG}/observations/import",
        data={"csrf_token": csrf},
        files={"file": ("data.xlsx", good, "application/octet-stream")},
        follow_redirects=False,
    )
    assert done.status_code == 303
    assert "新增 1 条" in client.get(done.headers["location"]).text


def test_import_template_download_opens_in_openpyxl(client: TestClient) -> None:
    login_browser(client, "ziyang-office")
    response = client.get(f"/cities/{ZIYANG}/indicators/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    assert [c.value for c in sheet[1]] == ["指标代码", "地区代码", "年份", "月份", "数值", "备注"]


def test_unknown_indicator_page_is_404(client: TestClient) -> None:
    login_browser(client, "ziyang-office")
    assert client.get(f"/cities/{ZIYANG}/indicators/no_such_thing").status_code == 404


def test_charts_script_is_served_and_chartjs_from_node_modules(client: TestClient) -> None:
    script = client.get("/static/charts.js")
    assert script.status_code == 200 and "new window.Chart" in script.text
    if not VENDOR_DIR.exists():
        pytest.skip("node_modules/chart.js is not installed (run npm ci)")
    assert client.get("/vendor/chartjs/chart.umd.js").status_code == 200


def test_year_to_date_figure_is_shown_with_its_annualised_value(client: TestClient) -> None:
    csrf = login_browser(client, "ziyang-office")
    client.post(
        f"/cities/{ZIYANG}/observations",
        data={**FORM, "year": "2026", "month": "6", "value": "120", "csrf_token": csrf},
    )
    page = client.get(f"/cities/{ZIYANG}/indicators").text
    row = page[page.index("设备投资规模</a>") :]
    row = row[: row.index("</tr>")]
    assert "2026年1–6月" in row and "折算全年 240" in row
