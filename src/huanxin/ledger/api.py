"""JSON API of the ledger domain (mounted under /api/v1): the public budget of a city, and the
office's pools and funding. Funding takes an `Idempotency-Key`: the first response is stored and
replayed, the same key with another body is a 409 (Stripe's model, kit/idempotency)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from huanxin.errors import Forbidden, InvalidInput
from huanxin.kit import idempotency
from huanxin.kit.clock import now
from huanxin.ledger import service
from huanxin.ledger.schemas import CityBudgetOut, FundIn, PoolOut, TransferOut
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["预算账本"])

MAX_IDEMPOTENCY_KEY = 100


class FundOut(BaseModel):
    transfer: TransferOut
    pool: PoolOut


@router.get("/cities/{city_code}/budget", response_model=CityBudgetOut, summary="公开：各项目预算余额")
def city_budget(city_code: str, db: DbSession) -> CityBudgetOut:
    """Public, no login: what remains of every programme's budget, per pool (amounts in fen and yuan)."""
    budget, name = service.public_budget(db, city_code)
    return CityBudgetOut.of(budget, name, now())


@router.get("/ledger/pools", response_model=list[PoolOut], summary="本市预算池及余额")
def list_pools(db: DbSession, scope: CurrentScope, programme_code: str | None = None) -> list[PoolOut]:
    if not scope.city_wide:
        raise Forbidden("只有专班办公室和市政府领导可以查看预算池")
    pools = service.pools_of(db, scope.city_code, programme_code)
    balances = service.pool_balances(db, pools)
    return [PoolOut.of(p, balances[p.id]) for p in pools]


@router.post("/ledger/pools/{pool_id}/fund", response_model=FundOut, status_code=201,
             summary="向预算池注资（专班办公室）")
def fund_pool(
    pool_id: int, body: FundIn, db: DbSession, scope: CurrentScope,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key")] = None,
) -> Any:
    scope.require_office()
    key = (idempotency_key or "").strip()
    if not key:
        raise InvalidInput("缺少请求头 Idempotency-Key：资金操作必须携带幂等键，重试时使用同一个键",
                           field="Idempotency-Key")
    if len(key) > MAX_IDEMPOTENCY_KEY:
        raise InvalidInput(f"Idempotency-Key 过长（最多 {MAX_IDEMPOTENCY_KEY} 个字符）", field="Idempotency-Key")
    pool = service.get_pool(db, pool_id)
    scope.require_city(pool.city_code)

    owner = f"user:{scope.user_id}"
    request = {"op": "ledger.fund", "pool_id": pool_id, **body.model_dump()}
    stored = idempotency.lookup(db, owner, key, request)
    if stored is not None:
        return JSONResponse(stored.response, status_code=stored.status_code)
    record = idempotency.claim(db, owner, key, request)
    transfer = service.fund(db, pool, body.amount_fen, key=f"api:fund:{scope.user_id}:{key}", actor=scope.username,
                            memo=body.memo)
    out = FundOut(transfer=TransferOut.of(transfer), pool=PoolOut.of(pool, service.pool_balance(db, pool)))
    response = out.model_dump(mode="json")
    idempotency.store(record, 201, response)
    return JSONResponse(response, status_code=201)
