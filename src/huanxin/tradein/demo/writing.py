"""Bulk writing of the generated rows (explicit ids), and the PostgreSQL sequences after it."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from huanxin.db import is_postgres, move_sequences_past
from huanxin.kit.clock import CHINA
from huanxin.ledger.models import Transfer
from huanxin.tradein.demo.specs import (
    BATCH_NOTE,
    Rows,
)
from huanxin.tradein.models import (
    Appeal,
    Claim,
    ClaimEvent,
    FraudFlag,
    IdentityRegisterEntry,
    OutboxMessage,
    PayoutBatch,
    PayoutLine,
    Person,
    Qualification,
    QuotaSlot,
    UsedIdentifier,
)

CHUNK = 20_000


def _sqlite_converter(column: Any) -> Any:
    """What SQLAlchemy would bind on SQLite for this column: datetimes as China-time text (as
    `clock.aware` reads them back), dates ISO, JSON as text (a dict shared by many rows, such as
    a cached decision, is serialised once)."""
    kind = type(column.type).__name__
    if kind == "DateTime":
        def moment(value: Any) -> Any:
            if value is None:
                return None
            if value.tzinfo is not CHINA:
                value = value.astimezone(CHINA)
            return value.replace(tzinfo=None).isoformat(" ", "microseconds")
        return moment
    if kind == "Date":
        return lambda value: None if value is None else value.isoformat()
    if kind == "JSON":
        memo: dict[int, tuple[Any, str]] = {}

        def as_json(value: Any) -> Any:
            if value is None:
                return None
            found = memo.get(id(value))
            if found is not None and found[0] is value:
                return found[1]
            dumped = json.dumps(value, ensure_ascii=False, default=str)
            if len(memo) < 50_000:
                memo[id(value)] = (value, dumped)
            return dumped
        return as_json
    return None


def _bulk(session: Session, model: type[Any], rows: list[dict[str, Any]]) -> None:
    """Bulk insert. On SQLite straight to the driver's executemany (the ORM's per-row parameter
    processing costs more than the insert itself at this volume); elsewhere a Core insert."""
    if not rows:
        return
    table = model.__table__
    if is_postgres(session):
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(table), rows[start:start + CHUNK])
        return
    columns = list(rows[0])
    sql = f'INSERT INTO {table.name} ({", ".join(columns)}) VALUES ({", ".join("?" * len(columns))})'
    converters = [(c, _sqlite_converter(table.c[c])) for c in columns]
    plain = [c for c, f in converters if f is None]
    typed = [(i, c, f) for i, (c, f) in enumerate(converters) if f is not None]
    connection = session.connection()
    for start in range(0, len(rows), CHUNK):
        chunk = []
        for row in rows[start:start + CHUNK]:
            values = [row[c] for c in columns]
            for i, _column, f in typed:
                values[i] = f(values[i])
            chunk.append(tuple(values))
        connection.exec_driver_sql(sql, chunk)
    del plain


def _number_batches_by_date(rows: Rows) -> None:
    """Batch numbers in the order the batches were made: claims are generated claim by claim, so a
    batch is first met in any order; a reviewer expects batch 12 to come after batch 11. The
    lines and the claims' "列入发放批次 N" events follow the new numbers."""
    batches = list(rows.batches.values())
    order = sorted(batches, key=lambda b: (b["created_at"], b["city_code"], b["id"]))
    renumber = {b["id"]: new for b, new in zip(order, sorted(b["id"] for b in batches), strict=True)}
    for batch in batches:
        batch["id"] = renumber[batch["id"]]
    for line in rows.lines:
        line["batch_id"] = renumber[line["batch_id"]]
    for event in rows.events:
        if event["note"].startswith(BATCH_NOTE):
            event["note"] = f"{BATCH_NOTE}{renumber[int(event['note'][len(BATCH_NOTE):])]}"


def _write(session: Session, rows: Rows) -> None:
    _number_batches_by_date(rows)
    _bulk(session, Person, rows.persons)
    _bulk(session, Qualification, rows.qualifications)
    _bulk(session, Claim, rows.claims)
    _bulk(session, ClaimEvent, rows.events)
    _bulk(session, UsedIdentifier, rows.identifiers)
    _bulk(session, QuotaSlot, rows.slots)
    _bulk(session, FraudFlag, rows.flags)
    _bulk(session, PayoutBatch, list(rows.batches.values()))
    _bulk(session, PayoutLine, rows.lines)
    _bulk(session, Appeal, rows.appeals)
    _bulk(session, OutboxMessage, rows.outbox)
    _bulk(session, IdentityRegisterEntry, rows.register)



def _sync_sequences(session: Session) -> None:
    """Explicit ids leave PostgreSQL's sequences behind: move them past the rows written."""
    move_sequences_past(session, (Person, Qualification, Claim, PayoutBatch, Transfer))
