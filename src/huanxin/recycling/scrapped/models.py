"""Tables of the scrapped-vehicle trail: one VIN, one certificate, once.

- `recycling_scrapped_vehicle`: the car a recycler took in. The VIN is unique across the platform
  (not per city): a car scrapped in one city cannot be scrapped again in another. The owner's name
  and ID number are encrypted (kit.pii); the ID number is also kept as a keyed hash to match on.
- `recycling_scrap_certificate`: its 报废机动车回收证明, 1:1 with the vehicle (unique vehicle_id),
  the number unique platform-wide; the deregistration (机动车注销证明) is recorded on it later; and
  the car claim that used it (`claim_id`, unique, nullable). The claim is another domain's row, so
  there is no foreign key: the link is written by this domain's service inside the claim's own
  transaction, and the unique key decides between racing claims."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from huanxin.db import Base


class ScrappedVehicle(Base):
    __tablename__ = "recycling_scrapped_vehicle"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # the recycler's county, for the filters
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    vin: Mapped[str] = mapped_column(String(17), unique=True)
    plate: Mapped[str] = mapped_column(String(10))
    owner_name_enc: Mapped[str] = mapped_column(Text)
    owner_id_enc: Mapped[str] = mapped_column(Text)
    owner_id_hash: Mapped[str] = mapped_column(String(64), index=True)
    first_registered_on: Mapped[dt.date] = mapped_column(Date)
    fuel: Mapped[str] = mapped_column(String(16))  # petrol / diesel / nev / other
    emission_standard: Mapped[str] = mapped_column(String(8))  # 国一 … 国六, 新能源
    received_on: Mapped[dt.date] = mapped_column(Date)
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ScrapCertificate(Base):
    __tablename__ = "recycling_scrap_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    vehicle_id: Mapped[int] = mapped_column(ForeignKey("recycling_scrapped_vehicle.id"), unique=True)
    number: Mapped[str] = mapped_column(String(40), unique=True)
    issued_on: Mapped[dt.date] = mapped_column(Date, index=True)
    deregistration_no: Mapped[str | None] = mapped_column(String(40))
    deregistered_on: Mapped[dt.date | None] = mapped_column(Date)
    claim_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    claim_submitted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
