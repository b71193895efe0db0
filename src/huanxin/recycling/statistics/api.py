"""GET /api/v1/recycling/statistics: the same table as JSON (amounts in 万元 as on the page)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from huanxin.recycling.statistics import service
from huanxin.web.deps import CurrentScope, DbSession

router = APIRouter(tags=["回收与二手交易统计"])


@router.get("/recycling/statistics")
def statistics(db: DbSession, scope: CurrentScope, months: int = 12) -> dict[str, Any]:
    table = service.table(db, scope, months)
    return {"months": [f"{m:%Y-%m}" for m in table.months],
            "measures": [{"code": m.code, "label": m.label, "unit": m.unit} for m in table.measures],
            "rows": [{"month": f"{r.month:%Y-%m}", "region_code": r.region_code, "region_name": r.region_name,
                      "values": r.values} for r in table.rows],
            "totals": table.totals}
