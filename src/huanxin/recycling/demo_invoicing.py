"""The demo's reverse invoicing: each recycler holds a verified renewable-resource filing, buys from a
few dozen individual sellers, and has ten months of invoices (some red-lettered, some still waiting
for the seller's code). Amounts, taxes and months follow the same rules as the service
(invoicing.rules); rows are written in bulk, as the rest of the recycling demo is."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from huanxin.db import next_id
from huanxin.kit import pii
from huanxin.kit.clock import CHINA
from huanxin.kit.identifiers import id_check_char, luhn_complete
from huanxin.recycling.invoice_models import (
    InvoicePerson,
    InvoiceSeller,
    RecyclerQualification,
    ReverseInvoice,
    ReverseInvoiceLine,
)
from huanxin.recycling.invoicing import rules
from huanxin.recycling.invoicing.sellers import person_key

SELLERS_PER_RECYCLER = 30
INVOICES_PER_RECYCLER = 300
MONTHS = 10
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("建国", "秀英", "志强", "桂兰", "德华", "玉梅", "国平", "春燕", "文军", "丽华", "永康", "红霞")
BANKS = ("中国工商银行", "中国农业银行", "中国建设银行", "中国银行", "邮储银行", "农村商业银行")
# Demo tax classification codes (19 digits) by category, as a recycler's invoicing software would
# carry them; not the official code table.
DEMO_TAX_CODES = {"metal": "1080201000000000000", "paper": "1080203000000000000", "plastic": "1080204000000000000"}
PRICES_FEN_PER_KG = {"metal": 260, "paper": 140, "plastic": 180}


@dataclass(frozen=True)
class Recycler:
    unit_id: int
    dispatcher_id: int



def _id_number(region: str, rng: random.Random) -> str:
    birth = dt.date(1955, 1, 1) + dt.timedelta(days=rng.randrange(16_000))
    first17 = f"{region}{birth:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + id_check_char(first17)


def _card(rng: random.Random) -> str:
    body = "62" + "".join(str(rng.randrange(10)) for _ in range(16))
    return luhn_complete(body)


def _at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hour, tzinfo=CHINA)


def _sellers(session: Session, code: str, rc: Recycler, rng: random.Random, on: dt.date) -> list[dict[str, Any]]:
    out = []
    for _ in range(SELLERS_PER_RECYCLER):
        ident = _id_number(code[:4] + "02", rng)
        name = rng.choice(SURNAMES) + rng.choice(GIVEN)
        phone = f"13{rng.randrange(10**9):09d}"
        card = _card(rng)
        out.append({"city_code": code, "recycler_unit_id": rc.unit_id, "person_key": person_key(ident),
                    "id_enc": pii.encrypt(ident), "id_masked": pii.mask_id(ident), "name_enc": pii.encrypt(name),
                    "name_masked": pii.mask_name(name), "phone_enc": pii.encrypt(phone),
                    "phone_masked": pii.mask_phone(phone), "bank_card_enc": pii.encrypt(card),
                    "bank_card_masked": pii.mask_card(card), "bank_name": rng.choice(BANKS),
                    "authorised_on": on - dt.timedelta(days=330), "created_by_user_id": rc.dispatcher_id,
                    "created_at": _at(on - dt.timedelta(days=330), 10)})
    known = set(session.scalars(select(InvoicePerson.person_key)))
    keys = sorted({str(s["person_key"]) for s in out} - known)
    session.execute(insert(InvoicePerson), [{"person_key": k, "created_at": _at(on, 8)} for k in keys])
    # Ids from the database (a PostgreSQL sequence is not max(id) + 1), in the rows' order.
    ids = session.scalars(insert(InvoiceSeller).returning(InvoiceSeller.id, sort_by_parameter_order=True), out).all()
    return [{**s, "id": i} for s, i in zip(out, ids, strict=True)]


def _waiting() -> dict[str, Any]:
    """A pre-invoice waiting for the seller's code (made in the demo without one: it is void in
    all but name; the dispatcher makes a new one to try the confirmation)."""
    return {"status": "pending", "number": None, "vat_rate_permille": 0, "vat_fen": 0, "iit_rate_permille": 0,
            "iit_fen": 0, "tax_note": "", "quota_month": None, "confirmed_at": None, "issued_at": None,
            "paid_at": None, "payment_ref": ""}


def _invoices(code: str, rc: Recycler, sellers: list[dict[str, Any]], rng: random.Random, on: dt.date,
              first_id: int) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    invoices: list[dict[str, Any]] = []
    lines: list[dict[str, Any]] = []
    month_totals: dict[tuple[str, dt.date], int] = defaultdict(int)
    next_id = first_id
    for n in range(INVOICES_PER_RECYCLER):
        seller = rng.choice(sellers)
        day = on - dt.timedelta(days=rng.randrange(MONTHS * 30))
        category = rng.choice(tuple(PRICES_FEN_PER_KG))
        grams = rng.randrange(200, 30_000) * 1000  # 0.2 to 30 t bought from a household collector
        amount = (grams * PRICES_FEN_PER_KG[category] + 500) // 1000
        month = rules.month_of(day)
        pending = n % 40 == 0 and day > on - dt.timedelta(days=3)
        tax = rules.tax_figures(amount, month_totals[(seller["person_key"], month)], day)
        if not pending:
            month_totals[(seller["person_key"], month)] += amount
        base = {"city_code": code, "recycler_unit_id": rc.unit_id, "seller_id": seller["id"],
                "person_key": seller["person_key"], "created_by_user_id": rc.dispatcher_id,
                "created_at": _at(day, 9), "confirm_code_hash": "", "confirm_attempts": 0, "payment_key": None}
        invoice = {**base, "id": next_id, "kind": "blue", "reverses_id": None, "amount_fen": amount,
                   "idempotency_key": f"demo-{code}-{next_id}", "reason": "", **(_waiting() if pending else {
                       "status": "issued", "number": f"FX{code}{day:%y%m}{next_id:08d}",
                       "vat_rate_permille": tax.vat_rate_permille, "vat_fen": tax.vat_fen,
                       "iit_rate_permille": tax.iit_rate_permille, "iit_fen": tax.iit_fen, "tax_note": tax.note,
                       "quota_month": month, "confirmed_at": _at(day, 10), "issued_at": _at(day, 11),
                       "paid_at": _at(day, 15), "payment_ref": f"DEMO{next_id:010d}"})}
        invoices.append(invoice)
        lines.append({"invoice_id": next_id, "position": 0, "category": category, "unit": "kg",
                      "tax_code": DEMO_TAX_CODES[category], "quantity_milli": grams,
                      "unit_price_fen": PRICES_FEN_PER_KG[category], "amount_fen": amount, "weighing_id": None})
        next_id += 1
        if not pending and n % 25 == 3:  # a red-letter reversal some days later, in the original's month
            invoice["status"] = "reversed"
            later = min(on, day + dt.timedelta(days=rng.randrange(1, 20)))
            invoices.append({
                **base, "id": next_id, "kind": "red", "reverses_id": invoice["id"], "status": "issued",
                "amount_fen": -amount, "idempotency_key": f"red:{invoice['id']}",
                "number": f"FH{code}{later:%y%m}{next_id:08d}", "vat_rate_permille": tax.vat_rate_permille,
                "vat_fen": -tax.vat_fen, "iit_rate_permille": tax.iit_rate_permille, "iit_fen": -tax.iit_fen,
                "tax_note": f"红冲 {invoice['number']}", "quota_month": month, "confirmed_at": None,
                "issued_at": _at(later, 14), "paid_at": None, "payment_ref": "",
                "reason": "出售方退回部分货物，原票金额有误"})
            lines.append({**lines[-1], "invoice_id": next_id, "quantity_milli": -grams, "amount_fen": -amount})
            month_totals[(seller["person_key"], month)] -= amount
            next_id += 1
    return invoices, lines


def generate_city(session: Session, code: str, recyclers: list[Recycler], office_user_id: int | None,
                  rng: random.Random, on: dt.date) -> int:
    """Writes the city's qualifications, sellers and invoices; the number of invoices written."""
    written = 0
    for rc in recyclers:
        since = on - dt.timedelta(days=400)
        session.execute(insert(RecyclerQualification), [{
            "city_code": code, "unit_id": rc.unit_id, "kind": "renewable_filing",
            "number": f"再生备{code}-{rc.unit_id:04d}", "issued_on": since, "valid_until": None,
            "document_name": "再生资源回收经营者备案回执.pdf", "document_type": "application/pdf",
            "document": b"%PDF-1.4 demo", "recorded_by_user_id": rc.dispatcher_id, "recorded_at": _at(since, 9),
            "verified_by_user_id": office_user_id, "verified_at": _at(since, 15) if office_user_id else None}])
        sellers = _sellers(session, code, rc, rng, on)
        invoices, lines = _invoices(code, rc, sellers, rng, on, next_id(session, ReverseInvoice))
        session.execute(insert(ReverseInvoice), invoices)
        session.execute(insert(ReverseInvoiceLine), lines)
        written += len(invoices)
    return written
