"""Redemptions written in batches (tradein.claims.intake, tradein.claims.redemption): every submission of a batch
gets the answer it would have had alone — in-batch duplicates of a qualification, a serial number
or an Idempotency-Key included — and a conflict the batch could not foresee sends it one by one;
the Batcher hands each caller its own result, per event loop."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

import pytest
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session
from tests.conftest import unit_of_work
from tests.tradein.claims_support import City, holder, resident, setup_city

from huanxin.errors import Conflict, InvalidInput
from huanxin.kit.idempotency import IdempotencyRecord
from huanxin.tradein.claims import intake, redemption
from huanxin.tradein.claims.lifecycle import Purchase
from huanxin.tradein.models import Claim, Qualification, UsedIdentifier
from huanxin.tradein.qualifications import lifecycle as qualification

T = TypeVar("T")


def fridge(serial: str, *, price: int = 4999_00) -> Purchase:
    return Purchase(category="refrigerator", price_fen=price, invoice_no=f"INV-{serial}",
                    invoice_date=dt.date(2025, 6, 1), brand="海尔", model="BCD-470", efficiency_grade=1, serial=serial)


def qualified(db: Session, city: City) -> Qualification:
    _, person = resident(db, city)
    q = qualification.claim_qualification(db, programme=city.programmes["appliance-2025"], person=person,
                                          category="refrigerator", actor="t")
    assert q.status == "active"
    return q


_units: dict[int, Any] = {}


def units_of(db: Session) -> Any:
    """The test's unit of work, the same one for every submission (as an app has one)."""
    if id(db) not in _units:
        _units.clear()
        _units[id(db)] = unit_of_work(db)
    return _units[id(db)]


def submission(db: Session, city: City, key: str, qualification_id: int, purchase: Purchase) -> intake.Submission:
    shop = city.scope(db, city.retailer_user)
    return intake.Submission(scope=shop, key=key, body={"q": qualification_id, "serial": purchase.serial,
                                                        "price": purchase.price_fen},
                             request=redemption.Redemption(shop, qualification_id, purchase,
                                                           holder(db, db.get(Qualification, qualification_id))),
                             units=units_of(db))


def claims_of(db: Session, qualification_ids: list[int]) -> list[Claim]:
    return list(db.scalars(select(Claim).where(Claim.qualification_id.in_(qualification_ids))))


def test_a_batch_answers_each_submission_as_if_alone(db: Session) -> None:
    city = setup_city(db)
    q1, q2, q3, q4 = (qualified(db, city) for _ in range(4))
    batch = [
        submission(db, city, "k1", q1.id, fridge("SN-B-1")),
        submission(db, city, "k2", q2.id, fridge("SN-B-2")),
        submission(db, city, "k3", q1.id, fridge("SN-B-3")),  # q1 again: redeemed just before in this batch
        submission(db, city, "k4", q3.id, fridge("SN-B-2")),  # SN-B-2 again
        submission(db, city, "k5", q4.id, fridge("SN-B-5", price=0)),  # bad input
        submission(db, city, "k1", q1.id, fridge("SN-B-1")),  # k1 again, same body: the replay
        submission(db, city, "k2", q2.id, fridge("SN-B-9")),  # k2 again, another body: 409
    ]
    answers = intake.write_redemptions(batch)

    first, second = answers[0], answers[1]
    assert isinstance(first, intake.Answer) and first.status == 201 and not first.replayed
    assert isinstance(second, intake.Answer) and second.status == 201
    assert first.payload["qualification_id"] == q1.id and first.payload["amount_fen"] > 0
    assert isinstance(answers[2], Conflict) and "已被核销" in answers[2].message, answers[2].message
    assert isinstance(answers[3], Conflict) and "SN-B-2" in answers[3].message
    assert isinstance(answers[4], InvalidInput) and answers[4].field == "price_fen"
    replay = answers[5]
    assert isinstance(replay, intake.Answer) and replay.replayed and replay.payload == first.payload
    assert isinstance(answers[6], Conflict) and answers[6].field == "Idempotency-Key"

    assert {c.qualification_id for c in claims_of(db, [q1.id, q2.id, q3.id, q4.id])} == {q1.id, q2.id}
    assert db.get(Qualification, q3.id).status == "active"  # type: ignore[union-attr]  # refused: untouched
    owner = f"user:{batch[0].scope.user_id}"
    stored = set(db.scalars(select(IdempotencyRecord.key).where(IdempotencyRecord.owner == owner)))
    assert stored == {"k1", "k2"}  # refusals are not stored: a corrected retry runs again
    retry = intake.write_redemptions([submission(db, city, "k4", q3.id, fridge("SN-B-4"))])[0]
    assert isinstance(retry, intake.Answer) and retry.status == 201


def test_a_race_the_batch_could_not_foresee_sends_it_one_by_one(db: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another transaction takes a serial number between the batch's check and its write: the
    unique row refuses it, the batch is rolled back and each submission is written alone."""
    city = setup_city(db)
    qs = [qualified(db, city) for _ in range(3)]
    taken = intake.write_redemptions([submission(db, city, "first", qs[0].id, fridge("SN-RACE"))])[0]
    assert isinstance(taken, intake.Answer)
    batches: list[int] = []
    original, check = redemption.redeem_many, redemption._without_used_identifiers

    def blind_first_check(session: Session, items: list[redemption.Redemption], at: Any = None) -> Any:
        batches.append(len(items))
        # the batch's own check misses the taken serial, as in a race; the retries check again
        blind = len(batches) == 1
        monkeypatch.setattr(redemption, "_without_used_identifiers",
                            (lambda s, accepted, outcomes: accepted) if blind else check)
        return original(session, items, at)

    monkeypatch.setattr(redemption, "redeem_many", blind_first_check)
    answers = intake.write_redemptions([submission(db, city, "a", qs[1].id, fridge("SN-OK")),
                                        submission(db, city, "b", qs[2].id, fridge("SN-RACE"))])
    assert batches == [2, 1, 1]  # the batch, then each alone
    assert isinstance(answers[0], intake.Answer) and answers[0].status == 201
    assert isinstance(answers[1], Conflict) and "SN-RACE" in answers[1].message
    assert db.scalar(select(func.count()).select_from(UsedIdentifier).join(
        Claim, Claim.id == UsedIdentifier.claim_id).where(Claim.qualification_id == qs[2].id)) == 0
    assert [c.qualification_id for c in claims_of(db, [q.id for q in qs])].count(qs[1].id) == 1


def run_loop(main: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """asyncio.run in a thread of its own (the browser tests may leave a loop running in this one)."""
    out: list[T] = []
    thread = threading.Thread(target=lambda: out.append(asyncio.run(main())))
    thread.start()
    thread.join(timeout=60)
    return out[0]


def test_the_batcher_batches_and_answers_each_caller() -> None:
    seen: list[list[int]] = []

    def write(items: list[int]) -> list[int]:
        seen.append(items)
        return [item * 10 for item in items]

    batcher: intake.Batcher[int, int] = intake.Batcher(write, concurrency=1)

    async def main() -> list[int]:
        return list(await asyncio.gather(*(batcher.submit(i) for i in range(50))))

    assert run_loop(main) == [i * 10 for i in range(50)]
    assert sum(len(b) for b in seen) == 50 and len(seen) < 50  # gathered, not one by one
    assert max(len(b) for b in seen) > 1


def test_a_failed_batch_fails_its_callers_only() -> None:
    def write(items: list[int]) -> list[int]:
        if 13 in items:
            raise RuntimeError("数据库不可用")
        return items

    batcher: intake.Batcher[int, int] = intake.Batcher(write, concurrency=1)

    async def main() -> tuple[Any, ...]:
        first = await asyncio.gather(batcher.submit(13), return_exceptions=True)
        second = await batcher.submit(7)
        return (*first, second)

    failed, ok = run_loop(main)
    assert isinstance(failed, RuntimeError) and ok == 7


def test_the_batcher_serves_several_event_loops_at_once() -> None:
    """Each test client (and each server worker) has its own event loop: none loses the others' work."""
    def write(items: list[int]) -> list[int]:
        return items

    batcher: intake.Batcher[int, int] = intake.Batcher(write)
    results: dict[int, list[int]] = {}

    def run(n: int) -> None:
        async def main() -> list[int]:
            return list(await asyncio.gather(*(batcher.submit(n * 100 + i) for i in range(30))))
        results[n] = asyncio.run(main())

    threads = [threading.Thread(target=run, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert results == {n: [n * 100 + i for i in range(30)] for n in range(4)}


# ---- qualifications ---------------------------------------------------------------------------------

def ask(db: Session, city: City, username: str, key: str, category: str = "refrigerator",
        programme: str = "appliance-2025") -> intake.Submission:
    scope = city.scope(db, username)
    programme_id = city.programmes[programme].id
    return intake.Submission(scope=scope, key=key, body={"p": programme_id, "c": category},
                             request=intake.Qualify(programme_id=programme_id, category=category),
                             units=units_of(db))


def test_a_batch_of_qualifications_counts_quotas_in_order_and_queues_when_the_pool_is_short(db: Session) -> None:
    # 5,000 yuan: 4,500 central and 500 local, two fridge qualifications (2,000 yuan each, 9:1)
    city = setup_city(db, budgets={"appliance-2025": 5000_00})
    names = [resident(db, city)[0] for _ in range(3)]
    db.commit()  # a batch that falls back rolls its own transaction back, not the city
    answers = intake.write_qualifications([
        ask(db, city, names[0], "a"),
        ask(db, city, names[0], "b"),  # the same person, the same category: the quota is one
        ask(db, city, names[1], "c", category="spaceship"),
        ask(db, city, names[1], "d"),
        ask(db, city, names[2], "e"),  # the pool covers two: the third waits
    ])
    first, second, third = answers[0], answers[3], answers[4]
    assert isinstance(first, intake.Answer) and first.status == 201 and first.payload["status"] == "active"
    assert isinstance(answers[1], Conflict) and "名额已用完" in answers[1].message
    assert isinstance(answers[2], InvalidInput) and answers[2].field == "category"
    assert isinstance(second, intake.Answer) and second.status == 201
    assert isinstance(third, intake.Answer) and third.status == 202 and third.payload["status"] == "waiting"
    assert third.payload["queue_no"] is not None


def test_a_batch_of_qualifications_is_written_together(db: Session) -> None:
    city = setup_city(db)
    names = [resident(db, city)[0] for _ in range(4)]
    db.commit()
    statements: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    connection = db.connection()
    event.listen(connection, "before_cursor_execute", count)
    answers = intake.write_qualifications([ask(db, city, name, f"k{i}") for i, name in enumerate(names)])
    event.remove(connection, "before_cursor_execute", count)
    assert all(isinstance(a, intake.Answer) and a.status == 201 for a in answers)
    ids = [a.payload["id"] for a in answers if isinstance(a, intake.Answer)]
    assert len(set(ids)) == 4
    # the quota slots in one INSERT, and one balance UPDATE per account (the pools' available and
    # reserved accounts, central and city), not one each
    assert sum(s.lstrip().startswith("INSERT INTO tradein_quota_slot") for s in statements) == 1
    assert sum("UPDATE ledger_account" in s for s in statements) <= 4


def test_a_daily_release_count_is_handed_out_in_arrival_order_within_a_batch(db: Session) -> None:
    city = setup_city(db, settings={"appliance-2025": {"daily_release_time": "00:00", "daily_release_count": 3}})
    names = [resident(db, city)[0] for _ in range(5)]
    db.commit()
    answers = intake.write_qualifications([ask(db, city, name, f"r{i}") for i, name in enumerate(names)])
    issued = [a for a in answers if isinstance(a, intake.Answer)]
    assert [a.status for a in issued] == [201, 201, 201] and answers[:3] == issued  # the first three
    assert {a.payload["release_batch"] for a in issued} == {f"{issued[0].payload['issued_at'][:10]} 00:00"}
    for refused in answers[3:]:
        assert isinstance(refused, Conflict) and "3 个资格已发放完毕" in refused.message
    late = intake.write_qualifications([ask(db, city, names[4], "late")])[0]  # alone, the same answer
    assert isinstance(late, Conflict) and "已发放完毕" in late.message
