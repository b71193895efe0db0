"""One handler for domain errors: JSON for the API, a page for browsers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response

from huanxin.errors import DomainError, InvalidInput, NotAuthenticated
from huanxin.web.templating import render

FIELD_NAMES = {
    "progress_pct": "完成百分比", "due_on": "截止日期", "narrative": "进展情况", "task_status": "完成状态",
    "username": "用户名", "password": "密码", "value": "数值", "year": "年份", "title": "标题",
    "period": "调度期次", "indicator_code": "指标代码", "region_code": "地区代码", "note": "备注",
    "file": "文件", "reason": "退回理由", "evidence": "销号佐证", "month": "月份",
}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


def _from_validation(exc: RequestValidationError) -> InvalidInput:
    errors = []
    for err in exc.errors():
        loc = [str(x) for x in err.get("loc", []) if x not in ("body", "query", "path", "form")]
        field = loc[-1] if loc else ""
        errors.append({"field": field, "message": f"{FIELD_NAMES.get(field, field)}：{err.get('msg', '')}"})
    first = errors[0] if errors else {"field": "", "message": "输入有误"}
    return InvalidInput(f"输入有误：{first['message']}", field=first["field"], errors=errors)


def error_json(exc: DomainError) -> JSONResponse:
    """A domain error as the API answers it (also by the peak routes served without FastAPI)."""
    return JSONResponse(exc.to_dict(), status_code=exc.status_code)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if _wants_json(request):
            return error_json(exc)
        if isinstance(exc, NotAuthenticated) and request.method == "GET":
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        return render(request, "error.html", status_code=exc.status_code, error=exc)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return await domain_error(request, _from_validation(exc))
