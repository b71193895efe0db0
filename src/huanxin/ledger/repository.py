"""Every query of the ledger. Balances change only through the two UPDATEs below, in SQL, so
that two transactions can never both read a balance, both decide it suffices, and both spend it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Row, Table, bindparam, func, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key

from huanxin.ledger.models import Account, Entry, Pool, Transfer

ACCOUNTS = cast(Table, Account.__table__)
TRANSFERS = cast(Table, Transfer.__table__)


# --- balances -------------------------------------------------------------------------------------

def decrement(session: Session, account_id: int, amount: int, *, checked: bool) -> bool:
    """`balance = balance - amount`, refused by the database itself when it would go below zero.

    One conditional UPDATE: on PostgreSQL the row lock makes a concurrent twin wait and then
    re-check the condition against the committed balance; on SQLite writers are serialised.
    Returns False (and changes nothing) when the balance does not cover the amount.
    """
    statement = update(ACCOUNTS).where(ACCOUNTS.c.id == account_id)
    if checked:
        statement = statement.where(ACCOUNTS.c.balance >= amount)
    result = session.execute(statement.values(balance=ACCOUNTS.c.balance - amount))
    _forget_cached_balance(session, account_id)
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def increment(session: Session, account_id: int, amount: int) -> None:
    session.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account_id)
                    .values(balance=ACCOUNTS.c.balance + amount))
    _forget_cached_balance(session, account_id)


def set_balance(session: Session, account_id: int, balance: int) -> None:
    """Only `rebuild` uses this: recovery that rewrites a cache from the entries."""
    session.execute(update(ACCOUNTS).where(ACCOUNTS.c.id == account_id).values(balance=balance))
    _forget_cached_balance(session, account_id)


def _forget_cached_balance(session: Session, account_id: int) -> None:
    # An Account loaded earlier in this session would otherwise show the balance from before.
    loaded = session.identity_map.get(identity_key(Account, account_id))
    if loaded is not None:
        session.expire(loaded, ["balance"])


def balances(session: Session, account_ids: Iterable[int]) -> dict[int, int]:
    """Fresh balances from the database (columns, not entities: never the identity map's copy)."""
    ids = list(account_ids)
    if not ids:
        return {}
    rows = session.execute(select(Account.id, Account.balance).where(Account.id.in_(ids)))
    return {row.id: int(row.balance) for row in rows}


def accounts_by_id(session: Session, account_ids: Iterable[int]) -> dict[int, Account]:
    ids = list(account_ids)
    return {a.id: a for a in session.scalars(select(Account).where(Account.id.in_(ids)))} if ids else {}


# --- transfers ----------------------------------------------------------------------------------

def transfer_by_key(session: Session, key: str) -> Transfer | None:
    return session.scalar(select(Transfer).where(Transfer.key == key))


def transfers_for_ref(session: Session, ref: str) -> list[Transfer]:
    return transfers_for_refs(session, [ref])


def transfers_for_refs(session: Session, refs: list[str]) -> list[Transfer]:
    return list(session.scalars(select(Transfer).where(Transfer.ref.in_(refs)).order_by(Transfer.id)))


_TRANSFER_ROWS = (select(Transfer.id, Transfer.key, Transfer.kind, Transfer.status, Transfer.amount, Transfer.ref)
                  .where(Transfer.ref.in_(bindparam("refs", expanding=True))).order_by(Transfer.id))  # built once


def transfer_rows_for_refs(session: Session, refs: list[str]) -> list[Any]:
    """transfers_for_refs as plain rows (id, key, kind, status, amount, ref): for reading only
    (a redemption batch's, at peak load)."""
    return list(session.execute(_TRANSFER_ROWS, {"refs": list(refs)}))


def settle_pending(session: Session, pending: Transfer, status: str) -> bool:
    """pending → posted | voided, only if it is still pending (one conditional UPDATE, so two
    racing settlements of one reservation cannot both succeed)."""
    result = session.execute(
        update(TRANSFERS).where(TRANSFERS.c.id == pending.id, TRANSFERS.c.status == "pending").values(status=status)
    )
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def mark_settled(session: Session, pending: Transfer, status: str) -> None:
    """Tells the ORM what `settle_pending` wrote, without making the object dirty."""
    set_committed_value(pending, "status", status)
    loaded = session.identity_map.get(identity_key(Transfer, pending.id))
    if loaded is not None and loaded is not pending:
        set_committed_value(loaded, "status", status)


def lock_transfer(session: Session, transfer_id: int) -> str | None:
    """The current status of a transfer, its row locked until the end of the transaction
    (PostgreSQL; SQLite serialises writers anyway)."""
    return session.scalar(select(Transfer.status).where(Transfer.id == transfer_id).with_for_update())


def corrections_of(session: Session, transfer_id: int) -> list[Transfer]:
    return list(session.scalars(select(Transfer).where(Transfer.kind == "correct", Transfer.pending_id == transfer_id)))


def count_transfers(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(Transfer)) or 0)


# --- pools --------------------------------------------------------------------------------------

def pool_by_identity(
    session: Session, *, city_code: str, programme_code: str, region_code: str, fund_source: str, tranche: int,
) -> Pool | None:
    return session.scalar(select(Pool).where(
        Pool.city_code == city_code, Pool.programme_code == programme_code, Pool.region_code == region_code,
        Pool.fund_source == fund_source, Pool.tranche == tranche,
    ))


def pools_of(session: Session, city_code: str, programme_code: str | None = None) -> list[Pool]:
    statement = select(Pool).where(Pool.city_code == city_code)
    if programme_code is not None:
        statement = statement.where(Pool.programme_code == programme_code)
    order = (Pool.programme_code, Pool.region_code, Pool.fund_source, Pool.tranche)
    return list(session.scalars(statement.order_by(*order)))


def tranches(
    session: Session, *, city_code: str, programme_code: str, region_code: str, fund_source: str,
) -> list[Pool]:
    return list(session.scalars(select(Pool).where(
        Pool.city_code == city_code, Pool.programme_code == programme_code, Pool.region_code == region_code,
        Pool.fund_source == fund_source,
    ).order_by(Pool.tranche)))


def tranches_with_available(
    session: Session, *, city_code: str, programme_code: str, region_codes: Sequence[str], fund_sources: Sequence[str],
) -> list[tuple[Pool, int]]:
    """Every tranche of the given regions and fund sources with its available balance, in one
    query (by tranche). The balance is read from the column, never the identity map's copy."""
    rows = session.execute(
        select(Pool, Account.balance).join(Account, Account.id == Pool.available_account_id)
        .where(Pool.city_code == city_code, Pool.programme_code == programme_code,
               Pool.region_code.in_(list(region_codes)), Pool.fund_source.in_(list(fund_sources)))
        .order_by(Pool.tranche))
    return [(pool, int(balance)) for pool, balance in rows]


def pool_of_account(session: Session, account_id: int) -> Pool | None:
    return session.scalar(select(Pool).where(or_(
        Pool.available_account_id == account_id, Pool.reserved_account_id == account_id,
        Pool.paid_account_id == account_id, Pool.source_account_id == account_id,
    )))


def moved_in_net(session: Session, pools: Sequence[Pool]) -> dict[int, int]:
    """Per pool: money re-allocated into its available account from other pools, less what
    was moved out (corrections of moves included, as they cross the same boundary)."""
    if not pools:
        return {}
    by_available = {p.available_account_id: p for p in pools}
    own = {p.available_account_id: {p.available_account_id, p.reserved_account_id, p.paid_account_id,
                                      p.source_account_id} for p in pools}
    ids = list(by_available)
    rows = session.execute(
        select(Transfer.from_account_id, Transfer.to_account_id, func.sum(Transfer.amount))
        .where(Transfer.kind.in_(("move", "correct")),
               or_(Transfer.to_account_id.in_(ids), Transfer.from_account_id.in_(ids)))
        .group_by(Transfer.from_account_id, Transfer.to_account_id)
    )
    net = {p.id: 0 for p in pools}
    for from_id, to_id, total in rows:
        if to_id in by_available and from_id not in own[to_id]:
            net[by_available[to_id].id] += int(total)
        if from_id in by_available and to_id not in own[from_id]:
            net[by_available[from_id].id] -= int(total)
    return net


# --- verification -------------------------------------------------------------------------------

def rebuilt_balances(session: Session) -> dict[int, int]:
    """Every account's balance as the entries say it is: one GROUP BY over the entries."""
    rows = session.execute(select(Entry.account_id, func.sum(Entry.amount)).group_by(Entry.account_id))
    return {int(account_id): int(total or 0) for account_id, total in rows}


def lock_all_accounts(session: Session) -> list[Row[Any]]:
    """All accounts, locked in id order until the end of the transaction (PostgreSQL)."""
    return list(session.execute(
        select(Account.id, Account.code, Account.balance).order_by(Account.id).with_for_update()
    ))


def all_accounts(session: Session) -> list[Row[Any]]:
    return list(session.execute(
        select(Account.id, Account.code, Account.balance, Account.allow_negative).order_by(Account.id)
    ))


def unbalanced_transfers(session: Session) -> list[Row[Any]]:
    """Transfers whose entries are not exactly (-amount, +amount): missing, extra or unequal."""
    entries = (
        select(Entry.transfer_id, func.count(Entry.id).label("n"), func.sum(Entry.amount).label("total"),
               func.max(Entry.amount).label("credit"), func.min(Entry.amount).label("debit"))
        .group_by(Entry.transfer_id).subquery()
    )
    return list(session.execute(
        select(Transfer.id, Transfer.key)
        .outerjoin(entries, entries.c.transfer_id == Transfer.id)
        .where(or_(
            entries.c.n.is_(None), entries.c.n != 2, entries.c.total != 0,
            entries.c.credit != Transfer.amount, entries.c.debit != -Transfer.amount,
        ))
        .order_by(Transfer.id)
    ))


def entries_total(session: Session) -> int:
    return int(session.scalar(select(func.coalesce(func.sum(Entry.amount), 0))) or 0)
