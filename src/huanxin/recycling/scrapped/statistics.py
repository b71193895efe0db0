"""Scrap certificates by the recycler's county and the month they were issued: the office's monthly
table of recycling and second-hand trade (recycling/statistics) reads them."""

from __future__ import annotations

import datetime as dt
from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.recycling.scrapped.models import ScrapCertificate, ScrappedVehicle

Key = tuple[str, dt.date]  # (region code, first day of the month)


def certificates_by_month(session: Session, city_code: str, start: dt.date, end: dt.date) -> Counter[Key]:
    rows = session.execute(select(ScrappedVehicle.region_code, ScrapCertificate.issued_on)
                           .join(ScrappedVehicle, ScrappedVehicle.id == ScrapCertificate.vehicle_id)
                           .where(ScrapCertificate.city_code == city_code, ScrapCertificate.issued_on >= start,
                                  ScrapCertificate.issued_on < end)).all()
    return Counter((region or city_code, issued.replace(day=1)) for region, issued in rows)
