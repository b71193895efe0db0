"""Pydantic shapes of the ledger API. Money is integer fen (`*_fen`); the public budget also
carries the yuan figure as text with two decimals, exactly as the page shows it."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

from huanxin.kit.limits import FenAmount, Schema
from huanxin.ledger import service
from huanxin.ledger.models import Pool, Transfer


class BalanceOut(BaseModel):
    funded_fen: int
    available_fen: int
    reserved_fen: int
    paid_fen: int
    available_yuan: str
    reserved_yuan: str
    paid_yuan: str
    funded_yuan: str

    @classmethod
    def of(cls, balance: service.PoolBalance) -> BalanceOut:
        return cls(
            funded_fen=balance.funded, available_fen=balance.available, reserved_fen=balance.reserved,
            paid_fen=balance.paid, funded_yuan=service.yuan(balance.funded),
            available_yuan=service.yuan(balance.available), reserved_yuan=service.yuan(balance.reserved),
            paid_yuan=service.yuan(balance.paid),
        )


class PoolOut(BaseModel):
    id: int
    city_code: str
    programme_code: str
    region_code: str
    fund_source: str
    fund_source_label: str
    tranche: int
    name: str
    balance: BalanceOut

    @classmethod
    def of(cls, pool: Pool, balance: service.PoolBalance) -> PoolOut:
        return cls(
            id=pool.id, city_code=pool.city_code, programme_code=pool.programme_code, region_code=pool.region_code,
            fund_source=pool.fund_source,
            fund_source_label=service.FUND_SOURCES.get(pool.fund_source, pool.fund_source),
            tranche=pool.tranche, name=pool.name, balance=BalanceOut.of(balance),
        )


class ProgrammeBudgetOut(BaseModel):
    programme_code: str
    title: str
    balance: BalanceOut
    pools: list[PoolOut]


class CityBudgetOut(BaseModel):
    city_code: str
    city_name: str
    as_of: dt.datetime
    programmes: list[ProgrammeBudgetOut]

    @classmethod
    def of(cls, budget: service.CityBudget, city_name: str, as_of: dt.datetime) -> CityBudgetOut:
        return cls(
            city_code=budget.city_code, city_name=city_name, as_of=as_of,
            programmes=[
                ProgrammeBudgetOut(programme_code=p.programme_code, title=p.title, balance=BalanceOut.of(p.balance),
                                   pools=[PoolOut.of(v.pool, v.balance) for v in p.pools])
                for p in budget.programmes
            ],
        )


class FundIn(Schema):
    model_config = ConfigDict(extra="forbid")

    amount_fen: FenAmount = Field(description="注资金额，单位：分（正整数）")
    memo: str = Field("", max_length=200, description="备注，例如资金文号")


class TransferOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    key: str
    kind: str
    from_account_id: int
    to_account_id: int
    amount: int = Field(description="金额，单位：分")
    status: str
    pending_id: int | None
    ref: str
    memo: str
    actor: str
    created_at: dt.datetime

    @classmethod
    def of(cls, transfer: Transfer) -> TransferOut:
        return cls.model_validate(transfer)
