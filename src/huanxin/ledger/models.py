"""Accounts, immutable entries and two-phase transfers (TigerBeetle's model), and budget pools.

Money moves only by a Transfer from one account to another; each transfer writes two Entries
(-amount, +amount) that are never updated. A correction is a reversing transfer. An account's
`balance` is a cache that `huanxin ledger verify` rebuilds from the entries.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import BigInteger, Boolean, DateTime, ForeignKey, Integer, String, UniqueConstraint, event, inspect
from sqlalchemy.orm import Mapped, mapped_column

from huanxin.db import Base


class Account(Base):
    __tablename__ = "ledger_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # source | available | reserved | paid
    balance: Mapped[int] = mapped_column(BigInteger, default=0)  # fen
    # Only the outside world (a funding source) may go below zero; a pool never does.
    allow_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Transfer(Base):
    __tablename__ = "ledger_transfer"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The idempotency key of the money movement itself, e.g. "reserve:qualification:42".
    key: Mapped[str] = mapped_column(String(160), unique=True)
    kind: Mapped[str] = mapped_column(String(20))  # fund | reserve | post | void | correct | move
    from_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), index=True)
    to_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # fen, > 0
    # reserve transfers are `pending` until a post or void settles them; all others are `final`.
    status: Mapped[str] = mapped_column(String(10))
    pending_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_transfer.id"), index=True)
    ref: Mapped[str] = mapped_column(String(80), index=True)  # what it is for, e.g. "claim:123"
    memo: Mapped[str] = mapped_column(String(200), default="")
    actor: Mapped[str] = mapped_column(String(60), default="system")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Entry(Base):
    __tablename__ = "ledger_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("ledger_transfer.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)  # signed fen
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Pool(Base):
    """A budget pool: one programme, region, fund source and tranche, with its three accounts."""

    __tablename__ = "ledger_pool"
    __table_args__ = (UniqueConstraint("programme_code", "city_code", "region_code", "fund_source", "tranche"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_code: Mapped[str] = mapped_column(String(6), index=True)
    programme_code: Mapped[str] = mapped_column(String(60), index=True)
    region_code: Mapped[str] = mapped_column(String(6))
    fund_source: Mapped[str] = mapped_column(String(20))  # central | provincial | city | county
    tranche: Mapped[int] = mapped_column(Integer, default=1)
    name: Mapped[str] = mapped_column(String(200))
    available_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"))
    reserved_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"))
    paid_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"))
    source_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class LedgerImmutable(RuntimeError):
    """An attempt to rewrite history: entries are append-only, transfers change only status."""


# --- the guards: entries are never updated or deleted; of a transfer only `status` changes --------

@event.listens_for(Entry, "before_update")
@event.listens_for(Entry, "before_delete")
def _refuse_entry_change(*_: Any) -> None:
    raise LedgerImmutable("账本分录只能追加，不能修改或删除；更正请使用冲正转账")


@event.listens_for(Transfer, "before_delete")
def _refuse_transfer_delete(*_: Any) -> None:
    raise LedgerImmutable("转账记录不能删除；更正请使用冲正转账")


@event.listens_for(Transfer, "before_update")
def _refuse_transfer_rewrite(_mapper: Any, _connection: Any, target: Transfer) -> None:
    state = inspect(target)
    changed = [attr.key for attr in state.attrs if attr.key != "status" and attr.history.has_changes()]
    if changed:
        raise LedgerImmutable(f"转账记录只有状态可以变更（预留→已拨付/已释放），不能修改：{', '.join(changed)}")
