"""Fixtures of the ledger tests: pools made through the service, and a city of its own for tests that commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from ledger_helpers import COMMITTED_CITY, ZIYANG, delete_city_ledger
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huanxin.ledger import service
from huanxin.ledger.models import Pool


@pytest.fixture()
def make_pool(db: Session) -> Callable[..., Pool]:
    def make(programme: str = "appliance-2025", *, city: str = ZIYANG, region: str | None = None,
             source: str = "central", tranche: int = 1, funded: int = 0, name: str | None = None) -> Pool:
        pool = service.create_pool(
            db, city_code=city, programme_code=programme, region_code=region or city, fund_source=source,
            tranche=tranche, name=name or f"{programme}·{service.FUND_SOURCES[source]}·第{tranche}批",
        )
        if funded:
            service.fund(db, pool, funded, key=f"test:fund:{pool.id}:{funded}", actor="test")
        return pool

    return make


@pytest.fixture()
def committed_city(engine: Engine) -> Iterator[str]:
    """A city code of its own for a test that commits (threads, subprocesses): cleaned up after."""
    city = COMMITTED_CITY
    delete_city_ledger(engine, city)
    yield city
    delete_city_ledger(engine, city)
