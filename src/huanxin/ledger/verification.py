"""Verification and recovery: balances rebuilt from the entries, checked or rewritten."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from huanxin.db import is_postgres
from huanxin.kit import audit
from huanxin.ledger import repository as repo


@dataclass(frozen=True)
class VerifyResult:
    accounts_checked: int
    mismatches: list[tuple[str, int, int]]  # (account code, cached balance, rebuilt from entries)
    transfers_checked: int
    unbalanced_transfers: list[str]  # keys of transfers whose entries are not (-amount, +amount)
    negative_accounts: list[str]  # codes of accounts below zero that may not be

    @property
    def ok(self) -> bool:
        return not (self.mismatches or self.unbalanced_transfers or self.negative_accounts)


def verify(session: Session) -> VerifyResult:
    """Rebuilds every balance from the entries (one GROUP BY), checks that every transfer's
    entries are exactly (-amount, +amount), and that no account that may not is below zero."""
    if is_postgres(session) and not session.in_transaction():
        # One snapshot for all the queries below, while transfers go on being written.
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    rebuilt = repo.rebuilt_balances(session)
    accounts = repo.all_accounts(session)
    mismatches: list[tuple[str, int, int]] = []
    negative: list[str] = []
    for account in accounts:
        cached, true = int(account.balance), rebuilt.get(account.id, 0)
        if cached != true:
            mismatches.append((account.code, cached, true))
        if not account.allow_negative and min(cached, true) < 0:
            negative.append(account.code)
    return VerifyResult(
        accounts_checked=len(accounts),
        mismatches=mismatches,
        transfers_checked=repo.count_transfers(session),
        unbalanced_transfers=[row.key for row in repo.unbalanced_transfers(session)],
        negative_accounts=negative,
    )


def rebuild(session: Session, *, actor: str = "system") -> list[tuple[str, int, int]]:
    """Rewrites cached balances from the entries (recovery). Returns (code, old, new) for each
    account changed; audited. On PostgreSQL the accounts are locked first, so no transfer lands
    between reading the entries and writing the balances."""
    locked = repo.lock_all_accounts(session)
    rebuilt = repo.rebuilt_balances(session)
    changes = []
    for account in locked:
        true = rebuilt.get(account.id, 0)
        if int(account.balance) != true:
            repo.set_balance(session, account.id, true)
            changes.append((account.code, int(account.balance), true))
    if changes:
        audit.record(session, actor=actor, action="ledger.rebuild", entity="ledger_account", entity_id="*",
                     detail={"changes": [{"code": c, "cached": old, "rebuilt": new} for c, old, new in changes]})
    return changes
