"""JSON API of reverse invoicing (/api/v1). Everything is resolved in the caller's scope: a recycler
reads and writes its own; the office and departments read the city's and verify qualifications;
another city's objects answer 404.

    GET  /recycling/qualifications                          list (recycler: its own)
    POST /recycling/qualifications                          multipart: kind, number, issued_on, valid_until, document
    POST /recycling/qualifications/{id}/verify              (office, department)
    GET  /recycling/sellers                                 list, masked
    POST /recycling/sellers                                 {name, id_number, phone, bank_card, bank_name, authorised}
    GET  /recycling/sellers/{id}/quota                      used and left in the 12-month window
    GET  /recycling/invoices[?month=YYYY-MM]
    POST /recycling/invoices                                {seller_id, lines: [...]} + Idempotency-Key: pre-invoice
    GET  /recycling/invoices/{id}
    POST /recycling/invoices/{id}/confirm                   {code} (the code sent to the seller's phone)
    POST /recycling/invoices/{id}/issue                     inside the quota
    POST /recycling/invoices/{id}/payment                   {payment_ref} + Idempotency-Key
    POST /recycling/invoices/{id}/reverse                   {reason}: the red-letter invoice
    GET  /recycling/invoices/export.xlsx?month=YYYY-MM      the month's sheet for the tax platform"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Header, UploadFile
from fastapi.responses import JSONResponse, Response

from huanxin.errors import InvalidInput
from huanxin.kit import idempotency, uploads
from huanxin.kit.clock import today
from huanxin.kit.limits import Schema
from huanxin.recycling.invoice_models import InvoiceSeller, RecyclerQualification, ReverseInvoice
from huanxin.recycling.invoicing import export, qualifications, rules, sellers, service
from huanxin.recycling.vocab import CATEGORIES, UNITS
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["反向开票"])
IdemKey = Annotated[str | None, Header(alias="Idempotency-Key")]


class CodeIn(Schema):
    code: str = ""


class PaymentIn(Schema):
    payment_ref: str = ""


class ReasonIn(Schema):
    reason: str = ""


def parse_month(raw: str | None, field: str = "month") -> dt.date | None:
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(f"{raw.strip()}-01")
    except ValueError:
        raise InvalidInput("月份格式应为 年-月，如 2026-11", field=field) from None


def parse_date(raw: str, field: str, label: str, *, required: bool = True) -> dt.date | None:
    if not raw.strip():
        if required:
            raise InvalidInput(f"请填写{label}", field=field)
        return None
    try:
        return dt.date.fromisoformat(raw.strip())
    except ValueError:
        raise InvalidInput(f"{label}格式应为 年-月-日", field=field) from None


def qualification_out(row: RecyclerQualification) -> dict[str, Any]:
    return {"id": row.id, "unit_id": row.unit_id, "kind": row.kind, "kind_label": qualifications.KINDS[row.kind],
            "number": row.number, "issued_on": row.issued_on.isoformat(),
            "valid_until": row.valid_until.isoformat() if row.valid_until else None,
            "verified": row.verified_at is not None,
            "state_label": qualifications.state_label(row, today())}


def seller_out(row: InvoiceSeller) -> dict[str, Any]:
    return {"id": row.id, "name": row.name_masked, "id_number": row.id_masked, "phone": row.phone_masked,
            "bank_card": row.bank_card_masked, "bank_name": row.bank_name,
            "authorised_on": row.authorised_on.isoformat()}


def invoice_out(db: Any, row: ReverseInvoice) -> dict[str, Any]:
    return {"id": row.id, "number": row.number, "kind": row.kind, "status": row.status,
            "status_label": service.STATUS_LABELS[row.status], "seller_id": row.seller_id,
            "amount_fen": row.amount_fen, "vat_rate_permille": row.vat_rate_permille, "vat_fen": row.vat_fen,
            "iit_rate_permille": row.iit_rate_permille, "iit_fen": row.iit_fen, "tax_note": row.tax_note,
            "quota_month": row.quota_month.isoformat() if row.quota_month else None, "reverses_id": row.reverses_id,
            "paid": row.paid_at is not None, "payment_ref": row.payment_ref,
            "lines": [{"category": x.category, "category_label": CATEGORIES.get(x.category), "tax_code": x.tax_code,
                       "unit": x.unit, "unit_label": UNITS.get(x.unit), "quantity": x.quantity_milli / 1000,
                       "unit_price_fen": x.unit_price_fen, "amount_fen": x.amount_fen, "weighing_id": x.weighing_id}
                      for x in service.lines_of(db, row)]}


@router.get("/recycling/qualifications")
def qualification_list(db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return {"qualifications": [qualification_out(q) for q in qualifications.listed(db, scope)]}


@router.post("/recycling/qualifications", status_code=201)
async def qualification_add(db: DbSession, scope: CurrentScope, kind: Annotated[str, Form()] = "",
                            number: Annotated[str, Form()] = "", issued_on: Annotated[str, Form()] = "",
                            valid_until: Annotated[str, Form()] = "",
                            document: Annotated[UploadFile | None, File()] = None) -> dict[str, Any]:
    data = await uploads.read_upload(document, qualifications.MAX_DOCUMENT_BYTES, field="document") if document else b""
    row = qualifications.record(db, scope, qualifications.QualificationInput(
        kind=kind, number=number, issued_on=parse_date(issued_on, "issued_on", "发证（备案）日期") or dt.date.min,
        valid_until=parse_date(valid_until, "valid_until", "有效期至", required=False),
        document_name=(document.filename or "") if document else "", document_type=(document.content_type or "")
        if document else "", document=data))
    return qualification_out(row)


@router.post("/recycling/qualifications/{qualification_id}/verify")
def qualification_verify(qualification_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return qualification_out(qualifications.verify(db, scope, qualification_id))


@router.get("/recycling/sellers")
def seller_list(db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return {"sellers": [seller_out(s) for s in sellers.listed(db, scope)]}


@router.post("/recycling/sellers", status_code=201)
def seller_add(body: sellers.SellerInput, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return seller_out(sellers.onboard(db, scope, body))


@router.get("/recycling/sellers/{seller_id}/quota")
def seller_quota(seller_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    found = service.quota_of(db, sellers.get(db, scope, seller_id).person_key)
    return {"window_from": found.window_from.isoformat(), "window_to": found.window_to.isoformat(),
            "used_fen": found.used_fen, "quota_fen": found.quota_fen, "left_fen": found.left_fen}


@router.get("/recycling/invoices")
def invoice_list(db: DbSession, scope: CurrentScope, month: str | None = None) -> dict[str, Any]:
    return {"invoices": [invoice_out(db, i) for i in service.listed(db, scope, month=parse_month(month))]}


@router.get("/recycling/invoices/export.xlsx")
def invoice_export(db: DbSession, scope: CurrentScope, month: str = "") -> Response:
    chosen = parse_month(month) or rules.month_of(today())
    data = export.month_sheet(db, scope, chosen)
    return Response(data, media_type=export.XLSX_TYPE, headers={
        "Content-Disposition": f"attachment; filename=\"reverse-invoices-{chosen:%Y-%m}.xlsx\"",
        "Cache-Control": "private, no-store"})


@router.post("/recycling/invoices", status_code=201)
def invoice_add(body: service.PreInvoiceInput, db: DbSession, scope: CurrentScope,
                idempotency_key: IdemKey = None) -> JSONResponse:
    made = service.make_pre_invoice(db, scope, body, idempotency.checked_key(idempotency_key))
    return JSONResponse(invoice_out(db, made.invoice), status_code=200 if made.replayed else 201,
                        headers={"Idempotent-Replayed": "true"} if made.replayed else None)


@router.get("/recycling/invoices/{invoice_id}")
def invoice_get(invoice_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return invoice_out(db, service.get(db, scope, invoice_id))


@router.post("/recycling/invoices/{invoice_id}/confirm")
def invoice_confirm(invoice_id: int, body: CodeIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    try:
        return invoice_out(db, service.confirm(db, scope, invoice_id, body.code))
    except service.WrongCode:
        db.commit()  # the wrong attempt counts
        raise


@router.post("/recycling/invoices/{invoice_id}/issue")
def invoice_issue(invoice_id: int, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return invoice_out(db, service.issue(db, scope, invoice_id))


@router.post("/recycling/invoices/{invoice_id}/payment")
def invoice_pay(invoice_id: int, body: PaymentIn, db: DbSession, scope: CurrentScope,
                idempotency_key: IdemKey = None) -> dict[str, Any]:
    return invoice_out(db, service.pay(db, scope, invoice_id, payment_ref=body.payment_ref,
                                       idempotency_key=idempotency.checked_key(idempotency_key)))


@router.post("/recycling/invoices/{invoice_id}/reverse", status_code=201)
def invoice_reverse(invoice_id: int, body: ReasonIn, db: DbSession, scope: CurrentScope) -> dict[str, Any]:
    return invoice_out(db, service.reverse(db, scope, invoice_id, body.reason))
