"""Builders for the weighing, price and settlement tests: a recycler with its driver, station staff
and dispatcher, a dated price list, a resident, and bookings made straight with the models (the
booking service is another part's)."""

from __future__ import annotations

import datetime as dt
import itertools
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.tradein.claims_support import user

from huanxin.kit.clock import now, today
from huanxin.orgs import service as orgs_service
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.recycling.models import Booking, BookingItem, PriceEntry, RecyclerStaff, Site
from huanxin.recycling.vocab import unit_of

_seq = itertools.count(1)
RUN = uuid.uuid4().hex[:6]
CITY = "512000"


def tag() -> str:
    return f"{RUN}{next(_seq)}"


def scope_of(session: Session, username: str) -> Scope:
    found = session.scalar(select(User).where(User.username == username))
    assert found is not None
    return orgs_service.scope_of(found)


@dataclass
class Recycler:
    unit_id: int
    city_code: str
    driver: str
    station: str
    dispatcher: str
    site_id: int

    def scope(self, session: Session, who: str = "driver") -> Scope:
        return scope_of(session, getattr(self, who))


def recycler(session: Session, city_code: str = CITY) -> Recycler:
    t = tag()
    unit = orgs_service.ensure_unit(session, city_code=city_code, name=f"测试回收公司{t}", kind="recycler",
                                    aliases=[], region_code=city_code)
    at = now()
    site = Site(city_code=city_code, region_code=city_code, operator_unit_id=unit.id, level="station",
                name=f"测试中转站{t}", address="测试路1号", lat=30.12, lon=104.64, created_at=at, updated_at=at)
    session.add(site)
    session.flush()
    names = {}
    for function in ("driver", "station", "dispatcher"):
        name = user(session, f"rc-{function}-{t}", Role.RECYCLER, city_code, unit.id)
        uid = scope_of(session, name).user_id
        session.add(RecyclerStaff(city_code=city_code, unit_id=unit.id, user_id=uid, function=function,
                                  site_id=site.id if function == "station" else None))
        names[function] = name
    session.flush()
    return Recycler(unit.id, city_code, names["driver"], names["station"], names["dispatcher"], site.id)


def price(session: Session, rc: Recycler, category: str, fen: int, days_ago: int = 30, note: str = "") -> PriceEntry:
    entry = PriceEntry(city_code=rc.city_code, recycler_unit_id=rc.unit_id, category=category, unit=unit_of(category),
                       price_fen=fen, effective_from=today() - dt.timedelta(days=days_ago), note=note,
                       created_at=now())
    session.add(entry)
    session.flush()
    return entry


def resident(session: Session, city_code: str = CITY) -> str:
    return user(session, f"rc-res-{tag()}", Role.RESIDENT, city_code)


def booking(session: Session, rc: Recycler, booked_by: str, items: list[tuple[str, int, int]], *,
            status: str = "arrived", claim_id: int | None = None, person_id: int | None = None,
            days_ago: int = 3) -> Booking:
    """A booking made `days_ago` with items (category, estimated grams or pieces, indicated unit price)."""
    made = now() - dt.timedelta(days=days_ago)
    by = scope_of(session, booked_by)
    amounts = [(q * p + 500) // 1000 if unit_of(c) == "kg" else q * p for c, q, p in items]
    row = Booking(city_code=rc.city_code, region_code=rc.city_code, recycler_unit_id=rc.unit_id,
                  source="trade_in" if claim_id else "resident", person_id=person_id, booked_by_user_id=by.user_id,
                  claim_id=claim_id, address_enc="enc", address_masked="雁江区****", lat=30.12, lon=104.63,
                  window_start=now(), window_end=now() + dt.timedelta(hours=2), status=status,
                  indicative_total_fen=sum(amounts), idempotency_key=uuid.uuid4().hex, created_at=made,
                  updated_at=made)
    session.add(row)
    session.flush()
    for (category, quantity, unit_price), amount in zip(items, amounts, strict=True):
        session.add(BookingItem(booking_id=row.id, category=category, unit=unit_of(category),
                                estimated_quantity=quantity, indicative_unit_price_fen=unit_price,
                                indicative_amount_fen=amount))
    session.flush()
    return row
