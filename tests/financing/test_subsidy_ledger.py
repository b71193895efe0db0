"""The subsidy's money through the ledger: the pool funded, a quarter pre-allocated to the bank,
settled on actuals (the rest released), corrected by a reversing entry; never negative."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import Session
from tests.financing.support import declared_need, setup_financing, signed_loan

from huanxin.errors import Forbidden, InvalidInput
from huanxin.financing import loans, subsidy
from huanxin.ledger import service as ledger_service

D = dt.date


def _setup(db: Session, funded: int = 10_000_00):  # type: ignore[no-untyped-def]
    fin = setup_financing(db)
    need = declared_need(db, fin)
    # Q1 2025: 202,500 + 51,666 fen (test_schedule's two tranches)
    loan = signed_loan(db, fin, need, [(600_000_00, D(2025, 1, 10)), (400_000_00, D(2025, 3, 1))])
    office = fin.scope(db, fin.lib.office_user)
    pool = subsidy.fund_pool(db, office, funded, key="fund-1")
    return fin, loan, office, pool


def test_preallocation_then_settlement_moves_the_balances(db: Session) -> None:
    fin, loan, office, pool = _setup(db)
    payment = subsidy.preallocate(db, office, loan.id, "2025Q1")
    assert payment.planned_fen == 254_166
    balance = ledger_service.pool_balance(db, pool)
    assert (balance.funded, balance.available, balance.reserved, balance.paid) == (
        1_000_000, 1_000_000 - 254_166, 254_166, 0)
    again = subsidy.preallocate(db, office, loan.id, "2025Q1")  # a retry reserves nothing more
    assert again.id == payment.id and ledger_service.pool_balance(db, pool).reserved == 254_166
    subsidy.settle(db, office, loan.id, "2025Q1", 250_000)  # the bank deducted a little less
    balance = ledger_service.pool_balance(db, pool)
    assert (balance.available, balance.reserved, balance.paid) == (1_000_000 - 250_000, 0, 250_000)
    subsidy.correct(db, office, loan.id, "2025Q1", "银行退回多拨贴息")
    balance = ledger_service.pool_balance(db, pool)
    assert (balance.available, balance.reserved, balance.paid) == (1_000_000, 0, 0)


def test_a_pool_too_small_is_refused_by_the_ledger_and_nothing_reserved(db: Session) -> None:
    fin, loan, office, pool = _setup(db, funded=1_000_00)
    with pytest.raises(ledger_service.InsufficientFunds) as short:
        subsidy.preallocate(db, office, loan.id, "2025Q1")
    assert "不足" in str(short.value)
    assert ledger_service.pool_balance(db, pool).available == 100_000
    assert subsidy.payments_of(db, loan.id) == []


def test_settling_above_the_preallocation_is_refused(db: Session) -> None:
    fin, loan, office, pool = _setup(db)
    subsidy.preallocate(db, office, loan.id, "2025Q1")
    with pytest.raises(InvalidInput) as refused:
        subsidy.settle(db, office, loan.id, "2025Q1", 300_000)
    assert refused.value.field == "actual_fen"
    assert ledger_service.pool_balance(db, pool).paid == 0


def test_only_the_office_pays_and_a_quarter_without_subsidy_is_refused(db: Session) -> None:
    fin, loan, office, _ = _setup(db)
    with pytest.raises(Forbidden):
        subsidy.preallocate(db, fin.scope(db, fin.bank_a_user), loan.id, "2025Q1")
    with pytest.raises(InvalidInput) as none_due:
        subsidy.preallocate(db, office, loan.id, "2024Q4")
    assert none_due.value.field == "quarter"
    with pytest.raises(InvalidInput):
        subsidy.preallocate(db, office, loan.id, "2025-1")


def test_after_an_early_repayment_a_corrected_quarter_is_paid_again_at_the_new_amount(db: Session) -> None:
    fin, loan, office, pool = _setup(db)
    subsidy.preallocate(db, office, loan.id, "2025Q1")
    subsidy.settle(db, office, loan.id, "2025Q1")
    # repaid on 2025-02-10: tranche 1 runs 31 days (Jan 10 – Feb 9), tranche 2 (from Mar 1) never starts
    loans.repay_early(db, fin.scope(db, fin.bank_a_user), loan.id, D(2025, 2, 10))
    subsidy.correct(db, office, loan.id, "2025Q1", "提前还款，银行退回多拨贴息")
    again = subsidy.preallocate(db, office, loan.id, "2025Q1")
    assert again.attempt == 2 and again.planned_fen == 600_000_00 * 150 * 31 // 3_600_000  # 775.00元
    subsidy.settle(db, office, loan.id, "2025Q1")
    balance = ledger_service.pool_balance(db, pool)
    assert (balance.available, balance.reserved, balance.paid) == (1_000_000 - 77_500, 0, 77_500)
    assert ledger_service.verify(db).ok
