"""Financing figures for the office and the cockpit: requested (needs), granted (loan principal),
disbursed (tranches) and subsidy paid (settled quarters), by county and by field."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.errors import Forbidden
from huanxin.financing import repository as repo
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.projects import vocab


@dataclass
class Figure:
    key: str
    label: str
    needs: int = 0
    requested_fen: int = 0
    granted_fen: int = 0
    disbursed_fen: int = 0
    subsidy_paid_fen: int = 0


@dataclass(frozen=True)
class Figures:
    total: Figure
    by_county: list[Figure]
    by_field: list[Figure]


def figures(session: Session, scope: Scope) -> Figures:
    if not scope.city_wide:
        raise Forbidden("只有专班办公室和市政府领导可以查看融资统计")
    city = scope.city_code
    needs = {n.id: n for n in repo.city_needs(session, city)}
    loans = {loan.id: loan for loan in repo.city_loans(session, city)}
    disbursed: dict[int, int] = {}
    for t in repo.tranches_of(session, list(loans)):
        disbursed[t.loan_id] = disbursed.get(t.loan_id, 0) + t.amount_fen
    paid: dict[int, int] = {}
    for p in repo.city_payments(session, city):
        if p.status == "settled" and p.actual_fen:
            paid[p.loan_id] = paid.get(p.loan_id, 0) + p.actual_fen
    total = Figure("total", "合计")
    counties: dict[str, Figure] = {}
    fields: dict[str, Figure] = {}
    for n in needs.values():
        county = counties.setdefault(n.region_code, Figure(n.region_code, orgs_service.region_name(session,
                                                                                                  n.region_code)))
        field = fields.setdefault(n.field, Figure(n.field, vocab.FIELDS.get(n.field, "其他")))
        for f in (total, county, field):
            f.needs += 1
            f.requested_fen += n.amount_fen
    for loan in loans.values():
        n = needs[loan.need_id]
        for f in (total, counties[n.region_code], fields[n.field]):
            f.granted_fen += loan.principal_fen
            f.disbursed_fen += disbursed.get(loan.id, 0)
            f.subsidy_paid_fen += paid.get(loan.id, 0)
    return Figures(total, sorted(counties.values(), key=lambda f: f.key), sorted(fields.values(), key=lambda f: f.key))
