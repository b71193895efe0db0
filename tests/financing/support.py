"""Fixtures of the financing tests: the projects library's city (tests.projects.support) with two
banks (each with a user), a third bank nobody names, an approved project of the first enterprise,
a resident and another city's office.

    fin = setup_financing(db)
    need = declared_need(db, fin, banks=[fin.bank_a])     # the enterprise's need naming bank A
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session
from tests.projects.support import RUN, Library, scope_for, setup_library, walked_to
from tests.tradein.claims_support import n, user

from huanxin.financing import loans, needs
from huanxin.financing.models import FinancingNeed, Loan
from huanxin.orgs import service as orgs_service
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.projects.models import Project


@dataclass
class Fin:
    lib: Library
    project: Project
    other_project: Project  # of the other enterprise
    bank_a: int
    bank_a_user: str
    bank_b: int
    bank_b_user: str
    bank_c: int
    bank_c_user: str
    resident_user: str
    foreign_office_user: str

    def scope(self, session: Session, username: str) -> Scope:
        return scope_for(session, username)


def make_bank(session: Session, city_code: str, name: str) -> tuple[int, str]:
    tag = f"{RUN}{n()}"
    unit = orgs_service.ensure_unit(session, city_code=city_code, name=f"{name}{tag}", kind="bank", aliases=[],
                                    region_code=city_code)
    return unit.id, user(session, f"bank-{tag}", Role.BANK, city_code, unit.id)


def setup_financing(session: Session, city_code: str = "512000") -> Fin:
    lib = setup_library(session, city_code)
    project = walked_to(session, lib, "approved")
    other = walked_to(session, lib, "draft")
    other.enterprise_id = lib.other_enterprise.id
    session.flush()
    a, a_user = make_bank(session, city_code, "测试工商银行")
    b, b_user = make_bank(session, city_code, "测试建设银行")
    c, c_user = make_bank(session, city_code, "测试农业银行")
    tag = f"{RUN}{n()}"
    return Fin(lib, project, other, a, a_user, b, b_user, c, c_user,
               user(session, f"res-{tag}", Role.RESIDENT, city_code),
               user(session, f"fo-{tag}", Role.OFFICE, "370784"))


def declared_need(session: Session, fin: Fin, banks: list[int] | None = None, **overrides: Any) -> FinancingNeed:
    data: dict[str, Any] = {"project_id": fin.project.id, "amount_fen": 2_000_0000_00, "term_months": 36,
                            "purpose": "购置数控加工中心",
                            "bank_unit_ids": banks if banks is not None else [fin.bank_a]}
    data.update(overrides)
    return needs.declare(session, fin.scope(session, fin.lib.enterprise_user), needs.NeedInput(**data))


def signed_loan(session: Session, fin: Fin, need: FinancingNeed, tranches: list[tuple[int, dt.date]],
                principal_fen: int = 1_000_000_00, contract_on: dt.date = dt.date(2025, 1, 10),
                term_months: int = 36) -> Loan:
    return loans.record_loan(session, fin.scope(session, fin.bank_a_user), need.id, loans.LoanInput(
        principal_fen=principal_fen, annual_rate_bp=310, term_months=term_months, contract_on=contract_on,
        tranches=[loans.TrancheInput(amount, on) for amount, on in tranches]))
