"""Needs, pushes, answers and loans: who sees what, and bad input refused naming the field with
nothing written."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.financing.support import declared_need, make_bank, setup_financing, signed_loan

from huanxin.errors import Forbidden, InvalidInput, NotFound
from huanxin.financing import loans, needs
from huanxin.financing import repository as repo
from huanxin.financing.models import FinancingNeed, Loan, Tranche

D = dt.date


def _count(db: Session, model: type) -> int:
    return int(db.scalar(select(func.count()).select_from(model)) or 0)


def test_a_bank_sees_only_needs_that_named_it_or_were_pushed_to_it(db: Session) -> None:
    fin = setup_financing(db)
    need = declared_need(db, fin, banks=[fin.bank_a])
    a, b = fin.scope(db, fin.bank_a_user), fin.scope(db, fin.bank_b_user)
    assert [n.id for n in repo.needs(db, a)] == [need.id]
    assert repo.needs(db, b) == []
    with pytest.raises(NotFound):
        repo.visible_need(db, b, need.id)
    with pytest.raises(NotFound):
        needs.answer(db, b, need.id, "interested")
    needs.push(db, fin.scope(db, fin.lib.office_user), need.id, [fin.bank_b])
    assert [n.id for n in repo.needs(db, b)] == [need.id]
    assert repo.needs(db, fin.scope(db, fin.bank_c_user)) == []
    assert repo.visible_need(db, b, need.id).status == "pushed"


def test_answers_change_the_status_and_a_decline_needs_its_reason(db: Session) -> None:
    fin = setup_financing(db)
    need = declared_need(db, fin)
    bank = fin.scope(db, fin.bank_a_user)
    with pytest.raises(InvalidInput) as refused:
        needs.answer(db, bank, need.id, "declined")
    assert refused.value.field == "reason"
    with pytest.raises(InvalidInput) as no_list:
        needs.answer(db, bank, need.id, "more_documents", documents=["  "])
    assert no_list.value.field == "documents"
    needs.answer(db, bank, need.id, "more_documents", documents=["近三年财务报表", "设备采购合同"])
    assert need.status == "more_documents"
    shown = needs.latest_answers(db, fin.scope(db, fin.lib.enterprise_user), [need.id])[need.id]
    assert shown[0].documents == ["近三年财务报表", "设备采购合同"]


def test_a_fourth_intended_bank_is_refused_naming_the_field_and_nothing_is_written(db: Session) -> None:
    fin = setup_financing(db)
    fourth, _ = make_bank(db, fin.lib.city_code, "测试第四银行")
    before = _count(db, FinancingNeed)
    with pytest.raises(InvalidInput) as refused:
        declared_need(db, fin, banks=[fin.bank_a, fin.bank_b, fin.bank_c, fourth])
    assert refused.value.field == "bank_unit_ids" and "最多选择3家" in str(refused.value)
    assert _count(db, FinancingNeed) == before


def test_an_enterprise_sees_its_own_need_never_another_enterprises(db: Session) -> None:
    fin = setup_financing(db)
    need = declared_need(db, fin)
    mine = fin.scope(db, fin.lib.enterprise_user)
    other = fin.scope(db, fin.lib.other_enterprise_user)
    assert [n.id for n in repo.needs(db, mine)] == [need.id]
    assert repo.needs(db, other) == []
    with pytest.raises(NotFound):
        repo.visible_need(db, other, need.id)


def test_another_city_gets_404_and_a_resident_403(db: Session) -> None:
    fin = setup_financing(db)
    need = declared_need(db, fin)
    with pytest.raises(NotFound):
        repo.visible_need(db, fin.scope(db, fin.foreign_office_user), need.id)
    with pytest.raises(NotFound):
        needs.push(db, fin.scope(db, fin.foreign_office_user), need.id, [])
    with pytest.raises(Forbidden):
        repo.visible_need(db, fin.scope(db, fin.resident_user), need.id)
    with pytest.raises(Forbidden):
        needs.push(db, fin.scope(db, fin.bank_a_user), need.id, [fin.bank_b])


def test_a_loan_with_two_tranches_gets_its_schedule(db: Session) -> None:
    fin = setup_financing(db)
    need = declared_need(db, fin)
    loan = signed_loan(db, fin, need, [(600_000_00, D(2025, 1, 10)), (400_000_00, D(2025, 3, 1))])
    assert need.status == "granted"
    rows = loans.schedule_of(db, loan.id)
    assert sum(r.amount_fen for r in rows if r.quarter == "2025Q1") == 202_500 + 51_666
    # another bank never sees this bank's loan
    with pytest.raises(NotFound):
        loans.get_loan(db, fin.scope(db, fin.bank_b_user), loan.id)


@pytest.mark.parametrize(("principal", "tranches", "field"), [
    (-100, [(100_00, D(2025, 2, 1))], "principal_fen"),
    (0, [], "principal_fen"),
    (1_000_000_00, [(600_000_00, D(2025, 1, 10)), (400_000_00, D(2025, 1, 9))], "disbursed_on"),
    (1_000_000_00, [(600_000_00, D(2025, 1, 10)), (600_000_00, D(2025, 2, 1))], "amount_fen"),
])
def test_bad_loans_are_refused_naming_the_field_and_nothing_is_written(
        db: Session, principal: int, tranches: list[tuple[int, dt.date]], field: str) -> None:
    fin = setup_financing(db)
    need = declared_need(db, fin)
    before = (_count(db, Loan), _count(db, Tranche))
    with pytest.raises(InvalidInput) as refused:
        signed_loan(db, fin, need, tranches, principal_fen=principal)
    assert refused.value.field == field
    if field == "disbursed_on":
        assert "第2笔放款" in str(refused.value) and "早于合同签订日期" in str(refused.value)
    assert (_count(db, Loan), _count(db, Tranche)) == before
    assert need.status == "declared"


def test_early_repayment_shortens_the_stored_schedule(db: Session) -> None:
    fin = setup_financing(db)
    need = declared_need(db, fin)
    loan = signed_loan(db, fin, need, [(360_000_00, D(2025, 1, 1))], contract_on=D(2025, 1, 1))
    loans.repay_early(db, fin.scope(db, fin.bank_a_user), loan.id, D(2025, 2, 10))
    assert [(r.quarter, r.days, r.amount_fen) for r in loans.schedule_of(db, loan.id)] == [("2025Q1", 40, 60_000)]


def test_an_enterprise_cannot_declare_for_another_enterprises_project_and_a_bank_not_at_all(db: Session) -> None:
    fin = setup_financing(db)
    with pytest.raises(NotFound):
        declared_need(db, fin, project_id=fin.other_project.id)
    with pytest.raises(Forbidden):
        needs.declare(db, fin.scope(db, fin.bank_a_user), needs.NeedInput(fin.project.id, 100_00, 12))
    assert repo.need_of_project(db, fin.other_project.id) is None


def test_a_declared_need_can_be_changed_until_a_bank_answers(db: Session) -> None:
    fin = setup_financing(db)
    need = declared_need(db, fin, amount_fen=100_000_00)
    again = declared_need(db, fin, amount_fen=150_000_00, banks=[fin.bank_b])
    assert again.id == need.id and need.amount_fen == 150_000_00 and need.bank_unit_ids == [fin.bank_b]
    needs.answer(db, fin.scope(db, fin.bank_b_user), need.id, "interested")
    with pytest.raises(Exception, match="银行已答复"):
        declared_need(db, fin, amount_fen=1)
    assert need.amount_fen == 150_000_00
