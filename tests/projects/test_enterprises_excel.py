"""The enterprise list as .xlsx: export, import in the same columns, all or nothing, each bad input
refused with the row and what is wrong in Chinese."""

from __future__ import annotations

import io
from typing import Any

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.conftest import api_token, login_browser
from tests.projects.enterprise_support import ANYUE, CITY, YANJIANG, county, credit_code, enterprise, office, scope

from huanxin.errors import Forbidden
from huanxin.projects import enterprises as service
from huanxin.projects import enterprises_excel as excel
from huanxin.projects.models import Enterprise

HEADERS = [c.header for c in excel.COLUMNS]


def sheet(rows: list[list[Any]], headers: list[str] | None = None, merge: str | None = None,
          title_row: bool = False) -> bytes:
    book = Workbook()
    ws = book.active
    assert ws is not None
    ws.title = excel.SHEET
    if title_row:
        ws.append(["资阳市企业名录（2026年）"])
    ws.append(headers or HEADERS)
    for row in rows:
        ws.append(row)
    if merge:
        ws.merge_cells(merge)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def row(name: str = "导入测试有限公司", code: str | None = None, industry: Any = "3812", region: Any = 512002,
        above: str = "是", flags: str = "专精特新企业", phone: str = "13800138000") -> list[Any]:
    return [code or credit_code(), name, industry, "", region, "", above, flags, "张三", phone, "工业园"]


def count(db: Session) -> int:
    return db.scalar(select(func.count()).select_from(Enterprise).where(Enterprise.city_code == CITY)) or 0


def rejected(db: Session, data: bytes, who: Any = None) -> list[str]:
    before = count(db)
    with pytest.raises(excel.ImportRejected) as caught:
        excel.import_workbook(db, who or office(db), CITY, data, "企业名录.xlsx")
    assert count(db) == before, "nothing may be written"
    assert caught.value.message.startswith("导入失败，未写入任何数据：")
    return [str(e["message"]) for e in caught.value.errors]


def test_a_good_sheet_registers_every_row_with_a_title_row_above_the_header(db: Session) -> None:
    data = sheet([row("导入甲有限公司"), row("导入乙有限公司", region=str(ANYUE), flags="高新技术企业、标准化重点企业",
                                          above="否")], title_row=True)
    result = excel.import_workbook(db, office(db), CITY, data, "企业名录.xlsx")
    assert (result.registered, result.updated) == (2, 0)
    second = db.get(Enterprise, result.enterprise_ids[1])
    assert second is not None and second.region_code == ANYUE and not second.above_scale
    assert second.flags == ["high_tech", "standards"] and second.industry_code == "C3812"


def test_each_bad_input_is_named_with_its_row_and_nothing_is_written(db: Session) -> None:
    good = credit_code()
    bad_letter = good[:4] + "S" + good[5:]
    wrong_check = good[:17] + ("0" if good[17] != "0" else "1")
    data = sheet([
        row("好企业有限公司", code=good),                      # row 2: fine on its own
        row("坏代码甲", code=bad_letter),                      # row 3
        row("坏代码乙", code=wrong_check),                     # row 4
        row("坏区县", region="雁江区"),                        # row 5: text in the code (number) column
        row("外市区县", region=370784),                        # row 6
        row("坏行业", industry="3819X"),                       # row 7
        row("坏规模", above="大型"),                            # row 8
        row("坏称号", flags="驰名商标"),                        # row 9
        row("重复", code=good),                                 # row 10
    ])
    errors = rejected(db, data)
    joined = "\n".join(errors)
    assert "第3行：统一社会信用代码第5位“S”不是有效字符（不使用I、O、Z、S、V）" in joined
    assert f"第4行：统一社会信用代码校验位应为“{good[17]}”，实为“{wrong_check[17]}”" in joined
    assert "第5行“所在区县代码”“雁江区”不是6位数字的行政区划代码" in joined
    assert "第6行：“所在县（市、区）”“370784”不是本市的县级行政区划" in joined
    assert "第7行：“所属行业”中的“3819X”不是GB/T 4754-2017国民经济行业分类代码" in joined
    assert "第8行“规模以上工业企业”“大型”无效" in joined
    assert "第9行“企业称号”中的“驰名商标”不是企业称号" in joined
    assert "第10行“统一社会信用代码”" in joined and "与第2行重复" in joined
    assert not any(e.startswith("第2行") for e in errors)


def test_a_missing_column_names_the_column(db: Session) -> None:
    headers = [h for h in HEADERS if h != "行业代码"]
    errors = rejected(db, sheet([row()[:2] + row()[3:]], headers=headers))
    assert errors == ["表头缺少必需的列“行业代码”（请勿删除或改名表头，可先导出名录作模板）"]


def test_a_merged_cell_is_refused_with_its_row(db: Session) -> None:
    errors = rejected(db, sheet([row("合并甲"), row("合并乙")], merge="E2:E3"))
    assert any("第2行：单元格 E2:E3 是合并单元格" in e for e in errors), errors


def test_not_an_xlsx_and_an_empty_sheet(db: Session) -> None:
    assert rejected(db, b"name,code\n", ) == ["文件不是有效的 .xlsx 文件，请使用导出的企业名录模板"]
    with pytest.raises(excel.ImportRejected) as caught:
        excel.import_workbook(db, office(db), CITY, b"x", "企业名录.csv")
    assert "不是 .xlsx 格式" in caught.value.message
    assert rejected(db, sheet([])) == ["表格中没有企业行"]


def test_a_county_imports_only_its_region(db: Session) -> None:
    theirs = enterprise(db, region=ANYUE)
    errors = rejected(db, sheet([row("本辖区企业"), row("外辖区新企业", region=ANYUE),
                                 row(theirs.name, code=theirs.credit_code, region=ANYUE)]), county(db, YANJIANG))
    assert any(e.startswith("第3行") and "不是本辖区" in e for e in errors)
    assert any(e.startswith("第4行") and "不属于本辖区" in e for e in errors)
    with pytest.raises(Forbidden):
        excel.import_workbook(db, scope(db, "ziyang-dept01"), CITY, sheet([row()]), "x.xlsx")


def test_export_then_import_round_trips_and_keeps_the_masked_phone(db: Session) -> None:
    item = enterprise(db, contact_phone="13712345678", flags=["first_set"])
    data = excel.export_workbook(db, office(db), CITY, service.EnterpriseFilters(q=item.credit_code))
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    values = [c.value for c in ws[2]]
    assert [c.value for c in ws[1]] == HEADERS
    assert values[:3] == [item.credit_code, item.name, "3812"] and values[3] == "电动机制造"
    assert values[5] == "雁江区" and values[7] == "首台（套）装备生产企业" and values[9] == "137****5678"
    result = excel.import_workbook(db, office(db), CITY, data, "企业名录.xlsx")
    assert (result.registered, result.updated, result.unchanged) == (0, 0, 1)
    db.refresh(item)
    assert service.phone_of(item) == "13712345678"
    # a changed cell changes the enterprise
    ws["K2"] = "新厂区2号"
    buffer = io.BytesIO()
    ws.parent.save(buffer)
    result = excel.import_workbook(db, office(db), CITY, buffer.getvalue(), "企业名录.xlsx")
    assert result.updated == 1
    db.refresh(item)
    assert item.address == "新厂区2号"


def test_export_cells_are_neutralised_against_formulas(db: Session) -> None:
    item = enterprise(db, address="=HYPERLINK(\"http://x\")")
    ws = load_workbook(io.BytesIO(excel.export_workbook(db, office(db), CITY,
                                                        service.EnterpriseFilters(q=item.credit_code)))).active
    assert ws is not None and str(ws["K2"].value).startswith("'=")


def test_import_and_export_over_http(client: TestClient, db: Session) -> None:
    headers = api_token(client, "ziyang-office")
    files = {"file": ("企业名录.xlsx", sheet([row("接口导入有限公司")]), excel.XLSX)}
    done = client.post(f"/api/v1/cities/{CITY}/enterprises/import", headers=headers, files=files)
    assert done.status_code == 200, done.text
    assert done.json()["registered"] == 1
    bad = client.post(f"/api/v1/cities/{CITY}/enterprises/import", headers=headers,
                      files={"file": ("企业名录.xlsx", sheet([row(region="雁江区")]), excel.XLSX)})
    assert bad.status_code == 422 and "第2行" in bad.json()["error"]
    exported = client.get(f"/api/v1/cities/{CITY}/enterprises/export.xlsx", headers=headers)
    assert exported.status_code == 200 and exported.headers["content-type"] == excel.XLSX
    assert client.get(f"/api/v1/cities/{CITY}/enterprises/export.xlsx",
                      headers=api_token(client, "anqiu-office")).status_code == 404


def test_the_upload_page_lists_every_rows_error_on_the_list_page(client: TestClient, db: Session) -> None:
    csrf = login_browser(client, "ziyang-office")
    files = {"file": ("企业名录.xlsx", sheet([row(region="雁江区"), row(industry="0000")]), excel.XLSX)}
    page = client.post(f"/cities/{CITY}/enterprises/import", data={"csrf_token": csrf}, files=files)
    assert page.status_code == 422
    assert "第2行“所在区县代码”“雁江区”不是6位数字的行政区划代码" in page.text
    assert "第3行：“所属行业”中的“0000”" in page.text and 'data-testid="import-errors"' in page.text
    ok = client.post(f"/cities/{CITY}/enterprises/import", data={"csrf_token": csrf},
                     files={"file": ("企业名录.xlsx", sheet([row("页面导入有限公司")]), excel.XLSX)})
    assert ok.status_code == 200 and "导入完成：新登记 1 家" in ok.text
