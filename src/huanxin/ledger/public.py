"""The public budget: what residents read about a city's pools, programme by programme."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from huanxin.errors import NotFound
from huanxin.ledger import repository as repo
from huanxin.ledger.models import Pool
from huanxin.ledger.pools import PoolBalance, pool_balances


@dataclass(frozen=True)
class PoolView:
    pool: Pool
    balance: PoolBalance


@dataclass(frozen=True)
class ProgrammeBudget:
    programme_code: str
    pools: list[PoolView]
    balance: PoolBalance

    @property
    def title(self) -> str:
        """What residents read: pools are named "项目·资金来源…", so the part their names share
        before the first "·" is the programme's name; failing that, its code."""
        heads = {v.pool.name.split("·", 1)[0].strip() for v in self.pools}
        return heads.pop() if len(heads) == 1 and "" not in heads else self.programme_code


@dataclass(frozen=True)
class CityBudget:
    city_code: str
    programmes: list[ProgrammeBudget] = field(default_factory=list)


def city_budget(session: Session, city_code: str) -> CityBudget:
    """What the public budget page shows: every programme's pools and totals."""
    pools = repo.pools_of(session, city_code)
    balances = pool_balances(session, pools)
    by_programme: dict[str, list[PoolView]] = {}
    for p in pools:
        by_programme.setdefault(p.programme_code, []).append(PoolView(p, balances[p.id]))
    programmes = []
    for code, views in by_programme.items():
        total = PoolBalance(
            funded=sum(v.balance.funded for v in views), available=sum(v.balance.available for v in views),
            reserved=sum(v.balance.reserved for v in views), paid=sum(v.balance.paid for v in views),
        )
        programmes.append(ProgrammeBudget(code, views, total))
    return CityBudget(city_code, programmes)


def public_budget(session: Session, city_code: str) -> tuple[CityBudget, str]:
    """A city's budget as residents see it, with the city's name; 404 for a city we do not know."""
    from huanxin.orgs import service as orgs_service

    budget = city_budget(session, city_code)
    name = orgs_service.region_name(session, city_code)
    if name == city_code and not budget.programmes:
        raise NotFound(f"未找到城市“{city_code}”的预算信息")
    return budget, name
