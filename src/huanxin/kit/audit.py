"""Append-only, hash-chained audit log of every change of state.

Each record's hash is an HMAC-SHA256, under the `audit_key` setting, of its content and the
previous record's hash, so editing or deleting any record breaks the chain from there on, and
whoever can write the database but does not hold the key cannot recompute the later hashes to
hide it; `huanxin audit verify` finds the first break. Deleting the newest records leaves a
shorter chain that is still whole: that is found against an anchor kept outside the database
(`huanxin audit anchor`, and the line at the end of every briefing): the record of that sequence
number (its id) must still exist with that hash.

Databases written before the chain was keyed: their records carry the plain SHA-256 hash.
Migration 0008 wrote down the id of the last such record (`AuditChainSwitch`); verification
accepts the plain hash only up to it and only before the first keyed record, and the first keyed
record covers the last plain hash, so the old records are protected from then on too.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from huanxin.config import get_settings
from huanxin.db import Base, is_postgres
from huanxin.errors import InvalidInput
from huanxin.kit.clock import aware, now

GENESIS = "0" * 64


class AuditRecord(Base):
    __tablename__ = "audit_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    actor: Mapped[str] = mapped_column(String(60))
    city_code: Mapped[str | None] = mapped_column(String(6), index=True)
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditChainSwitch(Base):
    """Where the chain became keyed: records up to `legacy_through` (an id; 0 for a database
    created keyed) may carry the plain SHA-256 hash they were written with."""

    __tablename__ = "audit_chain_switch"

    id: Mapped[int] = mapped_column(primary_key=True)
    legacy_through: Mapped[int] = mapped_column(Integer)
    switched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


@event.listens_for(AuditRecord, "before_update")
@event.listens_for(AuditRecord, "before_delete")
def _refuse_change(*_: Any) -> None:
    raise RuntimeError("审计日志只能追加，不能修改或删除")


def _body(prev_hash: str, record: AuditRecord) -> bytes:
    # UTC, so the same instant hashes the same whether the database hands it back naive or aware.
    at = aware(record.at).astimezone(dt.UTC).isoformat(timespec="microseconds")
    return json.dumps(
        [prev_hash, at, record.actor, record.city_code, record.action, record.entity, record.entity_id, record.detail],
        ensure_ascii=False, sort_keys=True, default=str,
    ).encode()


def _digest(prev_hash: str, record: AuditRecord) -> str:
    """The keyed hash every record is written with."""
    return hmac.new(get_settings().audit_key.encode(), _body(prev_hash, record), hashlib.sha256).hexdigest()


def legacy_digest(prev_hash: str, record: AuditRecord) -> str:
    """The plain SHA-256 that records written before the switch carry (verification only)."""
    return hashlib.sha256(_body(prev_hash, record)).hexdigest()


def record(
    session: Session, *, actor: str, action: str, entity: str, entity_id: object,
    city_code: str | None = None, detail: dict[str, Any] | None = None,
) -> AuditRecord:
    if is_postgres(session):
        # Serialise appenders so two transactions never chain onto the same predecessor.
        session.execute(text("SELECT pg_advisory_xact_lock(7243001)"))
    last = session.scalar(select(AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1))
    item = AuditRecord(
        at=now(),
        actor=actor, city_code=city_code, action=action, entity=entity,
        entity_id=str(entity_id), detail=detail or {}, prev_hash=last or GENESIS,
    )
    item.hash = _digest(item.prev_hash, item)
    session.add(item)
    session.flush()
    return item


@dataclass(frozen=True)
class Anchor:
    """A record's sequence number (its id) and hash, kept outside the database."""

    seq: int
    hash: str

    def __str__(self) -> str:
        return f"{self.seq}:{self.hash}"


@dataclass(frozen=True)
class Verification:
    count: int  # records checked
    broken_id: int | None  # the first record whose hash or link does not hold
    problem: str | None  # what is wrong, in Chinese; None when the chain and every anchor hold

    @property
    def ok(self) -> bool:
        return self.problem is None


def parse_anchor(value: str) -> Anchor:
    seq, sep, digest = value.strip().partition(":")
    digest = digest.strip().lower()
    if not sep or not seq.strip().isdigit() or len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
        raise InvalidInput(f"锚点“{value}”格式无效，应为 序号:哈希（如 1024:3f5a…，哈希为64位十六进制）",
                           field="anchor")
    return Anchor(int(seq), digest)


def head(session: Session) -> Anchor:
    """The newest record as an anchor (0 and the genesis hash while the log is empty)."""
    last = session.execute(select(AuditRecord.id, AuditRecord.hash).order_by(AuditRecord.id.desc()).limit(1)).first()
    return Anchor(int(last[0]), str(last[1])) if last else Anchor(0, GENESIS)


def _legacy_through(session: Session) -> int:
    value = session.scalar(select(AuditChainSwitch.legacy_through).order_by(AuditChainSwitch.id).limit(1))
    return int(value or 0)


def verify(session: Session, anchors: list[Anchor] | tuple[Anchor, ...] = ()) -> Verification:
    """Walks the chain: each link, each keyed hash (the plain hash only up to the recorded switch),
    then each anchor: its record must still exist with its hash."""
    legacy_through = _legacy_through(session)
    wanted = {a.seq: a.hash for a in anchors if a.seq > 0}
    found: dict[int, str] = {}
    prev, count, keyed_seen = GENESIS, 0, False
    for item in session.scalars(select(AuditRecord).order_by(AuditRecord.id)).yield_per(2000):
        count += 1
        if item.prev_hash != prev:
            return Verification(count, item.id,
                                f"审计日志在第 {count} 条（序号 {item.id}）处断链：前一条记录被删除或改写")
        if hmac.compare_digest(_digest(prev, item), item.hash):
            keyed_seen = True
        elif keyed_seen or item.id > legacy_through or legacy_digest(prev, item) != item.hash:
            return Verification(count, item.id, f"审计日志第 {count} 条（序号 {item.id}）的哈希不符：记录被篡改")
        if item.id in wanted:
            found[item.id] = item.hash
        prev = item.hash
    for seq, digest in sorted(wanted.items()):
        if seq not in found:
            return Verification(count, None, f"锚点序号 {seq} 的记录已不存在：最新的记录被删除（链现有 {count} 条）")
        if not hmac.compare_digest(found[seq], digest):
            return Verification(count, seq, f"锚点序号 {seq} 的记录哈希与留存的锚点不符：该记录或其之前的记录被改写")
    return Verification(count, None, None)


def verify_chain(session: Session) -> tuple[int, int | None]:
    """Returns (records checked, id of the first broken record or None)."""
    result = verify(session)
    return result.count, result.broken_id
