"""Reverse-invoicing pages. /recycling/invoicing: the recycler's qualifications, sellers, new
pre-invoice and invoice list (the city's supervisors read the same, verify qualifications and take
the month's sheet); /recycling/invoicing/{id}: one invoice with the seller's confirmation, the
issue, the payment and the red-letter reversal. Errors are shown beside the field that caused them."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from huanxin.config import get_settings
from huanxin.errors import InvalidInput
from huanxin.kit import uploads
from huanxin.kit.clock import CHINA, now, today
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as repo
from huanxin.recycling.invoicing import qualifications, rules, sellers, service
from huanxin.recycling.invoicing.api import parse_date, parse_month
from huanxin.recycling.vocab import CATEGORIES, UNITS, unit_of
from huanxin.recycling.weighing.forms import fen, form_values, grams
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.form_pages import FormCall, form_page
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
HOME = "/recycling/invoicing"
Text = Annotated[str, Form()]
LINES_ON_FORM = 5
FLASHES = {"qualification": "已登记资质，待商务主管部门核验。", "verified": "已核验该资质。",
           "seller": "已登记出售方。", "confirmed": "出售方已确认。", "issued": "已开具发票。", "paid": "已登记付款。",
           "reversed": "已开具红字发票。"}


def _home(request: Request, db: DbSession, scope: Scope, month: str = "", done: str = "") -> Response:
    request.state.scope = scope
    chosen = parse_month(month) if month else None
    day = today()
    writer = sellers.is_writer(db, scope)
    units = {u.id: u.name for u in repo.recyclers_of_city(db, scope.city_code)}
    weighings = service.unbilled_weighings(db, scope.unit_id, now() - dt.timedelta(days=60)) \
        if writer and scope.unit_id else []
    return render(request, "recycling/invoicing/home.html", qualifications=qualifications.listed(db, scope),
                  sellers=sellers.listed(db, scope), invoices=service.listed(db, scope, month=chosen), units=units,
                  kinds=qualifications.KINDS, state_label=qualifications.state_label, day=day, writer=writer,
                  verifier=scope.role in qualifications.VERIFIERS, categories=CATEGORIES, units_of=UNITS,
                  unit_of=unit_of, lines=range(LINES_ON_FORM), labels=service.STATUS_LABELS, yuan=rules.yuan,
                  month=month, this_month=f"{rules.month_of(day):%Y-%m}", key=secrets.token_urlsafe(16),
                  reported=rules.reported_change(day), flash=FLASHES.get(done), weighings=weighings, china=CHINA)


@router.get(HOME, response_class=HTMLResponse)
def home(request: Request, db: DbSession, scope: CurrentScope, month: str = "", done: str = "") -> Response:
    return _home(request, db, scope, month, done)


def _on_home(call: FormCall) -> Response:
    return _home(call.request, call.db, call.scope)


@router.post(f"{HOME}/qualifications", response_class=HTMLResponse)
@form_page(_on_home, form="qualification-new")
async def qualification_add(db: DbSession, scope: CurrentScope, kind: Text = "", number: Text = "",
                            issued_on: Text = "", valid_until: Text = "",
                            document: Annotated[UploadFile | None, File()] = None) -> Response:
    data = await uploads.read_upload(document, qualifications.MAX_DOCUMENT_BYTES, field="document") \
        if document and document.filename else b""
    qualifications.record(db, scope, qualifications.QualificationInput(
        kind=kind, number=number,
        issued_on=parse_date(issued_on, "issued_on", "发证（备案）日期") or today(),
        valid_until=parse_date(valid_until, "valid_until", "有效期至", required=False),
        document_name=(document.filename or "") if document else "",
        document_type=(document.content_type or "") if document else "", document=data))
    return RedirectResponse(f"{HOME}?done=qualification", status_code=303)


@router.post(f"{HOME}/qualifications/{{qualification_id}}/verify", response_class=HTMLResponse)
@form_page(_on_home, form="qualifications")
def qualification_verify(qualification_id: int, db: DbSession, scope: CurrentScope) -> Response:
    qualifications.verify(db, scope, qualification_id)
    return RedirectResponse(f"{HOME}?done=verified", status_code=303)


@router.post(f"{HOME}/sellers", response_class=HTMLResponse)
@form_page(_on_home, form="seller-new")
def seller_add(db: DbSession, scope: CurrentScope, name: Text = "", id_number: Text = "", phone: Text = "",
               bank_card: Text = "", bank_name: Text = "", authorised: Text = "") -> Response:
    sellers.onboard(db, scope, sellers.SellerInput(name=name, id_number=id_number, phone=phone, bank_card=bank_card,
                                                   bank_name=bank_name, authorised=authorised in ("1", "on")))
    return RedirectResponse(f"{HOME}?done=seller", status_code=303)


def lines_from_form(values: dict[str, str]) -> list[service.LineInput]:
    """The weighings ticked on the form (each with its tax code), then the lines typed in."""
    out: list[service.LineInput] = [
        service.LineInput(weighing_id=int(key[6:]), tax_code=values.get(f"{key}-tax_code", "").strip())
        for key in sorted(values) if key.startswith("weigh-") and key[6:].isdigit() and values[key] in ("1", "on")]
    for n in range(LINES_ON_FORM):
        category = values.get(f"line-{n}-category", "")
        quantity = values.get(f"line-{n}-quantity", "").strip()
        if not category and not quantity:
            continue
        row = len(out)
        price = fen(values.get(f"line-{n}-price", ""), f"lines.{row}.unit_price_fen", f"第{row + 1}行单价")
        piece = unit_of(category) == "piece" if category in CATEGORIES else False
        amount = (int(quantity) if quantity.isdigit() else -1) if piece else \
            grams(quantity, f"lines.{row}.weight_g", f"第{row + 1}行重量")
        out.append(service.LineInput(category=category, tax_code=values.get(f"line-{n}-tax_code", "").strip(),
                                     weight_g=0 if piece else amount, pieces=amount if piece else 0,
                                     unit_price_fen=price))
    return out


@router.post(HOME, response_class=HTMLResponse)
@form_page(_on_home, form="invoice-new")
def invoice_add(db: DbSession, scope: CurrentScope, values: Annotated[dict[str, str], Depends(form_values)],
                seller_id: Text = "", idempotency_key: Text = "") -> Response:
    chosen = int(seller_id) if seller_id.isdigit() else 0
    if not chosen:
        raise InvalidInput("请选择出售方", field="seller_id")
    made = service.make_pre_invoice(db, scope, service.PreInvoiceInput(seller_id=chosen, lines=lines_from_form(values)),
                                    idempotency_key)
    return RedirectResponse(f"{HOME}/{made.invoice.id}", status_code=303)


def _detail(request: Request, db: DbSession, scope: Scope, invoice_id: int, done: str = "") -> Response:
    request.state.scope = scope
    invoice = service.get(db, scope, invoice_id)
    seller = sellers.get(db, scope, invoice.seller_id)
    writer = sellers.is_writer(db, scope)
    return render(request, "recycling/invoicing/detail.html", invoice=invoice, seller=seller,
                  lines=service.lines_of(db, invoice), categories=CATEGORIES, units=UNITS, labels=service.STATUS_LABELS,
                  yuan=rules.yuan, quota=service.quota_of(db, invoice.person_key), writer=writer,
                  key=secrets.token_urlsafe(16), flash=FLASHES.get(done),
                  texts=service.messages_of(db, invoice) if writer and get_settings().mode != "production" else [])


@router.get(f"{HOME}/{{invoice_id}}", response_class=HTMLResponse)
def detail(request: Request, db: DbSession, scope: CurrentScope, invoice_id: int, done: str = "") -> Response:
    return _detail(request, db, scope, invoice_id, done)


def _on_detail(call: FormCall) -> Response:
    return _detail(call.request, call.db, call.scope, int(call.args["invoice_id"]))


@router.post(f"{HOME}/{{invoice_id}}/confirm", response_class=HTMLResponse)
@form_page(_on_detail, form="confirm")
def confirm(invoice_id: int, db: DbSession, scope: CurrentScope, code: Text = "") -> Response:
    try:
        service.confirm(db, scope, invoice_id, code)
    except service.WrongCode:
        db.commit()  # the wrong attempt counts
        raise
    return RedirectResponse(f"{HOME}/{invoice_id}?done=confirmed", status_code=303)


@router.post(f"{HOME}/{{invoice_id}}/issue", response_class=HTMLResponse)
@form_page(_on_detail, form="issue")
def issue(invoice_id: int, db: DbSession, scope: CurrentScope) -> Response:
    service.issue(db, scope, invoice_id)
    return RedirectResponse(f"{HOME}/{invoice_id}?done=issued", status_code=303)


@router.post(f"{HOME}/{{invoice_id}}/payment", response_class=HTMLResponse)
@form_page(_on_detail, form="payment")
def pay(invoice_id: int, db: DbSession, scope: CurrentScope, payment_ref: Text = "",
        idempotency_key: Text = "") -> Response:
    service.pay(db, scope, invoice_id, payment_ref=payment_ref, idempotency_key=idempotency_key)
    return RedirectResponse(f"{HOME}/{invoice_id}?done=paid", status_code=303)


@router.post(f"{HOME}/{{invoice_id}}/reverse", response_class=HTMLResponse)
@form_page(_on_detail, form="reverse")
def reverse(invoice_id: int, db: DbSession, scope: CurrentScope, reason: Text = "") -> Response:
    red = service.reverse(db, scope, invoice_id, reason)
    return RedirectResponse(f"{HOME}/{red.id}?done=reversed", status_code=303)
