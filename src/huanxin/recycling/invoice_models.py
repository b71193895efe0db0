"""Reverse invoicing (反向开票, 国家税务总局公告2024年第5号; issue 17): a recycler's qualifications,
the natural persons it buys from (sellers), and the invoices it issues on their behalf.

Kept beside `models.py` (as projects keeps `survey_models.py`) so that each file stays readable;
the recycling domain's scoped queries stay in `repository.py` and `invoicing/`.

- Money in integer fen, VAT-exclusive unless a column says otherwise.
- A seller is known across recyclers and cities by `person_key`, the keyed hash of the ID number:
  the 5,000,000-yuan quota counts every recycler that invoiced that person. `InvoicePerson` is one
  row per person, locked (FOR UPDATE on PostgreSQL; SQLite's writers queue) while an invoice for
  that person is issued, so that concurrent issues never pass the line together.
- An invoice counts in the natural month it was issued (`quota_month`, the 1st of that month);
  its red-letter reversal counts in the SAME month with the opposite sign, so that a reversal frees
  exactly what its invoice used, whenever it is made."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from huanxin.db import Base


class RecyclerQualification(Base):
    """A qualification that lets a recycler reverse-invoice: a hazardous-waste operating licence, a
    scrapped-vehicle dismantling qualification, or a renewable-resource filing with the commerce
    department; recorded by the recycler with its document, verified by the office or a department."""

    __tablename__ = "recycling_qualification"

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    number: Mapped[str] = mapped_column(String(60))
    issued_on: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)  # None: a filing without an end date
    document_name: Mapped[str] = mapped_column(String(200))
    document_type: Mapped[str] = mapped_column(String(100))
    document: Mapped[bytes] = mapped_column(LargeBinary)
    recorded_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    verified_by_user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    verified_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class InvoicePerson(Base):
    """One natural person across every recycler: the row the quota check locks."""

    __tablename__ = "recycling_invoice_person"

    person_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class InvoiceSeller(Base):
    """A natural person a recycler buys from, on-boarded with real-name identity, their own bank
    card and their authorisation for the recycler to invoice on their behalf; personal data is
    encrypted at rest (kit.pii) and shown masked."""

    __tablename__ = "recycling_invoice_seller"
    __table_args__ = (UniqueConstraint("recycler_unit_id", "person_key", name="uq_recycling_seller_person"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    recycler_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    person_key: Mapped[str] = mapped_column(ForeignKey("recycling_invoice_person.person_key"), index=True)
    id_enc: Mapped[str] = mapped_column(Text)
    id_masked: Mapped[str] = mapped_column(String(24))
    name_enc: Mapped[str] = mapped_column(Text)
    name_masked: Mapped[str] = mapped_column(String(40))
    phone_enc: Mapped[str] = mapped_column(Text)
    phone_masked: Mapped[str] = mapped_column(String(16))
    bank_card_enc: Mapped[str] = mapped_column(Text)
    bank_card_masked: Mapped[str] = mapped_column(String(24))
    bank_name: Mapped[str] = mapped_column(String(60))
    authorised_on: Mapped[dt.date] = mapped_column(Date)
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class ReverseInvoice(Base):
    """A pre-invoice the seller confirms, then the invoice issued (blue), or the red-letter invoice
    reversing one (negative amounts, `reverses_id` set). status: pending → confirmed → issued;
    a blue invoice that was reversed is `reversed`."""

    __tablename__ = "recycling_reverse_invoice"
    __table_args__ = (
        UniqueConstraint("city_code", "idempotency_key", name="uq_recycling_invoice_key"),
        Index("ix_recycling_invoice_quota", "person_key", "status", "quota_month"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    recycler_unit_id: Mapped[int] = mapped_column(ForeignKey("unit.id"), index=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("recycling_invoice_seller.id"), index=True)
    person_key: Mapped[str] = mapped_column(String(64))
    number: Mapped[str | None] = mapped_column(String(40), unique=True)  # given when issued
    kind: Mapped[str] = mapped_column(String(8), default="blue")  # blue | red
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_reverse_invoice.id"), unique=True)
    status: Mapped[str] = mapped_column(String(12))
    amount_fen: Mapped[int] = mapped_column(BigInteger)  # VAT-exclusive; negative on a red invoice
    vat_rate_permille: Mapped[int] = mapped_column(Integer, default=0)  # 0 exempt, 10 = 1%
    vat_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    iit_rate_permille: Mapped[int] = mapped_column(Integer, default=0)  # 5 = 0.5%
    iit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    tax_note: Mapped[str] = mapped_column(Text, default="")
    quota_month: Mapped[dt.date | None] = mapped_column(Date)  # the natural month it counts in
    confirm_code_hash: Mapped[str] = mapped_column(String(64), default="")
    confirm_attempts: Mapped[int] = mapped_column(Integer, default=0)  # wrong codes typed; 5 voids it
    idempotency_key: Mapped[str] = mapped_column(String(80))
    created_by_user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    issued_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    payment_ref: Mapped[str] = mapped_column(String(60), default="")
    payment_key: Mapped[str | None] = mapped_column(String(80))  # the payment's Idempotency-Key
    reason: Mapped[str] = mapped_column(Text, default="")  # a red invoice's reason


class ReverseInvoiceLine(Base):
    """What was bought: category with its tax classification code, quantity, unit price, amount;
    from a weighing (billed once: `InvoicedWeighing`) or entered."""

    __tablename__ = "recycling_reverse_invoice_line"

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("recycling_reverse_invoice.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    category: Mapped[str] = mapped_column(String(30))
    tax_code: Mapped[str] = mapped_column(String(19))
    unit: Mapped[str] = mapped_column(String(6))  # kg | piece
    quantity_milli: Mapped[int] = mapped_column(BigInteger)  # grams for kg (kg × 1000), pieces × 1000
    unit_price_fen: Mapped[int] = mapped_column(Integer)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    weighing_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_weighing.id"))


class InvoicedWeighing(Base):
    """A weighing billed by an invoice still standing: one weighing, one invoice. Its reversal
    deletes the row, and the weighing may be billed again."""

    __tablename__ = "recycling_invoiced_weighing"

    weighing_id: Mapped[int] = mapped_column(ForeignKey("recycling_weighing.id"), primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("recycling_reverse_invoice.id", ondelete="CASCADE"), index=True)


class SellerMessage(Base):
    """The text messages a seller would receive (no real SMS is sent), e.g. the pre-invoice's
    confirmation code; read by the seller on the phone, never shown to the recycler."""

    __tablename__ = "recycling_seller_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    seller_id: Mapped[int] = mapped_column(ForeignKey("recycling_invoice_seller.id"), index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("recycling_reverse_invoice.id"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
