"""Read models the financing pages and the CLI share: names of banks and projects, a need's
answers and loans, a loan's schedule grouped by quarter with what was paid."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from huanxin.financing import loans, needs, subsidy
from huanxin.financing import repository as repo
from huanxin.financing.models import BankAnswer, FinancingNeed, Loan, SubsidyPayment, SubsidyRow, Tranche
from huanxin.orgs.scope import Scope


@dataclass
class NeedRow:
    need: FinancingNeed
    banks: list[str]
    pushed: list[str]
    answers: list[BankAnswer]
    loans: list[Loan]


@dataclass
class QuarterRow:
    quarter: str
    amount_fen: int
    rows: list[SubsidyRow] = field(default_factory=list)
    payment: SubsidyPayment | None = None


@dataclass
class LoanView:
    loan: Loan
    need: FinancingNeed
    project_name: str
    bank_name: str
    tranches: list[Tranche]
    quarters: list[QuarterRow]


def bank_names(session: Session, city_code: str) -> dict[int, str]:
    return {u.id: u.name for u in repo.bank_units(session, city_code)}


def need_rows(session: Session, scope: Scope, status: str | None = None) -> list[NeedRow]:
    return rows_of(session, scope, repo.needs(session, scope, status))


def rows_of(session: Session, scope: Scope, items: list[FinancingNeed]) -> list[NeedRow]:
    ids = [n.id for n in items]
    banks = bank_names(session, scope.city_code)
    answers = needs.latest_answers(session, scope, ids)
    pushed = needs.pushed_banks(session, scope, ids)
    by_need: dict[int, list[Loan]] = {}
    for loan in loans.loans_of(session, scope, ids):
        by_need.setdefault(loan.need_id, []).append(loan)
    return [NeedRow(n, [banks.get(b, "") for b in n.bank_unit_ids],
                    [banks.get(b, "") for b in pushed.get(n.id, [])], answers.get(n.id, []), by_need.get(n.id, []))
            for n in items]


def loan_view(session: Session, scope: Scope, loan_id: int) -> LoanView:
    loan, need = loans.get_loan(session, scope, loan_id)
    payments = {p.quarter: p for p in subsidy.payments_of(session, loan.id)}
    quarters: dict[str, QuarterRow] = {}
    for row in loans.schedule_of(session, loan.id):
        q = quarters.setdefault(row.quarter, QuarterRow(row.quarter, 0, payment=payments.get(row.quarter)))
        q.amount_fen += row.amount_fen
        q.rows.append(row)
    return LoanView(loan, need, need.project_name,
                    bank_names(session, loan.city_code).get(loan.bank_unit_id, ""),
                    loans.tranches_of(session, loan.id), list(quarters.values()))
