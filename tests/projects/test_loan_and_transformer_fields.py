"""The fields migration 0018 adds: the loan contract date (it, not the disbursement, decides the
interest subsidy's window), the relending batch, and a transformer's capacity and measured losses
(GB 20052-2024 表1 grades them). Hand-computed cases, and the bad inputs a person types."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy.orm import Session
from tests.projects.support import declared, project_input, setup_library

from huanxin.errors import InvalidInput
from huanxin.projects import pages_forms, service
from huanxin.projects.efficiency import classify
from huanxin.projects.efficiency.tables import transformer_table
from huanxin.projects.funding import evaluate_project
from huanxin.projects.funding.facts import facts_from_project
from huanxin.projects.lists.layouts import DEMAND, EQUIPMENT
from huanxin.projects.models import Project, ProjectEquipment
from huanxin.projects.schemas import validate_project


@dataclass
class Transformer:
    rated_capacity_kva: float | None
    no_load_loss_w: float | None
    load_loss_w: float | None
    declared_grade: int | None = None
    category: str = "transformer"
    rated_power_kw: float | None = None
    poles: int | None = None
    efficiency_pct: float | None = None


def errors_of(exc: pytest.ExceptionInfo[InvalidInput]) -> dict[str, str]:
    return {str(e["field"]): str(e["message"]) for e in exc.value.errors or [{"field": exc.value.field,
                                                                              "message": exc.value.message}]}


# ---- GB 20052-2024 表1 -------------------------------------------------------------------------

@pytest.mark.parametrize(("no_load", "load", "level", "grade"), [
    (120, 1140, "advanced", 1),  # 100 kVA exactly at grade 1 (不大于: it meets it)
    (135, 1265, "saving", 2),  # exactly at grade 2
    (135.5, 1265, "entry", 3),  # no-load just above grade 2
    (120, 1300, "entry", 3),  # no-load of grade 1, load only of grade 3: both must hold
    (150, 1580, "entry", 3),  # the legal minimum (S13)
    (151, 1580, "below", None),
    (150, 1581, "below", None),
])
def test_a_100_kva_transformer_is_graded_by_both_measured_losses(no_load: float, load: float, level: str,
                                                                  grade: int | None) -> None:
    result = classify(Transformer(100, no_load, load))
    assert (result.level, result.grade, result.measured) == (level, grade, True), result.reason
    assert "GB 20052-2024" in result.standard and f"{no_load:g} W" in result.reason


def test_every_row_meets_its_limits_and_misses_them_one_watt_above() -> None:
    table = transformer_table()
    for row in table.rows:
        for grade in (1, 2, 3):
            at = classify(Transformer(row.kva, row.no_load_w[grade], row.load_w[grade]))
            assert at.grade is not None and at.grade <= grade, (row.kva, grade, at.reason)
        worse = classify(Transformer(row.kva, row.no_load_w[3] + 1, row.load_w[3]))
        assert worse.level == "below", (row.kva, worse.reason)


def test_without_measured_losses_or_at_an_unlisted_capacity_the_declared_grade_is_read() -> None:
    missing = classify(Transformer(400, None, 3000, declared_grade=2))
    assert (missing.level, missing.measured) == ("saving", False)
    assert "缺少空载损耗" in missing.reason and "申报" in missing.reason
    unlisted = classify(Transformer(450, 300, 3000, declared_grade=1))
    assert (unlisted.level, unlisted.measured) == ("advanced", False)
    assert "450 kVA 不是" in unlisted.reason
    assert classify(Transformer(450, 300, 3000)).level is None


def test_impossible_figures_get_no_level_and_say_why() -> None:
    assert "额定容量" in classify(Transformer(0, 100, 1000)).reason
    negative = classify(Transformer(100, -1, 1000))
    assert negative.level is None and "不小于0" in negative.reason


# ---- the declaration: form, schema, service ---------------------------------------------------

def line(**over: Any) -> dict[str, Any]:
    item = {"side": "new", "category": "transformer", "name": "配电变压器", "model": "S20-M-100/10", "quantity": 1,
            "unit_price_fen": 50_000_00, "rated_capacity_kva": 100.0, "no_load_loss_w": 130.0,
            "load_loss_w": 1200.0}
    item.update(over)
    return item


def test_a_declared_transformer_line_keeps_its_losses_and_is_graded_saving(db: Session) -> None:
    lib = setup_library(db)
    project = declared(db, lib, equipment=[line()])
    [row] = service.equipment_of(db, [project.id])[project.id]
    assert (row.rated_capacity_kva, row.no_load_loss_w, row.load_loss_w) == (100.0, 130.0, 1200.0)
    assert row.efficiency_level == "saving"  # 130 ≤ 135 and 1200 ≤ 1265, not both within grade 1


@pytest.mark.parametrize(("over", "field", "words"), [
    ({"no_load_loss_w": -5.0}, "equipment[0].no_load_loss_w", "空载损耗（瓦）不能小于0"),
    ({"load_loss_w": -0.5}, "equipment[0].load_loss_w", "负载损耗（瓦）不能小于0"),
    ({"rated_capacity_kva": 0.0}, "equipment[0].rated_capacity_kva", "额定容量须大于0"),
    ({"load_loss_w": 100_000.0}, "equipment[0].load_loss_w", "请核对单位"),  # 100 kW on 100 kVA: kW typed as W
])
def test_bad_transformer_figures_name_the_line_and_the_field(db: Session, over: dict[str, Any], field: str,
                                                             words: str) -> None:
    lib = setup_library(db)
    with pytest.raises(InvalidInput) as exc:
        validate_project(project_input(lib.region_code, equipment=[line(**over)]), city_code=lib.city_code,
                         session=db)
    found = errors_of(exc)
    assert field in found and words in found[field] and "设备清单第1行" in found[field]


def test_a_contract_signed_after_the_disbursement_is_refused_naming_the_contract_date(db: Session) -> None:
    lib = setup_library(db)
    data = project_input(lib.region_code, loan_signed_on="2025-03-02", loan_disbursed_on="2025-03-01")
    with pytest.raises(InvalidInput) as exc:
        validate_project(data, city_code=lib.city_code, session=db)
    assert "贷款合同签订日期（2025-03-02）不能晚于贷款发放日期（2025-03-01）" in errors_of(exc)["loan_signed_on"]
    same_day = project_input(lib.region_code, loan_signed_on="2025-03-01", loan_disbursed_on="2025-03-01")
    validate_project(same_day, city_code=lib.city_code, session=db)  # signed and paid the same day: fine


def test_an_unknown_relending_batch_is_refused(db: Session) -> None:
    lib = setup_library(db)
    with pytest.raises(InvalidInput) as exc:
        validate_project(project_input(lib.region_code, relending_batch=3), city_code=lib.city_code, session=db)
    assert "第一批、第二批" in errors_of(exc)["relending_batch"]


def test_the_form_reads_and_shows_the_new_fields() -> None:
    values = pages_forms.FormValues(
        text={"name": "改造", "loan_signed_on": "2024/12/30", "loan_disbursed_on": "2025-01-10",
              "relending_batch": "2"},
        rows=[{"side": "new", "category": "transformer", "name": "变压器", "rated_capacity_kva": "100",
               "no_load_loss_w": "130", "load_loss_w": "1200.5"}])
    parsed = pages_forms.parse(values).data
    assert (parsed["loan_signed_on"], parsed["relending_batch"]) == (dt.date(2024, 12, 30), 2)
    assert parsed["equipment"][0]["load_loss_w"] == 1200.5
    bad = pages_forms.FormValues(text={"loan_signed_on": "2024-13-01"},
                                 rows=[{"side": "new", "name": "变压器", "no_load_loss_w": "一百"}])
    with pytest.raises(InvalidInput) as exc:
        pages_forms.parse(bad)
    found = errors_of(exc)
    assert "贷款合同签订日期" in found["loan_signed_on"]
    assert "设备第 1 行的空载损耗（瓦）" in found["eq-0-no_load_loss_w"]
    project = Project(name="改造", field="industry", region_code="512002", construction="planned",
                      loan_signed_on=dt.date(2024, 12, 30), relending_batch=1)
    shown = pages_forms.values_from_project(project, [ProjectEquipment(
        side="new", category="transformer", name="变压器", quantity=1, unit_price_fen=0, original_value_fen=0,
        rated_capacity_kva=100.0, no_load_loss_w=130.0, load_loss_w=None)])
    assert (shown.text["loan_signed_on"], shown.text["relending_batch"]) == ("2024-12-30", "1")
    assert (shown.rows[0]["no_load_loss_w"], shown.rows[0]["load_loss_w"]) == ("130", "")


def test_the_sheets_carry_the_new_columns_none_of_them_required() -> None:
    added = {"loan_signed_on": DEMAND, "relending_batch": DEMAND, "rated_capacity_kva": EQUIPMENT,
             "no_load_loss_w": EQUIPMENT, "load_loss_w": EQUIPMENT}
    for key, layout in added.items():
        column = layout.column(key)
        assert column.imported and not column.required, key


# ---- the interest subsidy's window: the contract date decides --------------------------------

def library_project(**over: Any) -> Project:
    values: dict[str, Any] = dict(
        name="改造", field="industry", construction="under_construction", total_investment_fen=5_000_0000_00,
        fixed_asset_fen=3_000_0000_00, equipment_investment_fen=2_000_0000_00, invested_permille=300,
        start_on=dt.date(2024, 6, 1), finish_on=dt.date(2025, 12, 31), documents=[],
        instruments=["relending", "interest_subsidy"], loan_need_fen=1_000_0000_00, loan_term_months=12,
        intended_banks=["中国工商银行"], loan_disbursed_on=dt.date(2025, 1, 10), other_central_funding=False)
    values.update(over)
    return Project(**values)


def test_a_contract_signed_inside_the_54_window_is_eligible_though_paid_after_it() -> None:
    """As known before 财金〔2024〕155号 (2024-12-26): contracts signed 2024-03-07 … 2024-12-31.
    Signed 2024-12-30, paid 2025-01-10, 12 months = 365 days at 1.5 points on 1000万元:
    1,000,000,000 × 0.015 × 365 ÷ 360 = 15,208,333.3 → 15,208,333 fen."""
    facts = facts_from_project(library_project(loan_signed_on=dt.date(2024, 12, 30)), [])
    assert facts.loan_signed_on == dt.date(2024, 12, 30)
    result = evaluate_project(facts, dt.date(2025, 3, 1), known_on=dt.date(2024, 12, 26))["interest_subsidy"]
    assert result.eligible and result.estimated_fen == 15_208_333, result.reasons
    assert any("按贷款合同签订日期 2024-12-30" in step.note for step in result.trace)


def test_without_a_contract_date_the_disbursement_stands_in_and_the_reason_says_so() -> None:
    facts = facts_from_project(library_project(), [])
    result = evaluate_project(facts, dt.date(2025, 3, 1), known_on=dt.date(2024, 12, 26))["interest_subsidy"]
    assert not result.eligible
    assert any("未提供贷款合同签订日期，按放款日期 2025-01-10 推定" in r and "晚于 2024-12-31" in r
               for r in result.reasons), result.reasons


def test_the_relending_batch_of_the_library_picks_the_batch_threshold() -> None:
    """Total investment 1,000万元: under batch 1's 2,000万元, at least batch 2's 500万元."""
    small = dict(total_investment_fen=1_000_0000_00, fixed_asset_fen=900_0000_00, equipment_investment_fen=800_0000_00,
                 loan_need_fen=500_0000_00)
    first = evaluate_project(facts_from_project(library_project(relending_batch=1, **small), []), dt.date(2025, 3, 1))
    second = evaluate_project(facts_from_project(library_project(relending_batch=2, **small), []), dt.date(2025, 3, 1))
    assert not first["relending"].eligible and any("低于第1批门槛" in r for r in first["relending"].reasons)
    assert second["relending"].eligible
