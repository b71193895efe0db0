"""Builders for the day-planning tests: a recycler (weighing_support) with two drivers, two vehicles
and their shifts tomorrow, and bookings around its station in the day's windows."""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

from sqlalchemy.orm import Session
from tests.recycling import weighing_support as ws
from tests.tradein.claims_support import user

from huanxin.kit import pii
from huanxin.kit.clock import CHINA, now, today
from huanxin.orgs.roles import Role
from huanxin.recycling.dispatch import fleet
from huanxin.recycling.models import Booking, BookingItem, RecyclerStaff, Shift, Vehicle
from huanxin.recycling.vocab import unit_of

# (hour the window opens, north offset, east offset in 0.01°, category, grams or pieces)
SPREAD = [(9, 0.5, 0.2, "paper", 20_000), (9, -0.4, 0.6, "metal", 15_000), (10, 0.8, -0.3, "refrigerator", 1),
          (10, -0.2, -0.7, "plastic", 8_000), (13, 0.3, 0.9, "paper", 30_000), (14, -0.9, 0.1, "television", 2),
          (14, 0.6, 0.6, "textile", 12_000), (15, -0.5, -0.5, "washing_machine", 1)]


@dataclass
class Fleet:
    rc: ws.Recycler
    driver2: str
    day: dt.date
    vehicles: list[Vehicle]
    shifts: list[Shift]


def plate() -> str:
    return "川A" + uuid.uuid4().hex[:5].upper().replace("O", "0").replace("I", "1")


def fleet_of(db: Session, vehicles: int = 2, capacity_kg: int = 1_000) -> Fleet:
    rc = ws.recycler(db)
    driver2 = user(db, f"rc-driver2-{ws.tag()}", Role.RECYCLER, rc.city_code, rc.unit_id)
    db.add(RecyclerStaff(city_code=rc.city_code, unit_id=rc.unit_id, user_id=ws.scope_of(db, driver2).user_id,
                         function="driver"))
    db.flush()
    boss, day = rc.scope(db, "dispatcher"), today() + dt.timedelta(days=1)
    made, shifts = [], []
    for n, driver in enumerate([rc.driver, driver2][:vehicles]):
        vehicle = fleet.add_vehicle(db, boss, fleet.VehicleInput(plate=plate(), depot_site_id=rc.site_id,
                                                                 capacity_kg=capacity_kg, capacity_m3=5))
        made.append(vehicle)
        shifts.append(fleet.add_shift(db, boss, fleet.ShiftInput(
            vehicle_id=vehicle.id, driver_user_id=ws.scope_of(db, driver).user_id, work_date=day,
            starts_at="08:00", ends_at="18:00", crew=f"二人组{n + 1}")))
    return Fleet(rc, driver2, day, made, shifts)


def booking(db: Session, f: Fleet, hour: int, north: float, east: float, category: str, quantity: int,
            resident: str | None = None) -> Booking:
    start = dt.datetime(f.day.year, f.day.month, f.day.day, hour, tzinfo=CHINA)
    by = ws.scope_of(db, resident or ws.resident(db, f.rc.city_code))
    row = Booking(city_code=f.rc.city_code, region_code=f.rc.city_code, recycler_unit_id=f.rc.unit_id,
                  source="resident", booked_by_user_id=by.user_id, address_enc=pii.encrypt("雁江区幸福路8号3栋2单元"),
                  address_masked="雁江区幸福路****", phone_enc=pii.encrypt("13812345678"),
                  lat=30.12 + north / 100, lon=104.64 + east / 100, window_start=start,
                  window_end=start + dt.timedelta(hours=2), status="booked", idempotency_key=uuid.uuid4().hex,
                  created_at=now(), updated_at=now())
    db.add(row)
    db.flush()
    db.add(BookingItem(booking_id=row.id, category=category, unit=unit_of(category), estimated_quantity=quantity,
                       indicative_unit_price_fen=100, indicative_amount_fen=quantity // 10))
    db.flush()
    return row


def day_of_eight(db: Session) -> tuple[Fleet, list[Booking]]:
    f = fleet_of(db)
    res = ws.resident(db, f.rc.city_code)
    return f, [booking(db, f, *row, resident=res) for row in SPREAD]
