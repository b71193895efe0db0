"""Reverse invoices: the pre-invoice (from weighings or entered lines), the seller's confirmation by
the code sent to their phone, the issue inside the quota, the payment, and the red-letter reversal.

The quota (5,000,000 yuan VAT-exclusive per person over 12 natural months, every recycler summed)
is checked twice: when the pre-invoice is made (an early, unlocked answer) and when it is issued,
inside the issuing transaction with the person's row locked (FOR UPDATE on PostgreSQL; SQLite
begins every write transaction IMMEDIATE, so writers queue): two issues for one person never both
pass the line, and an invoice that would cross it is refused whole."""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from pydantic import Field
from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huanxin.db import insert_many_unless_taken, is_postgres
from huanxin.errors import Conflict, InvalidInput, NotFound
from huanxin.kit import audit, pii
from huanxin.kit.clock import CHINA, now, today
from huanxin.kit.limits import Schema
from huanxin.orgs.models import Unit
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling import repository as repo
from huanxin.recycling.invoice_models import (
    InvoicedWeighing,
    InvoicePerson,
    InvoiceSeller,
    ReverseInvoice,
    ReverseInvoiceLine,
    SellerMessage,
)
from huanxin.recycling.invoicing import qualifications, rules, sellers
from huanxin.recycling.models import Booking, Site, Weighing
from huanxin.recycling.vocab import CATEGORIES, unit_of

COUNTED = ("issued", "reversed")  # a reversed invoice still counts; its red invoice counts negative
MAX_CONFIRM_ATTEMPTS = 5
MAX_LINES = 50
STATUS_LABELS = {"pending": "待出售方确认", "confirmed": "已确认待开具", "issued": "已开具", "reversed": "已红冲",
                 "void": "已作废"}


class LineInput(Schema):
    weighing_id: int | None = None
    category: str = Field(default="", max_length=30)
    tax_code: str = Field(default="", max_length=19)
    weight_g: int = 0
    pieces: int = 0
    unit_price_fen: int = 0


class PreInvoiceInput(Schema):
    seller_id: int
    lines: list[LineInput] = Field(default_factory=list, max_length=MAX_LINES)


class WrongCode(InvalidInput):
    """A wrong confirmation code: the caller commits before answering, so that the attempt counts
    (as a wrong password does, orgs.throttle)."""


@dataclass(frozen=True)
class Made:
    invoice: ReverseInvoice
    replayed: bool


# ---- reading ---------------------------------------------------------------------------------------

def get(session: Session, scope: Scope, invoice_id: int, *, lock: bool = False) -> ReverseInvoice:
    stmt = select(ReverseInvoice).where(ReverseInvoice.id == invoice_id)
    invoice = session.scalar(stmt.with_for_update() if lock and is_postgres(session) else stmt)
    if invoice is None or invoice.city_code != scope.city_code:
        raise NotFound("未找到该发票")
    if scope.role == Role.RECYCLER:
        if invoice.recycler_unit_id != scope.unit_id:
            raise NotFound("未找到该发票")
    elif not repo.is_supervisor(scope):
        raise NotFound("未找到该发票")
    return invoice


def lines_of(session: Session, invoice: ReverseInvoice) -> list[ReverseInvoiceLine]:
    return list(session.scalars(select(ReverseInvoiceLine).where(ReverseInvoiceLine.invoice_id == invoice.id)
                                .order_by(ReverseInvoiceLine.position)))


def unbilled_weighings(session: Session, unit_id: int, since: dt.datetime, limit: int = 50) -> list[Weighing]:
    """The recycler's priced weighings since `since` that no standing invoice bills (the form's list)."""
    own_booking = select(Booking.id).where(Booking.recycler_unit_id == unit_id)
    own_site = select(Site.id).where(Site.operator_unit_id == unit_id)
    billed = select(InvoicedWeighing.weighing_id)
    return list(session.scalars(select(Weighing).where(
        Weighing.weighed_at >= since, Weighing.amount_fen > 0, Weighing.id.not_in(billed),
        (Weighing.booking_id.in_(own_booking)) | (Weighing.booking_id.is_(None) & Weighing.site_id.in_(own_site)))
        .order_by(Weighing.id.desc()).limit(limit)))


def messages_of(session: Session, invoice: ReverseInvoice) -> list[str]:
    """The texts sent to the seller about this invoice (shown on the page outside production only:
    no SMS gateway is connected, see docs/reverse-invoicing.md)."""
    return list(session.scalars(select(SellerMessage.body).where(SellerMessage.invoice_id == invoice.id)
                                .order_by(SellerMessage.id)))


@dataclass(frozen=True)
class Quota:
    window_from: dt.date
    window_to: dt.date
    used_fen: int
    quota_fen: int

    @property
    def left_fen(self) -> int:
        return max(0, self.quota_fen - self.used_fen)


def quota_of(session: Session, person_key: str) -> Quota:
    """A person's 12-month quota today: its window, what every recycler used, what is left."""
    day = today()
    first, last = rules.window(day)
    return Quota(first, last, used_in_window(session, person_key, day), int(str(rules.param("quota_fen", day))))


def used_in_window(session: Session, person_key: str, on: dt.date) -> int:
    first, last = rules.window(on)
    return int(session.scalar(select(func.coalesce(func.sum(ReverseInvoice.amount_fen), 0)).where(
        ReverseInvoice.person_key == person_key, ReverseInvoice.status.in_(COUNTED),
        ReverseInvoice.quota_month >= first, ReverseInvoice.quota_month <= last)) or 0)


def _month_total(session: Session, person_key: str, month: dt.date) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(ReverseInvoice.amount_fen), 0)).where(
        ReverseInvoice.person_key == person_key, ReverseInvoice.status.in_(COUNTED),
        ReverseInvoice.quota_month == month)) or 0)


# ---- the pre-invoice -------------------------------------------------------------------------------

def _weighing_line(session: Session, unit_id: int, line: LineInput, n: int) -> ReverseInvoiceLine:
    weighing = session.get(Weighing, line.weighing_id)
    owner = None
    if weighing is not None and weighing.booking_id:
        owner = session.scalar(select(Booking.recycler_unit_id).where(Booking.id == weighing.booking_id))
    elif weighing is not None and weighing.site_id:
        owner = session.scalar(select(Site.operator_unit_id).where(Site.id == weighing.site_id))
    if weighing is None or owner != unit_id:
        raise InvalidInput(f"第{n + 1}行：未找到本企业的该称重记录", field=f"lines.{n}.weighing_id")
    if weighing.amount_fen <= 0:
        raise InvalidInput(f"第{n + 1}行：该称重记录金额为0，无需开票", field=f"lines.{n}.weighing_id")
    quantity = weighing.net_g if weighing.unit == "kg" else weighing.pieces * 1000
    return ReverseInvoiceLine(position=n, category=weighing.category, tax_code=line.tax_code, unit=weighing.unit,
                              quantity_milli=quantity, unit_price_fen=weighing.unit_price_fen,
                              amount_fen=weighing.amount_fen, weighing_id=weighing.id)


def _entered_line(line: LineInput, n: int) -> ReverseInvoiceLine:
    if line.category not in CATEGORIES:
        raise InvalidInput(f"第{n + 1}行：请选择品类", field=f"lines.{n}.category")
    unit = unit_of(line.category)
    quantity = line.weight_g if unit == "kg" else line.pieces * 1000
    if quantity <= 0 or quantity > 10**10:
        what = "重量（克）" if unit == "kg" else "件数"
        raise InvalidInput(f"第{n + 1}行：{what}须大于0", field=f"lines.{n}.{'weight_g' if unit == 'kg' else 'pieces'}")
    if not 0 < line.unit_price_fen <= 10**8:
        raise InvalidInput(f"第{n + 1}行：单价须大于0", field=f"lines.{n}.unit_price_fen")
    amount = (quantity * line.unit_price_fen + 500) // 1000
    return ReverseInvoiceLine(position=n, category=line.category, tax_code=line.tax_code, unit=unit,
                              quantity_milli=quantity, unit_price_fen=line.unit_price_fen, amount_fen=amount)


def _lines(session: Session, unit_id: int, data: PreInvoiceInput) -> list[ReverseInvoiceLine]:
    if not data.lines:
        raise InvalidInput("请至少填写一行购进明细", field="lines")
    out = []
    for n, line in enumerate(data.lines):
        if not (len(line.tax_code) == 19 and line.tax_code.isdigit()):
            raise InvalidInput(f"第{n + 1}行：税收分类编码应为19位数字", field=f"lines.{n}.tax_code")
        out.append(_weighing_line(session, unit_id, line, n) if line.weighing_id else _entered_line(line, n))
    ids = [x.weighing_id for x in out if x.weighing_id]
    if len(ids) != len(set(ids)):
        raise InvalidInput("同一称重记录只能开票一次", field="lines")
    return out


def _send_code(session: Session, seller: InvoiceSeller, invoice: ReverseInvoice, recycler: str) -> None:
    code = f"{secrets.randbelow(10**6):06d}"
    invoice.confirm_code_hash = pii.keyed_hash("invoice_confirm", f"{invoice.id}:{code}")
    session.add(SellerMessage(seller_id=seller.id, invoice_id=invoice.id, created_at=now(), body=(
        f"【焕新】{recycler}拟为您代开反向发票，金额 {rules.yuan(invoice.amount_fen)} 元（不含税）。"
        f"确认码 {code}，请核对交易后告知收购人员；如非本人交易，请勿告知他人。")))


def make_pre_invoice(session: Session, scope: Scope, data: PreInvoiceInput, idempotency_key: str) -> Made:
    unit_id = sellers.require_writer(session, scope)
    key = idempotency_key.strip()
    if not key:
        raise InvalidInput("缺少 Idempotency-Key：开票申请必须带幂等键", field="Idempotency-Key")
    earlier = session.scalar(select(ReverseInvoice).where(ReverseInvoice.city_code == scope.city_code,
                                                          ReverseInvoice.idempotency_key == key))
    if earlier is not None:
        if earlier.recycler_unit_id != unit_id or earlier.seller_id != data.seller_id:
            raise Conflict("该幂等键已用于另一张发票", field="Idempotency-Key")
        return Made(earlier, True)
    seller = sellers.get(session, scope, data.seller_id)
    day = today()
    qualifications.require_valid(session, unit_id, day)
    lines = _lines(session, unit_id, data)
    amount = sum(x.amount_fen for x in lines)
    refusal = rules.quota_refusal(used_in_window(session, seller.person_key, day), amount, day)
    if refusal:
        raise InvalidInput(refusal, field="seller_id")
    invoice = ReverseInvoice(city_code=scope.city_code, recycler_unit_id=unit_id, seller_id=seller.id,
                             person_key=seller.person_key, kind="blue", status="pending", amount_fen=amount,
                             idempotency_key=key, created_by_user_id=scope.user_id, created_at=now())
    session.add(invoice)
    try:
        session.flush()
    except IntegrityError:
        raise Conflict("该幂等键正在使用，请稍后重试", field="Idempotency-Key") from None
    for line in lines:
        line.invoice_id = invoice.id
    session.add_all(lines)
    _claim_weighings(session, invoice, lines)
    recycler = session.get(Unit, unit_id)
    _send_code(session, seller, invoice, recycler.name if recycler else "回收企业")
    audit.record(session, actor=scope.username, action="pre_invoice", entity="recycling_reverse_invoice",
                 entity_id=invoice.id, city_code=scope.city_code, detail={"amount_fen": amount})
    return Made(invoice, False)


def _claim_weighings(session: Session, invoice: ReverseInvoice, lines: list[ReverseInvoiceLine]) -> None:
    ids = [x.weighing_id for x in lines if x.weighing_id]
    if not ids:
        return
    taken = insert_many_unless_taken(session, InvoicedWeighing,
                                     [{"weighing_id": w, "invoice_id": invoice.id} for w in ids],
                                     returning=("weighing_id",))
    if len(taken) != len(ids):
        missing = sorted(set(ids) - {row[0] for row in taken})
        raise Conflict(f"称重记录 {missing[0]} 已在另一张发票中开具，不能重复开票", field="lines")


# ---- confirm, issue, pay, reverse ------------------------------------------------------------------

def confirm(session: Session, scope: Scope, invoice_id: int, code: str) -> ReverseInvoice:
    sellers.require_writer(session, scope)
    invoice = get(session, scope, invoice_id, lock=True)
    if invoice.status != "pending":
        raise Conflict(f"该发票{STATUS_LABELS[invoice.status]}，无需确认", field="code")
    if pii.keyed_hash("invoice_confirm", f"{invoice.id}:{code.strip()}") != invoice.confirm_code_hash:
        invoice.confirm_attempts += 1
        if invoice.confirm_attempts >= MAX_CONFIRM_ATTEMPTS:
            _void(session, invoice)
            raise WrongCode("确认码连续输错5次，该预开票已作废，请重新开具", field="code")
        raise WrongCode(f"确认码不正确（还可再试 {MAX_CONFIRM_ATTEMPTS - invoice.confirm_attempts} 次）", field="code")
    invoice.status, invoice.confirmed_at = "confirmed", now()
    return invoice


def _void(session: Session, invoice: ReverseInvoice) -> None:
    invoice.status = "void"
    session.execute(delete(InvoicedWeighing).where(InvoicedWeighing.invoice_id == invoice.id))


def _lock_person(session: Session, person_key: str) -> None:
    stmt = select(InvoicePerson.person_key).where(InvoicePerson.person_key == person_key)
    session.execute(stmt.with_for_update() if is_postgres(session) else stmt)


def issue(session: Session, scope: Scope, invoice_id: int) -> ReverseInvoice:
    """Issues a confirmed pre-invoice inside the quota (see the module docstring)."""
    unit_id = sellers.require_writer(session, scope)
    invoice = get(session, scope, invoice_id)
    _lock_person(session, invoice.person_key)
    session.refresh(invoice)
    if invoice.status != "confirmed":
        raise Conflict("只有出售方已确认的预开票可以开具" if invoice.status == "pending"
                       else f"该发票{STATUS_LABELS[invoice.status]}", field="status")
    day = today()
    qualifications.require_valid(session, unit_id, day)
    refusal = rules.quota_refusal(used_in_window(session, invoice.person_key, day), invoice.amount_fen, day)
    if refusal:
        raise InvalidInput(refusal, field="seller_id")
    month = rules.month_of(day)
    tax = rules.tax_figures(invoice.amount_fen, _month_total(session, invoice.person_key, month), day)
    invoice.vat_rate_permille, invoice.vat_fen = tax.vat_rate_permille, tax.vat_fen
    invoice.iit_rate_permille, invoice.iit_fen, invoice.tax_note = tax.iit_rate_permille, tax.iit_fen, tax.note
    invoice.quota_month, invoice.status, invoice.issued_at = month, "issued", now()
    invoice.number = f"FX{invoice.city_code}{day:%y%m}{invoice.id:08d}"
    audit.record(session, actor=scope.username, action="issue_invoice", entity="recycling_reverse_invoice",
                 entity_id=invoice.id, city_code=scope.city_code, detail={"amount_fen": invoice.amount_fen})
    return invoice


def pay(session: Session, scope: Scope, invoice_id: int, *, payment_ref: str, idempotency_key: str) -> ReverseInvoice:
    """Records the payment to the seller's own card, once: the same key again is a replay."""
    sellers.require_writer(session, scope)
    key = idempotency_key.strip()
    if not key:
        raise InvalidInput("缺少 Idempotency-Key：付款必须带幂等键", field="Idempotency-Key")
    invoice = get(session, scope, invoice_id, lock=True)
    if invoice.paid_at is not None:
        if invoice.payment_key == key:
            return invoice
        raise Conflict(f"该发票已于 {invoice.paid_at.astimezone(CHINA):%Y-%m-%d %H:%M} 付款", field="payment_ref")
    if invoice.kind != "blue" or invoice.status != "issued":
        raise Conflict("只有已开具的发票可以登记付款", field="payment_ref")
    ref = payment_ref.strip()
    if not 4 <= len(ref) <= 60:
        raise InvalidInput("请填写银行转账流水号（4至60个字符）", field="payment_ref")
    invoice.paid_at, invoice.payment_ref, invoice.payment_key = now(), ref, key
    return invoice


def reverse(session: Session, scope: Scope, invoice_id: int, reason: str) -> ReverseInvoice:
    """The red-letter invoice of an issued one: opposite amounts in the original's quota month, so
    exactly its amount is freed; its weighings may be billed again."""
    sellers.require_writer(session, scope)
    why = reason.strip()
    if not 2 <= len(why) <= 200:
        raise InvalidInput("请填写红冲原因（2至200个字）", field="reason")
    blue = get(session, scope, invoice_id)
    _lock_person(session, blue.person_key)
    session.refresh(blue)
    if blue.kind != "blue" or blue.status != "issued":
        raise Conflict("只有已开具的蓝字发票可以红冲" if blue.status != "reversed" else "该发票已红冲", field="reason")
    red = ReverseInvoice(city_code=blue.city_code, recycler_unit_id=blue.recycler_unit_id, seller_id=blue.seller_id,
                         person_key=blue.person_key, kind="red", reverses_id=blue.id, status="issued",
                         amount_fen=-blue.amount_fen, vat_rate_permille=blue.vat_rate_permille, vat_fen=-blue.vat_fen,
                         iit_rate_permille=blue.iit_rate_permille, iit_fen=-blue.iit_fen,
                         tax_note=f"红冲 {blue.number}", quota_month=blue.quota_month,
                         idempotency_key=f"red:{blue.id}", created_by_user_id=scope.user_id, created_at=now(),
                         issued_at=now(), reason=why)
    session.add(red)
    session.flush()
    red.number = f"FH{blue.city_code}{today():%y%m}{red.id:08d}"
    for line in lines_of(session, blue):
        session.add(ReverseInvoiceLine(invoice_id=red.id, position=line.position, category=line.category,
                                       tax_code=line.tax_code, unit=line.unit, quantity_milli=-line.quantity_milli,
                                       unit_price_fen=line.unit_price_fen, amount_fen=-line.amount_fen))
    blue.status = "reversed"
    session.execute(delete(InvoicedWeighing).where(InvoicedWeighing.invoice_id == blue.id))
    audit.record(session, actor=scope.username, action="reverse_invoice", entity="recycling_reverse_invoice",
                 entity_id=red.id, city_code=scope.city_code, detail={"reverses": blue.id})
    return red


def listed(session: Session, scope: Scope, *, month: dt.date | None = None, limit: int = 200) -> list[ReverseInvoice]:
    stmt = select(ReverseInvoice).where(ReverseInvoice.city_code == scope.city_code)
    if scope.role == Role.RECYCLER:
        stmt = stmt.where(ReverseInvoice.recycler_unit_id == repo.recycler_unit(scope))
    elif not repo.is_supervisor(scope):
        raise NotFound("未找到发票")
    if month is not None:
        stmt = stmt.where(ReverseInvoice.quota_month == month)
    return list(session.scalars(stmt.order_by(ReverseInvoice.id.desc()).limit(limit)))
