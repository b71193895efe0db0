"""Every query of the financing domain, with the caller's scope: the office and the city's leaders
read the whole city; a bank reads only the needs that named it or were pushed to it, and only its
own loans; an enterprise reads only its own projects' needs; a county its region's. Another city's
object, or one outside the caller's unit, answers 404 (its existence is not ours to reveal); a role
that reads no financing at all, 403."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, delete, false, func, or_, select, true
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden, NotFound
from huanxin.financing.models import (
    BankAnswer,
    BankEvent,
    FinancialProduct,
    FinancingNeed,
    FinancingPush,
    Loan,
    SubsidyPayment,
    SubsidyRow,
    Tranche,
)
from huanxin.kit.clock import midnight
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects import service as projects_service

READERS = {Role.OFFICE, Role.LEADER, Role.BANK, Role.ENTERPRISE, Role.COUNTY}
BANK_KIND = "bank"


def require_reader(scope: Scope) -> None:
    if scope.role not in READERS:
        raise Forbidden("您的角色无权查看融资需求")


def _pushed_to(bank_unit_id: int) -> ColumnElement[bool]:
    return FinancingNeed.id.in_(select(FinancingPush.need_id).where(FinancingPush.bank_unit_id == bank_unit_id))


def _bank_condition(session: Session, city_code: str, bank_unit_id: int) -> ColumnElement[bool]:
    """Named by the enterprise or pushed by the office. The intended banks are a JSON list, so the
    named ones are found in Python among the city's needs (a city has a few thousand at most)."""
    named = [n.id for n in session.scalars(select(FinancingNeed).where(FinancingNeed.city_code == city_code))
             if bank_unit_id in (n.bank_unit_ids or [])]
    return or_(FinancingNeed.id.in_(named), _pushed_to(bank_unit_id))


def scope_condition(session: Session, scope: Scope) -> ColumnElement[bool]:
    require_reader(scope)
    if scope.city_wide:
        return true()
    if scope.role == Role.BANK:
        return _bank_condition(session, scope.city_code, scope.unit_id) if scope.unit_id else false()
    if scope.role == Role.ENTERPRISE:
        enterprise = projects_service.my_enterprise(session, scope)
        return FinancingNeed.enterprise_id == enterprise.id if enterprise else false()
    if scope.role == Role.COUNTY and scope.region_code:
        return FinancingNeed.region_code == scope.region_code
    return false()


def visible_need(session: Session, scope: Scope, need_id: int, *, for_update: bool = False) -> FinancingNeed:
    require_reader(scope)
    query = select(FinancingNeed).where(FinancingNeed.id == need_id, FinancingNeed.city_code == scope.city_code,
                                        scope_condition(session, scope))
    need = session.scalar(query.with_for_update() if for_update else query)
    if need is None:
        raise NotFound("未找到该融资需求")
    return need


def needs(session: Session, scope: Scope, status: str | None = None) -> list[FinancingNeed]:
    query = select(FinancingNeed).where(FinancingNeed.city_code == scope.city_code, scope_condition(session, scope))
    if status:
        query = query.where(FinancingNeed.status == status)
    return list(session.scalars(query.order_by(FinancingNeed.id.desc())))


def need_of_project(session: Session, project_id: int) -> FinancingNeed | None:
    return session.scalar(select(FinancingNeed).where(FinancingNeed.project_id == project_id))


def city_needs(session: Session, city_code: str) -> list[FinancingNeed]:
    return list(session.scalars(select(FinancingNeed).where(FinancingNeed.city_code == city_code)))


def pushes_of(session: Session, need_ids: Sequence[int]) -> list[FinancingPush]:
    return list(session.scalars(select(FinancingPush).where(FinancingPush.need_id.in_(need_ids))))


def push_of(session: Session, need_id: int, bank_unit_id: int) -> FinancingPush | None:
    return session.scalar(select(FinancingPush).where(FinancingPush.need_id == need_id,
                                                      FinancingPush.bank_unit_id == bank_unit_id))


def answers_of(session: Session, need_ids: Sequence[int], bank_unit_id: int | None = None) -> list[BankAnswer]:
    query = select(BankAnswer).where(BankAnswer.need_id.in_(need_ids))
    if bank_unit_id is not None:
        query = query.where(BankAnswer.bank_unit_id == bank_unit_id)
    return list(session.scalars(query.order_by(BankAnswer.id)))


def _loan_condition(scope: Scope) -> ColumnElement[bool]:
    return Loan.bank_unit_id == scope.unit_id if scope.role == Role.BANK else true()


def loans_of(session: Session, scope: Scope, need_ids: Sequence[int]) -> list[Loan]:
    return list(session.scalars(select(Loan).where(Loan.need_id.in_(need_ids), _loan_condition(scope))
                                .order_by(Loan.id)))


def city_loans(session: Session, city_code: str) -> list[Loan]:
    return list(session.scalars(select(Loan).where(Loan.city_code == city_code).order_by(Loan.id)))


def visible_loan(session: Session, scope: Scope, loan_id: int, *,
                 for_update: bool = False) -> tuple[Loan, FinancingNeed]:
    query = select(Loan).where(Loan.id == loan_id, Loan.city_code == scope.city_code, _loan_condition(scope))
    loan = session.scalar(query.with_for_update() if for_update else query)
    if loan is None:
        require_reader(scope)
        raise NotFound("未找到该贷款")
    return loan, visible_need(session, scope, loan.need_id)


def tranches_of(session: Session, loan_ids: Sequence[int]) -> list[Tranche]:
    return list(session.scalars(select(Tranche).where(Tranche.loan_id.in_(loan_ids))
                                .order_by(Tranche.disbursed_on, Tranche.id)))


def schedule_of(session: Session, loan_id: int) -> list[SubsidyRow]:
    return list(session.scalars(select(SubsidyRow).where(SubsidyRow.loan_id == loan_id)
                                .order_by(SubsidyRow.quarter, SubsidyRow.start_on, SubsidyRow.tranche_id)))


def city_schedule(session: Session, city_code: str) -> list[SubsidyRow]:
    return list(session.scalars(select(SubsidyRow).where(SubsidyRow.city_code == city_code)))


def replace_schedule(session: Session, loan_id: int, rows: Sequence[SubsidyRow]) -> None:
    session.execute(delete(SubsidyRow).where(SubsidyRow.loan_id == loan_id))
    session.add_all(rows)
    session.flush()


def payments_of(session: Session, loan_ids: Sequence[int]) -> list[SubsidyPayment]:
    return list(session.scalars(select(SubsidyPayment).where(SubsidyPayment.loan_id.in_(loan_ids))
                                .order_by(SubsidyPayment.quarter)))


def payment_for(session: Session, loan_id: int, quarter: str, *, for_update: bool = False) -> SubsidyPayment | None:
    query = select(SubsidyPayment).where(SubsidyPayment.loan_id == loan_id, SubsidyPayment.quarter == quarter)
    return session.scalar(query.with_for_update() if for_update else query)


def city_payments(session: Session, city_code: str) -> list[SubsidyPayment]:
    return list(session.scalars(select(SubsidyPayment).where(SubsidyPayment.city_code == city_code)))


def bank_units(session: Session, city_code: str) -> list[Unit]:
    return [u for u in orgs_service.units_of_city(session, city_code) if u.kind == BANK_KIND]


def bank_in_city(session: Session, city_code: str, unit_id: int) -> Unit | None:
    unit = orgs_service.get_unit(session, unit_id)
    return unit if unit is not None and unit.city_code == city_code and unit.kind == BANK_KIND else None


def products_of(session: Session, city_code: str) -> list[FinancialProduct]:
    return list(session.scalars(select(FinancialProduct).where(FinancialProduct.city_code == city_code)
                                .order_by(FinancialProduct.id)))


def events_of(session: Session, city_code: str) -> list[BankEvent]:
    return list(session.scalars(select(BankEvent).where(BankEvent.city_code == city_code)
                                .order_by(BankEvent.held_on.desc())))


def period_sums(session: Session, city_code: str, start: dt.date, end: dt.date) -> dict[str, dict[str, int]]:
    """County → fen requested (needs declared), granted (loans signed), disbursed (tranches paid
    out) and subsidy paid (quarters settled) in [start, end), each by its own date; a loan and
    its money count in the county of the need it finances."""
    since, until = midnight(start), midnight(end)
    out: dict[str, dict[str, int]] = {}

    def add(measure: str, stmt: Select[Any, Any]) -> None:
        for region, fen in session.execute(stmt):
            bucket = out.setdefault(region, {"requested": 0, "granted": 0, "disbursed": 0, "subsidy_paid": 0})
            bucket[measure] += int(fen or 0)

    need = FinancingNeed
    add("requested", select(need.region_code, func.sum(need.amount_fen))
        .where(need.city_code == city_code, need.created_at >= since, need.created_at < until)
        .group_by(need.region_code))
    add("granted", select(need.region_code, func.sum(Loan.principal_fen))
        .join(need, need.id == Loan.need_id)
        .where(Loan.city_code == city_code, Loan.contract_on >= start, Loan.contract_on < end)
        .group_by(need.region_code))
    add("disbursed", select(need.region_code, func.sum(Tranche.amount_fen))
        .join(Loan, Loan.id == Tranche.loan_id).join(need, need.id == Loan.need_id)
        .where(Tranche.city_code == city_code, Tranche.disbursed_on >= start, Tranche.disbursed_on < end)
        .group_by(need.region_code))
    paid = SubsidyPayment
    add("subsidy_paid", select(need.region_code, func.sum(paid.actual_fen))
        .join(Loan, Loan.id == paid.loan_id).join(need, need.id == Loan.need_id)
        .where(paid.city_code == city_code, paid.status == "settled", paid.updated_at >= since,
               paid.updated_at < until)
        .group_by(need.region_code))
    return out
