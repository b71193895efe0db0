"""Hammering the ledger from many threads, each with its own session on the real engine, each
committing: the last fen of a pool is reserved exactly once, never below zero; a key replayed
from many threads moves money once; a reservation raced by posts and voids settles once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from ledger_helpers import committed_pool
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from huanxin.errors import Conflict
from huanxin.ledger import service
from huanxin.ledger.models import Pool
from huanxin.ledger.service import InsufficientFunds

THREADS = 24
T = TypeVar("T")


def race(engine: Engine, work: Callable[[Session, int], T], threads: int = THREADS) -> list[T | Exception]:
    """Runs `work` in `threads` threads released together, one session and one commit each."""
    barrier = threading.Barrier(threads)
    results: list[T | Exception] = [RuntimeError("not run")] * threads

    def run(n: int) -> None:
        barrier.wait()
        with Session(engine, expire_on_commit=False) as session:
            try:
                results[n] = work(session, n)
                session.commit()
            except Exception as exc:  # recorded and asserted on by the test
                session.rollback()
                results[n] = exc

    workers = [threading.Thread(target=run, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    return results


def balance_of(engine: Engine, pool: Pool) -> service.PoolBalance:
    with Session(engine) as session:
        return service.pool_balance(session, pool)


def ledger_ok(engine: Engine) -> bool:
    with Session(engine) as session:
        return service.verify(session).ok


def test_the_last_fen_is_reserved_exactly_once(engine: Engine, committed_city: str) -> None:
    pool = committed_pool(engine, committed_city, "last-fen", funded=1)
    results = race(engine, lambda s, n: service.reserve(s, pool, 1, key=f"last-fen:{n}", ref=f"claim:{n}"))
    won = [r for r in results if not isinstance(r, Exception)]
    refused = [r for r in results if isinstance(r, InsufficientFunds)]
    assert len(won) == 1 and len(refused) == THREADS - 1, [r for r in results if isinstance(r, Exception)][:3]
    assert balance_of(engine, pool) == service.PoolBalance(funded=1, available=0, reserved=1, paid=0)
    assert ledger_ok(engine)


def test_many_threads_drain_a_pool_to_exactly_zero(engine: Engine, committed_city: str) -> None:
    """Each thread reserves 3 fen until refused: exactly floor(100 / 3) = 33 succeed, whoever wins,
    and the last fen is left; then the last fen is raced for by everyone."""
    pool = committed_pool(engine, committed_city, "drain", funded=100)

    def drain(session: Session, n: int) -> int:
        won = 0
        for attempt in range(100):
            try:
                service.reserve(session, pool, 3, key=f"drain:{n}:{attempt}", ref=f"claim:{n}:{attempt}")
                session.commit()
                won += 1
            except InsufficientFunds:
                session.rollback()
                return won
        return won

    results = race(engine, drain)
    assert all(isinstance(r, int) for r in results), [r for r in results if isinstance(r, Exception)][:3]
    assert sum(r for r in results if isinstance(r, int)) == 33
    assert balance_of(engine, pool) == service.PoolBalance(funded=100, available=1, reserved=99, paid=0)

    last = race(engine, lambda s, n: service.reserve(s, pool, 1, key=f"drain-last:{n}", ref=f"last:{n}"))
    assert sum(not isinstance(r, Exception) for r in last) == 1
    assert all(isinstance(r, InsufficientFunds) for r in last if isinstance(r, Exception))
    assert balance_of(engine, pool) == service.PoolBalance(funded=100, available=0, reserved=100, paid=0)
    assert ledger_ok(engine)


def test_one_key_replayed_from_many_threads_moves_money_once(engine: Engine, committed_city: str) -> None:
    pool = committed_pool(engine, committed_city, "replay", funded=1000)
    results = race(engine, lambda s, n: service.reserve(s, pool, 100, key="replay:qualification:1",
                                                        ref="qualification:1").id)
    assert all(isinstance(r, int) for r in results), [r for r in results if isinstance(r, Exception)][:3]
    assert len(set(results)) == 1
    assert balance_of(engine, pool) == service.PoolBalance(funded=1000, available=900, reserved=100, paid=0)
    assert ledger_ok(engine)


def test_a_reservation_raced_by_posts_and_voids_settles_once(engine: Engine, committed_city: str) -> None:
    pool = committed_pool(engine, committed_city, "settle", funded=1000)
    with Session(engine, expire_on_commit=False) as session:
        pending = service.reserve(session, pool, 400, key="settle:claim:1", ref="claim:1")
        session.commit()

    def settle(session: Session, n: int) -> str:
        if n % 2:
            return service.post(session, pending, key=f"settle:pay:{n}").kind
        return service.void(session, pending, key=f"settle:void:{n}").kind

    results = race(engine, settle)
    winners = [r for r in results if isinstance(r, str)]
    assert len(winners) == 1, [r for r in results if not isinstance(r, Conflict)][:3]
    assert all(isinstance(r, Conflict) for r in results if not isinstance(r, str))
    expected = (service.PoolBalance(funded=1000, available=600, reserved=0, paid=400) if winners == ["post"]
                else service.PoolBalance(funded=1000, available=1000, reserved=0, paid=0))
    assert balance_of(engine, pool) == expected
    assert ledger_ok(engine)


def test_reserves_posts_voids_and_corrections_interleaved_never_deadlock(engine: Engine, committed_city: str) -> None:
    """Every thread runs the whole lifecycle on one shared pool: reserve, then post (part or all)
    or void, sometimes a returned payment. Accounts are locked in one order by every operation, so
    on PostgreSQL no transaction is chosen as a deadlock victim; the books balance at the end."""
    pool = committed_pool(engine, committed_city, "mixed", funded=10_000)

    def lifecycle(session: Session, n: int) -> tuple[int, int]:
        reserved = paid = 0
        for i in range(12):
            key = f"mixed:{n}:{i}"
            try:
                pending = service.reserve(session, pool, 1 + (n + i) % 50, key=f"{key}:r", ref=f"claim:{key}")
                session.commit()
            except InsufficientFunds:
                session.rollback()
                continue
            reserved += pending.amount
            if i % 3 == 0:
                service.void(session, pending, key=f"{key}:v")
            else:
                amount = max(1, pending.amount * (i % 4 + 1) // 4)
                done = service.post(session, pending, amount, key=f"{key}:p")
                paid += amount
                if i % 5 == 0:
                    service.correct(session, done, key=f"{key}:c", actor="bank", memo="退票")
                    paid -= amount
            session.commit()
        return reserved, paid

    results = race(engine, lifecycle)
    assert all(isinstance(r, tuple) for r in results), [r for r in results if isinstance(r, Exception)][:3]
    paid = sum(r[1] for r in results if isinstance(r, tuple))
    expected = service.PoolBalance(funded=10_000, available=10_000 - paid, reserved=0, paid=paid)
    assert balance_of(engine, pool) == expected
    assert ledger_ok(engine)
