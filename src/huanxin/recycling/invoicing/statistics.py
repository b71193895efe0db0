"""Reverse-invoiced amounts by the recycler's county and the natural month the invoices count in
(their quota month): blue invoices issued less the red-letter ones that reverse them, VAT-exclusive,
in fen. A pre-invoice that was never issued counts nothing."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanxin.orgs.models import Unit
from huanxin.recycling.invoice_models import ReverseInvoice

Key = tuple[str, dt.date]  # (region code, first day of the month)


def invoiced_fen(session: Session, city_code: str, start: dt.date, end: dt.date) -> Counter[Key]:
    rows = session.execute(
        select(Unit.region_code, ReverseInvoice.quota_month, func.sum(ReverseInvoice.amount_fen))
        .join(Unit, Unit.id == ReverseInvoice.recycler_unit_id)
        .where(ReverseInvoice.city_code == city_code, ReverseInvoice.issued_at.is_not(None),
               ReverseInvoice.quota_month >= start, ReverseInvoice.quota_month < end)
        .group_by(Unit.region_code, ReverseInvoice.quota_month)).all()
    out: Counter[Key] = Counter()
    for region, month, fen in rows:
        if month is None:  # issued invoices always carry their month; the filter above keeps it so
            continue
        out[(region or city_code, month.replace(day=1))] += int(fen or 0)
    return out
