"""The office's 贴息台账 as .xlsx: per loan and quarter, the scheduled subsidy, what was pre-allocated
and what was paid, with the loan's bank and project (every cell neutralised by kit.excel)."""

from __future__ import annotations

from openpyxl import Workbook
from sqlalchemy.orm import Session

from huanxin.errors import Forbidden
from huanxin.financing import repository as repo
from huanxin.financing import schedule, subsidy
from huanxin.kit.excel import append_row, list_sheet_bytes
from huanxin.orgs.scope import Scope

HEADERS = ("贷款编号", "项目名称", "贷款银行", "贷款本金（元）", "季度", "应贴息（元）", "预拨（元）", "实拨（元）",
           "拨付状态")
WIDTHS = (10, 36, 30, 16, 12, 14, 14, 14, 12)


def _yuan(fen: int | None) -> float | None:
    return None if fen is None else fen / 100


def subsidy_ledger_bytes(session: Session, scope: Scope) -> bytes:
    if not scope.city_wide:
        raise Forbidden("只有专班办公室和市政府领导可以导出贴息台账")
    banks = {u.id: u.name for u in repo.bank_units(session, scope.city_code)}
    needs = {n.id: n for n in repo.city_needs(session, scope.city_code)}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "贴息台账"
    append_row(sheet, HEADERS)
    for loan in repo.city_loans(session, scope.city_code):
        payments = {p.quarter: p for p in repo.payments_of(session, [loan.id])}
        totals = schedule.quarter_totals(schedule_rows(session, loan.id))
        for quarter, amount in totals.items():
            paid = payments.get(quarter)
            append_row(sheet, (loan.id, needs[loan.need_id].project_name, banks.get(loan.bank_unit_id, ""),
                               _yuan(loan.principal_fen), f"{quarter[:4]}年第{quarter[5:]}季度", _yuan(amount),
                               _yuan(paid.planned_fen) if paid else None, _yuan(paid.actual_fen) if paid else None,
                               subsidy.STATUS_LABELS.get(paid.status, "") if paid else "未拨付"))
    return list_sheet_bytes(book, sheet, WIDTHS)


def schedule_rows(session: Session, loan_id: int) -> list[schedule.ScheduleRow]:
    return [schedule.ScheduleRow(r.tranche_id, r.quarter, r.start_on, r.end_on, r.days, r.base_fen, r.rate_bp,
                                 r.amount_fen, r.basis) for r in repo.schedule_of(session, loan_id)]
