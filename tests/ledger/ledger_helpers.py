"""Helpers of the ledger tests that commit (threads, subprocesses) on a city code of their own."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huanxin.ledger import service
from huanxin.ledger.models import Pool

ZIYANG = "512000"
COMMITTED_CITY = "990100"  # no such city: what committed tests write stays out of every other test's way


def delete_city_ledger(engine: Engine, city_code: str) -> None:
    """Removes a committed test's pools, accounts, transfers and entries (raw SQL: the ORM
    guards rightly refuse). Audit records stay: the log is append-only, the chain stays intact,
    and the dedicated city code keeps them out of every other test's way."""
    with engine.begin() as conn:
        ids = [row[0] for row in conn.execute(text("SELECT id FROM ledger_account WHERE city_code = :c"),
                                              {"c": city_code})]
        if ids:
            listed = ", ".join(str(int(i)) for i in ids)
            conn.execute(text(f"DELETE FROM ledger_entry WHERE account_id IN ({listed})"))
            conn.execute(text(f"DELETE FROM ledger_transfer WHERE from_account_id IN ({listed}) "
                              f"OR to_account_id IN ({listed})"))
        conn.execute(text("DELETE FROM ledger_pool WHERE city_code = :c"), {"c": city_code})
        conn.execute(text("DELETE FROM ledger_account WHERE city_code = :c"), {"c": city_code})


def committed_pool(engine: Engine, city: str, programme: str, funded: int) -> Pool:
    with Session(engine, expire_on_commit=False) as session:
        pool = service.create_pool(session, city_code=city, programme_code=programme, region_code=city,
                                   fund_source="central", tranche=1, name=f"并发测试·{programme}")
        if funded:
            service.fund(session, pool, funded, key=f"test:{city}:{programme}:fund", actor="test")
        session.commit()
        return pool
