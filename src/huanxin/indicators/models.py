"""Indicator observations and the baseline values that relative targets refer to."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huanxin.db import Base


class Observation(Base):
    """A value of an indicator for a region and a period. `month` 12 is the full year;
    earlier months are year-to-date figures (累计), as statistics bureaus publish them."""

    __tablename__ = "observation"
    __table_args__ = (UniqueConstraint("city_code", "indicator_code", "region_code", "year", "month"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    indicator_code: Mapped[str] = mapped_column(String(60))
    region_code: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    month: Mapped[int] = mapped_column(Integer, default=12)
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(20))  # entered | imported | computed
    note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Baseline(Base):
    """The base-year value (usually 2023) of an indicator for a city, entered once."""

    __tablename__ = "baseline"
    __table_args__ = (UniqueConstraint("city_code", "indicator_code", "region_code", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    indicator_code: Mapped[str] = mapped_column(String(60))
    region_code: Mapped[str] = mapped_column(String(6))
    year: Mapped[int] = mapped_column(Integer)
    value: Mapped[float] = mapped_column(Float)
    note: Mapped[str | None] = mapped_column(Text)
    entered_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    entered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
