"""The demo's recycling (recycling.demo), generated for 资阳 into the test database: recyclers with
logins for each staff function, the three levels of the network with gaps the coverage page shows,
flows, a price change that re-quotes, a fleet with shifts, bookings in every status with their
histories, receipts on every settlement, and the recycling indicators computed from it."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.indicators.models import Observation
from huanxin.kit.clock import today
from huanxin.orgs.models import User
from huanxin.orgs.roles import Role
from huanxin.recycling import demo as recycling_demo
from huanxin.recycling.bookings.status import MOVES, STATUS_LABELS
from huanxin.recycling.models import Booking, BookingEvent, RecyclerStaff, Settlement, Shift, Site, Weighing

CITY = "512000"


@pytest.fixture()
def made(db: Session) -> recycling_demo.Summary:
    hashed = db.scalar(select(User.password_hash).where(User.role == Role.OFFICE.value).limit(1))
    assert hashed
    return recycling_demo.generate(db, [(CITY, "ziyangrc")], random.Random(11), today(), hashed)


def test_recyclers_have_a_login_for_every_staff_function(db: Session, made: recycling_demo.Summary) -> None:
    for function in ("dispatcher", "driver1", "station1"):
        user = db.scalar(select(User).where(User.username == f"ziyangrc-recycler1-{function}"))
        assert user is not None and user.role == Role.RECYCLER.value and user.city_code == CITY
        staff = db.scalars(select(RecyclerStaff.function).where(RecyclerStaff.user_id == user.id)).all()
        assert staff == [function.rstrip("1")]


def test_the_network_has_every_level_and_some_gaps(db: Session, made: recycling_demo.Summary) -> None:
    levels = Counter(db.scalars(select(Site.level).where(Site.city_code == CITY)))
    assert {"point", "station", "centre"} <= set(levels), levels
    assert levels["point"] > levels["station"] > 0
    assert 0 < made.gaps < made.areas


def test_bookings_reach_every_status_by_allowed_moves(db: Session, made: recycling_demo.Summary) -> None:
    bookings = {b.id: b for b in db.scalars(select(Booking).where(Booking.city_code == CITY))}
    assert len(bookings) == made.bookings > 0
    assert set(Counter(b.status for b in bookings.values())) == set(STATUS_LABELS)
    for event in db.scalars(select(BookingEvent).where(BookingEvent.booking_id.in_(list(bookings)))):
        if event.from_status is not None:
            assert event.to_status in MOVES[event.from_status], (event.from_status, event.to_status)


def test_every_settlement_has_a_receipt_and_the_weighed_total(db: Session, made: recycling_demo.Summary) -> None:
    settled = db.scalars(select(Settlement).join(Booking, Booking.id == Settlement.booking_id)
                         .where(Booking.city_code == CITY)).all()
    assert len(settled) == made.settlements > 0
    assert len({s.receipt_no for s in settled}) == len(settled)
    first = settled[0]
    lines = db.scalars(select(Weighing).where(Weighing.booking_id == first.booking_id)).all()
    assert first.amount_fen == sum(w.amount_fen for w in lines)
    assert made.requoted > 0
    assert db.scalars(select(Weighing.requote_reason).where(Weighing.requote_reason != "")).first()


def test_shifts_cover_today_and_the_indicators_are_computed(db: Session, made: recycling_demo.Summary) -> None:
    assert db.scalar(select(Shift.id).where(Shift.city_code == CITY, Shift.work_date == today())) is not None
    codes = set(db.scalars(select(Observation.indicator_code).where(
        Observation.city_code == CITY, Observation.source == "computed")))
    assert {"renewable_resource_recycling", "recycling_points_built"} <= codes
    assert made.observations > 0


def test_todays_routes_are_planned_for_the_driver(db: Session, made: recycling_demo.Summary) -> None:
    from huanxin.recycling.models import RoutePlan, RouteStop

    plans = db.scalars(select(RoutePlan).where(RoutePlan.city_code == CITY, RoutePlan.work_date == today(),
                                               RoutePlan.status == "current")).all()
    assert plans and made.planned_stops > 0
    stops = db.scalars(select(RouteStop).where(RouteStop.plan_id.in_([p.id for p in plans]),
                                               RouteStop.kind == "booking")).all()
    assert len(stops) == made.planned_stops
    assert made.unserved < made.planned_stops  # planned on the eve: most of the day fits


def test_recyclers_have_verified_filings_and_invoices_inside_the_rules(db: Session,
                                                                      made: recycling_demo.Summary) -> None:
    from huanxin.recycling.invoice_models import RecyclerQualification, ReverseInvoice
    from huanxin.recycling.invoicing import qualifications, service

    filings = db.scalars(select(RecyclerQualification).where(RecyclerQualification.city_code == CITY))
    units = {q.unit_id for q in filings}
    assert units and all(qualifications.valid_on(db, u, today()) for u in units)
    invoices = list(db.scalars(select(ReverseInvoice).where(ReverseInvoice.city_code == CITY)))
    assert len(invoices) == made.invoices >= 300
    kinds = Counter((i.kind, i.status) for i in invoices)
    assert kinds[("red", "issued")] == kinds[("blue", "reversed")] > 0 and kinds[("blue", "pending")] >= 0
    by_id = {i.id: i for i in invoices}
    for red in (i for i in invoices if i.kind == "red"):
        blue = by_id[red.reverses_id or 0]
        assert red.amount_fen == -blue.amount_fen and red.quota_month == blue.quota_month
    for person in {i.person_key for i in invoices}:
        assert service.used_in_window(db, person, today()) <= 500_000_000
    taxed = [i for i in invoices if i.kind == "blue" and i.status != "pending"]
    assert all(i.iit_fen == (i.amount_fen * 5 + 500) // 1000 for i in taxed)
