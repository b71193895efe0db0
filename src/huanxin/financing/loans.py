"""Loans a bank signs on a need it sees: principal, rate, term, contract date, tranches (with the
date the money reached the supplier), an early repayment; each change recomputes the loan's
interest-subsidy schedule (schedule.py) and stores its rows. Nothing is written on a bad input:
every check runs before the first row is added."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, InvalidInput
from huanxin.financing import repository as repo
from huanxin.financing import schedule
from huanxin.financing.models import FinancingNeed, Loan, SubsidyRow, Tranche
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope

MAX_FEN = 10**15


@dataclass(frozen=True)
class TrancheInput:
    amount_fen: int
    disbursed_on: dt.date
    reached_supplier_on: dt.date | None = None


@dataclass(frozen=True)
class LoanInput:
    principal_fen: int
    annual_rate_bp: int
    term_months: int
    contract_on: dt.date
    tranches: Sequence[TrancheInput] = field(default_factory=tuple)


def _require_bank(scope: Scope) -> int:
    if scope.role != Role.BANK or scope.unit_id is None:
        raise Forbidden("只有银行可以登记贷款")
    return scope.unit_id


def _check_terms(data: LoanInput) -> None:
    if not 0 < data.principal_fen <= MAX_FEN:
        raise InvalidInput("贷款本金必须大于0", field="principal_fen")
    if not 0 < data.annual_rate_bp <= 5000:
        raise InvalidInput("贷款年利率应大于0且不超过50%（以基点填写，3.1%填310）", field="annual_rate_bp")
    if not 1 <= data.term_months <= 360:
        raise InvalidInput("贷款期限应为1至360个月", field="term_months")


def check_tranches(contract_on: dt.date, principal_fen: int, tranches: Sequence[TrancheInput],
                   already_fen: int = 0, first_number: int = 1) -> None:
    """Each tranche after the contract, the supplier paid on or after the disbursement, the total
    within the principal; the message names the tranche by its number."""
    total = already_fen
    for number, t in enumerate(tranches, start=first_number):
        if not 0 < t.amount_fen <= MAX_FEN:
            raise InvalidInput(f"第{number}笔放款：放款金额必须大于0", field="amount_fen")
        if t.disbursed_on < contract_on:
            raise InvalidInput(f"第{number}笔放款：放款日期 {t.disbursed_on} 早于合同签订日期 {contract_on}",
                               field="disbursed_on")
        if t.reached_supplier_on is not None and t.reached_supplier_on < t.disbursed_on:
            raise InvalidInput(f"第{number}笔放款：划付供应商日期早于放款日期", field="reached_supplier_on")
        total += t.amount_fen
    if total > principal_fen:
        raise InvalidInput(f"放款合计超过贷款本金（本金{principal_fen / 100:.2f}元）", field="amount_fen")


def record_loan(session: Session, scope: Scope, need_id: int, data: LoanInput) -> Loan:
    bank = _require_bank(scope)
    need = repo.visible_need(session, scope, need_id, for_update=True)  # 404 unless named or pushed
    _check_terms(data)
    check_tranches(data.contract_on, data.principal_fen, data.tranches)
    loan = Loan(city_code=need.city_code, need_id=need.id, bank_unit_id=bank, principal_fen=data.principal_fen,
                annual_rate_bp=data.annual_rate_bp, term_months=data.term_months, contract_on=data.contract_on,
                created_by=scope.user_id, created_at=now())
    session.add(loan)
    session.flush()
    _add_tranches(session, loan, data.tranches)
    need.status, need.updated_at = "granted", now()
    audit.record(session, actor=scope.username, action="financing.loan.record", entity="financing_loan",
                 entity_id=loan.id, city_code=loan.city_code,
                 detail={"need": need.id, "principal_fen": loan.principal_fen, "tranches": len(data.tranches)})
    recompute(session, loan)
    return loan


def _add_tranches(session: Session, loan: Loan, tranches: Sequence[TrancheInput]) -> None:
    session.add_all([Tranche(city_code=loan.city_code, loan_id=loan.id, amount_fen=t.amount_fen,
                             disbursed_on=t.disbursed_on, reached_supplier_on=t.reached_supplier_on)
                     for t in tranches])
    session.flush()


def add_tranche(session: Session, scope: Scope, loan_id: int, data: TrancheInput) -> Tranche:
    _require_bank(scope)
    loan, _ = repo.visible_loan(session, scope, loan_id, for_update=True)
    existing = repo.tranches_of(session, [loan.id])
    check_tranches(loan.contract_on, loan.principal_fen, [data], sum(t.amount_fen for t in existing),
                   len(existing) + 1)
    _add_tranches(session, loan, [data])
    audit.record(session, actor=scope.username, action="financing.tranche.add", entity="financing_loan",
                 entity_id=loan.id, city_code=loan.city_code, detail={"amount_fen": data.amount_fen})
    recompute(session, loan)
    return repo.tranches_of(session, [loan.id])[-1]


def repay_early(session: Session, scope: Scope, loan_id: int, repaid_on: dt.date) -> Loan:
    """The subsidy stops on the repayment date; quarters already settled above the new amounts
    are corrected through the ledger by the office (subsidy.correct)."""
    _require_bank(scope)
    loan, _ = repo.visible_loan(session, scope, loan_id, for_update=True)
    if repaid_on < loan.contract_on:
        raise InvalidInput("提前还款日期不能早于合同签订日期", field="repaid_early_on")
    loan.repaid_early_on = repaid_on
    audit.record(session, actor=scope.username, action="financing.loan.repay_early", entity="financing_loan",
                 entity_id=loan.id, city_code=loan.city_code, detail={"repaid_on": repaid_on.isoformat()})
    recompute(session, loan)
    return loan


def recompute(session: Session, loan: Loan) -> list[SubsidyRow]:
    terms = [schedule.TrancheTerms(t.id, t.amount_fen, t.disbursed_on, t.reached_supplier_on)
             for t in repo.tranches_of(session, [loan.id])]
    rows = [SubsidyRow(city_code=loan.city_code, loan_id=loan.id, tranche_id=r.tranche_id, quarter=r.quarter,
                       start_on=r.start_on, end_on=r.end_on, days=r.days, base_fen=r.base_fen, rate_bp=r.rate_bp,
                       amount_fen=r.amount_fen, basis=r.basis)
            for r in schedule.loan_schedule(terms, loan.term_months, loan.repaid_early_on)]
    repo.replace_schedule(session, loan.id, rows)
    return rows


def get_loan(session: Session, scope: Scope, loan_id: int) -> tuple[Loan, FinancingNeed]:
    return repo.visible_loan(session, scope, loan_id)


def loans_of(session: Session, scope: Scope, need_ids: Sequence[int]) -> list[Loan]:
    return repo.loans_of(session, scope, need_ids)


def tranches_of(session: Session, loan_id: int) -> list[Tranche]:
    return repo.tranches_of(session, [loan_id])


def schedule_of(session: Session, loan_id: int) -> list[SubsidyRow]:
    return repo.schedule_of(session, loan_id)
