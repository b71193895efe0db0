"""Each ledger operation: what it moves, its idempotent replay, and what it refuses (in Chinese)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ledger_helpers import COMMITTED_CITY
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, InvalidInput
from huanxin.kit.audit import AuditRecord
from huanxin.ledger import service
from huanxin.ledger.models import Account, Entry, LedgerImmutable, Pool, Transfer
from huanxin.ledger.service import InsufficientFunds, PoolBalance

MakePool = Callable[..., Pool]


def balance(db: Session, pool: Pool) -> PoolBalance:
    return service.pool_balance(db, pool)


def entries(db: Session, transfer: Transfer) -> list[tuple[int, int]]:
    rows = db.execute(select(Entry.account_id, Entry.amount).where(Entry.transfer_id == transfer.id).order_by(Entry.id))
    return [(a, m) for a, m in rows]


def audit_actions(db: Session) -> list[str]:
    ours = (select(AuditRecord.action).where(AuditRecord.action.like("ledger.%"),
                                                 func.coalesce(AuditRecord.city_code, "") != COMMITTED_CITY)
            .order_by(AuditRecord.id))
    return list(db.scalars(ours))


# --- pools ----------------------------------------------------------------------------------------

def test_create_pool_makes_four_accounts_and_is_idempotent(db: Session, make_pool: MakePool) -> None:
    pool = make_pool("car-2025", source="central", tranche=2)
    again = make_pool("car-2025", source="central", tranche=2, name="another name")
    assert again.id == pool.id
    codes = set(db.scalars(select(Account.code).where(Account.code.like("pool:512000:car-2025:%"))))
    kinds = ("available", "reserved", "paid", "source")
    assert codes == {f"pool:512000:car-2025:512000:central:2:{kind}" for kind in kinds}
    source = db.scalar(select(Account).where(Account.id == pool.source_account_id))
    available = db.scalar(select(Account).where(Account.id == pool.available_account_id))
    assert source is not None and source.allow_negative
    assert available is not None and not available.allow_negative
    created = select(func.count()).select_from(AuditRecord).where(
        AuditRecord.action == "ledger.pool.create", AuditRecord.entity_id == str(pool.id),
        AuditRecord.city_code == "512000")
    assert db.scalar(created) == 1
    assert balance(db, pool) == PoolBalance(0, 0, 0, 0)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("city_code", "51200", "城市代码"),
    ("region_code", "abc", "地区代码"),
    ("fund_source", "bank", "资金来源"),
    ("tranche", 0, "批次"),
    ("programme_code", "a:b", "项目代码"),
    ("name", " ", "预算池名称"),
])
def test_create_pool_refuses_bad_input_naming_the_field(db: Session, field: str, value: object, message: str) -> None:
    args: dict[str, object] = {"city_code": "512000", "programme_code": "p", "region_code": "512000",
                               "fund_source": "central", "tranche": 1, "name": "池"}
    args[field] = value
    with pytest.raises(InvalidInput) as err:
        service.create_pool(db, **args)  # type: ignore[arg-type]
    assert err.value.field == field and message in err.value.message


def test_pools_of_and_pool_for_pick_the_open_tranche(db: Session, make_pool: MakePool) -> None:
    first = make_pool("digital-2025", tranche=1, funded=100)
    second = make_pool("digital-2025", tranche=2)
    make_pool("digital-2025", source="city", funded=50)
    make_pool("ebike-2025")
    assert [p.id for p in service.pools_of(db, "512000", "digital-2025")][:2] == [first.id, second.id]
    assert len(service.pools_of(db, "512000")) >= 4
    pick = dict(city_code="512000", programme_code="digital-2025", region_code="512000", fund_source="central")
    assert service.pool_for(db, **pick) == first  # tranche 2 is still empty
    service.fund(db, second, 10, key="fund-second", actor="t")
    assert service.pool_for(db, **pick) == second  # the highest tranche with money
    service.reserve(db, second, 10, key="drain-second", ref="claim:1")
    assert service.pool_for(db, **pick) == first
    service.reserve(db, first, 100, key="drain-first", ref="claim:2")
    assert service.pool_for(db, **pick) == second  # all empty: the highest
    assert service.pool_for(db, **{**pick, "programme_code": "nothing"}) is None


# --- fund -----------------------------------------------------------------------------------------

def test_fund_moves_source_to_available_with_two_entries_and_an_audit_record(db: Session, make_pool: MakePool) -> None:
    pool = make_pool()
    transfer = service.fund(db, pool, 1_000_000, key="fund-1", actor="office", memo="川财建〔2025〕1号")
    assert (transfer.kind, transfer.status, transfer.amount) == ("fund", "final", 1_000_000)
    assert entries(db, transfer) == [(pool.source_account_id, -1_000_000), (pool.available_account_id, 1_000_000)]
    assert balance(db, pool) == PoolBalance(funded=1_000_000, available=1_000_000, reserved=0, paid=0)
    assert audit_actions(db)[-1] == "ledger.fund"


def test_fund_replay_moves_nothing_and_a_changed_replay_conflicts(db: Session, make_pool: MakePool) -> None:
    pool = make_pool()
    first = service.fund(db, pool, 500, key="fund-once", actor="office")
    audits = len(audit_actions(db))
    again = service.fund(db, pool, 500, key="fund-once", actor="office")
    assert again.id == first.id
    assert balance(db, pool).available == 500
    assert len(audit_actions(db)) == audits  # a replay is not a new action
    with pytest.raises(Conflict) as err:
        service.fund(db, pool, 600, key="fund-once", actor="office")
    assert "幂等键" in err.value.message and "fund-once" in err.value.message
    assert balance(db, pool).available == 500


@pytest.mark.parametrize("amount", [0, -1, 1.5, True, "100"])
def test_amounts_must_be_positive_integer_fen(db: Session, make_pool: MakePool, amount: object) -> None:
    pool = make_pool(funded=100)
    with pytest.raises(InvalidInput) as err:
        service.reserve(db, pool, amount, key="bad", ref="claim:1")  # type: ignore[arg-type]
    assert err.value.field == "amount"
    assert service.transfer_by_key(db, "bad") is None


# --- reserve, post, void --------------------------------------------------------------------------

def test_reserve_is_pending_and_refuses_more_than_available(db: Session, make_pool: MakePool) -> None:
    pool = make_pool(funded=1000)
    pending = service.reserve(db, pool, 700, key="q:1", ref="qualification:1")
    assert (pending.kind, pending.status) == ("reserve", "pending")
    assert balance(db, pool) == PoolBalance(funded=1000, available=300, reserved=700, paid=0)
    with pytest.raises(InsufficientFunds) as err:
        service.reserve(db, pool, 301, key="q:2", ref="qualification:2")
    assert err.value.status_code == 409 and "余额不足" in err.value.message and "3.01" in err.value.message
    # Nothing half-written: no transfer row for the refused key, no entries, balances as before.
    assert service.transfer_by_key(db, "q:2") is None
    assert balance(db, pool) == PoolBalance(funded=1000, available=300, reserved=700, paid=0)
    service.reserve(db, pool, 300, key="q:3", ref="qualification:3")  # exactly the rest is fine
    assert balance(db, pool).available == 0


def test_refusal_leaves_the_callers_transaction_usable(db: Session, make_pool: MakePool) -> None:
    """The claims service catches InsufficientFunds (waiting list) and carries on in the same transaction."""
    pool = make_pool(funded=10)
    with pytest.raises(InsufficientFunds):
        service.reserve(db, pool, 11, key="too-much", ref="claim:9")
    service.reserve(db, pool, 10, key="fits", ref="claim:9")
    db.flush()
    assert service.verify(db).ok


def test_reserve_replay_returns_the_same_transfer_even_when_the_pool_is_empty(db: Session, make_pool: MakePool) -> None:
    pool = make_pool(funded=100)
    first = service.reserve(db, pool, 100, key="q:42", ref="qualification:42")
    again = service.reserve(db, pool, 100, key="q:42", ref="qualification:42")
    assert again.id == first.id and balance(db, pool).reserved == 100
    with pytest.raises(Conflict):
        service.reserve(db, pool, 100, key="q:42", ref="qualification:43")
    assert [t.id for t in service.transfers_for_ref(db, "qualification:42")] == [first.id]


def test_post_in_full(db: Session, make_pool: MakePool) -> None:
    pool = make_pool(funded=1000)
    pending = service.reserve(db, pool, 400, key="r", ref="claim:7")
    paid = service.post(db, pending, key="pay")
    assert (paid.kind, paid.amount, paid.pending_id, paid.ref) == ("post", 400, pending.id, "claim:7")
    assert pending.status == "posted"
    assert db.scalar(select(Transfer.status).where(Transfer.id == pending.id)) == "posted"
    assert balance(db, pool) == PoolBalance(funded=1000, available=600, reserved=0, paid=400)
    assert [t.kind for t in service.transfers_for_ref(db, "claim:7")] == ["reserve", "post"]


def test_partial_post_returns_the_remainder_to_available(db: Session, make_pool: MakePool) -> None:
    pool = make_pool(funded=1000)
    pending = service.reserve(db, pool, 400, key="r", ref="claim:8")
    paid = service.post(db, pending, 150, key="pay")
    assert paid.amount == 150
    assert balance(db, pool) == PoolBalance(funded=1000, available=850, reserved=0, paid=150)
    kinds = [(t.kind, t.amount) for t in service.transfers_for_ref(db, "claim:8")]
    assert kinds == [("reserve", 400), ("post", 150), ("void", 250)]
    assert service.post(db, pending, 150, key="pay").id == paid.id  # replay
    assert balance(db, pool).paid == 150


@pytest.mark.parametrize("amount", [401, 0])
def test_post_amount_must_be_within_the_reservation(db: Session, make_pool: MakePool, amount: int) -> None:
    pool = make_pool(funded=1000)
    pending = service.reserve(db, pool, 400, key="r", ref="claim:8")
    with pytest.raises(InvalidInput):
        service.post(db, pending, amount, key="pay")
    assert pending.status == "pending" and balance(db, pool).reserved == 400


def test_settling_twice_is_a_conflict_and_moves_nothing(db: Session, make_pool: MakePool) -> None:
    pool = make_pool(funded=1000)
    pending = service.reserve(db, pool, 400, key="r", ref="claim:8")
    service.post(db, pending, key="pay-1")
    with pytest.raises(Conflict) as err:
        service.post(db, pending, key="pay-2")
    assert "已拨付" in err.value.message and "不能再拨付" in err.value.message
    with pytest.raises(Conflict) as err:
        service.void(db, pending, key="void-1")
    assert "不能再释放" in err.value.message
    assert service.transfer_by_key(db, "pay-2") is None and service.transfer_by_key(db, "void-1") is None
    assert balance(db, pool) == PoolBalance(funded=1000, available=600, reserved=0, paid=400)


def test_a_stale_copy_of_the_reservation_cannot_be_settled_again(db: Session, make_pool: MakePool) -> None:
    """Two workers holding the same pending row: the conditional UPDATE lets only one settle it."""
    pool = make_pool(funded=1000)
    pending = service.reserve(db, pool, 400, key="r", ref="claim:8")
    service.void(db, pending, key="expire")
    from sqlalchemy.orm.attributes import set_committed_value

    set_committed_value(pending, "status", "pending")  # what another worker's copy still says
    with pytest.raises(Conflict) as err:
        service.post(db, pending, key="late-pay")
    assert "已释放" in err.value.message
    assert balance(db, pool) == PoolBalance(funded=1000, available=1000, reserved=0, paid=0)


def test_void_releases_the_reservation(db: Session, make_pool: MakePool) -> None:
    pool = make_pool(funded=1000)
    pending = service.reserve(db, pool, 400, key="r", ref="qualification:5")
    released = service.void(db, pending, key="lapse")
    assert (released.kind, released.amount, released.pending_id) == ("void", 400, pending.id)
    assert pending.status == "voided"
    assert balance(db, pool) == PoolBalance(funded=1000, available=1000, reserved=0, paid=0)
    assert service.void(db, pending, key="lapse").id == released.id  # replay
    with pytest.raises(Conflict):
        service.post(db, pending, key="lapse")  # the key names a void, not a post


def test_only_reservations_are_posted_or_voided(db: Session, make_pool: MakePool) -> None:
    pool = make_pool()
    funding = service.fund(db, pool, 100, key="f", actor="t")
    with pytest.raises(Conflict) as err:
        service.post(db, funding, key="p")
    assert "只能拨付预留转账" in err.value.message
    with pytest.raises(Conflict):
        service.void(db, funding, key="v")


# --- correct and move -----------------------------------------------------------------------------

def test_correct_a_returned_payment_goes_back_to_available_once(db: Session, make_pool: MakePool) -> None:
    pool = make_pool(funded=1000)
    pending = service.reserve(db, pool, 400, key="r", ref="claim:11")
    paid = service.post(db, pending, key="pay")
    reversal = service.correct(db, paid, key="bank-return:11", actor="office", memo="银行退票：账户已销户")
    assert (reversal.kind, reversal.amount, reversal.pending_id, reversal.ref) == ("correct", 400, paid.id, "claim:11")
    assert entries(db, reversal) == [(pool.paid_account_id, -400), (pool.available_account_id, 400)]
    assert balance(db, pool) == PoolBalance(funded=1000, available=1000, reserved=0, paid=0)
    assert service.correct(db, paid, key="bank-return:11", actor="office", memo="银行退票").id == reversal.id
    with pytest.raises(Conflict) as err:
        service.correct(db, paid, key="bank-return:11-again", actor="office", memo="再次退票")
    assert "已经更正过" in err.value.message
    assert audit_actions(db)[-1] == "ledger.correct"
    # Entries are never touched: the original payment is still there, reversed by a new transfer.
    assert entries(db, paid) == [(pool.reserved_account_id, -400), (pool.paid_account_id, 400)]


def test_correct_refuses_to_make_a_pool_negative(db: Session, make_pool: MakePool) -> None:
    pool = make_pool()
    funding = service.fund(db, pool, 1000, key="f", actor="office")
    service.reserve(db, pool, 600, key="r", ref="claim:1")
    with pytest.raises(InsufficientFunds) as err:
        service.correct(db, funding, key="defund", actor="office", memo="资金收回")
    assert "余额为负" in err.value.message
    assert service.transfer_by_key(db, "defund") is None
    assert balance(db, pool) == PoolBalance(funded=1000, available=400, reserved=600, paid=0)


def test_correct_refuses_pending_reservations_and_requires_a_reason(db: Session, make_pool: MakePool) -> None:
    pool = make_pool(funded=1000)
    pending = service.reserve(db, pool, 400, key="r", ref="claim:1")
    with pytest.raises(Conflict) as err:
        service.correct(db, pending, key="c", actor="office", memo="x")
    assert "释放" in err.value.message
    funding = service.transfer_by_key(db, f"test:fund:{pool.id}:1000")
    assert funding is not None
    with pytest.raises(InvalidInput) as bad:
        service.correct(db, funding, key="c", actor="office", memo=" ")
    assert bad.value.field == "memo"


def test_move_reallocates_between_pools_and_is_checked_like_reserve(db: Session, make_pool: MakePool) -> None:
    cars = make_pool("car-2025", funded=1000)
    phones = make_pool("digital-2025")
    moved = service.move(db, cars, phones, 300, key="realloc-1", actor="office", memo="汽车资金调剂至数码")
    assert balance(db, cars) == PoolBalance(funded=700, available=700, reserved=0, paid=0)
    assert balance(db, phones) == PoolBalance(funded=300, available=300, reserved=0, paid=0)
    assert service.move(db, cars, phones, 300, key="realloc-1", actor="office", memo="重放").id == moved.id
    with pytest.raises(InsufficientFunds):
        service.move(db, cars, phones, 701, key="realloc-2", actor="office", memo="超额")
    with pytest.raises(InvalidInput):
        service.move(db, cars, cars, 1, key="realloc-3", actor="office", memo="同池")
    other_city = make_pool("car-2025", city="510400", funded=10)
    with pytest.raises(InvalidInput):
        service.move(db, other_city, cars, 1, key="realloc-4", actor="office", memo="跨市")
    # Corrected: the money goes back to where it came from.
    service.correct(db, moved, key="realloc-1-back", actor="office", memo="调剂撤回")
    assert balance(db, cars) == PoolBalance(funded=1000, available=1000, reserved=0, paid=0)
    assert balance(db, phones) == PoolBalance(funded=0, available=0, reserved=0, paid=0)
    assert "ledger.move" in audit_actions(db)


# --- immutability ---------------------------------------------------------------------------------

def test_entries_are_append_only_and_transfers_change_only_status(db: Session, make_pool: MakePool) -> None:
    pool = make_pool(funded=1000)
    transfer = service.reserve(db, pool, 10, key="r", ref="claim:1")
    entry = db.scalars(select(Entry).where(Entry.transfer_id == transfer.id)).first()
    assert entry is not None

    def refused(change: Callable[[], None], match: str) -> None:
        with pytest.raises(LedgerImmutable, match=match), db.begin_nested():
            change()
            db.flush()

    refused(lambda: setattr(entry, "amount", 5), "只能追加")
    refused(lambda: db.delete(entry), "只能追加")
    refused(lambda: setattr(transfer, "amount", 1), "amount")
    refused(lambda: db.delete(transfer), "不能删除")
    # The one change a transfer knows: its status, pending → posted | voided.
    service.void(db, transfer, key="v")
    db.expire_all()
    assert service.transfer_by_key(db, "r").status == "voided"  # type: ignore[union-attr]
    assert entries(db, transfer) == [(pool.available_account_id, -10), (pool.reserved_account_id, 10)]


# --- verify and rebuild ---------------------------------------------------------------------------

def test_verify_finds_a_corrupted_cache_and_rebuild_repairs_it_with_an_audit_record(
    db: Session, make_pool: MakePool,
) -> None:
    pool = make_pool(funded=1000)
    service.reserve(db, pool, 300, key="r", ref="claim:1")
    assert service.verify(db).ok
    corrupt = text("UPDATE ledger_account SET balance = balance + 7 WHERE id = :id")
    db.execute(corrupt, {"id": pool.available_account_id})
    db.execute(text("UPDATE ledger_account SET balance = -5 WHERE id = :id"), {"id": pool.paid_account_id})
    result = service.verify(db)
    assert not result.ok
    available_code = "pool:512000:appliance-2025:512000:central:1:available"
    paid_code = available_code.replace("available", "paid")
    assert (available_code, 707, 700) in result.mismatches and (paid_code, -5, 0) in result.mismatches
    assert result.negative_accounts == [paid_code]
    changes = service.rebuild(db, actor="test")
    assert sorted(changes) == sorted([(available_code, 707, 700), (paid_code, -5, 0)])
    assert audit_actions(db)[-1] == "ledger.rebuild"
    assert service.verify(db).ok
    assert balance(db, pool) == PoolBalance(funded=1000, available=700, reserved=300, paid=0)


def test_verify_finds_an_unbalanced_transfer(db: Session, make_pool: MakePool) -> None:
    pool = make_pool(funded=1000)
    transfer = service.reserve(db, pool, 300, key="r", ref="claim:1")
    # Raw SQL, past the ORM guard: the kind of damage verify exists to find.
    db.execute(text("UPDATE ledger_entry SET amount = 299 WHERE transfer_id = :t AND amount > 0"), {"t": transfer.id})
    result = service.verify(db)
    assert "r" in result.unbalanced_transfers
    assert result.transfers_checked == db.scalar(select(func.count()).select_from(Transfer))
