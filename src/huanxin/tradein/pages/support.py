"""What the trade-in pages share: one-time form submissions (the API's idempotency keys, carried
by a hidden field generated when the form is rendered), money typed in yuan turned into fen
exactly, and a claim's decision put into words a resident can read."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable
from typing import Any

from fastapi.encoders import jsonable_encoder
from fastapi.responses import RedirectResponse
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from huanxin.errors import Conflict, DomainError, Forbidden, InvalidInput
from huanxin.kit import idempotency, limits
from huanxin.kit.clock import aware, parse_date
from huanxin.orgs.roles import Role
from huanxin.orgs.scope import Scope
from huanxin.tradein import repository as repo
from huanxin.tradein.claims import evaluation
from huanxin.tradein.claims.events import QUALIFICATION_LABELS, STATUS_LABELS
from huanxin.tradein.models import Claim, Programme
from huanxin.tradein.programmes import setup as programmes_service

# What a resident reads about their claim (the staff pages use events.STATUS_LABELS).
RESIDENT_STATUS = {
    "submitted": "已提交", "review": "审核中", "correction": "需补正", "approved": "已通过",
    "rejected": "已驳回", "appealed": "申诉中", "paying": "发放中", "paid": "已发放",
}
STAFF_STATUS = STATUS_LABELS
QUALIFICATION_STATUS = QUALIFICATION_LABELS
SOURCE_LABELS = programmes_service.SOURCE_LABELS
PROOF_LABELS = {"recycling_cert": "旧机回收证明", "scrap_cert": "报废机动车回收证明",
                "deregistration": "机动车注销证明", "sale_record": "旧车交易登记凭证"}
GRADES = (1, 2, 3, 4, 5)

# The rules engine names its steps in English; residents and reviewers read these.
TRACE_RULES = {
    "decision_date": "确定适用规则的日期", "purchase_in_period": "购买在活动期间内",
    "category_covered": "品类在补贴范围内", "grade_meets_minimum": "能效（水效）等级达标",
    "amount_at_rate": "按成交价比例计算补贴", "capped": "单件补贴上限", "quota": "每人名额",
    "quota_money_cap": "每人补贴金额上限", "funding_split": "中央与地方资金分担", "fixed_amount": "定额补贴",
    "new_fuel_car_displacement": "新车排量要求", "not_above_price": "补贴不超过成交价",
    "old_car_emission_standard_within_limit": "旧车排放标准",
    "old_car_in_applicant_name_by_cutoff": "旧车登记在申请人名下",
    "old_car_registered_by_cutoff": "旧车注册登记日期", "price_at_least_minimum": "最低成交价",
    "proofs_present": "旧机（旧车）凭证齐全", "region_covered": "适用地区", "replace_amount": "置换更新补贴标准",
    "scrap_amount": "报废更新补贴标准", "unit_price_within_limit": "单价上限",
    "applied_in_period": "申请在受理期间内", "grade_is_given": "已提供能效（水效）等级",
    "new_car_kind": "新车类型", "old_car_fuel_is_given": "已提供旧车燃料类型", "rule_in_force": "规则已施行",
    "earlier_claims": "此前已享受的补贴",
}


class Busy(DomainError):
    status_code = 503


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def new_key() -> str:
    """The idempotency key a form carries: made when the form is rendered, so a double click or
    a resent form does the work once."""
    return secrets.token_urlsafe(18)


def require_role(scope: Scope, *roles: Role, message: str) -> None:
    if scope.role not in roles:
        raise Forbidden(message)


def once(db: Session, scope: Scope, key: str, body: dict[str, Any], work: Callable[[], str]) -> RedirectResponse:
    """Runs `work` (which returns where to go next) once per form key, in this request's
    transaction, like the API's Idempotency-Key: a resent form is sent where the first went.
    The key and the work share one savepoint, so a failure leaves nothing behind, not even the key."""
    key = (key or "").strip()
    if not key:
        raise InvalidInput("表单缺少防重复提交编号，请刷新页面后重新提交", field="idempotency_key")
    if len(key) > 120:
        raise InvalidInput("防重复提交编号过长，请刷新页面后重新提交", field="idempotency_key")
    owner = f"user:{scope.user_id}"
    payload = jsonable_encoder(body)
    try:
        with db.begin_nested():
            try:
                with db.begin_nested():
                    record = idempotency.claim(db, owner, key, payload)
            except IntegrityError:
                try:
                    previous = idempotency.lookup(db, owner, key, payload)
                except Conflict:
                    raise Conflict("该表单已经提交过，内容不能再改；请刷新页面后重新填写",
                                   field="idempotency_key") from None
                target = (previous.response or {}).get("redirect") if previous is not None else None
                if not target:
                    raise Busy("系统繁忙，请稍后重试") from None
                return see_other(str(target))
            url = work()
            idempotency.store(record, 303, {"redirect": url})
    except OperationalError as exc:
        raise Busy("系统繁忙，请稍后重新提交") from exc
    return see_other(url)


# ---- form values ------------------------------------------------------------------------------

_AMOUNT = re.compile(r"(\d+)(?:\.(\d*))?")


def yuan_to_fen(text: str | None, field: str = "price", label: str = "成交价格") -> int:
    """'4999.5' → 499950: exact (no float); more than two decimals is refused, not rounded."""
    raw = (text or "").strip()
    cleaned = raw.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").replace(" ", "")
    cleaned = cleaned.removesuffix("元")
    if not cleaned:
        raise InvalidInput(f"请填写{label}（元）", field=field)
    if cleaned.startswith("-"):
        raise InvalidInput(f"{label}必须大于0元", field=field)
    match = _AMOUNT.fullmatch(cleaned)
    if not match:
        raise InvalidInput(f"{label}“{raw}”不是有效金额，请填写数字，如 4999.00", field=field)
    decimals = match.group(2) or ""
    if len(decimals) > 2:
        raise InvalidInput(f"{label}“{raw}”最多保留两位小数（精确到分）", field=field)
    if len(match.group(1)) > 10:
        raise InvalidInput(f"{label}“{raw}”过大，请核对", field=field)
    fen = int(match.group(1)) * 100 + int((decimals + "00")[:2])
    if fen <= 0:
        raise InvalidInput(f"{label}必须大于0元", field=field)
    return fen


def form_date(text: str | None, field: str, label: str) -> dt.date:
    if not (text or "").strip():
        raise InvalidInput(f"请填写{label}", field=field)
    try:
        return parse_date(text or "", field)
    except InvalidInput:
        raise InvalidInput(f"{label}“{text}”不是有效日期，请按 2025-06-30 格式填写", field=field) from None


def form_int(text: str | None, field: str, label: str, *, required: bool = True) -> int | None:
    value = (text or "").strip()
    if not value:
        if required:
            raise InvalidInput(f"请填写{label}", field=field)
        return None
    if not value.isdigit():
        raise InvalidInput(f"{label}“{value[:20]}”应为整数", field=field)
    return limits.check_int(int(value) if len(value) <= 19 else limits.INT64_MAX + 1, field, label)


def proofs_from(kind: str | None, number: str | None) -> dict[str, str]:
    kind, number = (kind or "").strip(), (number or "").strip()
    if not number:
        return {}
    if kind not in PROOF_LABELS:
        raise InvalidInput("请选择旧机（旧车）凭证的类型", field="proof_kind")
    return {kind: number}


# ---- a decision in words ----------------------------------------------------------------------

def _value_text(value: Any, rules_code: str, unit: str | None = None) -> str:
    if value is None:
        return ""
    if unit == "fen" and isinstance(value, int) and not isinstance(value, bool):
        return f"{value / 100:,.2f}".rstrip("0").rstrip(".") + " 元"  # 200000 → 2,000 元
    if unit == "grade" and isinstance(value, int):
        return f"{value}级"
    if unit == "litre" and isinstance(value, int | float):
        return f"{value:g} 升"
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, list):
        shown = [evaluation.category_label(rules_code, str(v)) if isinstance(v, str) else str(v) for v in value]
        return "、".join(shown)
    if isinstance(value, dict):
        return "，".join(f"{SOURCE_LABELS.get(str(k), k)} {v}" for k, v in value.items())
    if isinstance(value, float):
        return f"{value * 100:g}%" if 0 < value < 1 else f"{value:g}"
    return str(value)


def _safe_label(rules_code: str, category: str) -> str:
    try:
        return evaluation.category_label(rules_code, category)
    except Exception:  # noqa: BLE001 - an old claim's category may have left the rules
        return category


def decision_view(claim: Claim, programme: Programme) -> dict[str, Any]:
    """Amount by fund source, reasons and the trace of the rules, in Chinese."""
    decision = claim.decision or {}

    def label(value: Any, parameter: str | None) -> str:
        try:
            return _value_text(value, programme.rules_code, evaluation.parameter_unit(parameter) if parameter else None)
        except Exception:  # noqa: BLE001 - a value the labels do not know is shown as it is
            return str(value)

    # `rule` and `parameter` are codes: pages show them to staff only (data-staff-only).
    trace = [{
        "rule": step.get("rule", ""), "rule_label": TRACE_RULES.get(step.get("rule", ""), "其他条件"),
        "parameter": step.get("parameter") or "", "value": label(step.get("value"), step.get("parameter")),
        "effective_from": step.get("effective_from") or "", "source": step.get("source") or "",
        "note": step.get("note", ""),
    } for step in decision.get("trace", [])]
    return {
        "eligible": decision.get("eligible"), "amount_fen": claim.amount_fen,
        "by_source": [(SOURCE_LABELS.get(s, s), fen) for s, fen in (claim.amounts_by_source or {}).items()],
        "reasons": list(decision.get("reasons", [])),
        "rejection_reasons": list(decision.get("rejection_reasons", [])),
        "decided_on": decision.get("decided_on") or "", "trace": trace,
    }


def claim_context(db: Session, claim: Claim) -> dict[str, Any]:
    """What every claim page shows: the programme, the decision, the history and the appeals."""
    programme = db.get(Programme, claim.programme_id)
    assert programme is not None
    events = repo.events_of(db, claim.id)
    correction = next((e.note for e in reversed(events) if e.to_status == "correction"), "")
    return {
        "claim": claim, "programme": programme, "category_label": _safe_label(programme.rules_code, claim.category),
        "decision": decision_view(claim, programme), "events": events, "appeals": repo.appeals_of(db, claim.id),
        "correction_note": correction, "submitted_at": aware(claim.submitted_at),
        "paid_at": aware(claim.paid_at) if claim.paid_at else None,
    }


def category_label(programme: Programme, category: str) -> str:
    return _safe_label(programme.rules_code, category)
