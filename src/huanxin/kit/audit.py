"""Append-only, hash-chained audit log of every change of state.

Each record's hash covers its content and the previous record's hash, so editing or deleting
any record breaks the chain from there on; `huanxin audit verify` finds the first break.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import JSON, DateTime, String, event, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from huanxin.db import Base, is_postgres
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


@event.listens_for(AuditRecord, "before_update")
@event.listens_for(AuditRecord, "before_delete")
def _refuse_change(*_: Any) -> None:
    raise RuntimeError("审计日志只能追加，不能修改或删除")


def _digest(prev_hash: str, record: AuditRecord) -> str:
    # UTC, so the same instant hashes the same whether the database hands it back naive or aware.
    at = aware(record.at).astimezone(dt.UTC).isoformat(timespec="microseconds")
    body = json.dumps(
        [prev_hash, at, record.actor, record.city_code, record.action, record.entity, record.entity_id, record.detail],
        ensure_ascii=False, sort_keys=True, default=str,
    )
    return hashlib.sha256(body.encode()).hexdigest()


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


def verify_chain(session: Session) -> tuple[int, int | None]:
    """Returns (records checked, id of the first broken record or None)."""
    prev = GENESIS
    count = 0
    for item in session.scalars(select(AuditRecord).order_by(AuditRecord.id)).yield_per(2000):
        count += 1
        if item.prev_hash != prev or _digest(prev, item) != item.hash:
            return count, item.id
        prev = item.hash
    return count, None
