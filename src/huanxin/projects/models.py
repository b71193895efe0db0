"""Equipment renewal: the enterprises that declare projects, the key project library (重点项目库) with
each project's equipment list, its review history (enterprise → county → department → office), the
batches the office sends to the province, and which department reviews which field.

Money is integer fen. Shares are whole per-mille (0–1000) so that 80% is 800, never a float."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
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
    delete,
    event,
    insert,
    inspect,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from huanxin.db import Base


class Enterprise(Base):
    """An enterprise of the city (企业库). Its users sign in with role `enterprise` and `unit_id` =
    this enterprise's `unit_id` (a Unit of kind `enterprise`), which is how the shared scope knows
    whose data is theirs."""

    __tablename__ = "enterprise"
    __table_args__ = (UniqueConstraint("city_code", "credit_code", name="uq_enterprise_credit_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), unique=True)
    credit_code: Mapped[str] = mapped_column(String(18))  # 统一社会信用代码, GB 32100-2015
    name: Mapped[str] = mapped_column(String(120))
    industry_code: Mapped[str] = mapped_column(String(5))  # GB/T 4754-2017 (letter + up to 4 digits)
    region_code: Mapped[str] = mapped_column(String(6), index=True)  # GB/T 2260 county-level
    above_scale: Mapped[bool] = mapped_column(Boolean, default=False)  # 规模以上工业企业
    # 专精特新, 高新技术企业, 首台(套) maker, 标准化重点企业 (keys in projects.vocab.ENTERPRISE_FLAGS)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    contact_name: Mapped[str] = mapped_column(String(40), default="")
    contact_phone_encrypted: Mapped[str | None] = mapped_column(String(255))  # kit.pii.encrypt
    address: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FieldReviewer(Base):
    """Which city department reviews projects of a field (工信局 for industry, 住建局 for elevators …).
    Proposed from the unit names when the city is set up; the office may change it."""

    __tablename__ = "project_field_reviewer"
    __table_args__ = (UniqueConstraint("city_code", "field", name="uq_field_reviewer"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    field: Mapped[str] = mapped_column(String(30))
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))


class ProjectBatch(Base):
    """A batch the office compiles for the province (e.g. 2026年第二批超长期特别国债设备更新项目),
    with the deadline the province set."""

    __tablename__ = "project_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    name: Mapped[str] = mapped_column(String(120))
    instrument: Mapped[str] = mapped_column(String(30))  # projects.vocab.INSTRUMENTS key
    deadline: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(12), default="open")  # open | sent
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Project(Base):
    """A renewal project in the library. `status` walks draft → county → department → office →
    approved → batched → reported; `returned` sends it back to the enterprise with a comment."""

    __tablename__ = "project"
    __table_args__ = (
        UniqueConstraint("city_code", "code", name="uq_project_code"),
        # newest first within a city, filtered or not: a page's ids from an index-only scan, read
        # backwards (the id last; migration 0017), never the primary key through other cities' rows
        Index("ix_project_city_status", "city_code", "status", "id"),
        Index("ix_project_city_field", "city_code", "field", "id"),
        Index("ix_project_city_region", "city_code", "region_code", "id"),
        Index("ix_project_city_id", "city_code", "id"),
        # the library's overview by status, field and region from the index alone (migration 0017)
        Index("ix_project_city_overview", "city_code", "status", "field", "region_code", "total_investment_fen",
              "equipment_investment_fen"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    code: Mapped[str] = mapped_column(String(30))  # e.g. SB-512000-2026-00012, given at creation
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    region_code: Mapped[str] = mapped_column(String(6))  # where it is built (county-level)
    name: Mapped[str] = mapped_column(String(200))
    field: Mapped[str] = mapped_column(String(30))  # projects.vocab.FIELDS key
    directions: Mapped[list[str]] = mapped_column(JSON, default=list)  # projects.vocab.DIRECTIONS keys
    summary: Mapped[str] = mapped_column(Text, default="")
    total_investment_fen: Mapped[int] = mapped_column(BigInteger)
    fixed_asset_fen: Mapped[int] = mapped_column(BigInteger)
    equipment_investment_fen: Mapped[int] = mapped_column(BigInteger)
    start_on: Mapped[dt.date] = mapped_column(Date)
    finish_on: Mapped[dt.date] = mapped_column(Date)
    construction: Mapped[str] = mapped_column(String(20))  # planned | under_construction | completed
    invested_permille: Mapped[int] = mapped_column(Integer, default=0)  # share invested, 0–1000
    documents: Mapped[list[str]] = mapped_column(JSON, default=list)  # projects.vocab.DOCUMENTS keys held
    # Money asked for: instruments wanted, and for loans the need, term and up to 3 intended banks.
    instruments: Mapped[list[str]] = mapped_column(JSON, default=list)
    loan_need_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    loan_term_months: Mapped[int] = mapped_column(Integer, default=0)
    intended_banks: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The interest subsidy's window is a contract-signing window (财金〔2024〕54号): the contract date
    # decides it; the disbursement date stands in only when the contract date is not known.
    loan_signed_on: Mapped[dt.date | None] = mapped_column(Date)  # 贷款合同签订日期
    loan_disbursed_on: Mapped[dt.date | None] = mapped_column(Date)
    relending_batch: Mapped[int | None] = mapped_column(Integer)  # 再贷款备选项目清单批次 (1, 2); None: not known
    other_central_funding: Mapped[bool] = mapped_column(Boolean, default=False)  # 已获其他中央资金支持
    # Expected benefits: per year, as declared or computed from the equipment (method says which).
    energy_saved_tce: Mapped[float] = mapped_column(Float, default=0.0)
    co2_cut_t: Mapped[float] = mapped_column(Float, default=0.0)
    benefit_method: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(12), default="draft")
    returned_from: Mapped[str | None] = mapped_column(String(12))  # the level that returned it
    version: Mapped[int] = mapped_column(Integer, default=1)  # +1 at each (re)submission
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("project_batch.id"), index=True)
    # When the project reached its current reviewer, for the green/yellow/red lights.
    stage_since: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ProjectEquipment(Base):
    """One line of a project's equipment list: a retired item (`retired`) or a new one (`new`)."""

    __tablename__ = "project_equipment"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    side: Mapped[str] = mapped_column(String(8))  # retired | new
    category: Mapped[str] = mapped_column(String(30))  # projects.vocab.EQUIPMENT_CATEGORIES key
    name: Mapped[str] = mapped_column(String(120))
    model: Mapped[str] = mapped_column(String(120), default="")  # 型号 / 规格
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # new items
    year: Mapped[int | None] = mapped_column(Integer)  # retired items: year in service from
    original_value_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # retired items, all units
    fully_depreciated: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the energy-efficiency tables read (projects.efficiency): rated power, poles, measured
    # efficiency (%), transformer capacity and losses, or the product's declared grade; the level
    # is computed and stored.
    rated_power_kw: Mapped[float | None] = mapped_column(Float)
    poles: Mapped[int | None] = mapped_column(Integer)
    efficiency_pct: Mapped[float | None] = mapped_column(Float)
    declared_grade: Mapped[int | None] = mapped_column(Integer)
    # Power transformers (GB 20052): rated capacity and the measured no-load / load losses.
    rated_capacity_kva: Mapped[float | None] = mapped_column(Float)
    no_load_loss_w: Mapped[float | None] = mapped_column(Float)
    load_loss_w: Mapped[float | None] = mapped_column(Float)
    efficiency_level: Mapped[str | None] = mapped_column(String(12))  # advanced | saving | entry | below
    domestic: Mapped[bool] = mapped_column(Boolean, default=True)
    supplier: Mapped[str] = mapped_column(String(120), default="")
    position: Mapped[int] = mapped_column(Integer, default=0)


class ProjectStep(Base):
    """One step of a project's review history: who did what at which level, the comment, and the
    project's content as it was then (so a resubmission shows what changed)."""

    __tablename__ = "project_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    level: Mapped[str] = mapped_column(String(12))  # enterprise | county | department | office
    action: Mapped[str] = mapped_column(String(12))  # submit | resubmit | approve | return | batch | report
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    actor_name: Mapped[str] = mapped_column(String(80), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    snapshot: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ProjectNameGram(Base):
    """The two-character pieces of a project's name (lower-cased), the library's text search
    index (projects.search): a name contains a typed text of two characters or more only if it
    holds every piece of it, so the search reads the few postings of those pieces instead of
    scanning every name of the city with LIKE '%…%' (which no B-tree index serves). The pieces
    are written whenever a project's name is (an ORM flush or the demo's bulk insert)."""

    __tablename__ = "project_name_gram"

    gram: Mapped[str] = mapped_column(String(2), primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id", ondelete="CASCADE"), primary_key=True,
                                            index=True)


def grams(text: str) -> set[str]:
    """The distinct two-character pieces of `text`, lower-cased (a search ignores case)."""
    folded = text.casefold()
    return {folded[i:i + 2] for i in range(len(folded) - 1)}


def gram_rows(projects: Iterable[tuple[int, str]]) -> list[dict[str, Any]]:
    return [{"gram": gram, "project_id": pid} for pid, name in projects for gram in sorted(grams(name))]


# Every project flushed through the ORM (declared, edited, imported from a sheet) keeps its name's
# pieces current in the same transaction; bulk Core inserts call projects.search.index_rows.
@event.listens_for(Project, "after_insert")
def _index_new_name(_mapper: Mapper[Project], connection: Connection, project: Project) -> None:
    rows = gram_rows([(project.id, project.name)])
    if rows:
        connection.execute(insert(ProjectNameGram), rows)


@event.listens_for(Project, "after_update")
def _index_new_name_on_rename(_mapper: Mapper[Project], connection: Connection, project: Project) -> None:
    if not inspect(project).attrs.name.history.has_changes():
        return
    connection.execute(delete(ProjectNameGram).where(ProjectNameGram.project_id == project.id))
    _index_new_name(_mapper, connection, project)
