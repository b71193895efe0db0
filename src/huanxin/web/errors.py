"""One handler for domain errors: JSON for the API, a page for browsers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DataError

from huanxin.errors import DomainError, InvalidInput, NotAuthenticated, PasswordChangeRequired
from huanxin.web.templating import render

logger = logging.getLogger(__name__)

FIELD_NAMES = {
    "progress_pct": "完成百分比", "due_on": "截止日期", "narrative": "进展情况", "task_status": "完成状态",
    "username": "用户名", "password": "密码", "value": "数值", "year": "年份", "title": "标题",
    "period": "调度期次", "indicator_code": "指标代码", "region_code": "地区代码", "note": "备注",
    "file": "文件", "reason": "退回理由", "evidence": "销号佐证", "month": "月份",
    # path and query parameters, amounts (huanxin.web.params, kit.limits)
    "plan_id": "方案编号", "task_id": "任务编号", "round_id": "调度轮次编号", "item_id": "报送事项编号",
    "report_id": "报告编号", "closure_id": "销号申请编号", "attachment_id": "附件编号", "claim_id": "申请编号",
    "qualification_id": "资格编号", "programme_id": "补贴活动编号", "retailer_id": "商户编号",
    "batch_id": "拨付批次编号", "appeal_id": "申诉编号", "pool_id": "资金池编号", "unit_id": "单位编号",
    "offset": "起始位置", "limit": "条数", "price_fen": "成交价格（分）", "amount_fen": "金额（分）",
    "label": "指标名称", "unit": "计量单位", "what": "补正内容", "reasons": "驳回理由",
}

# Pydantic's error types in Chinese, after the field's name in quotes (“标题”不能超过 200 字).
_MESSAGES = {
    "missing": "为必填项", "string_too_long": "不能超过 {max_length} 字",
    "string_too_short": "不能少于 {min_length} 字",
    "less_than_equal": "不能大于 {le}", "less_than": "须小于 {lt}", "greater_than_equal": "不能小于 {ge}",
    "greater_than": "须大于 {gt}", "finite_number": "须为有限的数值（不接受 NaN 或 Infinity）",
    "int_parsing": "须为整数", "int_type": "须为整数", "int_from_float": "须为整数", "float_parsing": "须为数字",
    "float_type": "须为数字", "bool_parsing": "须为是或否", "bool_type": "须为是或否",
    "date_parsing": "须为日期（如 2025-06-30）", "date_from_datetime_parsing": "须为日期（如 2025-06-30）",
    "date_type": "须为日期（如 2025-06-30）", "string_type": "须为文字", "extra_forbidden": "不是可接受的字段",
    "json_invalid": "不是有效的 JSON", "too_long": "的条目过多（最多 {max_length} 项）",
    "int64_range": "超出可接受的范围（须为 {low} 到 {high} 之间的整数）",  # kit.limits.Schema
}


def field_label(field: str) -> str:
    """The field's name on screen, or the field itself when it has none."""
    return FIELD_NAMES.get(field, field)


def _message(field: str, err: Any) -> str:
    label = field_label(field)
    template = _MESSAGES.get(err.get("type", ""))
    if template is not None:
        try:
            return f"“{label}”{template.format(**err.get('ctx', {}))}"
        except (KeyError, IndexError):
            pass
    return f"{label}：{str(err.get('msg', '')).removeprefix('Value error, ')}"


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/") or "application/json" in request.headers.get("accept", "")


# What pydantic puts in an error's location after a field typed as a union (`value: float | str`
# → ("body", "value", "float")): the branch, not a field.
_BRANCHES = {"int", "float", "str", "bool", "bytes", "date", "datetime", "time", "decimal", "none", "dict", "list"}


def _field_of(loc: Any) -> tuple[str, tuple[str, ...]]:
    """The field an error is about, and its path (to tell two items of a list apart)."""
    names = [str(x) for x in loc if x not in ("body", "query", "path", "form")
             and (isinstance(x, int) or (str(x).isidentifier() and x not in _BRANCHES))]
    fields = [n for n in names if not n.isdigit()]
    return (fields[-1] if fields else ""), tuple(names)


def _from_validation(exc: RequestValidationError) -> InvalidInput:
    errors = []
    seen = set()
    for err in exc.errors():
        field, path = _field_of(err.get("loc", []))
        if path in seen:
            continue  # the other branches of a union: the first one says what was wrong
        seen.add(path)
        errors.append({"field": field, "message": _message(field, err)})
    first = errors[0] if errors else {"field": "", "message": "输入有误"}
    return InvalidInput(f"输入有误：{first['message']}", field=first["field"], errors=errors)


def error_json(exc: DomainError) -> JSONResponse:
    """A domain error as the API answers it (also by the peak routes served without FastAPI)."""
    return JSONResponse(exc.to_dict(), status_code=exc.status_code)


def answer(request: Request, exc: DomainError) -> Response:
    """A domain error as JSON for the API, as a page for browsers (also used by web.body_limit)."""
    if _wants_json(request):
        return error_json(exc)
    if isinstance(exc, NotAuthenticated) and request.method == "GET":
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
    if isinstance(exc, PasswordChangeRequired) and request.method == "GET":
        return RedirectResponse("/me/password", status_code=303)
    return render(request, "error.html", status_code=exc.status_code, error=exc)


def install(app: FastAPI) -> None:
    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        return answer(request, exc)

    # The last resort for a number no check caught (web.params and kit.limits catch them first):
    # SQLite's driver raises OverflowError for an integer beyond 64 bits, PostgreSQL a DataError
    # (numeric value out of range, a text too long for its column). Input, not a fault: 422.
    @app.exception_handler(OverflowError)
    async def overflow(request: Request, exc: OverflowError) -> Response:
        logger.warning("input out of range reached the database: %s", exc)
        return answer(request, InvalidInput("输入的数值超出可接受的范围，请核对后重试"))

    @app.exception_handler(DataError)
    async def data_error(request: Request, exc: DataError) -> Response:
        logger.warning("input the database refused: %s", exc.orig)
        return answer(request, InvalidInput("输入的数值或文字超出可接受的范围，请核对后重试"))

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        return await domain_error(request, _from_validation(exc))
