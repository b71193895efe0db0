"""A recycler's price list on a day: per category the entry with the latest `effective_from` not
after that day. Bookings quote it on the day they are made (the indicative price), weighings on
the day they are weighed (the final price); a category with no entry is one the recycler does not
take. The list's management (dated changes, pages, API) builds on these two reads."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.recycling.models import PriceEntry


def price_list_on(session: Session, recycler_unit_id: int, day: dt.date) -> dict[str, PriceEntry]:
    entries = session.scalars(select(PriceEntry).where(PriceEntry.recycler_unit_id == recycler_unit_id,
                                                       PriceEntry.effective_from <= day)
                              .order_by(PriceEntry.category, PriceEntry.effective_from))
    valid: dict[str, PriceEntry] = {}
    for entry in entries:  # ascending dates: the last one seen per category is the one in force
        valid[entry.category] = entry
    return valid


def price_on(session: Session, recycler_unit_id: int, category: str, day: dt.date) -> PriceEntry | None:
    return session.scalar(select(PriceEntry).where(PriceEntry.recycler_unit_id == recycler_unit_id,
                                                   PriceEntry.category == category,
                                                   PriceEntry.effective_from <= day)
                          .order_by(PriceEntry.effective_from.desc()).limit(1))
