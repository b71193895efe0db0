"""Second-hand trade counted by the dealer's county and the month of the sale: what the office's
statistics (recycling/statistics) and the indicator feed read. A dealer without a county counts
for the city."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.kit.clock import CHINA
from huanxin.orgs.models import Unit
from huanxin.secondhand.models import SecondhandDevice, UsedCar

Key = tuple[str, dt.date]  # (region code, first day of the month)


def _month(at: dt.datetime) -> dt.date:
    return at.astimezone(CHINA).date().replace(day=1)


def _sold(session: Session, model: type[SecondhandDevice] | type[UsedCar], city_code: str,
          start: dt.datetime, end: dt.datetime) -> Counter[Key]:
    rows = session.execute(select(Unit.region_code, model.sold_at).join(Unit, Unit.id == model.dealer_unit_id)
                           .where(model.city_code == city_code, model.status == "sold",
                                  model.sold_at >= start, model.sold_at < end)).all()
    return Counter((region or city_code, _month(sold_at)) for region, sold_at in rows if sold_at is not None)


def electronics_sold(session: Session, city_code: str, start: dt.datetime, end: dt.datetime) -> Counter[Key]:
    """Second-hand electronics sold (each listed only after a verified wipe) per county and month."""
    return _sold(session, SecondhandDevice, city_code, start, end)


def used_cars_sold(session: Session, city_code: str, start: dt.datetime, end: dt.datetime) -> Counter[Key]:
    """Used cars the city's dealers sold per county and month."""
    return _sold(session, UsedCar, city_code, start, end)
