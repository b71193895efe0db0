"""/recycling/statistics: the month-by-county table for the office, leaders, departments, reviewers
and counties (their own county), with its .xlsx download."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from huanxin.recycling.statistics import export, service
from huanxin.web.deps import CurrentScope, DbSession
from huanxin.web.templating import render

router = APIRouter(include_in_schema=False)
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get("/recycling/statistics")
def statistics_page(request: Request, db: DbSession, scope: CurrentScope, months: int = 12) -> Response:
    request.state.scope = scope
    table = service.table(db, scope, months)
    return render(request, "recycling/statistics.html", table=table, months=len(table.months))


@router.get("/recycling/statistics.xlsx")
def statistics_sheet(db: DbSession, scope: CurrentScope, months: int = 12) -> Response:
    table = service.table(db, scope, months)
    name = f"recycling-statistics-{table.months[0]:%Y%m}-{table.months[-1]:%Y%m}.xlsx"
    return Response(export.sheet_bytes(table), media_type=XLSX_TYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
