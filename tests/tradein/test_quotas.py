"""Per-person quotas as unique rows: whatever the order of takes and releases, a person never
holds more slots than the limit nor more money than the cap; money splits add up exactly."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from tests.tradein.claims_support import id_number

from huanxin.errors import Conflict
from huanxin.tradein import money
from huanxin.tradein.models import QuotaSlot
from huanxin.tradein.qualifications import quotas
from huanxin.tradein.residents import identity


@dataclass(frozen=True)
class Req:
    key: str
    limit: int
    money_cap_fen: int | None
    label: str


ops = st.lists(st.tuples(st.sampled_from(["take", "release"]), st.integers(1, 3), st.integers(1, 5000)),
               min_size=1, max_size=25)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=ops, limit=st.integers(1, 4), cap=st.one_of(st.none(), st.integers(1000, 12000)))
def test_slots_never_exceed_limit_or_cap(db: Session, ops: list[tuple[str, int, int]], limit: int,
                                         cap: int | None) -> None:
    person = identity.register_person(db, id_number=id_number(), name="测试人")
    req = Req(key="prop:quota:2025", limit=limit, money_cap_fen=cap, label="测试名额")
    held: list[int] = []  # qualification ids standing for holders of slots (no FK needed: use None ids)
    slots: list[QuotaSlot] = []
    for op, _which, amount in ops:
        if op == "take":
            with contextlib.suppress(Conflict):
                slots.extend(quotas.take(db, person.id, [req], amount))
        elif slots:
            slot = slots.pop(0)
            db.delete(slot)
            db.flush()
        rows = list(db.scalars(select(QuotaSlot).where(QuotaSlot.person_id == person.id)))
        assert len(rows) <= limit
        assert len({r.slot for r in rows}) == len(rows)
        if cap is not None:
            assert sum(r.amount_fen for r in rows) <= cap
    assert held == []


def test_quota_conflict_message_names_the_quota(db: Session) -> None:
    person = identity.register_person(db, id_number=id_number(), name="测试人")
    req = Req(key="msg:quota", limit=1, money_cap_fen=None, label="每人每类限一件")
    quotas.take(db, person.id, [req], 100)
    with pytest.raises(Conflict, match="每人每类限一件：每人限 1 次"):
        quotas.take(db, person.id, [req], 100)
    assert db.scalar(select(func.count()).select_from(QuotaSlot).where(QuotaSlot.person_id == person.id)) == 1


@given(total=st.integers(0, 10**9), shares=st.dictionaries(st.sampled_from(["central", "local", "city"]),
                                                           st.integers(1, 20), min_size=1))
def test_split_adds_up(total: int, shares: dict[str, int]) -> None:
    parts = money.split(total, shares)
    assert sum(parts.values()) == total
    whole = sum(shares.values())
    for source, part in parts.items():
        assert abs(part - total * shares[source] / whole) < 1
