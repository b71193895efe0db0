"""Exports of the lists: the same columns as the import, so an export uploaded again changes nothing;
money in 万元 exactly from fen; formula-looking text neutralised; each user's rows only; the
province's batch sheet in its own columns."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy.orm import Session
from tests.projects.lists_support import (
    Book,
    SheetSpec,
    consumer_row,
    demand_row,
    equipment_rows,
    full_book,
    library,
    sheet_values,
    supply_row,
    survey_row,
)
from tests.projects.support import walked_to

from huanxin.projects import batches
from huanxin.projects.lists import (
    ImportRejected,
    export_batch,
    export_library,
    export_lists,
    export_template,
    import_workbook,
)
from huanxin.projects.lists.layouts import BATCH, CONSUMER, DEMAND, EQUIPMENT, LIBRARY, SUPPLY, SURVEY

HOSTILE = '=HYPERLINK("http://evil.example","点此查看")'


def test_an_exported_survey_imports_again_unchanged(db: Session) -> None:
    lib = library(db)
    office = lib.scope(db, lib.office_user)
    import_workbook(db, office, full_book(lib).bytes())
    exported = export_lists(db, office)
    again = import_workbook(db, office, exported, "export.xlsx")
    assert {k: (c.created, c.updated) for k, c in again.counts.items()} == {
        "survey": (0, 0), "supply": (0, 0), "consumer": (0, 0), "demand": (0, 0)}
    assert again.counts["demand"].unchanged == 2 and again.counts["survey"].unchanged == 2


def test_export_shows_the_rows_as_they_were_typed(db: Session) -> None:
    lib = library(db)
    office = lib.scope(db, lib.office_user)
    import_workbook(db, office, full_book(lib).bytes())
    data = export_lists(db, office, ("demand",))
    rows = sheet_values(data, DEMAND.sheet)
    assert DEMAND.title in str(rows[0][0])
    headers = list(rows[1])
    assert headers == [c.header for c in DEMAND.columns]
    first = dict(zip(headers, rows[2], strict=True))
    assert first["设备投资（万元）"] == 3000.5 and first["总投资（万元）"] == 5000
    assert first["开工日期"] == dt.datetime(2025, 3, 1)
    assert first["更新方向"] == "节能降碳、智能化升级" and first["已办手续"] == "立项（审批、核准或备案）"
    assert first["建设地点（县、市、区）"] == "雁江区" and first["项目编号"].startswith("SB-512000-")
    sheet = load_workbook(io.BytesIO(data))[DEMAND.sheet]
    money = sheet.cell(3, headers.index("设备投资（万元）") + 1)
    assert money.number_format == "0.00####"
    lines = sheet_values(data, EQUIPMENT.sheet)
    assert [r[:2] for r in lines[2:]] == [(1, "淘汰旧设备"), (1, "购置新设备"), (2, "淘汰旧设备"), (2, "购置新设备")]


def test_formula_looking_text_is_neutralised_and_comes_back_as_typed(db: Session) -> None:
    lib = library(db)
    office = lib.scope(db, lib.office_user)
    row = survey_row(lib, 备注=HOSTILE, 主要利用方式="+回炉")
    import_workbook(db, office, Book([SheetSpec(SURVEY, [row])]).bytes())
    data = export_lists(db, office, ("survey",))
    sheet = load_workbook(io.BytesIO(data))[SURVEY.sheet]
    headers = [c.value for c in sheet[2]]
    note = sheet.cell(3, headers.index("备注") + 1)
    assert note.value == "'" + HOSTILE and note.data_type == "s"
    assert sheet.cell(3, headers.index("主要利用方式") + 1).value == "'+回炉"
    again = import_workbook(db, office, data)
    assert again.counts["survey"].unchanged == 1  # the apostrophe is taken off again


def test_a_county_exports_its_own_region_only(db: Session) -> None:
    lib = library(db)
    office = lib.scope(db, lib.office_user)
    import_workbook(db, office, Book([SheetSpec(CONSUMER, [consumer_row(), consumer_row(
        产品名称="冰箱", **{"所在县（市、区）": "雁江区"})])]).bytes())
    county_rows = sheet_values(export_lists(db, lib.scope(db, lib.county_user), ("consumer",)), CONSUMER.sheet)
    city_rows = sheet_values(export_lists(db, office, ("consumer",)), CONSUMER.sheet)
    assert [r[5] for r in county_rows[2:]] == ["冰箱"]
    assert sorted(r[5] for r in city_rows[2:]) == ["冰箱", "变频空调"]
    assert str(county_rows[0][0]).startswith("雁江区")


def test_the_library_sheet_round_trips(db: Session) -> None:
    lib = library(db)
    walked_to(db, lib, "office")
    office = lib.scope(db, lib.office_user)
    data = export_library(db, office)
    rows = sheet_values(data, LIBRARY.sheet)
    headers = list(rows[1])
    assert dict(zip(headers, rows[2], strict=True))["审核状态"] == "待专班办公室审核"
    again = import_workbook(db, office, data)
    assert again.counts["library"].unchanged == 1 and again.counts["library"].created == 0


def test_a_changed_row_of_a_project_under_review_is_refused(db: Session) -> None:
    lib = library(db)
    walked_to(db, lib, "county")
    office = lib.scope(db, lib.office_user)
    wb = load_workbook(io.BytesIO(export_library(db, office)))
    sheet = wb[LIBRARY.sheet]
    headers = [c.value for c in sheet[2]]
    sheet.cell(3, headers.index("项目名称") + 1).value = "改过名字的项目"
    buffer = io.BytesIO()
    wb.save(buffer)
    with pytest.raises(ImportRejected) as caught:
        import_workbook(db, office, buffer.getvalue())
    assert caught.value.errors[0]["message"].startswith("第3行“项目编号”")
    assert "可以通过导入修改" in caught.value.errors[0]["message"]


def test_the_template_has_every_list_to_fill(db: Session) -> None:
    book = load_workbook(io.BytesIO(export_template()))
    assert book.sheetnames == [SURVEY.sheet, SUPPLY.sheet, CONSUMER.sheet, DEMAND.sheet, EQUIPMENT.sheet]
    assert [c.value for c in book[SUPPLY.sheet][2]] == [c.header for c in SUPPLY.columns]


def test_the_province_batch_sheet(db: Session) -> None:
    lib = library(db)
    project = walked_to(db, lib, "approved")
    office = lib.scope(db, lib.office_user)
    batch = batches.create_batch(db, office, "2026年第一批超长期特别国债设备更新项目", "special_bond",
                                 dt.date.today() + dt.timedelta(days=10))
    batches.add_to_batch(db, office, batch.id, [project.id])
    rows = sheet_values(export_batch(db, office, batch.id), BATCH.sheet)
    assert "2026年第一批" in str(rows[1][0])
    headers = list(rows[2])
    assert headers[:10] == ["序号", "项目名称", "项目单位", "统一社会信用代码", "所属领域", "建设地点",
                            "总投资（万元）", "固定资产投资（万元）", "设备投资（万元）", "建设起止年限"]
    row = dict(zip(headers, rows[3], strict=True))
    assert row["项目单位"] == lib.enterprise.name and row["所属领域"] == "工业" and row["建设地点"] == "雁江区"
    assert Decimal(str(row["总投资（万元）"])) == Decimal("5000") and row["建设起止年限"] == "2025.03—2026.06"
    assert row["建设进度"] == "在建，已完成投资40%" and row["申请资金类型"] == "超长期特别国债"
    assert row["项目编号"] == project.code


def test_supply_and_demand_money_is_exact(db: Session) -> None:
    lib = library(db)
    office = lib.scope(db, lib.office_user)
    import_workbook(db, office, Book([
        SheetSpec(SUPPLY, [supply_row(**{"参考单价（万元）": 0.012345})]),
        SheetSpec(DEMAND, [demand_row(lib, 1, **{"贷款需求（万元）": 1234.567891})]),
        SheetSpec(EQUIPMENT, equipment_rows(1)),
    ]).bytes())
    supply = sheet_values(export_lists(db, office, ("supply",)), SUPPLY.sheet)
    assert supply[2][[c.header for c in SUPPLY.columns].index("参考单价（万元）")] == 0.012345
    demand = sheet_values(export_lists(db, office, ("demand",)), DEMAND.sheet)
    assert demand[2][[c.header for c in DEMAND.columns].index("贷款需求（万元）")] == 1234.567891
