"""Builders for the reverse-invoicing tests: a qualified recycler, an on-boarded seller, and an
invoice taken from pre-invoice through the seller's code to issued."""

from __future__ import annotations

import datetime as dt
import re
import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.recycling import weighing_support as ws
from tests.tradein.claims_support import id_number, user

from huanxin.kit.clock import today
from huanxin.kit.identifiers import luhn_complete
from huanxin.orgs.roles import Role
from huanxin.recycling.invoice_models import InvoiceSeller, ReverseInvoice, SellerMessage
from huanxin.recycling.invoicing import qualifications, sellers, service

TAX_CODE = "1080208010000000000"  # a 19-digit code as the recycler's invoicing software gives it


def luhn_card(prefix: str = "622202020011223344") -> str:
    return luhn_complete(prefix)


def qualify(session: Session, rc: ws.Recycler, *, verified: bool = True, valid_until: dt.date | None = None,
            kind: str = "renewable_filing") -> int:
    row = qualifications.record(session, rc.scope(session, "dispatcher"), qualifications.QualificationInput(
        kind=kind, number=f"备案{ws.tag()}", issued_on=today() - dt.timedelta(days=400), valid_until=valid_until,
        document_name="备案回执.pdf", document_type="application/pdf", document=b"%PDF-1.4 test"))
    if verified:
        office = ws.scope_of(session, office_of(session, rc.city_code))
        qualifications.verify(session, office, row.id)
    return row.id


def office_of(session: Session, city_code: str) -> str:
    return user(session, f"inv-off-{ws.tag()}", Role.OFFICE, city_code)


def seller_input(**over: Any) -> sellers.SellerInput:
    values: dict[str, Any] = {"name": "张三丰", "id_number": id_number(), "phone": "13912345678",
                              "bank_card": luhn_card(), "bank_name": "工商银行资阳分行", "authorised": True}
    values.update(over)
    return sellers.SellerInput(**values)


def seller(session: Session, rc: ws.Recycler, **over: Any) -> InvoiceSeller:
    return sellers.onboard(session, rc.scope(session, "dispatcher"), seller_input(**over))


def lines(yuan: int, category: str = "metal") -> list[service.LineInput]:
    """One entered line worth `yuan` (VAT-exclusive): metal at 1 yuan per kg."""
    return [service.LineInput(category=category, tax_code=TAX_CODE, weight_g=yuan * 1000, unit_price_fen=100)]


def code_of(session: Session, invoice: ReverseInvoice) -> str:
    body = session.scalar(select(SellerMessage.body).where(SellerMessage.invoice_id == invoice.id))
    assert body is not None
    found = re.search(r"确认码 (\d{6})", body)
    assert found is not None
    return found.group(1)


def pre_invoice(session: Session, rc: ws.Recycler, who: InvoiceSeller, yuan: int) -> ReverseInvoice:
    body = service.PreInvoiceInput(seller_id=who.id, lines=lines(yuan))
    return service.make_pre_invoice(session, rc.scope(session, "dispatcher"), body, uuid.uuid4().hex).invoice


def issued(session: Session, rc: ws.Recycler, who: InvoiceSeller, yuan: int) -> ReverseInvoice:
    scope = rc.scope(session, "dispatcher")
    invoice = pre_invoice(session, rc, who, yuan)
    service.confirm(session, scope, invoice.id, code_of(session, invoice))
    return service.issue(session, scope, invoice.id)
