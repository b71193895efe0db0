"""The lists over HTTP: the upload page shows every problem on the form and writes nothing; a good
upload says what it wrote; the API answers the same; downloads are .xlsx; another city is 404."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.projects.lists_support import Book, SheetSpec, demand_row, equipment_rows, full_book, library, supply_row

from huanxin.projects.lists.layouts import DEMAND, EQUIPMENT, SUPPLY
from huanxin.projects.survey_models import SupplyOffering

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _supply_rows(db: Session) -> int:
    return int(db.scalar(select(func.count()).select_from(SupplyOffering)) or 0)


def test_the_upload_page_lists_every_problem_and_writes_nothing(client: TestClient, db: Session) -> None:
    lib = library(db)
    csrf = login_browser(client, lib.county_user)
    page = client.get("/projects/lists")
    assert page.status_code == 200 and "导入清单" in page.text and "下载填报模板" in page.text
    bad = Book([SheetSpec(SUPPLY, [supply_row(), supply_row(产品名称="水泵", **{"参考单价（万元）": "约三千"})]),
                SheetSpec(DEMAND, [demand_row(lib, 1, **{"设备投资（万元）": 9000})]),
                SheetSpec(EQUIPMENT, equipment_rows(1))])
    before = _supply_rows(db)
    r = client.post("/projects/lists/import", data={"csrf_token": csrf},
                    files={"file": ("雁江区.xlsx", bad.bytes(), XLSX)})
    assert r.status_code == 422
    assert 'data-testid="import-errors"' in r.text
    assert "第4行“参考单价（万元）”不是数字：“约三千”" in r.text
    assert "第3行“设备投资（万元）”：设备投资不能大于总投资" in r.text
    assert _supply_rows(db) == before


def test_a_good_upload_says_what_it_wrote(client: TestClient, db: Session) -> None:
    lib = library(db)
    csrf = login_browser(client, lib.office_user)
    r = client.post("/projects/lists/import", data={"csrf_token": csrf},
                    files={"file": ("全市.xlsx", full_book(lib).bytes(), XLSX)}, follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get(r.headers["location"])
    assert 'data-testid="import-ok"' in page.text
    summary = re.search(r'data-testid="import-summary">(.*?)</table>', page.text, re.S)
    assert summary and "工业重点领域技术改造项目和设备更新需求清单</td><td class=\"num\">2" in summary.group(1)


def test_the_api_imports_and_refuses_with_rows(client: TestClient, db: Session) -> None:
    lib = library(db)
    headers = api_token(client, lib.office_user)
    good = client.post(f"/api/v1/cities/{lib.city_code}/project-lists/import", headers=headers,
                       files={"file": ("lists.xlsx", Book([SheetSpec(SUPPLY, [supply_row()])]).bytes(), XLSX)})
    assert good.status_code == 201, good.text
    assert good.json()["counts"]["supply"]["created"] == 1
    bad = client.post(f"/api/v1/cities/{lib.city_code}/project-lists/import", headers=headers, files={
        "file": ("lists.xlsx", Book([SheetSpec(SUPPLY, [supply_row(设备类别="飞行器")])]).bytes(), XLSX)})
    assert bad.status_code == 422
    error = bad.json()["errors"][0]
    assert (error["sheet"], error["row"], error["column"]) == (SUPPLY.sheet, 3, "设备类别")
    assert error["message"].startswith("第3行“设备类别”“飞行器”无效")


def test_downloads_and_another_city(client: TestClient, db: Session) -> None:
    lib = library(db)
    headers = api_token(client, lib.office_user)
    r = client.get(f"/api/v1/cities/{lib.city_code}/project-lists.xlsx?layout=survey", headers=headers)
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    assert client.get(f"/api/v1/cities/{lib.city_code}/project-lists.xlsx?layout=nonsense",
                      headers=headers).status_code == 422
    assert client.get("/api/v1/cities/370784/project-lists.xlsx", headers=headers).status_code == 404
    assert client.post("/api/v1/cities/370784/project-lists/import", headers=headers, files={
        "file": ("x.xlsx", b"PK", XLSX)}).status_code == 404
    leader = api_token(client, lib.leader_user)
    assert client.get(f"/api/v1/cities/{lib.city_code}/project-lists/template.xlsx", headers=leader).status_code == 403
    enterprise = api_token(client, lib.enterprise_user)
    assert client.get(f"/api/v1/cities/{lib.city_code}/project-lists.xlsx", headers=enterprise).status_code == 403


def test_the_library_page_links_its_export(client: TestClient, db: Session) -> None:
    lib = library(db)
    login_browser(client, lib.office_user)
    page = client.get("/projects/library?field=industry")
    link = re.search(r'href="([^"]+)" data-testid="export-link"', page.text)
    assert link and link.group(1).startswith("/projects/library.xlsx"), page.text[:500]
    r = client.get(link.group(1).replace("&amp;", "&"))
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
