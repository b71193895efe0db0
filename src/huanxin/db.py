"""Engine, sessions and the declarative Base.

One request or CLI command is one transaction: `get_db` commits when the handler returned
normally and rolls back when it raised. Services never commit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import MetaData, create_engine, event, insert, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from huanxin.config import get_settings

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin, so that
    # SAVEPOINTs (nested transactions, used by the tests' rollback) behave as documented.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL lets readers run beside the one writer; busy_timeout queues writers instead of failing.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


WRITE_INTENT = "huanxin_write_intent"


def _sqlite_begin(conn: Any) -> None:
    # A transaction that will write takes SQLite's write lock up front (BEGIN IMMEDIATE): a
    # deferred one that reads first and then writes can fail at once with "database is locked"
    # when another writer got there between, which busy_timeout cannot wait out.
    immediate = conn.get_execution_options().get(WRITE_INTENT, False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Sync endpoints run on `worker_threads` threads, and a request holds a connection only while a
    # thread runs its work (web.deps ends the sign-in read at once): a connection for every thread,
    # plus room for the CLI, scripts and the odd async route.
    threads = get_settings().worker_threads
    return create_engine(url, pool_size=threads, max_overflow=max(10, threads // 2), pool_pre_ping=True)


@cache
def get_engine() -> Engine:
    return make_engine(get_settings().database_url)


@cache
def session_factory() -> sessionmaker[Session]:
    return sessionmaker(bind=get_engine(), expire_on_commit=False)


@cache
def write_session_factory() -> sessionmaker[Session]:
    """Sessions whose transaction will write. The intent rides on the engine's execution options,
    so the write lock is taken lazily, at the first statement, in the thread that runs the work
    (taking it in the dependency's thread let 64 writers hold every worker thread while waiting)."""
    return sessionmaker(bind=get_engine().execution_options(**{WRITE_INTENT: True}), expire_on_commit=False)


def get_db(write: bool = True) -> Iterator[Session]:
    """One unit of work. `write=False` (safe HTTP methods) lets SQLite readers run beside writers."""
    session = (write_session_factory() if write else session_factory())()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def insert_unless_taken(session: Session, model: Any, values: dict[str, Any]) -> int | None:
    """`INSERT … ON CONFLICT DO NOTHING RETURNING id`: the new row's id, or None when one of the
    table's unique keys is already taken (by a committed row, or by a concurrent twin once that
    commits: PostgreSQL makes the INSERT wait for it). A taken key is not an error here, so no
    SAVEPOINT is needed to keep the transaction usable: two round trips fewer than flushing an
    ORM object inside `begin_nested()` and catching IntegrityError. Both databases support it
    (SQLite since 3.35); the row is written with Core and is not in the session."""
    found = insert_many_unless_taken(session, model, [values], returning=("id",))
    return int(found[0][0]) if found else None


def insert_many_unless_taken(session: Session, model: Any, rows: list[dict[str, Any]],
                             returning: tuple[str, ...]) -> list[Any]:
    """insert_unless_taken for many rows: the `returning` columns of the rows written (those
    whose unique keys were free), in no particular order. On PostgreSQL, many rows are given
    their ids first (reserve_ids), inserted with one short statement run for each, and the rows
    written are then found by id: three short statements, rather than one whose VALUES list of
    hundreds of placeholders the driver would parse anew for every batch."""
    from sqlalchemy.dialects import postgresql, sqlite

    if not rows:
        return []
    table = model.__table__
    ids = reserve_ids(session, model, len(rows)) if len(rows) > 1 else None
    if ids is None:
        dialect_insert: Any = postgresql.insert if is_postgres(session) else sqlite.insert
        statement = (dialect_insert(table).values(rows).on_conflict_do_nothing()
                     .returning(*(table.c[name] for name in returning)))
        return list(session.execute(statement).all())
    numbered = [{**row, "id": new_id} for row, new_id in zip(rows, ids, strict=True)]
    session.execute(postgresql.insert(table).on_conflict_do_nothing(), numbered)
    written = set(session.scalars(select(table.c.id).where(table.c.id.in_(ids))))
    return [tuple(row[name] for name in returning) for row in numbered if row["id"] in written]


# ---- rows written at the end of a batch --------------------------------------------------------

_DEFERRED = "deferred_rows"


def add_row(session: Session, model: Any, values: dict[str, Any]) -> None:
    """Adds a row nobody reads back in this unit of work (an event, a message): as an ORM object,
    or, inside `deferred_inserts`, as plain values written at the end with one INSERT per table
    (an executemany: no ORM bookkeeping and no generated ids to fetch, which at a batch of a
    hundred claims is most of what writing them costs)."""
    deferred: dict[Any, list[dict[str, Any]]] | None = session.info.get(_DEFERRED)
    if deferred is None:
        session.add(model(**values))
    else:
        deferred.setdefault(model, []).append(values)


@contextmanager
def deferred_inserts(session: Session) -> Iterator[None]:
    """Rows given to `add_row` inside the block are inserted when it ends (if it ends well)."""
    deferred: dict[Any, list[dict[str, Any]]] = {}
    session.info[_DEFERRED] = deferred
    try:
        yield
    finally:
        session.info.pop(_DEFERRED, None)
    for model, rows in deferred.items():
        session.execute(insert(model), rows)


def reserve_ids(session: Session, model: Any, count: int) -> list[int] | None:
    """`count` new primary keys of the model's table, taken from its sequence in one query, on
    PostgreSQL; None on SQLite (which numbers rows as they are inserted). A batch that knows its
    rows' ids before inserting them is written with one short INSERT run for each row (an
    executemany, pipelined by the driver, its text parsed once and cached) instead of one INSERT
    with a hundred rows of VALUES and RETURNING, whose thousands of placeholders the driver
    would parse again for every batch: at peak load that parsing was a fifth of the server's
    time."""
    if count <= 0 or not is_postgres(session):
        return None
    table = model.__table__.name
    rows = session.execute(text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"),
                           {"t": table, "n": count})
    return [int(r[0]) for r in rows]
