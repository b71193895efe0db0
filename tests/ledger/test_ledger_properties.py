"""Property tests: any sequence of fund / reserve / post / void / correct / move, with replays of
keys thrown in, keeps the ledger whole: no pool below zero, entries summing to zero, every cached
balance equal to the one rebuilt from entries, and funded = available + reserved + paid."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from itertools import count

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from huanxin.errors import Conflict
from huanxin.ledger import repository, service
from huanxin.ledger.models import Account, Entry, Pool, Transfer
from huanxin.ledger.service import InsufficientFunds

POOLS = 3
amounts = st.integers(min_value=1, max_value=5_000)
pool_index = st.integers(min_value=0, max_value=POOLS - 1)
pick = st.integers(min_value=0, max_value=10_000)  # an index into whatever exists, modulo its length

operations = st.lists(
    st.one_of(
        st.tuples(st.just("fund"), pool_index, amounts),
        st.tuples(st.just("reserve"), pool_index, amounts),
        st.tuples(st.just("reserve"), pool_index, amounts),
        st.tuples(st.just("post"), pick, st.integers(min_value=0, max_value=100)),  # percent to pay
        st.tuples(st.just("void"), pick, st.just(0)),
        st.tuples(st.just("correct"), pick, st.just(0)),
        st.tuples(st.just("move"), pool_index, pool_index, amounts),
        st.tuples(st.just("replay"), pick, st.just(0)),
    ),
    min_size=1, max_size=40,
)

_examples = count()


@dataclass
class Model:
    """What each pool should hold, kept in plain Python beside the ledger."""

    funded: list[int] = field(default_factory=lambda: [0] * POOLS)
    available: list[int] = field(default_factory=lambda: [0] * POOLS)
    reserved: list[int] = field(default_factory=lambda: [0] * POOLS)
    paid: list[int] = field(default_factory=lambda: [0] * POOLS)


def _pool_index(pools: list[Pool], account_id: int) -> int:
    return next(i for i, p in enumerate(pools) if account_id in (
        p.available_account_id, p.reserved_account_id, p.paid_account_id, p.source_account_id))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(ops=operations)
def test_any_sequence_keeps_the_ledger_whole(db: Session, ops: list[tuple[object, ...]]) -> None:
    example = next(_examples)
    nested = db.begin_nested()  # each example starts from the same database and leaves nothing
    try:
        pools = [service.create_pool(db, city_code="512000", programme_code=f"prop-{example}", region_code="512000",
                                     fund_source="central", tranche=i + 1, name=f"性质测试{example}-{i}")
                 for i in range(POOLS)]
        model = Model()
        pending: list[Transfer] = []
        correctable: list[Transfer] = []
        done: list[tuple[Callable[[], Transfer], Transfer]] = []  # (the same call again, its first result)
        keys = count()

        for op in ops:
            kind = op[0]
            key = f"prop-{example}-{next(keys)}"
            try:
                if kind == "fund":
                    _, i, amount = op
                    assert isinstance(i, int) and isinstance(amount, int)
                    t = service.fund(db, pools[i], amount, key=key, actor="prop")
                    model.funded[i] += amount
                    model.available[i] += amount
                    correctable.append(t)
                    done.append((partial(service.fund, db, pools[i], amount, key=key, actor="prop"), t))
                elif kind == "reserve":
                    _, i, amount = op
                    assert isinstance(i, int) and isinstance(amount, int)
                    t = service.reserve(db, pools[i], amount, key=key, ref=f"claim:{key}")
                    assert model.available[i] >= amount, "reserved more than was available"
                    model.available[i] -= amount
                    model.reserved[i] += amount
                    pending.append(t)
                    done.append((partial(service.reserve, db, pools[i], amount, key=key, ref=f"claim:{key}"), t))
                elif kind in ("post", "void") and pending:
                    _, n, percent = op
                    assert isinstance(n, int) and isinstance(percent, int)
                    t = pending[n % len(pending)]
                    i = _pool_index(pools, t.from_account_id)
                    settled = t.status != "pending"
                    if kind == "post":
                        amount = max(1, t.amount * percent // 100)
                        paid = service.post(db, t, amount, key=key)
                        assert not settled
                        model.reserved[i] -= t.amount
                        model.paid[i] += amount
                        model.available[i] += t.amount - amount
                        correctable.append(paid)
                    else:
                        service.void(db, t, key=key)
                        assert not settled
                        model.reserved[i] -= t.amount
                        model.available[i] += t.amount
                elif kind == "correct" and correctable:
                    _, n, _ = op
                    assert isinstance(n, int)
                    t = correctable[n % len(correctable)]
                    already = bool(repository.corrections_of(db, t.id))
                    service.correct(db, t, key=key, actor="prop", memo="性质测试")
                    assert not already, "corrected twice"
                    if t.kind == "fund":
                        i = _pool_index(pools, t.to_account_id)
                        model.funded[i] -= t.amount
                        model.available[i] -= t.amount
                    elif t.kind == "post":
                        i = _pool_index(pools, t.to_account_id)
                        model.paid[i] -= t.amount
                        model.available[i] += t.amount
                    else:  # move
                        i, j = _pool_index(pools, t.from_account_id), _pool_index(pools, t.to_account_id)
                        for pool_, delta in ((i, t.amount), (j, -t.amount)):
                            model.funded[pool_] += delta
                            model.available[pool_] += delta
                elif kind == "move":
                    _, giver, taker, amount = op
                    assert isinstance(giver, int) and isinstance(taker, int) and isinstance(amount, int)
                    if giver == taker:
                        continue
                    t = service.move(db, pools[giver], pools[taker], amount, key=key, actor="prop", memo="调剂")
                    model.available[giver] -= amount
                    model.funded[giver] -= amount
                    model.available[taker] += amount
                    model.funded[taker] += amount
                    correctable.append(t)
                    done.append((partial(service.move, db, pools[giver], pools[taker], amount, key=key,
                                         actor="prop", memo="调剂"), t))
                elif kind == "replay" and done:
                    _, n, _ = op
                    assert isinstance(n, int)
                    call_again, original = done[n % len(done)]
                    again = call_again()
                    assert again.id == original.id  # and the model is unchanged: nothing moved
            except InsufficientFunds:
                pass  # refused, and (checked below) nothing moved
            except Conflict as exc:
                assert "不能再" in exc.message or "已经更正过" in exc.message, exc.message

            # After every step: no pool account below zero, and the model agrees with the ledger.
            for i, pool in enumerate(pools):
                b = service.pool_balance(db, pool)
                assert min(b.available, b.reserved, b.paid) >= 0
                assert (b.funded, b.available, b.reserved, b.paid) == (
                    model.funded[i], model.available[i], model.reserved[i], model.paid[i]), (kind, i)

        mine = [a for p in pools for a in (p.available_account_id, p.reserved_account_id, p.paid_account_id,
                                            p.source_account_id)]
        assert db.scalar(select(func.coalesce(func.sum(Entry.amount), 0)).where(Entry.account_id.in_(mine))) == 0
        assert repository.entries_total(db) == 0
        result = service.verify(db)
        assert result.ok, result
        rebuilt = repository.rebuilt_balances(db)
        for account_id, cached in db.execute(select(Account.id, Account.balance).where(Account.id.in_(mine))):
            assert cached == rebuilt.get(account_id, 0)
        for pool in pools:
            b = service.pool_balance(db, pool)
            assert b.funded == b.available + b.reserved + b.paid
    finally:
        nested.rollback()
