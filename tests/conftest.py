"""Tests run the real migrations on a real database (SQLite file by default, PostgreSQL when
HUANXIN_TEST_DATABASE_URL is set), load the five plans once, and roll back each test."""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest


def _per_worker(name: str) -> None:
    """Under pytest-xdist each worker has its own PostgreSQL database (scripts/test.sh creates
    <name>_gw0, <name>_gw1 …): the session fixtures reset and migrate the database they run on."""
    url, worker = os.environ.get(name), os.environ.get("PYTEST_XDIST_WORKER")
    # Idempotent: test modules import this file again as `tests.conftest`.
    if url and worker and url.startswith("postgresql") and not url.endswith(f"_{worker}"):
        os.environ[name] = f"{url}_{worker}"


_per_worker("HUANXIN_TEST_DATABASE_URL")
_per_worker("HUANXIN_E2E_DATABASE_URL")
TEST_DB_URL = os.environ.get("HUANXIN_TEST_DATABASE_URL") or (
    f"sqlite:///{Path(tempfile.mkdtemp(prefix='huanxin-test-')) / 'test.sqlite3'}"
)
os.environ["HUANXIN_DATABASE_URL"] = TEST_DB_URL
# Not a deployment: servers the tests start (tests/e2e, test_serve) need no keys of their own and
# set no Secure cookies (they serve http on 127.0.0.1), on PostgreSQL as on SQLite.
os.environ.setdefault("HUANXIN_ENV", "test")

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import text  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from huanxin.bootstrap import bootstrap  # noqa: E402
from huanxin.db import get_engine  # noqa: E402
from huanxin.migrate import upgrade  # noqa: E402
from huanxin.orgs import scope_cache  # noqa: E402
from huanxin.web.app import create_app  # noqa: E402
from huanxin.web.deps import UnitOfWork, read_units, request_db, write_units  # noqa: E402

PASSWORD = "test-pass-1"
REAL_REFRESH_DUE = scope_cache.refresh_due  # for the tests of the refresh itself (see `app`)
SEEDS_DIR = Path(__file__).resolve().parents[2] / "shared" / "seeds"


def _reset(engine: Engine) -> None:
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))


@pytest.fixture(scope="session")
def engine() -> Engine:
    engine = get_engine()
    _reset(engine)
    upgrade(engine)
    with Session(engine) as session:
        bootstrap(session, PASSWORD)
        session.commit()
    return engine


@pytest.fixture()
def db(engine: Engine) -> Iterator[Session]:
    """A session inside an outer transaction that is rolled back after the test: services may
    commit (savepoints), nothing leaks to the next test."""
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False)
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


def unit_of_work(db: Session) -> UnitOfWork:
    """The test's session as a unit of work that commits (its savepoint) when the block ends well."""
    @contextmanager
    def unit() -> Iterator[Session]:
        try:
            yield db
            db.commit()
        except BaseException:
            db.rollback()
            raise
    return unit


@pytest.fixture()
def app(db: Session, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    # Every unit of work below is the test's one session. The sign-in cache refreshes a busy
    # token in a background thread (web.deps.cached_scope) through such a unit: in a test that
    # outlasts the refresh delay (an import, a long walk) it ran beside a request in that same
    # session, and PostgreSQL runs failed now and then with "session is in 'prepared' state".
    # Each unit of a real server is a session of its own; here the cached scope simply lapses.
    monkeypatch.setattr(scope_cache, "refresh_due", lambda token: False)
    application = create_app()
    unit = unit_of_work(db)  # requests, and the batches of the peak-load API (tradein.claims.intake), write in it

    def override() -> Iterator[Session]:
        with unit() as session:
            yield session

    application.dependency_overrides[request_db] = override
    application.dependency_overrides[write_units] = lambda: unit
    application.dependency_overrides[read_units] = lambda: unit
    return application


@pytest.fixture()
def client(app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app)


def login_browser(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Logs in through the login form like a browser; returns the session's CSRF token."""
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert csrf, "login form has no CSRF token"
    response = client.post("/login", data={"username": username, "password": password,
                                            "csrf_token": csrf.group(1), "next": "/"}, follow_redirects=False)
    assert response.status_code == 303, response.text
    me = client.get("/me")
    token = re.search(r'name="csrf_token" value="([^"]+)"', me.text)
    assert token, "signed-in pages carry the CSRF token"
    return token.group(1)


def api_token(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture()
def cli_runner(db: Session, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A typer CliRunner whose commands run inside the test's transaction: the domain CLIs open
    `huanxin.db.transaction()`, which here yields the test's session (nothing is committed)."""
    from typer.testing import CliRunner

    from huanxin import db as huanxin_db

    @contextmanager
    def in_test_transaction() -> Iterator[Session]:
        yield db
        db.flush()

    monkeypatch.setattr(huanxin_db, "transaction", in_test_transaction)
    return CliRunner()


# ---- the PostgreSQL pass runs only what can differ between the two databases -----------------
# scripts/test.sh sets HUANXIN_DB_TESTS_ONLY=1 on its second (PostgreSQL) pass: a test that reaches
# no database (a pure function, a parser, a rule evaluation) gives the same answer on both, and
# half the suite is such tests. A test reaches a database through the `engine` fixture (which
# `db`, `app`, `client` and `cli_runner` stand on), through the browser tests' `server`, or by
# opening one itself: a module that names the engine or a database URL keeps all its tests.
_OPENS_DATABASE = re.compile(r"get_engine|create_engine|DATABASE_URL|huanxin\.db\b")
_DATABASE_FIXTURES = {"engine", "server"}


def _module_opens_database(path: Path, seen: dict[Path, bool]) -> bool:
    if path not in seen:
        seen[path] = bool(_OPENS_DATABASE.search(path.read_text(encoding="utf-8")))
    return seen[path]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if os.environ.get("HUANXIN_DB_TESTS_ONLY") != "1":
        return
    seen: dict[Path, bool] = {}
    kept, dropped = [], []
    for item in items:
        reaches = _DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        # A module that builds its own SQLite database whatever the pass (the demo's tests) would
        # only repeat the first pass: it says so with `SQLITE_ONLY = True`.
        sqlite_only = getattr(getattr(item, "module", None), "SQLITE_ONLY", False)
        opens = reaches or _module_opens_database(Path(str(item.fspath)), seen)
        (kept if opens and not sqlite_only else dropped).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
