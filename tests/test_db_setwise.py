"""Set-wise writes (huanxin.db.insert_rows, update_rows, write_changes, insert_objects): what a
batch writes lands exactly as the ORM would have written it, on SQLite and on PostgreSQL, with
JSON (Chinese text, nested values), NULLs, floats mixed with integers and aware timestamps."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session
from tests.tradein.claims_support import holder, resident, setup_city
from tests.tradein.test_intake import fridge, qualified

from huanxin.db import insert_objects, insert_rows, reserve_ids, update_rows, write_changes
from huanxin.kit.clock import CHINA, aware
from huanxin.kit.idempotency import IdempotencyRecord
from huanxin.tradein.claims import redemption
from huanxin.tradein.models import FraudFlag, OutboxMessage

AT = dt.datetime(2025, 6, 1, 10, 30, tzinfo=CHINA)


def record(owner: str, key: str, response: dict[str, object]) -> dict[str, object]:
    return {"owner": owner, "key": key, "request_hash": "h" * 64, "status_code": 201, "response": response,
            "created_at": AT}


def stored(db: Session, owner: str) -> dict[str, IdempotencyRecord]:
    db.expire_all()
    return {r.key: r for r in db.scalars(select(IdempotencyRecord).where(IdempotencyRecord.owner == owner))}


def test_rows_are_inserted_with_their_json_nulls_and_times(db: Session) -> None:
    insert_rows(db, IdempotencyRecord, [
        record("u:setwise", "a", {"状态": "审核通过", "金额": [1, 2.5, None], "嵌套": {"x": "引号\"与\\反斜杠"}}),
        record("u:setwise", "b", {}),
    ])
    found = stored(db, "u:setwise")
    assert found["a"].response == {"状态": "审核通过", "金额": [1, 2.5, None], "嵌套": {"x": "引号\"与\\反斜杠"}}
    assert found["b"].response == {}
    assert found["a"].status_code == 201
    assert aware(found["a"].created_at) == AT


def test_a_taken_key_is_skipped_and_only_the_rows_written_are_returned(db: Session) -> None:
    insert_rows(db, IdempotencyRecord, [record("u:taken", "k1", {"n": 1})])
    written = insert_rows(db, IdempotencyRecord, [record("u:taken", "k1", {"n": 2}), record("u:taken", "k2", {"n": 3})],
                          unless_taken=True, returning=("owner", "key"))
    assert [tuple(row) for row in written] == [("u:taken", "k2")]
    found = stored(db, "u:taken")
    assert found["k1"].response == {"n": 1}  # the first stays as it was
    assert found["k2"].response == {"n": 3}


def test_rows_are_updated_by_id_and_no_other(db: Session) -> None:
    insert_rows(db, IdempotencyRecord, [record("u:upd", k, {"k": k}) for k in ("a", "b", "c")])
    before = stored(db, "u:upd")
    update_rows(db, IdempotencyRecord, [
        {"id": before["a"].id, "status_code": 409, "response": {"错误": "冲突"}},
        {"id": before["c"].id, "status_code": 202, "response": {"k": "c2"}},
    ])
    after = stored(db, "u:upd")
    assert (after["a"].status_code, after["a"].response) == (409, {"错误": "冲突"})
    assert (after["b"].status_code, after["b"].response) == (201, {"k": "b"})
    assert (after["c"].status_code, after["c"].response) == (202, {"k": "c2"})


def test_rows_of_different_columns_are_refused_rather_than_guessed(db: Session) -> None:
    with pytest.raises(ValueError):
        insert_rows(db, IdempotencyRecord, [record("u:bad", "a", {}), {"owner": "u:bad", "key": "b"}])


def test_changed_objects_are_written_and_left_clean(db: Session) -> None:
    insert_rows(db, IdempotencyRecord, [record("u:chg", k, {"v": 0}) for k in ("a", "b")])
    objects = list(stored(db, "u:chg").values())
    objects[0].status_code, objects[0].response = 200, {"v": "一"}
    objects[1].status_code = 204  # another set of changed columns: its own statement
    write_changes(db, objects)
    db.flush()
    after = stored(db, "u:chg")
    assert (after["a"].status_code, after["a"].response) == (200, {"v": "一"})
    assert (after["b"].status_code, after["b"].response) == (204, {"v": 0})


def test_new_objects_take_their_defaults_and_are_tracked_afterwards(db: Session) -> None:
    city = setup_city(db)
    _, person = resident(db, city)
    ids = reserve_ids(db, OutboxMessage, 2)
    messages = [OutboxMessage(person_id=person.id, body=f"第{n}条", created_at=AT) for n in range(2)]
    for message, new_id in zip(messages, ids, strict=True):
        message.id = new_id
    insert_objects(db, messages)
    assert all(m.id is not None for m in messages)
    assert [m.channel for m in messages] == ["sms", "sms"]  # the column's Python default
    messages[1].body = "改过的"
    db.flush()  # a change after the insert is an ordinary tracked change
    db.expire_all()
    rows = {m.id: m for m in db.scalars(select(OutboxMessage).where(OutboxMessage.person_id == person.id))}
    assert [rows[m.id].body for m in messages] == ["第0条", "改过的"]
    assert rows[messages[0].id].channel == "sms"


def test_floats_mixed_with_integers_are_written_as_floats(db: Session) -> None:
    city = setup_city(db)
    claim = q = qualified(db, city)
    claim = redemption.redeem(db, city.scope(db, city.retailer_user), q.id, fridge("SN-SETWISE-1"),
                              holder_id_hash=holder(db, q))
    insert_rows(db, FraudFlag, [
        {"claim_id": claim.id, "rule": "price_above_band", "score": 1, "explanation": "整数", "at": AT},
        {"claim_id": claim.id, "rule": "shared_card", "score": 0.75, "explanation": "小数", "at": AT},
    ])
    db.expire_all()
    scores = sorted(f.score for f in db.scalars(select(FraudFlag).where(
        FraudFlag.claim_id == claim.id, FraudFlag.explanation.in_(["整数", "小数"]))))
    assert scores == [0.75, 1.0]


def test_reserved_ids_are_new_and_never_given_twice(db: Session) -> None:
    """reserve_ids: from the sequence on PostgreSQL; on SQLite after the largest id in use and
    after what this session reserved before (two reservations before either is written)."""
    city = setup_city(db)
    _, person = resident(db, city)
    existing = OutboxMessage(person_id=person.id, body="已有", created_at=AT)
    db.add(existing)
    db.flush()
    first, second = reserve_ids(db, OutboxMessage, 3), reserve_ids(db, OutboxMessage, 2)
    assert len(first) == 3 and len(second) == 2 and len(set(first) | set(second)) == 5
    assert min(first + second) > existing.id
    messages = [OutboxMessage(id=new_id, person_id=person.id, body=f"第{new_id}条", created_at=AT)
                for new_id in second + first]  # written in any order
    insert_objects(db, messages)
    db.expire_all()
    assert {m.id for m in db.scalars(select(OutboxMessage).where(OutboxMessage.person_id == person.id))} == {
        existing.id, *first, *second}
    assert reserve_ids(db, OutboxMessage, 0) == []
