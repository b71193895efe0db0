"""Engine, sessions and the declarative Base.

One request or CLI command is one transaction: `get_db` commits when the handler returned
normally and rolls back when it raised. Services never commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Float, MetaData, create_engine, event, func, insert, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from huanxin.config import get_settings
from huanxin.kit import fastjson

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
_RESERVED = "huanxin_reserved_ids"  # session.info: table → the highest id reserve_ids gave out


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
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 15},
                               json_serializer=fastjson.dumps)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    # Sync endpoints run on `worker_threads` threads, and a request holds a connection only while a
    # thread runs its work (web.deps ends the sign-in read at once): a connection for every thread,
    # plus room for the CLI, scripts and the odd async route.
    threads = get_settings().worker_threads
    return create_engine(url, pool_size=threads, max_overflow=max(10, threads // 2), pool_pre_ping=True,
                         json_serializer=fastjson.dumps)


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


# One CLI command = one transaction, exactly like one request: the same generator serves both.
# Here, not in cli.py, so that each domain's CLI imports it without importing the CLI that
# imports every domain's CLI (a cycle).
transaction = contextmanager(get_db)


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def next_id(session: Session, model: Any) -> int:
    """The first free id of a table, for bulk writers (the demo) that give their rows explicit ids
    so that rows of other tables can point at them before anything is flushed."""
    return int(session.scalar(select(func.coalesce(func.max(model.id), 0))) or 0) + 1


def move_sequences_past(session: Session, models: Iterable[Any]) -> None:
    """Explicit ids leave PostgreSQL's sequences behind (a sequence is not max(id)+1): move each
    past the rows written, so that the next ordinary insert does not collide. SQLite needs nothing."""
    if not is_postgres(session):
        return
    for model in models:
        table = model.__tablename__
        session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                             f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"))


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
    whose unique keys were free), in no particular order. One statement on either database."""
    from sqlalchemy.dialects import sqlite

    if not rows:
        return []
    if is_postgres(session):
        return insert_rows(session, model, rows, unless_taken=True, returning=returning)
    table = model.__table__
    statement = (sqlite.insert(table).values(rows).on_conflict_do_nothing()
                 .returning(*(table.c[name] for name in returning)))
    return list(session.execute(statement).all())


# ---- set-wise writes ---------------------------------------------------------------------------
#
# A batch writes hundreds of rows to a table. Run as an executemany, each row is a statement of
# its own: the driver binds and sends it, PostgreSQL parses, plans and executes it, and at a
# batch's scale that per-statement cost is most of the write. On PostgreSQL the rows go instead
# as one array per column into one statement of fixed text (`SELECT … FROM unnest(…)`), which
# the driver prepares once; SQLite, in process, has no such cost, and keeps the executemany.

def _pg_type(column: Any) -> str:
    from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg

    dialect = PGDialect_psycopg()  # type: ignore[no-untyped-call]
    return "TEXT" if _is_json(column) else str(column.type.compile(dialect=dialect))


def _is_json(column: Any) -> bool:
    return isinstance(column.type, JSON)


def _pg_array(column: Any, values: list[Any]) -> list[Any]:
    if _is_json(column):  # sent as text, cast back to json in the statement
        return [None if v is None else fastjson.dumps(v) for v in values]
    if isinstance(column.type, Float):  # the driver refuses a list mixing 1 and 0.5
        return [None if v is None else float(v) for v in values]
    return values


@cache
def _pg_unnest(table: Any, names: tuple[str, ...]) -> tuple[str, str]:
    """(`unnest(…) AS u(…)`, the select list of u's columns, cast where they travel as text)."""
    columns = [table.c[name] for name in names]
    arrays = ", ".join(f"CAST(%b AS {_pg_type(c)}[])" for c in columns)  # binary: no quoting
    aliases = ", ".join(f'"{n}"' for n in names)
    picked = ", ".join(f'u."{c.name}"::json' if _is_json(c) else f'u."{c.name}"' for c in columns)
    return f"unnest({arrays}) AS u({aliases})", picked


@cache
def _pg_insert_sql(table: Any, names: tuple[str, ...], unless_taken: bool, returning: tuple[str, ...]) -> str:
    source, picked = _pg_unnest(table, names)
    sql = f'INSERT INTO {table.name} ({", ".join(chr(34) + n + chr(34) for n in names)}) SELECT {picked} FROM {source}'
    if unless_taken:
        sql += " ON CONFLICT DO NOTHING"
    if returning:
        sql += " RETURNING " + ", ".join(f'"{n}"' for n in returning)
    return sql


@cache
def _pg_update_sql(table: Any, names: tuple[str, ...]) -> str:
    source, _ = _pg_unnest(table, ("id", *names))
    sets = ", ".join(f'"{n}" = u."{n}"' + ("::json" if _is_json(table.c[n]) else "") for n in names)
    return f"UPDATE {table.name} SET {sets} FROM {source} WHERE {table.name}.id = u.id"


def _columns_of(rows: list[dict[str, Any]]) -> tuple[str, ...]:
    names = tuple(rows[0])
    if any(tuple(row) != names for row in rows):
        raise ValueError("set-wise rows must all have the same columns, in the same order")
    return names


def insert_rows(session: Session, model: Any, rows: list[dict[str, Any]], *, unless_taken: bool = False,
                returning: tuple[str, ...] = ()) -> list[Any]:
    """Inserts the rows (each a dict of the same columns) in one statement; with `unless_taken`,
    a row whose unique key is taken is skipped (ON CONFLICT DO NOTHING). The `returning`
    columns of the rows written (PostgreSQL; on SQLite only for unless_taken)."""
    if not rows:
        return []
    names = _columns_of(rows)
    if not is_postgres(session):
        if unless_taken:
            return insert_many_unless_taken(session, model, rows, returning=returning)
        session.execute(insert(model), rows)
        return []
    table = model.__table__
    params = tuple(_pg_array(table.c[n], [row[n] for row in rows]) for n in names)
    result = session.connection().exec_driver_sql(_pg_insert_sql(table, names, unless_taken, returning), params)
    return list(result.all()) if returning else []


def update_rows(session: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    """Updates rows by id (each a dict of "id" and the same other columns) in one statement."""
    if not rows:
        return
    names = tuple(n for n in _columns_of(rows) if n != "id")
    if not is_postgres(session):
        session.execute(update(model), rows)
        return
    table = model.__table__
    params = tuple(_pg_array(table.c[n], [row[n] for row in rows]) for n in ("id", *names))
    session.connection().exec_driver_sql(_pg_update_sql(table, names), params)


def write_changes(session: Session, objects: list[Any]) -> None:
    """Writes the changed columns of these persistent ORM objects (all of one model) set-wise,
    one statement per set of changed columns, and marks the changes as written, so the session's
    next flush has nothing left to do for them. For a batch's own objects, at its end. (The
    caller keeps the session from flushing them first: a query between a change and this call
    autoflushes it row by row, which is correct, only slower.)"""
    from sqlalchemy import inspect
    from sqlalchemy.orm.attributes import set_committed_value

    if not is_postgres(session):
        return  # in process, the session's own flush costs little more
    groups: dict[tuple[str, ...], list[tuple[Any, dict[str, Any]]]] = {}
    for obj in objects:
        state = inspect(obj)
        columns = _column_keys(state.mapper)
        # committed_state holds the loaded value of each attribute changed since: the changes
        changed = {key: state.dict[key] for key in state.committed_state if key in columns}
        if changed:
            groups.setdefault(tuple(sorted(changed)), []).append((obj, changed))
    for names, members in groups.items():
        model = type(members[0][0])
        update_rows(session, model, [{"id": obj.id, **{n: changed[n] for n in names}} for obj, changed in members])
        for obj, changed in members:
            for name, value in changed.items():
                set_committed_value(obj, name, value)


@cache
def _column_keys(mapper: Any) -> frozenset[str]:
    return frozenset(attr.key for attr in mapper.column_attrs)  # a set: `in mapper.columns` is slow


def insert_objects(session: Session, objects: list[Any]) -> None:
    """Inserts new ORM objects of one model, their ids already given (reserve_ids), set-wise, and
    puts them in the session as if flushed: later changes are tracked as for any loaded object.
    Columns left unset take their Python default. On SQLite: added and flushed."""
    from sqlalchemy import inspect
    from sqlalchemy.orm import make_transient_to_detached

    if not objects:
        return
    if not is_postgres(session) or any(obj.id is None for obj in objects):
        session.add_all(objects)
        session.flush()
        return
    mapper = inspect(objects[0]).mapper
    for obj in objects:
        for attr in mapper.column_attrs:
            if attr.key not in obj.__dict__:
                setattr(obj, attr.key, _python_default(attr.columns[0]))
    names = tuple(attr.key for attr in mapper.column_attrs)
    insert_rows(session, type(objects[0]), [{n: obj.__dict__[n] for n in names} for obj in objects])
    for obj in objects:
        make_transient_to_detached(obj)
        session.add(obj)


def _python_default(column: Any) -> Any:
    """The value the ORM would have written for an unset column; a default the database computes
    (server_default, a SQL expression) cannot be written as a value, so it is refused here."""
    default = column.default
    if column.server_default is not None or (default is not None and not (default.is_scalar or default.is_callable)):
        raise ValueError(f"{column.table.name}.{column.name}: set it before insert_objects (database-side default)")
    if default is None:
        return None
    if default.is_callable:
        return default.arg(None)  # SQLAlchemy wraps a plain callable to take the execution context
    return default.arg


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
        by_columns: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for row in rows:
            by_columns.setdefault(tuple(row), []).append(row)
        for same in by_columns.values():
            insert_rows(session, model, same)


_NEXT_IDS = text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)")


def reserve_ids(session: Session, model: Any, count: int) -> list[int]:
    """`count` new primary keys of the model's table, in one query. A batch whose new rows know
    their ids can build everything that refers to them (events, messages, used identifiers, its
    ledger references) before writing, and write the rows themselves set-wise (insert_objects).

    PostgreSQL: from the table's sequence. SQLite has no sequences: the ids after the largest in
    use (or reserved before in this session). A write unit of work holds SQLite's write lock from
    its first statement (BEGIN IMMEDIATE), so no one else can take them before the insert; in any
    other transaction a writer that got there first makes the insert fail on the primary key,
    which rolls back like any other conflict."""
    if count <= 0:
        return []
    table = model.__table__
    if is_postgres(session):
        rows = session.execute(_NEXT_IDS, {"t": table.name, "n": count})
        return [int(r[0]) for r in rows]
    reserved: dict[str, int] = session.info.setdefault(_RESERVED, {})
    top = max(session.execute(select(func.max(table.c.id))).scalar() or 0, reserved.get(table.name, 0))
    reserved[table.name] = top + count
    return list(range(top + 1, top + count + 1))
