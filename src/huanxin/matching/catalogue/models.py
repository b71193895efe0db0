"""Tables of the supply catalogue (设备更新供给清单) and of what buyers do with a match.

- A supply product belongs to its city and to its supplier (an enterprise of the library); every
  query narrows by both (catalogue.repository). Its class is a key of the matching taxonomy, its key
  parameters use the engine's names ({"power_kw": 55}), prices are integer fen.
- A withdrawn product (`on_sale` false, `withdrawn_at` set) stays: contacts and deals point at it,
  and the engine excludes it with its reason (该型号已不允许销售).
- A contact (联系供应商) links one new-equipment line of a buyer's project to one product, with the
  score and explanation the buyer saw; a deal (成交) is at most one per contact. The deal keeps the
  project's county and field and how local the supplier was, so the office's statistics read one table.
- A city's score weights (本地企业优先 and the other parts of matching.score.Weights) are one row per city
  holding only the weights the office changed: a city without a row ranks with the engine's defaults,
  and a default changed in code reaches every city that did not set that weight itself."""

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


class SupplyProduct(Base):
    __tablename__ = "supply_product"
    __table_args__ = (UniqueConstraint("enterprise_id", "code", name="uq_supply_product_code"),
                      # the cache stamp's max(updated_at) of a city (repository.catalogue_stamp), on
                      # every buyer's page: a scan of the city's rows without it (migration 0025)
                      Index("ix_supply_product_city_updated", "city_code", "updated_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    code: Mapped[str] = mapped_column(String(64))  # the supplier's own product number (型号编码)
    category: Mapped[str] = mapped_column(String(40), index=True)  # matching taxonomy key
    name: Mapped[str] = mapped_column(String(200))
    spec: Mapped[str] = mapped_column(Text, default="")
    params: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)
    efficiency_level: Mapped[str | None] = mapped_column(String(12))  # advanced | saving | entry | below
    efficiency_grade: Mapped[int | None] = mapped_column(Integer)
    price_min_fen: Mapped[int | None] = mapped_column(BigInteger)
    price_max_fen: Mapped[int | None] = mapped_column(BigInteger)
    region_code: Mapped[str] = mapped_column(String(6))  # GB/T 2260, where the supplier delivers from
    delivery_days: Mapped[int | None] = mapped_column(Integer)
    # [{"kind": "first_set", "valid_until": "2027-06-30" | null}] (matching.records.CREDENTIALS keys)
    credentials: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    on_sale: Mapped[bool] = mapped_column(Boolean, default=True)
    withdrawn_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class MatchContact(Base):
    __tablename__ = "match_contact"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"), index=True)
    equipment_id: Mapped[int] = mapped_column(ForeignKey("project_equipment.id"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("supply_product.id"), index=True)
    buyer_enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"))
    supplier_enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6))  # the project's county
    field: Mapped[str] = mapped_column(String(30))  # the project's field (projects.vocab.FIELDS)
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class MatchDeal(Base):
    __tablename__ = "match_deal"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("match_contact.id"), unique=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    signed_on: Mapped[dt.date] = mapped_column(Date)
    region_code: Mapped[str] = mapped_column(String(6))  # the project's county
    field: Mapped[str] = mapped_column(String(30))
    locality: Mapped[str] = mapped_column(String(10))  # county | city | province | other (the supplier's)
    local: Mapped[bool] = mapped_column(Boolean)  # supplier in the same city as the project (本地企业)
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class MatchingWeights(Base):
    __tablename__ = "matching_weights"

    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    weights: Mapped[dict[str, float]] = mapped_column(JSON, default=dict)  # score.Weights field -> points
    updated_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
