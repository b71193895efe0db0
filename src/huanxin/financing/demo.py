"""Demo financing for one city: banks with their users (the units the projects' intended banks
name, made when missing), needs of the library's projects in every state, loans with tranches and
their computed subsidy schedule, the subsidy pool funded and each loan's first quarter paid.
Through the use cases, as the office and the banks would do it, so the demo obeys every rule."""

from __future__ import annotations

import datetime as dt
import random

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.financing import loans, needs, subsidy
from huanxin.financing import repository as repo
from huanxin.financing.models import FinancingNeed
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import Unit, User
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects.models import Project

BANKS = ("中国工商银行", "中国农业银行", "中国银行", "中国建设银行")
STATES = ("declared", "pushed", "interested", "more_documents", "declined", "granted", "granted", "granted")
MAX_NEEDS = 24
POOL_FEN = 5_000_000_00  # 500万元 of central subsidy funds


def _office(session: Session, city_code: str) -> Scope | None:
    user = session.scalar(select(User).where(User.city_code == city_code, User.role == Role.OFFICE.value)
                          .order_by(User.id).limit(1))
    return orgs_service.scope_of(user) if user is not None else None


def _banks(session: Session, city_code: str, password_hash: str) -> dict[str, Scope]:
    """Per bank name, its user's scope: the city's unit of that bank (kind bank) or a new one."""
    city_name = orgs_service.region_name(session, city_code)
    out: dict[str, Scope] = {}
    for number, name in enumerate(BANKS, start=1):
        unit = session.scalar(select(Unit).where(Unit.city_code == city_code, Unit.kind == repo.BANK_KIND,
                                                 Unit.name.startswith(name)).limit(1))
        if unit is None:
            unit = orgs_service.ensure_unit(session, city_code=city_code, name=f"{name}{city_name}分行", kind="bank",
                                            aliases=[name], region_code=city_code)
        username = f"bank-{city_code}-{number}"
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            user = orgs_service.create_user(session, username=username, password="", display_name=f"{unit.name}信贷部",
                                            role=Role.BANK, city_code=city_code, unit_id=unit.id,
                                            password_hash=password_hash)
        out[name] = orgs_service.scope_of(user)
    return out


def _walk(session: Session, office: Scope, bank: Scope, need: FinancingNeed, state: str, rng: random.Random) -> None:
    if state == "declared":
        return
    needs.push(session, office, need.id, [bank.unit_id] if bank.unit_id else [])
    if state in ("interested", "more_documents", "declined"):
        needs.answer(session, bank, need.id, state, "抵押担保不足" if state == "declined" else "",
                     ["近三年审计报告", "设备采购合同"] if state == "more_documents" else [])
    if state != "granted":
        return
    needs.answer(session, bank, need.id, "interested")
    contract = dt.date(2025, rng.randint(1, 9), rng.randint(1, 28))
    principal = min(need.amount_fen, rng.randint(50, 500) * 10_000_00)
    first = principal * rng.choice((5, 6, 7)) // 10
    tranches = [loans.TrancheInput(first, contract + dt.timedelta(days=rng.randint(0, 20))),
                loans.TrancheInput(principal - first, contract + dt.timedelta(days=rng.randint(40, 120)))]
    loan = loans.record_loan(session, bank, need.id, loans.LoanInput(
        principal_fen=principal, annual_rate_bp=rng.choice((285, 310, 345)), term_months=need.term_months,
        contract_on=contract, tranches=tranches))
    rows = loans.schedule_of(session, loan.id)
    if rows:
        subsidy.preallocate(session, office, loan.id, rows[0].quarter)
        subsidy.settle(session, office, loan.id, rows[0].quarter)


def seed(session: Session, city_code: str, rng: random.Random) -> int:
    """The city's demo financing; returns the number of needs made (0 without an office account)."""
    office = _office(session, city_code)
    if office is None:
        return 0
    password_hash = session.scalar(select(User.password_hash).where(User.role == Role.OFFICE.value).limit(1)) or ""
    banks = _banks(session, city_code, password_hash)
    subsidy.fund_pool(session, office, POOL_FEN, key=f"demo-{city_code}", memo="演示：中央财政贴息资金下达")
    projects = list(session.scalars(select(Project).where(Project.city_code == city_code, Project.loan_need_fen > 0,
                                                          Project.loan_term_months > 0)
                                    .order_by(Project.id).limit(MAX_NEEDS)))
    made = 0
    for index, project in enumerate(projects):
        named = [banks[n] for n in project.intended_banks if n in banks] or [banks[rng.choice(BANKS)]]
        need = needs.declare(session, office, needs.NeedInput(
            project_id=project.id, amount_fen=project.loan_need_fen, term_months=project.loan_term_months,
            purpose="设备购置与技术改造", bank_unit_ids=[s.unit_id for s in named[:3] if s.unit_id]))
        _walk(session, office, named[0], need, STATES[index % len(STATES)], rng)
        made += 1
    return made
