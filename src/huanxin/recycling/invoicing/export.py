"""The month's invoices as the sheet a recycler takes to the tax platform (docs/reverse-invoicing.md):
one row per invoice line, blue and red, with the seller's identity and card in full for the recycler
who files them, masked for the city's supervisors who only read them. Every cell neutralised."""

from __future__ import annotations

import datetime as dt

from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.kit import pii
from huanxin.kit.clock import CHINA
from huanxin.kit.excel import append_row, list_sheet_bytes
from huanxin.orgs.models import Unit
from huanxin.orgs.scope import Scope
from huanxin.recycling.invoice_models import InvoiceSeller
from huanxin.recycling.invoicing import sellers, service
from huanxin.recycling.vocab import CATEGORIES, UNITS

COLUMNS = ("发票类型", "平台发票编号", "被红冲发票编号", "开票日期", "所属月份", "回收企业", "出售方姓名", "证件类型",
           "证件号码", "手机号码", "开户银行", "银行卡号", "项目名称", "税收分类编码", "单位", "数量", "单价（元）",
           "金额（元，不含税）", "征收率", "增值税额（元）", "个人所得税预缴（元）", "减免及计税说明", "付款流水号")
WIDTHS = (8, 24, 24, 12, 10, 24, 10, 10, 22, 14, 16, 22, 12, 22, 6, 12, 10, 14, 8, 12, 14, 40, 22)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _yuan(fen: int) -> float:
    return round(fen / 100, 2)


def _seller_cells(seller: InvoiceSeller, full: bool) -> list[str]:
    if full:
        return [pii.decrypt(seller.name_enc), "居民身份证", pii.decrypt(seller.id_enc), pii.decrypt(seller.phone_enc),
                seller.bank_name, pii.decrypt(seller.bank_card_enc)]
    return [seller.name_masked, "居民身份证", seller.id_masked, seller.phone_masked, seller.bank_name,
            seller.bank_card_masked]


def month_sheet(session: Session, scope: Scope, month: dt.date) -> bytes:
    invoices = [i for i in service.listed(session, scope, month=month, limit=100_000) if i.status in service.COUNTED]
    # Those who file the invoices (the recycler's office and stations) read identity in full; its
    # drivers and the city's supervisors only read.
    full = sellers.is_writer(session, scope)
    by_id = {s.id: s for s in session.scalars(select(InvoiceSeller).where(
        InvoiceSeller.id.in_({i.seller_id for i in invoices})))} if invoices else {}
    units = {u.id: u.name for u in session.scalars(select(Unit).where(
        Unit.id.in_({i.recycler_unit_id for i in invoices})))} if invoices else {}
    numbers = {i.id: i.number for i in invoices}
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{month:%Y年%m月}反向开票"
    append_row(sheet, COLUMNS)
    for invoice in sorted(invoices, key=lambda i: i.id):
        issued = invoice.issued_at.astimezone(CHINA).date().isoformat() if invoice.issued_at else ""
        head = ["红字" if invoice.kind == "red" else "蓝字", invoice.number or "",
                numbers.get(invoice.reverses_id or 0, "") if invoice.reverses_id else "", issued,
                f"{month:%Y-%m}", units.get(invoice.recycler_unit_id, ""),
                *_seller_cells(by_id[invoice.seller_id], full)]
        rate = f"{invoice.vat_rate_permille / 10:g}%" if invoice.vat_rate_permille else "免税"
        for n, line in enumerate(service.lines_of(session, invoice)):
            # The invoice's taxes on its first line only, so that a column sum is the month's tax.
            first = n == 0
            taxes = [rate, _yuan(invoice.vat_fen) if first else "", _yuan(invoice.iit_fen) if first else "",
                     invoice.tax_note if first else ""]
            append_row(sheet, [*head, CATEGORIES.get(line.category, line.category), line.tax_code,
                               UNITS.get(line.unit, line.unit), line.quantity_milli / 1000, _yuan(line.unit_price_fen),
                               _yuan(line.amount_fen), *taxes, invoice.payment_ref])
    return list_sheet_bytes(book, sheet, WIDTHS)
