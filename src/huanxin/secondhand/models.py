"""Tables of second-hand trade: the devices a dealer (a recycler or a retailer) trades, the
data-wiping records made before resale, the refusals of records that failed the rules, and the
complaints the office records against a dealer.

- A device belongs to its city and to the dealer's unit; every query narrows by both
  (secondhand.repository).
- Wipe records are never updated nor deleted: GB 46864—2025 asks that they be kept at least three
  years (`keep_until`); a new attempt is a new record.
- A refused record is not a wipe record (nothing of it is written): only the refusal's reason is
  kept in `secondhand_wipe_refusal`, because the dealer's credit score counts refusals."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huanxin.db import Base


class SecondhandDevice(Base):
    __tablename__ = "secondhand_device"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    dealer_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    device_type: Mapped[str] = mapped_column(String(16))  # phone / tablet / computer / storage
    brand: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(100))
    imei: Mapped[str | None] = mapped_column(String(15))
    serial_number: Mapped[str | None] = mapped_column(String(60))
    media_type: Mapped[str] = mapped_column(String(16))  # magnetic / flash / other
    status: Mapped[str] = mapped_column(String(16))  # registered → wiped → listed → sold
    registered_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    listed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    sold_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class WipeRecord(Base):
    __tablename__ = "secondhand_wipe_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("secondhand_device.id"), index=True)
    dealer_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    method: Mapped[str] = mapped_column(String(16))  # overwrite / block_erase / crypto_erase / destruction
    passes: Mapped[int] = mapped_column(Integer)
    includes_random_pass: Mapped[bool] = mapped_column(Boolean)
    media_type: Mapped[str] = mapped_column(String(16))
    tool_name: Mapped[str] = mapped_column(String(100))
    tool_version: Mapped[str] = mapped_column(String(40))
    operator: Mapped[str] = mapped_column(String(60))
    verified: Mapped[bool] = mapped_column(Boolean)  # False: the verification after the wipe failed
    verification_method: Mapped[str] = mapped_column(String(200))
    evidence_name: Mapped[str | None] = mapped_column(String(200))
    evidence_type: Mapped[str | None] = mapped_column(String(100))
    evidence: Mapped[bytes | None] = mapped_column(LargeBinary)
    wiped_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    keep_until: Mapped[dt.date] = mapped_column(Date)
    certificate_number: Mapped[str | None] = mapped_column(String(32), unique=True)  # verified records only
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class WipeRefusal(Base):
    __tablename__ = "secondhand_wipe_refusal"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("secondhand_device.id"), index=True)
    dealer_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    field: Mapped[str] = mapped_column(String(40))
    reason: Mapped[str] = mapped_column(Text)
    refused_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class DealerComplaint(Base):
    __tablename__ = "secondhand_complaint"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    dealer_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    received_on: Mapped[dt.date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(String(500))
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class UsedCar(Base):
    """A used car a dealer trades: VIN (check digit verified), plate, first registration, the
    technical-condition grade of its appraisal (GB/T 30323-2013, see secondhand/cars.py for what we
    could source) and the inspection summary."""

    __tablename__ = "secondhand_used_car"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    dealer_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    vin: Mapped[str] = mapped_column(String(17), index=True)
    plate: Mapped[str] = mapped_column(String(10))
    first_registered_on: Mapped[dt.date] = mapped_column(Date)
    grade: Mapped[str | None] = mapped_column(String(8))  # grade_1 … grade_5, or None (summary only)
    inspection_summary: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # registered → sold
    registered_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sold_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
