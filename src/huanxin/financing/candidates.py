"""The candidate list the office sends banks each month (融资需求清单 / 再贷款备选项目): every need
with its project, the relending conditions as projects/funding decides them (evaluate_project, its
public entry: the rule lives there, not here) and the banks it was named for or pushed to. As .xlsx
through kit.excel, every cell neutralised."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from openpyxl import Workbook
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden
from huanxin.financing import needs as needs_service
from huanxin.financing import repository as repo
from huanxin.financing.models import FinancingNeed
from huanxin.kit.clock import today
from huanxin.kit.excel import append_row, list_sheet_bytes
from huanxin.orgs import service as orgs_service
from huanxin.orgs.scope import Scope
from huanxin.projects import service as projects_service
from huanxin.projects import vocab
from huanxin.projects.funding import evaluate_project, facts_from_project

HEADERS = ("序号", "项目名称", "项目单位", "所在地区", "领域", "项目总投资（万元）", "融资需求（万元）",
           "贷款期限（月）", "资金用途", "意向银行", "已推送银行", "状态", "是否符合再贷款备选条件", "理由")
WIDTHS = (6, 36, 30, 14, 12, 14, 14, 10, 30, 30, 30, 14, 12, 60)


@dataclass(frozen=True)
class Candidate:
    need: FinancingNeed
    project_name: str
    enterprise_name: str
    total_investment_fen: int
    eligible: bool
    reasons: list[str]


def assess(session: Session, scope: Scope, need: FinancingNeed, on: dt.date | None = None) -> Candidate:
    """The relending decision on the project's facts, with the need's own amount, term and banks."""
    project = projects_service.get_project(session, scope, need.project_id)
    equipment = projects_service.equipment_of(session, [project.id]).get(project.id, [])
    enterprise = projects_service.enterprises_of(session, [project.enterprise_id]).get(project.enterprise_id)
    facts = dataclasses.replace(facts_from_project(project, equipment), loan_need_fen=need.amount_fen,
                                loan_term_months=need.term_months,
                                intended_banks=tuple(str(b) for b in need.bank_unit_ids))
    result = evaluate_project(facts, on or today())["relending"]
    return Candidate(need, project.name, enterprise.name if enterprise else "", project.total_investment_fen,
                     result.eligible, list(result.reasons))


def candidates(session: Session, scope: Scope, status: str | None = None) -> list[Candidate]:
    if not scope.city_wide:
        raise Forbidden("只有专班办公室和市政府领导可以编制融资需求清单")
    return [assess(session, scope, n) for n in repo.needs(session, scope, status)]


def _wan(fen: int) -> float:
    return round(fen / 1_000_000, 2)


def workbook_bytes(session: Session, scope: Scope, status: str | None = None) -> bytes:
    rows = candidates(session, scope, status)
    banks = {u.id: u.name for u in repo.bank_units(session, scope.city_code)}
    pushed = needs_service.pushed_banks(session, scope, [c.need.id for c in rows])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "融资需求清单"
    append_row(sheet, HEADERS)
    for number, c in enumerate(rows, start=1):
        n = c.need
        append_row(sheet, (number, c.project_name, c.enterprise_name, orgs_service.region_name(session, n.region_code),
                           vocab.FIELDS.get(n.field, ""), _wan(c.total_investment_fen), _wan(n.amount_fen),
                           n.term_months, n.purpose, "、".join(banks.get(b, "") for b in n.bank_unit_ids),
                           "、".join(banks.get(b, "") for b in pushed.get(n.id, [])),
                           needs_service.STATUS_LABELS.get(n.status, ""), "是" if c.eligible else "否",
                           "；".join(c.reasons)))
    return list_sheet_bytes(book, sheet, WIDTHS)
