"""The 设备更新供给清单 sheet: a good sheet adds and changes products, exported columns import back,
and a bad sheet (a text in a price column …) is refused whole with the row and column named."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session
from tests.conftest import login_browser
from tests.matching.catalogue_support import product, setup
from tests.projects.support import scope_for

from huanxin.matching.catalogue import excel, repository
from huanxin.matching.catalogue.api import XLSX

HEADERS = ["产品编号", "设备类别", "产品名称", "规格型号及说明", "关键参数值", "能效水平", "能效等级", "最低价（元）",
           "最高价（元）", "所在地区代码", "交货期（天）", "资质及有效期", "在售"]


def row(code: str, **cells: Any) -> list[Any]:
    values: dict[str, Any] = {"产品编号": code, "设备类别": "三相异步电动机", "产品名称": f"超高效电动机 {code}",
                              "规格型号及说明": "YE5-160M-4 IP55", "关键参数值": 11, "能效水平": "先进水平",
                              "能效等级": 1, "最低价（元）": 9800, "最高价（元）": "10,500.50", "所在地区代码": 512002,
                              "交货期（天）": 15, "资质及有效期": "首台(套)至2027-06-30、专精特新", "在售": "是"}
    values.update(cells)
    return [values[h] for h in HEADERS]


def sheet(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = excel.SHEET
    ws.append(HEADERS)
    for values in rows:
        ws.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_good_sheet_adds_and_changes_products(db: Session) -> None:
    m = setup(db)
    product(db, m.supplier_user, "E-1")
    who = scope_for(db, m.supplier_user)
    result = excel.import_workbook(db, who, sheet([row("E-1"), row("E-2", 在售="否")]), "供给清单.xlsx")
    assert (result.added, result.changed) == (1, 1)
    by_code = {p.code: p for p in repository.own_products(db, who)}
    assert by_code["E-1"].price_min_fen == 9_800_00 and by_code["E-1"].price_max_fen == 10_500_50
    assert by_code["E-1"].params == {"power_kw": 11.0}
    assert by_code["E-1"].credentials == [{"kind": "first_set", "valid_until": "2027-06-30"},
                                          {"kind": "specialised", "valid_until": None}]
    assert not by_code["E-2"].on_sale


def test_a_text_in_a_price_column_refuses_the_whole_sheet_naming_row_and_column(db: Session) -> None:
    m = setup(db)
    who = scope_for(db, m.supplier_user)
    bad = sheet([row("G-1"), row("G-2", **{"最低价（元）": "面议"}), row("G-3", 设备类别="飞行器"),
                 row("G-1", 能效等级="一级")])
    with pytest.raises(excel.ImportRejected) as caught:
        excel.import_workbook(db, who, bad, "供给清单.xlsx")
    messages = [e["message"] for e in caught.value.errors]
    assert messages[0] == "第3行“最低价（元）”应为金额（元，最多两位小数），“面议”不是数字"
    assert "第4行“设备类别”：设备类别“飞行器”不在设备分类中" in messages
    assert not any("category" in msg or "docs/" in msg for msg in messages)  # no field keys on screen
    assert any(msg.startswith("第5行“能效等级”") for msg in messages)
    assert caught.value.message.startswith("导入失败，未写入任何数据：第3行")
    assert repository.own_products(db, who) == []  # not even the good row 2


def test_a_duplicate_code_and_a_missing_column(db: Session) -> None:
    m = setup(db)
    who = scope_for(db, m.supplier_user)
    with pytest.raises(excel.ImportRejected) as caught:
        excel.import_workbook(db, who, sheet([row("D-1"), row("D-1")]), "x.xlsx")
    assert caught.value.errors[0]["message"] == "第3行“产品编号”“D-1”与第2行重复"
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.append(["产品编号", "产品名称"])
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(excel.ImportRejected) as caught:
        excel.import_workbook(db, who, buffer.getvalue(), "x.xlsx")
    assert "表头缺少必需的列“设备类别”" in caught.value.message
    with pytest.raises(excel.ImportRejected):
        excel.import_workbook(db, who, b"code,name\n", "x.csv")


def test_the_export_imports_back_unchanged(db: Session) -> None:
    m = setup(db)
    who = scope_for(db, m.supplier_user)
    excel.import_workbook(db, who, sheet([row("R-1"), row("R-2", 资质及有效期="")]), "x.xlsx")
    data = excel.export_workbook(db, who)
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    header = [c.value for c in ws[1]]
    assert header[:6] == ["产品编号", "设备类别", "产品名称", "规格型号及说明", "关键参数", "关键参数值"]
    assert [c.value for c in ws[2]][4] == "额定功率（kW）"
    result = excel.import_workbook(db, who, data, "x.xlsx")
    assert (result.added, result.changed) == (0, 2)


def test_the_page_shows_every_row_error(db: Session, client: TestClient) -> None:
    m = setup(db)
    csrf = login_browser(client, m.supplier_user)
    files = {"file": ("供给清单.xlsx", sheet([row("P-1", **{"最高价（元）": "待定"})]), XLSX)}
    page = client.post("/matching/products/import", data={"csrf_token": csrf}, files=files)
    assert page.status_code == 422
    assert "第2行“最高价（元）”应为金额（元，最多两位小数），“待定”不是数字" in page.text
    assert repository.own_products(db, scope_for(db, m.supplier_user)) == []


def test_the_page_imports_a_good_sheet_and_says_how_many(db: Session, client: TestClient) -> None:
    m = setup(db)
    csrf = login_browser(client, m.supplier_user)
    files = {"file": ("供给清单.xlsx", sheet([row("P-1"), row("P-2")]), XLSX)}
    page = client.post("/matching/products/import", data={"csrf_token": csrf}, files=files, follow_redirects=True)
    assert "导入完成：新增 2 个产品，更新 0 个。" in page.text and "超高效电动机 P-2" in page.text
