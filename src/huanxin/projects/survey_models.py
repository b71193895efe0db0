"""The rows of the "一表三单" surveys that are not projects: the enterprises' resource-recycling
survey (工业领域资源循环利用企业情况调查摸底表), the equipment supply list (设备更新供给清单) and
the consumer-goods supply list (消费品生产供给清单), with the upload each row came from.

The fourth list, 技术改造项目和设备更新需求清单, is projects (projects.models.Project). Each row is
keyed by its natural key (the enterprise's credit code and what it names), so uploading the same
sheet again updates rows instead of doubling them. Money is integer fen; quantities are floats
(tonnes) or whole counts. Issue 18 builds the supply–demand matching on `SupplyOffering`."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huanxin.db import Base


class ListUpload(Base):
    """One uploaded workbook of lists: who sent it, when, and how many rows of each sheet it wrote."""

    __tablename__ = "project_list_upload"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    region_code: Mapped[str | None] = mapped_column(String(6))  # the uploader's county; None: city-wide
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    filename: Mapped[str] = mapped_column(String(200), default="")
    sha256: Mapped[str] = mapped_column(String(64))
    # {layout key: {"created": n, "updated": n, "unchanged": n}}
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class SurveyRow:
    """The columns every survey row shares, whatever the sheet: the city and county it belongs to, the
    upload it came from, the enterprise (by its credit code, linked when it is in the city's 企业库),
    the contact and note columns every sheet ends with, and when it was written. A mixin, not a table:
    each sheet keeps its own table (migration 0014), these columns declared once."""

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    region_code: Mapped[str] = mapped_column(String(6), index=True)
    upload_id: Mapped[int | None] = mapped_column(ForeignKey("project_list_upload.id"))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprise.id"))  # when in the city's 企业库
    credit_code: Mapped[str] = mapped_column(String(18))
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class EnterpriseSurvey(SurveyRow, Base):
    """One row of 工业领域资源循环利用企业情况调查摸底表: an enterprise and one kind of resource it
    produces or recycles, with the yearly quantities."""

    __tablename__ = "enterprise_survey"
    __table_args__ = (UniqueConstraint("city_code", "credit_code", "resource", name="uq_enterprise_survey_key"),)

    enterprise_name: Mapped[str] = mapped_column(String(120))
    industry_code: Mapped[str] = mapped_column(String(5))  # GB/T 4754-2017
    above_scale: Mapped[bool] = mapped_column(Boolean, default=False)
    resource: Mapped[str] = mapped_column(String(30))  # projects.lists.words.RESOURCES key
    generated_t: Mapped[float | None] = mapped_column(Float)  # 年产生量（吨）
    utilised_t: Mapped[float | None] = mapped_column(Float)  # 年综合利用量（吨）
    method: Mapped[str] = mapped_column(String(200), default="")  # 主要利用方式
    recycling_units: Mapped[int | None] = mapped_column(Integer)  # 现有循环利用设备（台套）
    renewal_units: Mapped[int | None] = mapped_column(Integer)  # 计划更新改造设备（台套）
    planned_investment_fen: Mapped[int | None] = mapped_column(BigInteger)


class SupplyOffering(SurveyRow, Base):
    """One row of 工业重点领域设备更新供给清单: equipment a local supplier offers."""

    __tablename__ = "supply_offering"
    __table_args__ = (
        UniqueConstraint("city_code", "credit_code", "product", "model", name="uq_supply_offering_key"),
    )

    supplier_name: Mapped[str] = mapped_column(String(120))
    product: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(30), index=True)  # projects.vocab.EQUIPMENT_CATEGORIES key
    model: Mapped[str] = mapped_column(String(120), default="")  # 型号规格
    parameters: Mapped[str] = mapped_column(Text, default="")  # 主要技术参数
    efficiency_level: Mapped[str | None] = mapped_column(String(12))  # projects.vocab.EFFICIENCY_LEVELS key
    first_set: Mapped[bool] = mapped_column(Boolean, default=False)  # 首台（套）重大技术装备
    price_fen: Mapped[int | None] = mapped_column(BigInteger)  # 参考单价
    annual_capacity: Mapped[int | None] = mapped_column(Integer)  # 年供给能力（台套）
    industries: Mapped[str] = mapped_column(String(200), default="")  # 适用行业 (free text)


class ConsumerSupply(SurveyRow, Base):
    """One row of 消费品生产供给清单: a consumer product a local producer makes."""

    __tablename__ = "consumer_supply"
    __table_args__ = (
        UniqueConstraint("city_code", "credit_code", "product", "model", name="uq_consumer_supply_key"),
    )

    producer_name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(30))  # projects.lists.words.CONSUMER_CATEGORIES key
    product: Mapped[str] = mapped_column(String(120))
    brand: Mapped[str] = mapped_column(String(60), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    efficiency_grade: Mapped[int | None] = mapped_column(Integer)  # 能效等级 1–5, as labelled
    annual_output: Mapped[int | None] = mapped_column(Integer)  # 年产量（台、件）
    trade_in: Mapped[bool] = mapped_column(Boolean, default=False)  # 参与以旧换新
