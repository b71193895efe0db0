"""The message outbox: every notification a resident would receive, in Chinese (no real SMS)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from huanxin.db import add_row
from huanxin.kit.clock import now
from huanxin.tradein.models import OutboxMessage

PREFIX = "【焕新】"


def notify(session: Session, person_id: int, body: str, *, claim_id: int | None = None) -> None:
    add_row(session, OutboxMessage, {"person_id": person_id, "claim_id": claim_id, "channel": "sms",
                                     "body": PREFIX + body, "created_at": now()})


def messages_for(session: Session, person_id: int, limit: int = 100) -> list[OutboxMessage]:
    return list(session.scalars(select(OutboxMessage).where(OutboxMessage.person_id == person_id)
                                .order_by(OutboxMessage.id.desc()).limit(limit)))


def yuan(fen: int) -> str:
    """2000.00 → "2000", 1234.5 → "1234.50": amounts as residents read them."""
    return f"{fen // 100}" if fen % 100 == 0 else f"{fen / 100:.2f}"
