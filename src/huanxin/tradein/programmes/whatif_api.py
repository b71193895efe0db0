"""POST /api/v1/tradein/what-if: the cost of a proposed parameter change over past claims."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from huanxin.kit.limits import Schema
from huanxin.tradein.programmes import whatif as whatif_service
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(prefix="/tradein", tags=["以旧换新补贴申请"])


class WhatIfIn(Schema):
    programme: str = Field(description="规则代码，如 appliance-2025")
    overrides: dict[str, Any] = Field(description="参数路径 → 拟调整的新值，如 {\"appliance.cap_fen\": 150000}")


class WhatIfOut(BaseModel):
    programme: str
    overrides: dict[str, Any]
    count: int
    baseline_total_fen: int
    proposed_total_fen: int
    difference_fen: int
    changed: int
    method: str


@router.post("/what-if", response_model=WhatIfOut)
def what_if(body: WhatIfIn, db: DbSession, scope: CurrentScope) -> WhatIfOut:
    result = whatif_service.what_if_for_city(db, scope, rules_code=body.programme, overrides=body.overrides)
    return WhatIfOut(**result.__dict__)
