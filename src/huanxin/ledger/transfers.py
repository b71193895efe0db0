"""Money movements between a pool's accounts, in integer fen: fund, reserve, post, void, correct, move.

TigerBeetle's model, on SQL. Money moves only by a Transfer from one account to another, which
writes two Entries (-amount, +amount) and updates the two cached balances in SQL
(`balance = balance ± :a`, never a read-modify-write in Python). A reserve is a *pending* transfer
(available → reserved) that a later `post` (reserved → paid, any remainder back to available) or
`void` (reserved → available) settles; a correction is a reversing transfer. Entries are never
updated or deleted, and of a transfer only `status` ever changes, once, pending → posted | voided:
the second phase of a two-phase transfer is recorded as the settling transfer itself, and `status`
only says that the reservation is settled.

Every operation is idempotent on its `key` (unique in ledger_transfer): the same key with the
same parameters (kind, accounts, amount, ref or settled reservation; not the memo or the actor,
which a retry by another worker may word differently) returns the transfer already written and
moves nothing; with other parameters it is a Conflict. Each operation runs in a SAVEPOINT, so a
refusal (InsufficientFunds, Conflict) leaves nothing half-written even when the caller catches
it and carries on, e.g. to put a qualification on the waiting list. Services never commit.

Writes come first in every operation (the key is claimed by the INSERT itself, a replay is
recognised by the unique violation): on SQLite a transaction that reads before it writes cannot
wait for the write lock and fails instead, so write-first lets concurrent writers queue. Accounts
are always updated in ascending id order, so concurrent transfers never deadlock one another;
a caller touching several pools in one transaction should do so in a stable order (pool id).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, DomainError, InvalidInput
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.ledger import repository as repo
from huanxin.ledger.common import require_amount, require_key, require_text, yuan
from huanxin.ledger.models import Entry, Pool, Transfer

TRANSFER_KINDS = {"fund": "注资", "reserve": "预留", "post": "拨付", "void": "释放", "correct": "更正", "move": "调剂"}
CORRECTABLE = {"fund", "post", "move"}
MAX_REF = 80
MAX_MEMO = 200


class InsufficientFunds(Conflict):
    """The pool (or account) does not hold enough to cover the amount: nothing was moved."""


# --- the transfer-writing core --------------------------------------------------------------------

def _kind_label(kind: str) -> str:
    return TRANSFER_KINDS.get(kind, kind)


def _new_transfer(
    session: Session, *, key: str, kind: str, from_id: int, to_id: int, amount: int, ref: str, actor: str,
    memo: str = "", status: str = "final", pending_id: int | None = None,
) -> Transfer:
    """Inserts the transfer row at once: the INSERT is what claims the key."""
    transfer = Transfer(key=key, kind=kind, from_account_id=from_id, to_account_id=to_id, amount=amount,
                        status=status, pending_id=pending_id, ref=ref, memo=memo, actor=actor, created_at=now())
    session.add(transfer)
    session.flush()
    return transfer


def _write_entries(session: Session, *transfers: Transfer) -> None:
    """Writes the entries at once (one INSERT). Every operation writes them before it touches a
    balance: a balance row is locked from its UPDATE to the commit, and a pool's available account
    is one row that every reservation updates, so nothing that can come before it comes after."""
    for transfer in transfers:
        session.add_all([
            Entry(transfer_id=transfer.id, account_id=transfer.from_account_id, amount=-transfer.amount,
                  created_at=transfer.created_at),
            Entry(transfer_id=transfer.id, account_id=transfer.to_account_id, amount=transfer.amount,
                  created_at=transfer.created_at),
        ])
    session.flush()


def _apply(session: Session, deltas: dict[int, int], *, checked: set[int], short: Callable[[int], DomainError]) -> None:
    """Applies signed deltas to cached balances in ascending account id (one lock order for
    everyone: no deadlocks). A decrement of a `checked` account is one conditional UPDATE; when
    the balance does not cover it, `short(account_id)` is raised and the savepoint undoes the rest."""
    for account_id in sorted(deltas):
        delta = deltas[account_id]
        if delta > 0:
            repo.increment(session, account_id, delta)
        elif delta < 0 and not repo.decrement(session, account_id, -delta, checked=account_id in checked):
            raise short(account_id)


def _deltas(*transfers: Transfer) -> dict[int, int]:
    out: dict[int, int] = {}
    for t in transfers:
        out[t.from_account_id] = out.get(t.from_account_id, 0) - t.amount
        out[t.to_account_id] = out.get(t.to_account_id, 0) + t.amount
    return out


def _book(session: Session, *transfers: Transfer, checked: set[int], short: Callable[[int], DomainError]) -> None:
    """The transfers' entries, then their balances: what every movement writes after its transfer rows."""
    _write_entries(session, *transfers)
    _apply(session, _deltas(*transfers), checked=checked, short=short)


def _replay(existing: Transfer, *, kind: str, amount: int, from_id: int | None = None, to_id: int | None = None,
            ref: str | None = None, pending_id: int | None = None) -> Transfer:
    """The same key again: the same parameters return the transfer already written, moving
    nothing; anything else is a Conflict (a key names one movement of money, forever)."""
    same = (
        existing.kind == kind and existing.amount == amount
        and (from_id is None or existing.from_account_id == from_id)
        and (to_id is None or existing.to_account_id == to_id)
        and (ref is None or existing.ref == ref)
        and (pending_id is None or existing.pending_id == pending_id)
    )
    if not same:
        raise Conflict(
            f"转账幂等键“{existing.key}”已用于另一笔资金操作（{_kind_label(existing.kind)} "
            f"{yuan(existing.amount)} 元，用途 {existing.ref}），不能用于参数不同的操作", field="key",
        )
    return existing


def _once(session: Session, key: str, work: Callable[[], Transfer], replay: Callable[[Transfer], Transfer]) -> Transfer:
    """Runs `work` in a SAVEPOINT; when the key turns out to be taken (the unique violation of
    its INSERT, possibly by a concurrent twin that has just committed), answers as a replay."""
    try:
        with session.begin_nested():
            return work()
    except IntegrityError:
        existing = repo.transfer_by_key(session, key)
        if existing is None:
            raise
        return replay(existing)


def _insufficient(pool: Pool, amount: int, action: str) -> Callable[[int], DomainError]:
    def short(_account_id: int) -> DomainError:
        return InsufficientFunds(f"预算池“{pool.name}”可用余额不足，无法{action} {yuan(amount)} 元", field="amount")
    return short


def _ledger_broken(what: str) -> Callable[[int], DomainError]:
    def short(account_id: int) -> DomainError:
        # Only a ledger whose cached balances no longer match its entries gets here.
        return Conflict(f"账户（id={account_id}）余额不足以{what}：账本缓存余额可能已损坏，"
                        "请运行 huanxin ledger verify")
    return short


# --- funding and reservations ---------------------------------------------------------------------

def fund(session: Session, pool: Pool, amount: int, *, key: str, actor: str, memo: str = "") -> Transfer:
    """Money allocated to the pool: source → available, final."""
    amount, key = require_amount(amount), require_key(key)
    require_text(memo, "备注", "memo", MAX_MEMO)
    ref = f"pool:{pool.id}"

    def work() -> Transfer:
        transfer = _new_transfer(session, key=key, kind="fund", from_id=pool.source_account_id,
                                 to_id=pool.available_account_id, amount=amount, ref=ref, memo=memo, actor=actor)
        _book(session, transfer, checked=set(), short=_ledger_broken("注资"))
        audit.record(session, actor=actor, action="ledger.fund", entity="ledger_pool", entity_id=pool.id,
                     city_code=pool.city_code,
                     detail={"transfer": transfer.id, "key": key, "amount_fen": amount, "memo": memo})
        return transfer

    return _once(session, key, work, lambda t: _replay(t, kind="fund", amount=amount, from_id=pool.source_account_id,
                                                        to_id=pool.available_account_id))


def reserve(session: Session, pool: Pool, amount: int, *, key: str, ref: str, actor: str = "system") -> Transfer:
    """available → reserved, pending until posted or voided. Never lets available go below
    zero: the decrement is one conditional UPDATE, and a shortfall raises InsufficientFunds."""
    amount, key = require_amount(amount), require_key(key)
    require_text(ref, "用途（ref）", "ref", MAX_REF, required=True)

    def work() -> Transfer:
        transfer = _new_transfer(session, key=key, kind="reserve", from_id=pool.available_account_id,
                                 to_id=pool.reserved_account_id, amount=amount, ref=ref, actor=actor, status="pending")
        _book(session, transfer, checked={pool.available_account_id}, short=_insufficient(pool, amount, "预留"))
        return transfer

    return _once(session, key, work, lambda t: _replay(t, kind="reserve", amount=amount, ref=ref,
                                                        from_id=pool.available_account_id,
                                                        to_id=pool.reserved_account_id))


def reserve_many(session: Session, parts: Sequence[tuple[Pool, int, str]], *, ref: str,
                 actor: str = "system") -> list[Transfer]:
    """Several reservations for one purpose (e.g. a qualification's central and city parts), each
    as `reserve` would make it, all or none (InsufficientFunds when a pool is short)."""
    return reserve_each(session, [(pool, amount, key, ref) for pool, amount, key in parts], actor=actor)


def reserve_each(session: Session, parts: Sequence[tuple[Pool, int, str, str]], *,
                 actor: str = "system") -> list[Transfer]:
    """Reservations (pool, amount, key, ref), each as `reserve` would make it, all or none
    (InsufficientFunds when a pool cannot cover its parts together).

    Cheaper than one `reserve` each, and shorter under the pool rows' locks: one SAVEPOINT, one
    INSERT of the transfers and one of their entries, then one balance UPDATE per account, in
    ascending account id (the available accounts are rows every reservation of a programme
    updates, locked from their UPDATE to the commit): a batch of a hundred qualifications moves
    each pool's balances once. A key already used (a retry) falls back to `reserve` part by
    part, which replays what was written."""
    checked = [(pool, require_amount(amount), require_key(key), require_text(ref, "用途（ref）", "ref", MAX_REF,
                                                                              required=True))
               for pool, amount, key, ref in parts]
    if not checked:
        return []
    try:
        with session.begin_nested():
            at = now()
            transfers = [Transfer(key=key, kind="reserve", from_account_id=pool.available_account_id,
                                  to_account_id=pool.reserved_account_id, amount=amount, status="pending", ref=ref,
                                  memo="", actor=actor, created_at=at) for pool, amount, key, ref in checked]
            session.add_all(transfers)
            session.flush()
            wanted: dict[int, tuple[Pool, int]] = {}
            for pool, amount, _, _ in checked:
                total = wanted.get(pool.available_account_id, (pool, 0))[1]
                wanted[pool.available_account_id] = (pool, total + amount)
            _book(session, *transfers, checked=set(wanted),
                  short=lambda account_id: _insufficient(*wanted[account_id], "预留")(account_id))
            return transfers
    except IntegrityError:
        return [reserve(session, pool, amount, key=key, ref=ref, actor=actor) for pool, amount, key, ref in checked]


# --- settling a reservation -----------------------------------------------------------------------

def _require_pending_reserve(pending: Transfer, action: str) -> None:
    if pending.kind != "reserve":
        raise Conflict(f"只能{action}预留转账，该转账（{pending.key}）是{_kind_label(pending.kind)}", field="pending")


def _not_pending(session: Session, pending: Transfer, action: str) -> Conflict:
    status = repo.lock_transfer(session, pending.id) or pending.status
    label = {"posted": "已拨付", "voided": "已释放", "final": "已完成"}.get(status, status)
    return Conflict(f"预留转账“{pending.key}”{label}，不能再{action}", field="pending")


def _settle(session: Session, pending: Transfer, *, key: str, status: str, action: str,
            write: Callable[[], Transfer], replay: Callable[[Transfer], Transfer]) -> Transfer:
    """What `post` and `void` share: settling first (the conditional UPDATE both claims the
    reservation and takes the write lock), then `write` of the settling transfer, all in one
    SAVEPOINT; a reservation already settled answers as a replay of `key` or is a Conflict."""
    def work() -> Transfer:
        if not repo.settle_pending(session, pending, status):
            existing = repo.transfer_by_key(session, key)
            if existing is not None:
                return replay(existing)
            raise _not_pending(session, pending, action)
        return write()

    settled = _once(session, key, work, replay)
    repo.mark_settled(session, pending, status)
    return settled


def post(
    session: Session, pending: Transfer, amount: int | None = None, *, key: str, actor: str = "system",
) -> Transfer:
    """reserved → paid for `amount` (default: all of it); any remainder goes back to available
    as a void in the same call. The reservation is then `posted`; posting it twice is a Conflict."""
    _require_pending_reserve(pending, "拨付")
    amount = pending.amount if amount is None else require_amount(amount, "拨付金额")
    if amount > pending.amount:
        raise InvalidInput(f"拨付金额 {yuan(amount)} 元超过预留金额 {yuan(pending.amount)} 元", field="amount")
    key = require_key(key)
    posted_amount = amount

    def replay(existing: Transfer) -> Transfer:
        return _replay(existing, kind="post", amount=posted_amount, pending_id=pending.id)

    def write() -> Transfer:
        pool = repo.pool_of_account(session, pending.to_account_id)
        if pool is None or pool.reserved_account_id != pending.to_account_id:
            raise Conflict(f"预留转账“{pending.key}”不属于任何预算池", field="pending")
        paid = _new_transfer(session, key=key, kind="post", from_id=pool.reserved_account_id,
                             to_id=pool.paid_account_id, amount=posted_amount, ref=pending.ref, actor=actor,
                             pending_id=pending.id)
        legs = [paid]
        if posted_amount < pending.amount:
            rest = pending.amount - posted_amount
            legs.append(_new_transfer(session, key=f"{key}:rest", kind="void", from_id=pool.reserved_account_id,
                                      to_id=pool.available_account_id, amount=rest,
                                      ref=pending.ref, actor=actor, pending_id=pending.id,
                                      memo=f"部分拨付，余额 {yuan(rest)} 元释放"))
        _book(session, *legs, checked={pool.reserved_account_id}, short=_ledger_broken("拨付"))
        return paid

    return _settle(session, pending, key=key, status="posted", action="拨付", write=write, replay=replay)


def void(session: Session, pending: Transfer, *, key: str, actor: str = "system") -> Transfer:
    """reserved → available: the reservation lapses (rejection, expiry). Pending → voided."""
    _require_pending_reserve(pending, "释放")
    key = require_key(key)

    def replay(existing: Transfer) -> Transfer:
        return _replay(existing, kind="void", amount=pending.amount, pending_id=pending.id)

    def write() -> Transfer:
        transfer = _new_transfer(session, key=key, kind="void", from_id=pending.to_account_id,
                                 to_id=pending.from_account_id, amount=pending.amount, ref=pending.ref,
                                 actor=actor, pending_id=pending.id)
        _book(session, transfer, checked={pending.to_account_id}, short=_ledger_broken("释放"))
        return transfer

    return _settle(session, pending, key=key, status="voided", action="释放", write=write, replay=replay)


# --- corrections and re-allocation ----------------------------------------------------------------

def correct(session: Session, transfer: Transfer, *, key: str, actor: str, memo: str) -> Transfer:
    """A reversing transfer of a final movement: a fund back to its source, a move back to the
    pool it came from, a payment the bank returned from paid back to available. Each movement is
    corrected at most once, and never so that an account that may not go negative would."""
    key = require_key(key)
    require_text(memo, "更正原因", "memo", MAX_MEMO, required=True)
    if transfer.kind not in CORRECTABLE or transfer.status != "final":
        kind = _kind_label(transfer.kind)
        hint = "；未拨付的预留请释放（void）" if transfer.kind == "reserve" else ""
        raise Conflict(f"只能更正已完成的注资、拨付或调剂，该转账（{transfer.key}）是{kind}{hint}", field="transfer")
    to_id = transfer.from_account_id
    if transfer.kind == "post":  # money the bank returned goes back to the pool, not to the reservation
        pool = repo.pool_of_account(session, transfer.to_account_id)
        if pool is None:
            raise Conflict(f"拨付转账“{transfer.key}”不属于任何预算池", field="transfer")
        to_id = pool.available_account_id
    from_id = transfer.to_account_id

    def work() -> Transfer:
        reversal = _new_transfer(session, key=key, kind="correct", from_id=from_id, to_id=to_id,
                                 amount=transfer.amount, ref=transfer.ref, memo=memo, actor=actor,
                                 pending_id=transfer.id)
        repo.lock_transfer(session, transfer.id)  # two corrections of one transfer queue here
        if any(c.id != reversal.id for c in repo.corrections_of(session, transfer.id)):
            raise Conflict(f"转账“{transfer.key}”已经更正过，不能重复更正", field="transfer")
        accounts = repo.accounts_by_id(session, [from_id])
        checked = {from_id} if not accounts[from_id].allow_negative else set()

        def short(account_id: int) -> DomainError:
            return InsufficientFunds(f"更正会使账户“{accounts[from_id].name}”余额为负，已拒绝", field="transfer")

        _book(session, reversal, checked=checked, short=short)
        account = accounts[from_id]
        audit.record(session, actor=actor, action="ledger.correct", entity="ledger_transfer", entity_id=transfer.id,
                     city_code=account.city_code,
                     detail={"transfer": reversal.id, "key": key, "amount_fen": transfer.amount, "memo": memo})
        return reversal

    return _once(session, key, work, lambda t: _replay(t, kind="correct", amount=transfer.amount,
                                                        pending_id=transfer.id))


def move(session: Session, from_pool: Pool, to_pool: Pool, amount: int, *, key: str, actor: str, memo: str) -> Transfer:
    """Re-allocation: available → available between two pools of one city, checked like reserve."""
    amount, key = require_amount(amount), require_key(key)
    require_text(memo, "调剂说明", "memo", MAX_MEMO, required=True)
    if from_pool.id == to_pool.id:
        raise InvalidInput("调出与调入的预算池不能相同", field="to_pool")
    if from_pool.city_code != to_pool.city_code:
        raise InvalidInput("预算只能在同一城市的预算池之间调剂", field="to_pool")
    ref = f"move:{from_pool.id}->{to_pool.id}"

    def work() -> Transfer:
        transfer = _new_transfer(session, key=key, kind="move", from_id=from_pool.available_account_id,
                                 to_id=to_pool.available_account_id, amount=amount, ref=ref, memo=memo, actor=actor)
        _book(session, transfer, checked={from_pool.available_account_id},
              short=_insufficient(from_pool, amount, "调出"))
        audit.record(session, actor=actor, action="ledger.move", entity="ledger_pool", entity_id=from_pool.id,
                     city_code=from_pool.city_code,
                     detail={"transfer": transfer.id, "key": key, "to_pool": to_pool.id, "amount_fen": amount,
                             "memo": memo})
        return transfer

    return _once(session, key, work, lambda t: _replay(t, kind="move", amount=amount,
                                                        from_id=from_pool.available_account_id,
                                                        to_id=to_pool.available_account_id))


# --- reading --------------------------------------------------------------------------------------

def transfer_by_key(session: Session, key: str) -> Transfer | None:
    return repo.transfer_by_key(session, key)


def transfers_for_ref(session: Session, ref: str) -> list[Transfer]:
    return repo.transfers_for_ref(session, ref)


def transfer_rows_for_refs(session: Session, refs: list[str]) -> list[Any]:
    return repo.transfer_rows_for_refs(session, refs)
