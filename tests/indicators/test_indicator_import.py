"""Excel import of observations: all-or-nothing, upsert, row-level Chinese errors."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from indicator_helpers import ZIYANG, count_observations, username_of_unit, workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.indicators import service
from huanxin.indicators.models import Observation
from huanxin.orgs.scope import Scope

Scopes = Callable[[str], Scope]
GOOD = [
    ["equipment_investment", ZIYANG, 2024, 12, 215.5, "统计局年报"],
    ["used_car_transactions", "512021", 2025, 6, "1,234", None],
]


def run_import(db: Session, scope: Scope, data: bytes) -> service.ImportResult:
    return service.import_observations(db, scope, ZIYANG, service.read_sheet(data))


def test_good_sheet_is_imported_then_upserted(db: Session, scope_for: Scopes) -> None:
    office = scope_for("ziyang-office")
    assert run_import(db, office, workbook(GOOD)).created == 2
    again = run_import(db, office, workbook([["equipment_investment", ZIYANG, 2024, 12, 220, "修订"]]))
    assert (again.created, again.updated) == (0, 1)
    saved = db.scalar(
        select(Observation).where(
            Observation.city_code == ZIYANG, Observation.indicator_code == "equipment_investment"
        )
    )
    assert saved is not None and (saved.value, saved.note, saved.source) == (220, "修订", "imported")
    county = db.scalar(select(Observation).where(Observation.region_code == "512021"))
    assert county is not None and (county.month, county.value) == (6, 1234)


def test_missing_column_is_named(db: Session, scope_for: Scopes) -> None:
    data = workbook(
        [["equipment_investment", ZIYANG, 2024, 12]], header=["指标代码", "地区代码", "年份", "月份"]
    )
    with pytest.raises(InvalidInput) as caught:
        service.read_sheet(data)
    assert "缺少列“数值”" in caught.value.message and caught.value.field == "数值"


def test_bad_number_in_row_3_names_row_and_column_and_writes_nothing(db: Session, scope_for: Scopes) -> None:
    before = count_observations(db)
    rows = [GOOD[0], ["used_car_transactions", ZIYANG, 2024, 12, "三万", None]]  # sheet row 3
    with pytest.raises(InvalidInput) as caught:
        run_import(db, scope_for("ziyang-office"), workbook(rows))
    assert caught.value.errors[0]["row"] == 3 and caught.value.errors[0]["column"] == "数值"
    assert "第3行「数值」" in caught.value.message and "未写入任何数据" in caught.value.message
    assert count_observations(db) == before  # the good row 2 was not written either


def test_every_bad_row_is_reported_at_once(db: Session, scope_for: Scopes) -> None:
    before = count_observations(db)
    rows = [
        ["no_such_indicator", ZIYANG, 2024, 12, 1, None],  # row 2
        GOOD[0],  # row 3
        ["digital_rd_tool_penetration", ZIYANG, 2024, 12, 130, None],  # row 4: % over 100
        ["equipment_investment", "510400", 2024, 12, 1, None],  # row 5: another city's region
        ["equipment_investment", ZIYANG, 2024, 0, 1, None],  # row 6: month 0
        ["equipment_investment", ZIYANG, 2024, 12, 216, None],  # row 7: duplicates row 3
    ]
    with pytest.raises(InvalidInput) as caught:
        run_import(db, scope_for("ziyang-office"), workbook(rows))
    found = [(e["row"], e["column"]) for e in caught.value.errors]
    assert found == [(2, "指标代码"), (4, "数值"), (5, "地区代码"), (6, "月份"), (7, "月份")]
    assert "不在指标目录" in caught.value.errors[0]["message"]
    assert "重复" in caught.value.errors[-1]["message"]
    assert count_observations(db) == before


def test_department_may_import_only_what_it_owns(db: Session, scope_for: Scopes) -> None:
    commerce = scope_for(username_of_unit(db, ZIYANG, "商务"))
    rows = [["used_car_transactions", ZIYANG, 2024, 12, 30000, None], GOOD[0]]
    with pytest.raises(InvalidInput) as caught:
        run_import(db, commerce, workbook(rows))
    assert [(e["row"], e["column"]) for e in caught.value.errors] == [(3, "指标代码")]
    assert run_import(db, commerce, workbook(rows[:1])).created == 1


def test_not_a_workbook_and_an_empty_sheet(db: Session, scope_for: Scopes) -> None:
    with pytest.raises(InvalidInput) as not_xlsx:
        service.read_sheet(b"indicator,region\n")
    assert ".xlsx" in not_xlsx.value.message
    with pytest.raises(InvalidInput) as empty:
        run_import(db, scope_for("ziyang-office"), workbook([]))
    assert "没有数据行" in empty.value.message


def test_template_round_trips(db: Session, scope_for: Scopes) -> None:
    rows = service.read_sheet(service.template_workbook(ZIYANG))
    assert rows[0][0] == 2 and rows[0][1].indicator_code == "equipment_investment"
    assert run_import(db, scope_for("ziyang-office"), service.template_workbook(ZIYANG)).created == 1
