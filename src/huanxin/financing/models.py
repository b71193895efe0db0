"""Financing of renewal projects: the need a project declares (own table, not the project's loan
fields promoted: a need is answered by banks, pushed by the office and has its own status, and the
project's intended banks are free names, while here they are bank units), the office's pushes, the
banks' answers, the loans they sign with their tranches, the interest-subsidy (贴息) schedule of each
loan, and the quarterly subsidy payments whose money moves through the ledger.

Money is integer fen, rates are basis points (1.5 个百分点 = 150)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from huanxin.db import Base


class FinancingNeed(Base):
    """One need per project. The project's name, region_code and field are copied when it is
    declared: banks read the need (never the project, which is the enterprise's), and the
    indicators group needs by county and field without reading the project table."""

    __tablename__ = "financing_need"
    __table_args__ = (UniqueConstraint("project_id", name="uq_financing_need_project"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("project.id"))
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("enterprise.id"), index=True)
    project_name: Mapped[str] = mapped_column(String(200))
    region_code: Mapped[str] = mapped_column(String(6))
    field: Mapped[str] = mapped_column(String(30))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    term_months: Mapped[int] = mapped_column(Integer)
    purpose: Mapped[str] = mapped_column(Text, default="")
    bank_unit_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # intended banks, at most 3
    # declared → pushed → interested | more_documents | declined → granted (a loan signed)
    status: Mapped[str] = mapped_column(String(20), default="declared")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FinancingPush(Base):
    """The office sent a need to a bank (named or not by the enterprise)."""

    __tablename__ = "financing_push"
    __table_args__ = (UniqueConstraint("need_id", "bank_unit_id", name="uq_financing_push"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("financing_need.id"), index=True)
    bank_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    pushed_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    pushed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class BankAnswer(Base):
    """A bank's answer to a need; a later answer of the same bank supersedes the earlier one."""

    __tablename__ = "financing_answer"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("financing_need.id"), index=True)
    bank_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    answer: Mapped[str] = mapped_column(String(20))  # interested | declined | more_documents
    reason: Mapped[str] = mapped_column(Text, default="")
    documents: Mapped[list[str]] = mapped_column(JSON, default=list)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    answered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Loan(Base):
    __tablename__ = "financing_loan"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("financing_need.id"), index=True)
    bank_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    principal_fen: Mapped[int] = mapped_column(BigInteger)
    annual_rate_bp: Mapped[int] = mapped_column(Integer)  # the loan's own rate, e.g. 310 = 3.10%
    term_months: Mapped[int] = mapped_column(Integer)
    contract_on: Mapped[dt.date] = mapped_column(Date)
    repaid_early_on: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Tranche(Base):
    __tablename__ = "financing_tranche"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("financing_loan.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    disbursed_on: Mapped[dt.date] = mapped_column(Date)
    reached_supplier_on: Mapped[dt.date | None] = mapped_column(Date)  # 划付供应商账户之日


class SubsidyRow(Base):
    """One piece of a loan's subsidy schedule: a tranche, within one calendar quarter, at one rate."""

    __tablename__ = "financing_subsidy_row"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("financing_loan.id"), index=True)
    tranche_id: Mapped[int] = mapped_column(ForeignKey("financing_tranche.id"))
    quarter: Mapped[str] = mapped_column(String(7))  # 2025Q1
    start_on: Mapped[dt.date] = mapped_column(Date)
    end_on: Mapped[dt.date] = mapped_column(Date)  # the first day not counted
    days: Mapped[int] = mapped_column(Integer)
    base_fen: Mapped[int] = mapped_column(BigInteger)
    rate_bp: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    basis: Mapped[str] = mapped_column(Text, default="")


class SubsidyPayment(Base):
    """A loan's quarter: pre-allocated to its bank (a ledger reservation), then settled on actuals."""

    __tablename__ = "financing_subsidy_payment"
    __table_args__ = (UniqueConstraint("loan_id", "quarter", name="uq_financing_subsidy_payment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    loan_id: Mapped[int] = mapped_column(ForeignKey("financing_loan.id"), index=True)
    bank_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"))
    quarter: Mapped[str] = mapped_column(String(7))
    # 1, then +1 each time a voided or corrected quarter is pre-allocated again (its ledger keys differ)
    attempt: Mapped[int] = mapped_column(Integer, default=1)
    pool_id: Mapped[int] = mapped_column(ForeignKey("ledger_pool.id"))
    planned_fen: Mapped[int] = mapped_column(BigInteger)
    actual_fen: Mapped[int | None] = mapped_column(BigInteger)
    reserve_key: Mapped[str] = mapped_column(String(160))
    post_key: Mapped[str | None] = mapped_column(String(160))
    status: Mapped[str] = mapped_column(String(12), default="reserved")  # reserved | settled | corrected
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class FinancialProduct(Base):
    """A city's own financial product (e.g. a 设备更新贷 of a local bank)."""

    __tablename__ = "financing_product"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    bank_unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    max_amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    term_months: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class BankEvent(Base):
    """A 政银企 matchmaking event the city holds."""

    __tablename__ = "financing_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    title: Mapped[str] = mapped_column(String(200))
    held_on: Mapped[dt.date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
