"""Recycling (issue 13): the three-level network (社区回收点 → 街道中转站 → 区县分拣中心, with smart
cabinets and bulky-item storage points), the sub-county areas it must cover, recyclers' dated price
lists, the fleet (vehicles, shifts, crews), door-to-door bookings (a resident's, or a retailer's
送新收旧 pickup linked to a trade-in claim), the day's route plans, weighing and settlement.

Units, chosen so that nothing is a float where it is summed or paid:
- money in integer fen; weights in integer grams (a scale reads 12.35 kg → 12,350 g); volumes in
  whole litres; durations in seconds;
- coordinates are stored in **WGS-84** (what GPS devices and GeoJSON use). An address picked on a
  Chinese web map arrives in GCJ-02 and is converted when it is entered; `coord_system` on a site
  records what the operator typed, so a later correction can be checked against the source.

Every row carries `city_code`, the boundary the shared scope checks (orgs.scope); a recycler's
users have role `recycler` and `unit_id` = the recycler's unit, and `RecyclerStaff` says which of
them dispatch, drive or staff a station."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from huanxin.db import Base


class ServiceArea(Base):
    """A street (街道/乡镇) or community (社区/村) with its household count, imported by the city:
    what the coverage analysis measures the network against."""

    __tablename__ = "recycling_area"
    __table_args__ = (UniqueConstraint("city_code", "region_code", "name", name="uq_recycling_area_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    region_code: Mapped[str] = mapped_column(String(6))  # the county (GB/T 2260)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_area.id"))  # a community's street
    kind: Mapped[str] = mapped_column(String(10))  # street | community
    name: Mapped[str] = mapped_column(String(60))
    households: Mapped[int] = mapped_column(Integer)
    urban: Mapped[bool] = mapped_column(Boolean, default=True)  # 城镇 norms differ from 乡村 norms
    lat: Mapped[float] = mapped_column(Float)  # centroid, WGS-84
    lon: Mapped[float] = mapped_column(Float)


class Site(Base):
    """A place of the network: 社区回收点, 街道中转站, 区县分拣中心, a smart cabinet or a temporary
    storage point for bulky items; stations and centres are also the fleet's depots."""

    __tablename__ = "recycling_site"
    __table_args__ = (Index("ix_recycling_site_city_level", "city_code", "level"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))
    region_code: Mapped[str] = mapped_column(String(6))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_area.id"))
    operator_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)  # the recycler
    level: Mapped[str] = mapped_column(String(12))  # point | station | centre | cabinet | bulky_store
    name: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(200))
    lat: Mapped[float] = mapped_column(Float)  # WGS-84
    lon: Mapped[float] = mapped_column(Float)
    coord_system: Mapped[str] = mapped_column(String(6), default="wgs84")  # as entered: wgs84 | gcj02
    opening_hours: Mapped[str] = mapped_column(String(60), default="")
    area_m2: Mapped[int] = mapped_column(Integer, default=0)
    capacity_kg: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)  # category → kg it can hold
    status: Mapped[str] = mapped_column(String(10), default="operating")  # planned | operating | suspended | closed
    opened_on: Mapped[dt.date | None] = mapped_column(Date)
    # Where its material goes next (point → station → centre): the flows' default destination.
    parent_site_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_site.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Flow(Base):
    """Tonnage by category moved from one site to the next in a month (point → station → centre,
    or out of the city's network when `to_site_id` is empty)."""

    __tablename__ = "recycling_flow"
    __table_args__ = (UniqueConstraint("from_site_id", "to_site_id", "month", "category", name="uq_recycling_flow"),
                      Index("ix_recycling_flow_city_month", "city_code", "month"))

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))
    from_site_id: Mapped[int] = mapped_column(ForeignKey("recycling_site.id"))
    to_site_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_site.id"))
    month: Mapped[dt.date] = mapped_column(Date)  # the first day of the month
    category: Mapped[str] = mapped_column(String(30))
    weight_g: Mapped[int] = mapped_column(BigInteger)


class PriceEntry(Base):
    """One line of a recycler's price list, valid from a date until the next entry of the same
    category: bookings quote the entry valid on the day they are made, weighings the one valid on
    the day they are weighed, so a re-quote can say that the price changed in between."""

    __tablename__ = "recycling_price"
    __table_args__ = (UniqueConstraint("recycler_unit_id", "category", "effective_from", name="uq_recycling_price"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    recycler_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    category: Mapped[str] = mapped_column(String(30))
    unit: Mapped[str] = mapped_column(String(6))  # kg | piece
    price_fen: Mapped[int] = mapped_column(Integer)  # per kg or per piece
    effective_from: Mapped[dt.date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(200), default="")
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class RecyclerStaff(Base):
    """What a recycler's user does: dispatcher (调度), driver (司机/收运员) or station staff (站点)."""

    __tablename__ = "recycling_staff"
    __table_args__ = (UniqueConstraint("user_id", "function", name="uq_recycling_staff"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    function: Mapped[str] = mapped_column(String(12))  # dispatcher | driver | station
    site_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_site.id"))  # station staff's site


class Vehicle(Base):
    __tablename__ = "recycling_vehicle"
    __table_args__ = (UniqueConstraint("city_code", "plate", name="uq_recycling_vehicle_plate"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))
    recycler_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    plate: Mapped[str] = mapped_column(String(12))
    depot_site_id: Mapped[int] = mapped_column(ForeignKey("recycling_site.id"))
    capacity_weight_g: Mapped[int] = mapped_column(BigInteger)
    capacity_volume_l: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="active")  # active | repair | retired


class Shift(Base):
    """A vehicle's working time on a day, with its driver and crew, and the stations where it may
    unload mid-shift (reloads): a booking can only be planned on a day some shift covers."""

    __tablename__ = "recycling_shift"
    __table_args__ = (UniqueConstraint("vehicle_id", "work_date", "starts_at", name="uq_recycling_shift"),
                      Index("ix_recycling_shift_city_date", "city_code", "work_date"))

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("recycling_vehicle.id"))
    work_date: Mapped[dt.date] = mapped_column(Date)
    starts_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    driver_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    crew: Mapped[str] = mapped_column(String(80), default="")
    reload_site_ids: Mapped[list[int]] = mapped_column(JSON, default=list)


class Booking(Base):
    """A door-to-door pickup: booked by a resident, or by a retailer for the old item of a trade-in
    delivery (送新收旧, `claim_id` set). The address and phone are personal data, encrypted at rest
    (kit.pii) and shown masked to everyone but the assigned crew on the day."""

    __tablename__ = "recycling_booking"
    __table_args__ = (
        UniqueConstraint("city_code", "idempotency_key", name="uq_recycling_booking_idempotency"),
        Index("ix_recycling_booking_recycler_window", "recycler_unit_id", "window_start"),
        Index("ix_recycling_booking_city_status", "city_code", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))
    region_code: Mapped[str] = mapped_column(String(6))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_area.id"))
    recycler_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    source: Mapped[str] = mapped_column(String(10))  # resident | trade_in
    person_id: Mapped[int | None] = mapped_column(ForeignKey("tradein_person.id"), index=True)  # whose outbox
    booked_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("tradein_claim.id"), index=True)
    address_enc: Mapped[str] = mapped_column(Text)
    address_masked: Mapped[str] = mapped_column(String(200))
    phone_enc: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float] = mapped_column(Float)  # WGS-84
    lon: Mapped[float] = mapped_column(Float)
    window_start: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    window_end: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    service_minutes: Mapped[int] = mapped_column(Integer, default=5)
    # booked | assigned | on_the_way | arrived | weighed | settled | cancelled | no_show
    status: Mapped[str] = mapped_column(String(12))
    no_show_party: Mapped[str | None] = mapped_column(String(10))  # collector | resident
    cancelled_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    cancel_reason: Mapped[str] = mapped_column(String(200), default="")
    indicative_total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    final_total_fen: Mapped[int | None] = mapped_column(BigInteger)
    accepted: Mapped[bool | None] = mapped_column(Boolean)  # the resident's answer to the final price
    photo_upload_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(String(500), default="")
    idempotency_key: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)


class BookingItem(Base):
    """What the resident said they have, with the price indicated when they booked."""

    __tablename__ = "recycling_booking_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("recycling_booking.id", ondelete="CASCADE"), index=True)
    category: Mapped[str] = mapped_column(String(30))
    unit: Mapped[str] = mapped_column(String(6))  # kg | piece
    estimated_quantity: Mapped[int] = mapped_column(Integer)  # grams for kg categories, pieces otherwise
    estimated_volume_l: Mapped[int] = mapped_column(Integer, default=0)
    indicative_unit_price_fen: Mapped[int] = mapped_column(Integer)
    indicative_amount_fen: Mapped[int] = mapped_column(BigInteger)


class BookingEvent(Base):
    """Every change of a booking's status, who made it and why: the history the resident, the
    recycler and the commerce bureau read (a collector's no-show is one of them)."""

    __tablename__ = "recycling_booking_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("recycling_booking.id", ondelete="CASCADE"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    note: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Weighing(Base):
    """One category weighed (gross − tare = net) or counted, at the door or at a station, typed in or
    posted by a scale (`device_id`), priced from the list valid that day; `requote_reason` explains
    a final amount that differs from the indicated one (weight, category, condition, price change)."""

    __tablename__ = "recycling_weighing"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_booking.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_site.id"))
    category: Mapped[str] = mapped_column(String(30))
    unit: Mapped[str] = mapped_column(String(6))
    gross_g: Mapped[int] = mapped_column(BigInteger, default=0)
    tare_g: Mapped[int] = mapped_column(BigInteger, default=0)
    net_g: Mapped[int] = mapped_column(BigInteger, default=0)
    pieces: Mapped[int] = mapped_column(Integer, default=0)
    condition: Mapped[str] = mapped_column(String(8), default="good")  # good | fair | poor
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    place: Mapped[str] = mapped_column(String(8), default="door")  # door | station
    device_id: Mapped[str | None] = mapped_column(String(40))
    weighed_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    weighed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    requote_reason: Mapped[str] = mapped_column(Text, default="")


class Settlement(Base):
    """The resident paid for an accepted booking, once (the idempotency key), with a receipt."""

    __tablename__ = "recycling_settlement"
    __table_args__ = (UniqueConstraint("city_code", "idempotency_key", name="uq_recycling_settlement_idempotency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("recycling_booking.id"), unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(10))  # cash | transfer | platform
    receipt_no: Mapped[str] = mapped_column(String(32), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(64))
    paid_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    paid_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class RoutePlan(Base):
    """A recycler's plan of a day: one version per planning run; re-planning supersedes the current
    version and keeps the stops already visited or under way at the head of their routes."""

    __tablename__ = "recycling_route_plan"
    __table_args__ = (Index("ix_recycling_route_plan_day", "city_code", "recycler_unit_id", "work_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))
    recycler_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    work_date: Mapped[dt.date] = mapped_column(Date)
    version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default="current")  # current | superseded
    distance_m: Mapped[int] = mapped_column(BigInteger, default=0)
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    lateness_s: Mapped[int] = mapped_column(Integer, default=0)
    # Bookings that could not be planned, each with the reason in Chinese: reported, never dropped.
    unserved: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    solver: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # seconds, seed, travel model
    created_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class RouteStop(Base):
    """One stop of a vehicle's route in a plan: a booking, a reload at a station, or the return."""

    __tablename__ = "recycling_route_stop"
    __table_args__ = (Index("ix_recycling_route_stop_plan_vehicle", "plan_id", "vehicle_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("recycling_route_plan.id", ondelete="CASCADE"))
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("recycling_vehicle.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("recycling_shift.id"))
    seq: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(8))  # booking | reload | end
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_booking.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_site.id"))
    arrive_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    start_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    depart_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    load_weight_g: Mapped[int] = mapped_column(BigInteger, default=0)
    load_volume_l: Mapped[int] = mapped_column(Integer, default=0)
    fixed: Mapped[bool] = mapped_column(Boolean, default=False)  # visited or under way when planned
