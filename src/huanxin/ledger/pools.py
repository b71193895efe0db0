"""Budget pools: creating a pool and its four accounts, finding pools, and their balances.

A pool has four accounts: `source` (the outside world: the only account allowed below zero),
`available`, `reserved` and `paid`. Money moves between them only through huanxin.ledger.transfers.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput, NotFound
from huanxin.kit import audit
from huanxin.kit.clock import now
from huanxin.ledger import repository as repo
from huanxin.ledger.common import require_text
from huanxin.ledger.models import Account, Pool

FUND_SOURCES = {"central": "中央资金", "provincial": "省级资金", "city": "市级资金", "county": "县级资金"}
ACCOUNT_KINDS = {"available": "可用", "reserved": "已预留", "paid": "已拨付", "source": "资金来源"}
CODE_PATTERN = re.compile(r"^\d{6}$")


@dataclass(frozen=True)
class PoolBalance:
    """In fen. `funded` is what came into the pool (funding and re-allocation, net of
    corrections), counted from the funding side; it always equals available + reserved + paid."""

    funded: int
    available: int
    reserved: int
    paid: int

    @property
    def available_percent(self) -> float:
        return 0.0 if self.funded <= 0 else 100.0 * self.available / self.funded



def _accounts_of(pool: Pool) -> set[int]:
    return {pool.available_account_id, pool.reserved_account_id, pool.paid_account_id, pool.source_account_id}


def create_pool(
    session: Session, *, city_code: str, programme_code: str, region_code: str, fund_source: str, tranche: int,
    name: str, actor: str = "system",
) -> Pool:
    """A pool and its four accounts; idempotent on (programme, city, region, source, tranche)."""
    if not CODE_PATTERN.match(city_code or ""):
        raise InvalidInput(f"城市代码“{city_code}”应为6位行政区划代码", field="city_code")
    if not CODE_PATTERN.match(region_code or ""):
        raise InvalidInput(f"地区代码“{region_code}”应为6位行政区划代码", field="region_code")
    if not programme_code or ":" in programme_code or len(programme_code) > 60:
        raise InvalidInput("项目代码不能为空、不能含冒号，且不超过60个字符", field="programme_code")
    if fund_source not in FUND_SOURCES:
        raise InvalidInput(f"资金来源“{fund_source}”无效，应为 {'、'.join(FUND_SOURCES)} 之一", field="fund_source")
    if isinstance(tranche, bool) or not isinstance(tranche, int) or tranche < 1:
        raise InvalidInput("批次必须是不小于1的整数", field="tranche")
    require_text(name, "预算池名称", "name", 180, required=True)
    prefix = f"pool:{city_code}:{programme_code}:{region_code}:{fund_source}:{tranche}"
    if len(prefix) + len(":available") > 120:
        raise InvalidInput("项目代码过长，账户代码超过120个字符", field="programme_code")

    identity: dict[str, Any] = {"city_code": city_code, "programme_code": programme_code,
                                "region_code": region_code, "fund_source": fund_source, "tranche": tranche}
    existing = repo.pool_by_identity(session, **identity)
    if existing is not None:
        return existing
    try:
        with session.begin_nested():
            created = now()
            ids: dict[str, int] = {}
            # One at a time, in this order: ids ascend available < reserved < paid < source.
            for kind, label in ACCOUNT_KINDS.items():
                account = Account(code=f"{prefix}:{kind}", name=f"{name}·{label}", city_code=city_code, kind=kind,
                                  balance=0, allow_negative=kind == "source", created_at=created)
                session.add(account)
                session.flush()
                ids[kind] = account.id
            pool = Pool(**identity, name=name, available_account_id=ids["available"],
                        reserved_account_id=ids["reserved"], paid_account_id=ids["paid"],
                        source_account_id=ids["source"], created_at=created)
            session.add(pool)
            session.flush()
            audit.record(session, actor=actor, action="ledger.pool.create", entity="ledger_pool", entity_id=pool.id,
                         city_code=city_code, detail={**identity, "name": name})
            return pool
    except IntegrityError:
        existing = repo.pool_by_identity(session, **identity)  # a concurrent twin won
        if existing is None:
            raise
        return existing


def get_pool(session: Session, pool_id: int) -> Pool:
    pool = session.get(Pool, pool_id)
    if pool is None:
        raise NotFound(f"未找到预算池（id={pool_id}）")
    return pool


def pools_of(session: Session, city_code: str, programme_code: str | None = None) -> list[Pool]:
    return repo.pools_of(session, city_code, programme_code)


def pool_balances(session: Session, pools: Sequence[Pool]) -> dict[int, PoolBalance]:
    """Balances of many pools in two queries."""
    cached = repo.balances(session, (a for p in pools for a in _accounts_of(p)))
    moved = repo.moved_in_net(session, pools)
    return {
        p.id: PoolBalance(
            funded=-cached[p.source_account_id] + moved[p.id],
            available=cached[p.available_account_id],
            reserved=cached[p.reserved_account_id],
            paid=cached[p.paid_account_id],
        )
        for p in pools
    }


def pool_balance(session: Session, pool: Pool) -> PoolBalance:
    return pool_balances(session, [pool])[pool.id]


def pool_for(
    session: Session, *, city_code: str, programme_code: str, region_code: str, fund_source: str,
) -> Pool | None:
    """The open tranche: the highest tranche that still has money available, else the highest."""
    return pools_for(session, city_code=city_code, programme_code=programme_code, region_codes=[region_code],
                     fund_sources=[fund_source]).get(fund_source)


def pools_for(
    session: Session, *, city_code: str, programme_code: str, region_codes: Sequence[str], fund_sources: Sequence[str],
) -> dict[str, Pool]:
    """`pool_for` of every fund source at once (one query): per source, the open tranche of the
    first region in `region_codes` that has the source's pools."""
    found: dict[tuple[str, str], list[tuple[Pool, int]]] = {}
    for pool, available in repo.tranches_with_available(session, city_code=city_code, programme_code=programme_code,
                                                         region_codes=region_codes, fund_sources=fund_sources):
        found.setdefault((pool.region_code, pool.fund_source), []).append((pool, available))
    out: dict[str, Pool] = {}
    for source in fund_sources:
        for region in region_codes:
            tranches = found.get((region, source))
            if tranches:
                open_ones = [p for p, available in tranches if available > 0]
                out[source] = (open_ones or [p for p, _ in tranches])[-1]
                break
    return out
