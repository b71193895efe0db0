"""The demo's recycling, per city: recyclers with their dispatchers, drivers and station staff
(logins), the streets and communities with households, the three-level network with its monthly
flows, dated price lists, the fleet and its shifts, a week of door-to-door bookings in every state
(with weighings, explained re-quotes, settlements and the residents' messages), a few 送新收旧
pickups of trade-in claims, and finally the recycling indicators computed from all of it.

The rows are built in memory (demo_network, demo_bookings) and written in bulk with explicit ids,
then PostgreSQL's sequences are moved past them so that the app's own inserts go on from there."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from huanxin.db import move_sequences_past, next_id
from huanxin.orgs.models import User
from huanxin.recycling import demo_bookings, demo_invoicing, demo_network, indicator_feed
from huanxin.recycling.demo_places import COUNTIES
from huanxin.recycling.dispatch import day as planner
from huanxin.recycling.invoice_models import ReverseInvoice
from huanxin.recycling.models import (
    Booking,
    BookingEvent,
    BookingItem,
    Flow,
    PriceEntry,
    RecyclerStaff,
    RouteStop,
    ServiceArea,
    Settlement,
    Shift,
    Site,
    Vehicle,
    Weighing,
)
from huanxin.tradein.models import Claim, OutboxMessage, Person, Retailer
from huanxin.tradein.rules.registry import CATEGORY_LABELS

CHUNK = 5_000
# Trade-in claims whose old appliance is picked up by a recycler (送新收旧), per city.
TRADE_IN_PICKUPS = 12
PLAN_SECONDS = 1.0  # the solver's time per recycler for today's routes (the dispatcher's default is 2 s)
ID_MODELS = (ServiceArea, Site, Vehicle, Shift, Booking, ReverseInvoice)  # written with explicit ids


@dataclass
class Summary:
    recyclers: int = 0
    sites: Counter[str] = field(default_factory=Counter)
    areas: int = 0
    gaps: int = 0
    vehicles: int = 0
    bookings: int = 0
    by_status: Counter[str] = field(default_factory=Counter)
    requoted: int = 0
    trade_in: int = 0
    settlements: int = 0
    observations: int = 0
    planned_stops: int = 0
    unserved: int = 0
    invoices: int = 0



def _write(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), CHUNK):
        session.execute(insert(model.__table__), rows[start:start + CHUNK])


def _sync_sequences(session: Session) -> None:
    move_sequences_past(session, ID_MODELS)


def _residents(session: Session, code: str) -> tuple[list[demo_bookings.Resident], list[demo_bookings.Resident]]:
    """The city's trade-in residents (the outbox reaches them), those with a login first."""
    rows = session.execute(select(Person.id, Person.user_id).join(Claim, Claim.person_id == Person.id)
                           .where(Claim.city_code == code).distinct().limit(2_000)).all()
    everyone = [demo_bookings.Resident(int(r.id), int(r.user_id) if r.user_id else None) for r in rows]
    named = sorted((r for r in everyone if r.user_id is not None), key=lambda r: r.user_id or 0)
    return everyone, named


def _claims(session: Session, code: str, rng: random.Random) -> list[demo_bookings.TradeInClaim]:
    """Approved or paid appliance claims whose old item is not yet proven handed in, booked by a
    user of the retailer that sold the new one."""
    wanted = list(demo_bookings.CLAIM_CATEGORIES)
    rows = session.execute(select(Claim.id, Claim.person_id, Claim.category, Claim.brand, User.id.label("user_id"))
                           .join(Retailer, Retailer.id == Claim.retailer_id)
                           .join(User, User.unit_id == Retailer.unit_id)
                           .where(Claim.city_code == code, Claim.category.in_(wanted),
                                  Claim.status.in_(("approved", "paid")), Claim.old_proof_kind.is_(None))
                           .order_by(Claim.id).limit(400)).all()
    seen: set[int] = set()
    picked = []
    for row in rng.sample(rows, len(rows)):
        if row.id in seen:
            continue
        seen.add(row.id)
        picked.append(demo_bookings.TradeInClaim(int(row.id), int(row.person_id),
                                                 demo_bookings.CLAIM_CATEGORIES[row.category], int(row.user_id),
                                                 f"{row.brand}{CATEGORY_LABELS.get(row.category, '家电')}"))
        if len(picked) == TRADE_IN_PICKUPS:
            break
    return picked


def generate_city(session: Session, code: str, slug: str, rng: random.Random, on: dt.date, password_hash: str,
                  summary: Summary) -> None:
    if code not in COUNTIES:
        return
    area, site, vehicle, shift = (itertools.count(next_id(session, m)) for m in (ServiceArea, Site, Vehicle, Shift))
    ids = demo_network.Ids(area, site, vehicle, shift)
    rows = demo_network.NetRows()
    recyclers = demo_network.recyclers(session, code, slug, rng, password_hash)
    first_site = next_id(session, Site)
    net = demo_network.network(session, code, rng, on, ids, rows, recyclers)
    demo_network.flows(net, rows, rng, on, first_site)
    demo_network.prices(net, rows, rng, on)
    demo_network.staff(net, rows)
    names = dict(session.execute(select(User.id, User.display_name).where(User.city_code == code)).tuples().all())
    demo_network.fleet(net, rows, ids, rng, on, names)
    first: list[tuple[Any, list[dict[str, Any]]]] = [(ServiceArea, rows.areas), (Site, rows.sites), (Flow, rows.flows),
                         (PriceEntry, rows.prices), (RecyclerStaff, rows.staff), (Vehicle, rows.vehicles),
                         (Shift, rows.shifts)]
    for model, batch in first:
        _write(session, model, batch)
    everyone, named = _residents(session, code)
    plates = {v["id"]: v["plate"] for v in rows.vehicles}
    made = demo_bookings.CityBookings(net, rows, rng, on, itertools.count(next_id(session, Booking)), everyone,
                                      named, _claims(session, code, rng), plates).generate()
    later: list[tuple[Any, list[dict[str, Any]]]] = [
        (Booking, made.bookings), (BookingItem, made.items), (BookingEvent, made.events),
        (Weighing, made.weighings), (Settlement, made.settlements), (OutboxMessage, made.outbox)]
    for table, batch in later:
        _write(session, table, batch)
    eve = demo_network.at(on - dt.timedelta(days=1), 18)
    for recycler in recyclers:  # the eve's planning of today, as the dispatcher would run it
        plan = planner.run(session, code, recycler.unit_id, on, PLAN_SECONDS, actor_user_id=recycler.dispatcher_id,
                           actor=recycler.usernames["dispatcher"][0], as_of=eve)
        summary.planned_stops += sum(1 for _ in session.scalars(select(RouteStop.id).where(
            RouteStop.plan_id == plan.id, RouteStop.kind == "booking")))
        summary.unserved += len(plan.unserved)
    office = session.scalar(select(User.id).where(User.city_code == code, User.role == "office").order_by(User.id)
                            .limit(1))  # the office verifies the filings
    summary.invoices += demo_invoicing.generate_city(
        session, code, [demo_invoicing.Recycler(r.unit_id, r.dispatcher_id) for r in recyclers], office, rng, on)
    summary.recyclers += len(recyclers)
    summary.sites.update(s["level"] for s in rows.sites)
    summary.areas += len(rows.areas)
    summary.gaps += net.gaps
    summary.vehicles += len(rows.vehicles)
    summary.bookings += len(made.bookings)
    summary.by_status.update(made.by_status)
    summary.requoted += made.requoted
    summary.trade_in += made.trade_in
    summary.settlements += len(made.settlements)


def generate(session: Session, cities: list[tuple[str, str]], rng: random.Random, on: dt.date,
             password_hash: str, *, feed: bool = True) -> Summary:
    """Every city's recycling (city code, slug), then (with `feed`) its indicators to last month."""
    summary = Summary()
    for code, slug in cities:
        generate_city(session, code, slug, rng, on, password_hash, summary)
    _sync_sequences(session)
    session.flush()
    if feed:
        for code, _ in cities:
            summary.observations += indicator_feed.feed_months(session, code, on)
    return summary


def describe(summary: Summary) -> str:
    from huanxin.recycling.bookings.status import STATUS_LABELS
    from huanxin.recycling.vocab import SITE_LEVELS

    sites = "、".join(f"{SITE_LEVELS.get(k, k)} {v}" for k, v in sorted(summary.sites.items()))
    states = "、".join(f"{STATUS_LABELS[s]} {summary.by_status[s]}" for s in STATUS_LABELS if summary.by_status[s])
    return (f"{summary.recyclers} 家回收企业，{summary.areas} 个街道社区，站点 {sites}"
            f"（{summary.gaps} 个社区未覆盖），{summary.vehicles} 辆收运车，"
            f"{summary.bookings} 单上门回收预约（{states}；其中送新收旧 {summary.trade_in} 单，"
            f"称重改价 {summary.requoted} 单），今日线路 {summary.planned_stops} 个站点"
            f"（{summary.unserved} 单排不进），反向发票 {summary.invoices} 张，"
            f"写入 {summary.observations} 个计算观测值")
