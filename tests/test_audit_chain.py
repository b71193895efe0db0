"""The audit chain is keyed (issue 10, finding 6): whoever can write the database but holds no key
cannot edit a record and recompute the later hashes unnoticed, and deleting the newest records is
found against an anchor kept outside the database (`huanxin audit anchor`, the briefing's foot)."""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import subprocess
import sys
from pathlib import Path

import docx
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.orm import Session
from tests.plans.support import plan_of, scope_named

from huanxin.db import make_engine
from huanxin.kit import audit
from huanxin.kit.audit import AuditRecord
from huanxin.kit.clock import now, today
from huanxin.migrate import alembic_config, upgrade
from huanxin.plans import briefing, service


def _append(session: Session, n: int, action: str = "test_step") -> list[AuditRecord]:
    return [audit.record(session, actor="tester", action=action, entity="test", entity_id=i, detail={"n": i})
            for i in range(n)]


def _rewrite_from(session: Session, first_id: int, detail: str, digest: object, last_id: int | None = None) -> None:
    """What an attacker with write access does: change one record, then recompute the hash of it
    and of every later record (up to `last_id`) so that every link still holds."""
    session.execute(text("UPDATE audit_record SET detail = :d WHERE id = :i"), {"d": detail, "i": first_id})
    session.expire_all()
    prev = session.scalar(select(AuditRecord.hash).where(AuditRecord.id < first_id).order_by(AuditRecord.id.desc())
                          .limit(1)) or audit.GENESIS
    later = select(AuditRecord).where(AuditRecord.id >= first_id, AuditRecord.id <= (last_id or 2**31 - 1))
    for item in session.scalars(later.order_by(AuditRecord.id)).all():
        new_hash = digest(prev, item)  # type: ignore[operator]
        session.execute(text("UPDATE audit_record SET prev_hash = :p, hash = :h WHERE id = :i"),
                        {"p": prev, "h": new_hash, "i": item.id})
        prev = new_hash
    session.expire_all()


def _wrong_key(prev: str, item: AuditRecord) -> str:
    return hmac.new(b"a-guessed-key", audit._body(prev, item), hashlib.sha256).hexdigest()


def test_an_edit_that_recomputes_every_later_hash_is_found(db: Session) -> None:
    records = _append(db, 3)
    assert audit.verify(db).ok
    middle = records[1].id
    attempt = db.begin_nested()
    _rewrite_from(db, middle, '{"n": 99}', audit.legacy_digest)  # plain SHA-256, as the chain was
    result = audit.verify(db)
    assert not result.ok and result.broken_id == middle and "篡改" in (result.problem or "")
    attempt.rollback()
    _rewrite_from(db, middle, '{"n": 99}', _wrong_key)
    assert audit.verify(db).broken_id == middle


def test_deleting_the_newest_record_is_found_against_an_anchor(db: Session) -> None:
    _append(db, 2)
    anchor = audit.head(db)
    assert audit.verify(db, [anchor]).ok
    db.execute(text("DELETE FROM audit_record WHERE id = :i"), {"i": anchor.seq})
    db.expire_all()
    assert audit.verify(db).ok  # the shorter chain is whole: only the anchor knows it was longer
    result = audit.verify(db, [anchor])
    assert not result.ok and f"锚点序号 {anchor.seq} 的记录已不存在" in (result.problem or "")


def test_the_briefing_prints_the_chains_head(db: Session) -> None:
    plan = plan_of(db, "ziyang-2024")
    office = scope_named(db, "ziyang-office")
    rnd = service.open_round(db, office, plan, title="锚点测试轮", period="2026-12", due_on=today())
    head = audit.head(db)  # opening the round was the newest change of state
    document = docx.Document(io.BytesIO(briefing.build_briefing(db, office, plan, rnd)))
    assert any("审计链锚点" in p.text and str(head) in p.text for p in document.paragraphs)


# ---- the CLI, on a database of its own (it runs in another process and must see committed rows)

def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "huanxin.cli", "audit", *args], capture_output=True, text=True,
                          env={**os.environ, "HUANXIN_DATABASE_URL": url})


def test_the_cli_verify_exit_codes(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'audit.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    with Session(engine) as session:
        _append(session, 3)
        session.commit()
    anchor = _cli(url, "anchor")
    assert anchor.returncode == 0, anchor.stderr
    seq_hash = anchor.stdout.strip()
    assert _cli(url, "verify", "--anchor", seq_hash).returncode == 0

    malformed = _cli(url, "verify", "--anchor", "3:not-a-hash")
    assert malformed.returncode == 1 and "格式无效" in malformed.stderr

    with engine.begin() as conn:
        conn.execute(text("DELETE FROM audit_record WHERE id = (SELECT MAX(id) FROM audit_record)"))
    assert _cli(url, "verify").returncode == 0
    deleted = _cli(url, "verify", "--anchor", seq_hash)
    assert deleted.returncode == 1 and "已不存在" in deleted.stderr

    with Session(engine) as session:
        _rewrite_from(session, 1, '{"n": 7}', audit.legacy_digest)
        session.commit()
    edited = _cli(url, "verify")
    assert edited.returncode == 1 and "篡改" in edited.stderr
    engine.dispose()


def test_records_hashed_before_the_switch_still_verify(tmp_path: Path) -> None:
    """A database written before the chain was keyed: its plain-hashed records pass up to the
    switch that migration 0008 recorded, and no plain-hashed record after it does."""
    url = f"sqlite:///{tmp_path / 'legacy.sqlite3'}"
    engine = make_engine(url)
    cfg = alembic_config()
    with engine.begin() as connection:
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "0007")
    with Session(engine) as session:
        prev = audit.GENESIS
        for i in range(3):
            item = AuditRecord(at=now(), actor="old", city_code=None, action="old_step", entity="test",
                               entity_id=str(i), detail={"n": i}, prev_hash=prev)
            item.hash = prev = audit.legacy_digest(prev, item)
            session.add(item)
            session.flush()
        session.commit()
    upgrade(engine)  # 0008 records the switch after the third record
    with Session(engine) as session:
        _append(session, 2)
        session.commit()
        assert audit.verify(session).ok
        newest = audit.head(session).seq
        # an attacker without the key appends a record hashed the old way
        forged = AuditRecord(at=now(), actor="old", city_code=None, action="forged", entity="test", entity_id="x",
                             detail={}, prev_hash=audit.head(session).hash)
        forged.hash = audit.legacy_digest(forged.prev_hash, forged)
        session.add(forged)
        session.flush()
        result = audit.verify(session)
        assert not result.ok and result.broken_id == newest + 1
        session.rollback()
        # and an old record edited with the plain hashes recomputed up to the switch breaks the
        # first keyed record's link
        _rewrite_from(session, 2, '{"n": 42}', audit.legacy_digest, last_id=3)
        result = audit.verify(session)
        assert not result.ok and result.broken_id == 4 and "断链" in (result.problem or "")
    engine.dispose()
