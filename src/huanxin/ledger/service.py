"""The budget ledger: pools, and money moved between their accounts in integer fen.

The entry point other domains call (`from huanxin.ledger import service as ledger_service`). The
use cases live beside it, one module each:

- `pools`: creating a pool and its four accounts, finding pools, their balances;
- `transfers`: fund, reserve, post, void, correct, move, and the transfer-writing core they share
  (idempotency keys, savepoints, lock order: read its docstring before touching money);
- `verification`: balances rebuilt from the entries, checked (`verify`) or rewritten (`rebuild`);
- `public`: the public budget read model, what residents see of a city's pools;
- `common`: input checks and yuan formatting they all use.

The immutability guards live beside the tables, in huanxin.ledger.models. Services never commit.
"""

from __future__ import annotations

from huanxin.ledger.common import MAX_KEY, yuan
from huanxin.ledger.pools import (
    ACCOUNT_KINDS,
    CODE_PATTERN,
    FUND_SOURCES,
    PoolBalance,
    create_pool,
    get_pool,
    pool_balance,
    pool_balances,
    pool_for,
    pools_for,
    pools_of,
)
from huanxin.ledger.public import CityBudget, PoolView, ProgrammeBudget, city_budget, public_budget
from huanxin.ledger.transfers import (
    CORRECTABLE,
    MAX_MEMO,
    MAX_REF,
    TRANSFER_KINDS,
    InsufficientFunds,
    correct,
    fund,
    move,
    post,
    reserve,
    reserve_each,
    reserve_many,
    transfer_by_key,
    transfer_rows_for_refs,
    transfers_for_ref,
    void,
)
from huanxin.ledger.verification import VerifyResult, rebuild, verify

__all__ = [
    "ACCOUNT_KINDS",
    "CODE_PATTERN",
    "CORRECTABLE",
    "FUND_SOURCES",
    "MAX_KEY",
    "MAX_MEMO",
    "MAX_REF",
    "TRANSFER_KINDS",
    "CityBudget",
    "InsufficientFunds",
    "PoolBalance",
    "PoolView",
    "ProgrammeBudget",
    "VerifyResult",
    "city_budget",
    "correct",
    "create_pool",
    "fund",
    "get_pool",
    "move",
    "pool_balance",
    "pool_balances",
    "pool_for",
    "pools_for",
    "pools_of",
    "post",
    "public_budget",
    "rebuild",
    "reserve",
    "reserve_each",
    "reserve_many",
    "transfer_by_key",
    "transfers_for_ref",
    "transfer_rows_for_refs",
    "verify",
    "void",
    "yuan",
]
