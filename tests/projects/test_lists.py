"""The "一表三单" and the library sheet as Excel: a county's whole survey in one workbook imports; each
bad input names its sheet, row and column, every bad row is listed at once, and nothing is written."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.projects.lists_support import (
    Book,
    SheetSpec,
    consumer_row,
    demand_row,
    equipment_rows,
    full_book,
    library,
    supply_row,
    survey_row,
    valid_code,
)

from huanxin.errors import Forbidden
from huanxin.kit.audit import AuditRecord
from huanxin.projects import service
from huanxin.projects.lists import ImportRejected, import_workbook
from huanxin.projects.lists.layouts import CONSUMER, DEMAND, EQUIPMENT, SUPPLY, SURVEY
from huanxin.projects.models import Project, ProjectEquipment
from huanxin.projects.survey_models import ConsumerSupply, EnterpriseSurvey, ListUpload, SupplyOffering

TABLES = (Project, ProjectEquipment, EnterpriseSurvey, SupplyOffering, ConsumerSupply, ListUpload)


def counts(db: Session) -> dict[str, int]:
    return {t.__tablename__: int(db.scalar(select(func.count()).select_from(t)) or 0) for t in TABLES}


def rejected(db: Session, scope: Any, book: Book) -> list[dict[str, Any]]:
    """The errors of a refused upload, after checking that it wrote nothing."""
    before = counts(db)
    with pytest.raises(ImportRejected) as caught:
        import_workbook(db, scope, book.bytes(), "survey.xlsx")
    assert counts(db) == before, "a refused workbook wrote something"
    assert caught.value.message.startswith("导入失败，未写入任何数据")
    return caught.value.errors


def messages(errors: list[dict[str, Any]]) -> list[str]:
    return [e["message"] for e in errors]


def wrong_check(code: str) -> str:
    """The code with a check character that is surely wrong (never its own)."""
    return code[:-1] + ("1" if code[-1] == "0" else "0")


def test_a_countys_whole_survey_in_one_workbook_imports(db: Session) -> None:
    lib = library(db)
    county = lib.scope(db, lib.county_user)
    book = full_book(lib)
    book.sheets[4].rows[0]["所在县（市、区）"] = "雁江区"  # a county sends its own region's rows
    result = import_workbook(db, county, book.bytes(), "雁江区一表三单.xlsx")

    assert {k: c.created for k, c in result.counts.items()} == {"survey": 2, "supply": 1, "consumer": 1, "demand": 2}
    assert result.skipped == ["填表说明"]
    logged = db.scalar(select(AuditRecord).where(AuditRecord.action == "project_lists_import",
                                                 AuditRecord.entity_id == str(result.upload_id)))
    assert logged is not None and logged.detail["demand"]["created"] == 2
    projects = [service.get_project(db, county, pid) for pid in result.project_ids]
    assert [p.status for p in projects] == ["draft", "draft"]
    assert projects[0].enterprise_id == lib.enterprise.id
    assert projects[0].equipment_investment_fen == 3000_500000  # 3000.5万元, exactly
    assert projects[0].directions == ["energy_saving", "intelligent"]
    lines = service.equipment_of(db, [projects[0].id])[projects[0].id]
    assert [(e.side, e.quantity, e.unit_price_fen, e.original_value_fen) for e in lines] == [
        ("retired", 10, 0, 60_000000), ("new", 10, 1_200000, 0)]
    survey = db.scalars(select(EnterpriseSurvey).where(EnterpriseSurvey.credit_code == lib.enterprise.credit_code)
                        .order_by(EnterpriseSurvey.id)).all()
    assert [(s.resource, s.generated_t, s.planned_investment_fen, s.enterprise_id) for s in survey] == [
        ("scrap_steel", 1200.5, 350_250000, lib.enterprise.id), ("smelting_slag", 300.0, 350_250000, lib.enterprise.id)]


def test_sending_the_same_survey_again_changes_nothing(db: Session) -> None:
    lib = library(db)
    office = lib.scope(db, lib.office_user)
    book = Book([SheetSpec(SURVEY, [survey_row(lib)]), SheetSpec(SUPPLY, [supply_row()])])
    import_workbook(db, office, book.bytes())
    again = import_workbook(db, office, book.bytes())
    assert {k: (c.created, c.updated, c.unchanged) for k, c in again.counts.items()} == {
        "survey": (0, 0, 1), "supply": (0, 0, 1)}
    book.sheets[0].rows[0]["年产生量（吨）"] = 1500
    changed = import_workbook(db, office, book.bytes())
    assert changed.counts["survey"].updated == 1
    row = db.scalar(select(EnterpriseSurvey).where(EnterpriseSurvey.credit_code == lib.enterprise.credit_code))
    assert row is not None and row.generated_t == 1500.0


def test_a_missing_column_is_named_and_nothing_is_written(db: Session) -> None:
    lib = library(db)
    book = full_book(lib)
    book.sheets[2].drop = ("设备投资（万元）",)
    errors = rejected(db, lib.scope(db, lib.office_user), book)
    assert "缺少列“设备投资（万元）”" in errors[0]["message"]
    assert errors[0]["sheet"] == DEMAND.sheet and errors[0]["column"] == "设备投资（万元）"


def test_a_merged_cell_names_its_row_and_column(db: Session) -> None:
    lib = library(db)
    rows = [survey_row(lib), survey_row(lib, 资源类别="冶炼渣"), survey_row(lib, 资源类别="尾矿")]
    errors = rejected(db, lib.scope(db, lib.office_user), Book([SheetSpec(SURVEY, rows, merges=["C4:C5"])]))
    assert any(m.startswith("第4行C列是合并单元格") for m in messages(errors))


def test_every_bad_row_is_listed_at_once(db: Session) -> None:
    lib = library(db)
    book = Book([
        SheetSpec(DEMAND, [demand_row(lib, 1), demand_row(lib, 2), demand_row(lib, 3, **{"总投资（万元）": "约三千"}),
                           demand_row(lib, 4, **{"设备投资（万元）": 6000}),
                           demand_row(lib, 5, **{"建设地点（县、市、区）": "东区"})]),
        SheetSpec(EQUIPMENT, equipment_rows(1)),
        SheetSpec(SURVEY, [survey_row(lib, 国民经济行业代码="C9999"),
                           survey_row(lib, 资源类别="尾矿", 统一社会信用代码=wrong_check(lib.enterprise.credit_code))]),
    ])
    found = messages(rejected(db, lib.scope(db, lib.office_user), book))
    assert "第5行“总投资（万元）”不是数字：“约三千”" in found
    assert any(m.startswith("第6行“设备投资（万元）”：设备投资不能大于总投资") for m in found)
    assert "第7行“建设地点（县、市、区）”“东区”不是本市的县（市、区）" in found
    assert "第3行“国民经济行业代码”“C9999”不是GB/T 4754-2017的行业代码" in found
    assert any(m.startswith("第4行“统一社会信用代码”：校验位应为") for m in found)


def test_equipment_lines_are_checked_on_their_own_rows(db: Session) -> None:
    lib = library(db)
    lines = equipment_rows(1)
    lines[1]["单价（万元）"] = None  # a new line without its price
    lines.append({"项目序号": 9, "类型": "购置新设备", "设备类别": "机床", "设备名称": "加工中心", "数量": 1,
                  "单价（万元）": 80})
    book = Book([SheetSpec(DEMAND, [demand_row(lib, 1)]), SheetSpec(EQUIPMENT, lines)])
    found = messages(rejected(db, lib.scope(db, lib.office_user), book))
    assert "第4行“单价（万元）”：新设备须填写单价" in found
    assert "第5行“项目序号”“9”在项目表的“序号”列中没有对应的项目" in found


def test_a_county_imports_only_rows_of_its_region(db: Session) -> None:
    lib = library(db)
    book = Book([SheetSpec(SUPPLY, [supply_row(), supply_row(产品名称="水泵", **{"所在县（市、区）": "安岳县"})])])
    found = messages(rejected(db, lib.scope(db, lib.county_user), book))
    assert found == ["第4行“所在县（市、区）”“安岳县”不在本辖区（雁江区），县（市、区）只能导入本辖区的行"]


def test_an_enterprise_not_in_the_citys_register_is_refused(db: Session) -> None:
    lib = library(db)
    book = Book([SheetSpec(DEMAND, [demand_row(lib, 1, 统一社会信用代码=valid_code(777), 项目单位="未登记公司")])])
    found = messages(rejected(db, lib.scope(db, lib.office_user), book))
    assert found[0].startswith("第3行“统一社会信用代码”：本市企业库中没有统一社会信用代码为")


def test_duplicates_within_a_sheet_are_refused(db: Session) -> None:
    lib = library(db)
    book = Book([SheetSpec(SURVEY, [survey_row(lib), survey_row(lib)])])
    assert messages(rejected(db, lib.scope(db, lib.office_user), book)) == [
        "第4行“统一社会信用代码”与第3行重复（同一企业的同一资源类别只能填一行）"]


def test_who_may_import(db: Session) -> None:
    lib = library(db)
    with pytest.raises(Forbidden):
        import_workbook(db, lib.scope(db, lib.leader_user), Book([SheetSpec(SUPPLY, [supply_row()])]).bytes())
    with pytest.raises(Forbidden):
        import_workbook(db, lib.scope(db, lib.enterprise_user), Book([SheetSpec(SUPPLY, [supply_row()])]).bytes())
    department = lib.scope(db, lib.department_user)
    supply = Book([SheetSpec(SUPPLY, [supply_row()])]).bytes()
    assert import_workbook(db, department, supply).counts["supply"].created == 1
    found = messages(rejected(db, department, Book([SheetSpec(DEMAND, [demand_row(lib)])])))
    assert "行业主管部门不能导入" in found[0]


def test_files_that_are_not_lists(db: Session) -> None:
    lib = library(db)
    office = lib.scope(db, lib.office_user)
    with pytest.raises(ImportRejected, match="不是 .xlsx 格式"):
        import_workbook(db, office, b"a,b\n", "survey.csv")
    with pytest.raises(ImportRejected, match="不是有效的 .xlsx 文件"):
        import_workbook(db, office, b"not a zip", "survey.xlsx")
    with pytest.raises(ImportRejected, match="没有可识别的清单"):
        import_workbook(db, office, Book([]).bytes(), "notes.xlsx")


def test_sheets_are_recognised_by_their_headers_when_renamed(db: Session) -> None:
    lib = library(db)
    book = Book([SheetSpec(CONSUMER, [consumer_row()], name="Sheet1")], notes=False)
    result = import_workbook(db, lib.scope(db, lib.office_user), book.bytes())
    assert result.counts["consumer"].created == 1 and result.sheets[0]["sheet"] == "Sheet1"


def test_the_same_file_of_new_projects_is_not_imported_twice(db: Session) -> None:
    lib = library(db)
    office = lib.scope(db, lib.office_user)
    data = Book([SheetSpec(DEMAND, [demand_row(lib, 1)]), SheetSpec(EQUIPMENT, equipment_rows(1))]).bytes()
    import_workbook(db, office, data)
    before = counts(db)
    with pytest.raises(ImportRejected, match="再次导入会重复建立项目"):
        import_workbook(db, office, data)
    assert counts(db) == before
