"""Idempotency keys for every submission that creates a claim or moves money (Stripe's model).

The key is claimed in the same transaction as the work: the first request inserts the record and
stores its response; a replay with the same body gets the stored response; the same key with a
different body gets 409. Two racing requests with one key: the unique constraint lets one win.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from huanxin.db import Base, insert_many_unless_taken, update_rows
from huanxin.errors import Conflict, InvalidInput
from huanxin.kit.clock import now


class IdempotencyRecord(Base):
    __tablename__ = "idempotency_record"
    __table_args__ = (UniqueConstraint("owner", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner: Mapped[str] = mapped_column(String(80))  # who may replay: a user, or a retailer
    key: Mapped[str] = mapped_column(String(120))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer, default=0)
    response: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


def user_owner(user_id: int) -> str:
    """Whose keys: each signed-in user has their own."""
    return f"user:{user_id}"


def request_hash(body: Any) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()


def lookup(session: Session, owner: str, key: str, body: Any) -> IdempotencyRecord | None:
    """The stored record for a replay, or None for a new key; 409 for the same key, another body."""
    record = session.scalar(select(IdempotencyRecord).where(IdempotencyRecord.owner == owner,
                                                            IdempotencyRecord.key == key))
    if record is not None and record.request_hash != request_hash(body):
        raise Conflict("该幂等键（Idempotency-Key）已用于内容不同的请求", field="Idempotency-Key")
    return record


def claim(session: Session, owner: str, key: str, body: Any) -> IdempotencyRecord:
    """Inserts the key inside the caller's transaction; a concurrent twin fails on the unique key."""
    record = IdempotencyRecord(owner=owner, key=key, request_hash=request_hash(body), created_at=now())
    session.add(record)
    session.flush()
    return record


def store(record: IdempotencyRecord, status_code: int, response: dict[str, Any]) -> None:
    record.status_code = status_code
    record.response = response


def try_claim(session: Session, owner: str, key: str, body: Any) -> int | None:
    """As `claim`, without a SAVEPOINT: the new record's id, or None when the key is taken (then
    `lookup` gives the replay or the 409). A concurrent twin waits here until the first commits."""
    return try_claim_many(session, [(owner, key, body)])[0]


def try_claim_many(session: Session, requests: list[tuple[str, str, Any]]) -> list[int | None]:
    """try_claim for many (owner, key, body) at once (one INSERT): each new record's id, or None
    where the key is taken. The (owner, key) pairs must be distinct."""
    at = now()
    rows = [{"owner": owner, "key": key, "request_hash": request_hash(body), "status_code": 0, "response": {},
             "created_at": at} for owner, key, body in requests]
    written = {(owner, key): int(rid) for owner, key, rid in insert_many_unless_taken(
        session, IdempotencyRecord, rows, returning=("owner", "key", "id"))}
    return [written.get((owner, key)) for owner, key, _ in requests]


def save(session: Session, record_id: int, status_code: int, response: dict[str, Any]) -> None:
    """Stores the response of a record claimed with `try_claim` (one UPDATE, no ORM load)."""
    save_many(session, [(record_id, status_code, response)])


def save_many(session: Session, saved: list[tuple[int, int, dict[str, Any]]]) -> None:
    """save for many records (one UPDATE statement, executed for each)."""
    update_rows(session, IdempotencyRecord, [{"id": record_id, "status_code": status_code, "response": response}
                                             for record_id, status_code, response in saved])


def forget(session: Session, record_ids: list[int]) -> None:
    """Drops records whose request was refused: an error is not stored, so a retry runs again."""
    if record_ids:
        session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.id.in_(record_ids)))


def checked_key(key: str | None) -> str:
    """The Idempotency-Key header, required and at most 120 characters."""
    if not key or not key.strip():
        raise InvalidInput("缺少 Idempotency-Key 请求头：提交申请或涉及资金的请求必须带幂等键", field="Idempotency-Key")
    key = key.strip()
    if len(key) > 120:
        raise InvalidInput("Idempotency-Key 不能超过120个字符", field="Idempotency-Key")
    return key
