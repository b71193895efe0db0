"""Consumer trade-in: programmes run by a city, retailers, residents, qualifications, claims,
their one-time identifiers and quotas, fraud flags, payouts, appeals and the message outbox."""

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
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, validates

from huanxin.db import Base
from huanxin.tradein.claims import keys as claim_keys


class Programme(Base):
    """A subsidy programme as a city runs it. Its rules and dated parameters live in the rules
    files (`tradein/rules/programmes/<rules_code>.yaml`); this row holds the city's operation."""

    __tablename__ = "tradein_programme"
    __table_args__ = (UniqueConstraint("city_code", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    code: Mapped[str] = mapped_column(String(60))  # e.g. appliance-2025
    rules_code: Mapped[str] = mapped_column(String(60))  # the rules file that decides claims
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))  # car_scrap | car_replace | appliance | digital | ebike | home_decor
    level: Mapped[str] = mapped_column(String(20))  # national | provincial | city
    starts_on: Mapped[dt.date] = mapped_column(Date)
    ends_on: Mapped[dt.date] = mapped_column(Date)
    qualification_days: Mapped[int] = mapped_column(Integer, default=7)  # validity of a 资格
    daily_release_time: Mapped[str | None] = mapped_column(String(5))  # "10:00": daily batches
    daily_release_count: Mapped[int | None] = mapped_column(Integer)
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class Retailer(Base):
    """An admitted retailer or car dealer (经营主体); its account is a unit of kind retailer."""

    __tablename__ = "tradein_retailer"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    region_code: Mapped[str] = mapped_column(String(6))
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)  # programme kinds it may redeem
    status: Mapped[str] = mapped_column(String(12), default="admitted")  # admitted | suspended | expelled
    admitted_on: Mapped[dt.date] = mapped_column(Date)


class RetailerStatusChange(Base):
    __tablename__ = "tradein_retailer_status"

    id: Mapped[int] = mapped_column(primary_key=True)
    retailer_id: Mapped[int] = mapped_column(ForeignKey("tradein_retailer.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    reason: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(60))


class Person(Base):
    """A resident, known by the keyed hash of the ID number; personal data is encrypted at rest."""

    __tablename__ = "tradein_person"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_enc: Mapped[str] = mapped_column(Text)
    id_masked: Mapped[str] = mapped_column(String(24))
    name_enc: Mapped[str] = mapped_column(Text)
    name_masked: Mapped[str] = mapped_column(String(40))
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    phone_enc: Mapped[str | None] = mapped_column(Text)
    address_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    bank_card_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    bank_card_enc: Mapped[str | None] = mapped_column(Text)
    bank_card_masked: Mapped[str | None] = mapped_column(String(24))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Qualification(Base):
    """A real-name 资格: reserves budget while valid; released when it lapses unused."""

    __tablename__ = "tradein_qualification"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("tradein_programme.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("tradein_person.id"), index=True)
    category: Mapped[str] = mapped_column(String(40))
    # waiting (pool exhausted, in the queue) | active | used | expired | cancelled
    status: Mapped[str] = mapped_column(String(12), index=True)
    reserved_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    queue_no: Mapped[int | None] = mapped_column(BigInteger)  # waiting-list order
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), index=True)
    release_batch: Mapped[str | None] = mapped_column(String(20))  # e.g. 2025-03-01 10:00


class RedemptionCode(Base):
    """The one-time redemption code (核销码) a resident shows at the till instead of their ID card:
    one live code per qualification (a new one replaces it), kept only as a keyed hash."""

    __tablename__ = "tradein_redemption_code"

    qualification_id: Mapped[int] = mapped_column(ForeignKey("tradein_qualification.id"), primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    issued_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class Claim(Base):
    """A subsidy claim: a purchase redeemed (核销) by a retailer, or a car application."""

    __tablename__ = "tradein_claim"
    # Fraud signals read a retailer's recent claims inside the claim transaction.
    __table_args__ = (
        Index("ix_tradein_claim_retailer_submitted", "retailer_id", "submitted_at"),
        # The office's statistics group a city's claims by status and programme.
        Index("ix_tradein_claim_city_status_programme", "city_code", "status", "programme_id"),
        # Reused and near-duplicate invoices, consecutive serials: one indexed lookup per claim
        # instead of reading the retailer's recent claims (see tradein.claims.keys).
        Index("ix_tradein_claim_retailer_invoice", "retailer_id", "invoice_norm"),
        Index("ix_tradein_claim_retailer_invoice_prefix", "retailer_id", "invoice_prefix"),
        Index("ix_tradein_claim_retailer_serial_prefix", "retailer_id", "serial_prefix"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))  # indexed first in ix_..._city_status_programme
    region_code: Mapped[str] = mapped_column(String(6))
    programme_id: Mapped[int] = mapped_column(ForeignKey("tradein_programme.id"), index=True)
    qualification_id: Mapped[int | None] = mapped_column(ForeignKey("tradein_qualification.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("tradein_person.id"), index=True)
    retailer_id: Mapped[int | None] = mapped_column(ForeignKey("tradein_retailer.id"))  # leads four indexes below
    category: Mapped[str] = mapped_column(String(40))
    brand: Mapped[str] = mapped_column(String(60), default="")
    model: Mapped[str] = mapped_column(String(80), default="")
    price_fen: Mapped[int] = mapped_column(BigInteger)
    efficiency_grade: Mapped[int | None] = mapped_column(Integer)  # energy or water grade, 1 best
    serial_hash: Mapped[str | None] = mapped_column(String(64))  # SN / IMEI, keyed hash
    vin: Mapped[str | None] = mapped_column(String(17))
    old_proof_kind: Mapped[str | None] = mapped_column(String(20))  # scrap_cert | deregistration | recycling_cert
    old_proof_no: Mapped[str | None] = mapped_column(String(60))
    invoice_no: Mapped[str] = mapped_column(String(40))
    invoice_date: Mapped[dt.date] = mapped_column(Date)
    inputs: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # everything the rules saw
    # submitted | review | correction | approved | rejected | appealed | paying | paid
    status: Mapped[str] = mapped_column(String(12), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    amounts_by_source: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)  # eligibility, reasons, trace
    fraud_score: Mapped[float] = mapped_column(Float, default=0.0)
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(Integer, default=1)
    # Derived from invoice_no and inputs whenever they are set (below), for the fraud lookups.
    invoice_norm: Mapped[str | None] = mapped_column(String(40))
    invoice_prefix: Mapped[str | None] = mapped_column(String(40))
    serial_prefix: Mapped[str | None] = mapped_column(String(60))

    @validates("invoice_no")
    def _derive_invoice_keys(self, _key: str, value: str) -> str:
        self.invoice_norm = claim_keys.normalise_invoice(value)
        self.invoice_prefix = claim_keys.invoice_prefix(value)
        return value

    @validates("inputs")
    def _derive_serial_prefix(self, _key: str, value: dict[str, Any]) -> dict[str, Any]:
        self.serial_prefix = claim_keys.serial_prefix(value)
        return value


class ClaimEvent(Base):
    """Every step of a claim's life, for the resident, the reviewer and the auditor."""

    __tablename__ = "tradein_claim_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("tradein_claim.id"), index=True)
    from_status: Mapped[str | None] = mapped_column(String(12))
    to_status: Mapped[str] = mapped_column(String(12))
    note: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(60))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class UsedIdentifier(Base):
    """One SN/IMEI, one VIN, one scrap certificate, one invoice: used once, ever. The unique
    constraint makes the check hold under concurrency, inside the claim's own transaction."""

    __tablename__ = "tradein_used_identifier"
    __table_args__ = (UniqueConstraint("kind", "value_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))  # serial | vin | scrap_cert | invoice | new_car_vin
    value_hash: Mapped[str] = mapped_column(String(64))
    claim_id: Mapped[int] = mapped_column(ForeignKey("tradein_claim.id"), index=True)


class QuotaSlot(Base):
    """One use of a per-person quota: (person, quota key, slot number) is unique, so two racing
    claims cannot both take the last slot. A quota key names the family, category and period,
    e.g. appliance:air_conditioner:2025 with slots 1..3."""

    __tablename__ = "tradein_quota_slot"
    __table_args__ = (UniqueConstraint("person_id", "quota_key", "slot"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("tradein_person.id"), index=True)
    quota_key: Mapped[str] = mapped_column(String(80))
    slot: Mapped[int] = mapped_column(Integer)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("tradein_claim.id"), index=True)
    qualification_id: Mapped[int | None] = mapped_column(ForeignKey("tradein_qualification.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)  # for per-person money caps


class FraudFlag(Base):
    __tablename__ = "tradein_fraud_flag"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("tradein_claim.id"), index=True)
    rule: Mapped[str] = mapped_column(String(40))  # price_above_band | shared_phone | velocity | reused_invoice ...
    score: Mapped[float] = mapped_column(Float)
    explanation: Mapped[str] = mapped_column(Text)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ReferencePrice(Base):
    """A product model's price frozen from the months before a programme (先涨价后补贴 control)."""

    __tablename__ = "tradein_reference_price"
    __table_args__ = (UniqueConstraint("city_code", "category", "brand", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6))  # each city freezes its own market's prices
    category: Mapped[str] = mapped_column(String(40))
    brand: Mapped[str] = mapped_column(String(60))
    model: Mapped[str] = mapped_column(String(80))
    price_fen: Mapped[int] = mapped_column(BigInteger)  # median of the observation window
    window: Mapped[str] = mapped_column(String(40))  # e.g. 2024-05..2024-07
    samples: Mapped[int] = mapped_column(Integer)


class PayoutBatch(Base):
    __tablename__ = "tradein_payout_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # created (waits for the second person) | approved (file and result allowed) | reconciled
    status: Mapped[str] = mapped_column(String(12))
    count: Mapped[int] = mapped_column(Integer)
    total_fen: Mapped[int] = mapped_column(BigInteger)
    file_name: Mapped[str] = mapped_column(String(120))
    created_by: Mapped[str] = mapped_column(String(60))
    approved_by: Mapped[str | None] = mapped_column(String(60))  # never the maker (payouts.batches.approve)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class PayoutLine(Base):
    """One payment attempt of a claim in a batch. A failed attempt stays in its batch with the
    bank's reason; the retry is a new line in a later batch. At most one line of a claim is not
    failed (in flight or paid): the partial unique index, besides the ledger's post keys."""

    __tablename__ = "tradein_payout_line"
    __table_args__ = (
        Index("uq_tradein_payout_line_live_claim", "claim_id", unique=True,
              postgresql_where=text("status <> 'failed'"), sqlite_where=text("status <> 'failed'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("tradein_payout_batch.id"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("tradein_claim.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12))  # sent | paid | failed
    bank_ref: Mapped[str | None] = mapped_column(String(60))
    failure_reason: Mapped[str | None] = mapped_column(String(200))


class Appeal(Base):
    __tablename__ = "tradein_appeal"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("tradein_claim.id"), index=True)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(12))  # open | upheld | overturned
    filed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    decision_note: Mapped[str | None] = mapped_column(Text)


class OutboxMessage(Base):
    """Every notification a resident would receive (no real SMS is sent)."""

    __tablename__ = "tradein_outbox"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("tradein_person.id"), index=True)
    claim_id: Mapped[int | None] = mapped_column(ForeignKey("tradein_claim.id"), index=True)
    channel: Mapped[str] = mapped_column(String(10), default="sms")
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class IdentityRegisterEntry(Base):
    """One resident of the population register the local real-name check reads (the demo's and
    the tests' stand-in for the 公安 identity check and the banks' card check). Only keyed
    hashes are kept: like the real services, it answers whether details match, never what they are."""

    __tablename__ = "tradein_identity_register"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name_hash: Mapped[str] = mapped_column(String(64))  # keyed hash of ID number and name together
    bank_card_hash: Mapped[str | None] = mapped_column(String(64))  # a card in this person's name
    phone_hash: Mapped[str | None] = mapped_column(String(64))  # the phone the bank has for that card
