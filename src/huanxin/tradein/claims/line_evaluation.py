"""`huanxin tradein evaluate`: JSON Lines in, one JSON answer per line out (fields in docs/tradein.md).

A line is checked by the claim API's own validation (`schemas.EvaluationIn`, a `PurchaseFields`,
then `claims.validate_purchase`), so the CLI refuses what the API refuses, with the same field
names. Every line gets its own answer: a line that cannot be read (not UTF-8, too long, nested
too deep, not JSON) or that is refused names its line number and field, and the run goes on.
Nothing is written and nothing is read from the database."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from huanxin.errors import DomainError, InvalidInput
from huanxin.kit.identifiers import validate_id_number
from huanxin.rules import jsonlines
from huanxin.rules.jsonlines import read_lines
from huanxin.rules.trace import TraceStep
from huanxin.tradein.claims import evaluation
from huanxin.tradein.claims import lifecycle as claims
from huanxin.tradein.qualifications import quotas
from huanxin.tradein.rules.model import Decision
from huanxin.tradein.schemas import EarlierClaimIn, EvaluationIn

# read_lines is the shared one, named here for `huanxin tradein evaluate` (tradein/cli.py).
__all__ = ["answer_line", "answers", "counted_against", "decide", "parse_line", "read_lines", "refused",
           "request_of"]

# What one line is, as the shared reader's errors name it. Its limits (64 KB, 8 levels) fit a claim:
# a few hundred bytes, 3 levels deep at most (earlier_claims → item → field), `extra` given room.
WHAT = "一笔申请"

_EXACT_MESSAGES = {  # Pydantic error types → what the user is told (with the error's own context)
    "string_too_long": "不能超过 {max_length} 字", "less_than_equal": "不能大于 {le}",
    "greater_than_equal": "不能小于 {ge}", "too_long": "最多 {max_length} 项",
}
_TYPE_MESSAGES = (  # … and the rest, by prefix
    ("missing", "缺少必填字段"), ("extra_forbidden", "未知字段（请核对拼写，可用字段见 docs/tradein.md）"),
    ("finite_number", "应为有限数值，不接受 NaN 或 Infinity"), ("int", "应为整数（金额单位：分）"),
    ("float", "应为数字"), ("date", "应为日期（YYYY-MM-DD）"), ("string", "应为文本"), ("list", "应为列表"),
    ("dict", "应为对象"), ("model", "应为对象"), ("bool", "应为 true 或 false"),
)


def answers(lines: Iterable[bytes | str | None], today: dt.date) -> Iterator[dict[str, Any]]:
    """One answer per non-blank line, in order, numbered as in the file."""
    for number, line in enumerate(lines, start=1):
        if line is not None and not line.strip():
            continue
        yield answer_line(number, line, today)


def answer_line(number: int, line: bytes | str | None, today: dt.date) -> dict[str, Any]:
    try:
        data = parse_line(number, line)
    except InvalidInput as exc:
        return refused(number, None, exc.message, exc.field)
    claim_id = data.get("id") if jsonlines.plain(data.get("id")) else None  # echoed back, never a structure
    try:
        decision = decide(request_of(data), today)
    except DomainError as exc:  # every refusal of the rules or the checks, each naming its field
        return refused(number, claim_id, f"第 {number} 行：{exc.message}", exc.field)
    return {"line": number, "id": claim_id, "ok": True, **decision.to_dict()}


def refused(number: int, claim_id: Any, message: str, field: str | None) -> dict[str, Any]:
    return {"line": number, "id": claim_id, "ok": False, "error": message, "field": field}


# ---- reading one line ------------------------------------------------------------------------

def parse_line(number: int, line: bytes | str | None) -> dict[str, Any]:
    """The JSON object of a line, by the reader every `evaluate` command shares (rules.jsonlines)."""
    return jsonlines.parse_line(number, line, WHAT)


def request_of(data: dict[str, Any]) -> EvaluationIn:
    try:
        return EvaluationIn.model_validate(data)
    except ValidationError as exc:
        raise _in_chinese(exc) from None


def _in_chinese(exc: ValidationError) -> InvalidInput:
    errors = exc.errors()
    first = errors[0]
    loc = [str(x) for x in first.get("loc", ())]
    name = loc[0] if loc else ""
    where = name + "".join(f" 第 {int(x) + 1} 项" if x.isdigit() else f"的 {x}" for x in loc[1:])
    kind = str(first.get("type", ""))
    text = _message(kind, first)
    given = "" if kind in ("missing", "extra_forbidden") else f"，收到 {_short(first.get('input'))}"
    more = f"（另有 {len(errors) - 1} 处错误）" if len(errors) > 1 else ""
    return InvalidInput(f"字段 {where}：{text}{given}{more}", field=name or None)


def _message(kind: str, error: Any) -> str:
    if kind in _EXACT_MESSAGES:
        return _EXACT_MESSAGES[kind].format(**error.get("ctx", {}))
    msg = str(error.get("msg", ""))
    if any("\u4e00" <= ch <= "\u9fff" for ch in msg):  # a check that speaks Chinese already (kit.limits)
        return msg.removeprefix("Value error, ")
    return next((m for prefix, m in _TYPE_MESSAGES if kind.startswith(prefix)), "取值无效")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"


# ---- deciding it -----------------------------------------------------------------------------

def decide(request: EvaluationIn, today: dt.date) -> Decision:
    rules = evaluation.programme_rules(request.programme)
    try:
        purchase = claims.validate_purchase(request.purchase(), car=rules.kind in claims.CAR_KINDS, on=today,
                                            evaluation_only=True)
    except InvalidInput as exc:
        if exc.field == "proofs" and request.old_proof_kinds and not request.proofs:
            raise InvalidInput(exc.message, field="old_proof_kinds") from None  # the field the line used
        raise
    if request.id_number:
        validate_id_number(request.id_number)  # checked only: never stored, never printed
    _check_knowledge_date(request.known_on, today)
    for index, earlier in enumerate(request.earlier_claims, start=1):
        _check_earlier(index, earlier, request.programme, today)
    case = claims.case_of(request.programme, purchase, request.region_code, request.applied_on, request.extra)
    decision = evaluation.evaluate(case, request.on, known_on=request.known_on)
    return counted_against(decision, request)


def _check_knowledge_date(known_on: dt.date | None, today: dt.date) -> None:
    if known_on is not None and known_on > today:
        raise InvalidInput(f"known_on {known_on} 晚于今天：只能问过去某日已公布的标准", field="known_on")


def _check_earlier(index: int, earlier: EarlierClaimIn, programme: str, today: dt.date) -> None:
    where = f"earlier_claims 第 {index} 项"
    rules = evaluation.programme_rules(earlier.programme or programme)
    if earlier.category not in rules.categories:
        names = "、".join(rules.categories)
        raise InvalidInput(f"{where}的品类“{earlier.category}”不属于{rules.name}（可选：{names}）",
                           field="earlier_claims")
    earliest, _source = evaluation.earliest_rule_date()
    if not earliest <= earlier.date <= today:
        raise InvalidInput(f"{where}的日期 {earlier.date} 应在 {earliest} 与今天之间", field="earlier_claims")


def counted_against(decision: Decision, request: EvaluationIn) -> Decision:
    """The decision for this person: each per-person quota of the rules, counted against the
    earlier claims given, by the claims service's own rule (`quotas.over_limit`)."""
    if not decision.eligible or not request.earlier_claims:
        return decision
    trace, reasons = list(decision.trace), []
    for req in decision.quotas:
        used = [e for e in request.earlier_claims
                if req.key in evaluation.quota_keys(e.programme or request.programme, e.category, e.date)]
        used_fen = sum(e.amount_fen for e in used)
        reason = quotas.over_limit(req, used_slots=len(used), used_fen=used_fen, amount_fen=decision.amount_fen)
        note = f"{req.key}：此前已享受 {len(used)} 次" + (f"，累计 {used_fen / 100:g} 元" if req.money_cap_fen else "")
        trace.append(TraceStep("earlier_claims", None, len(used), None, None,
                               f"不符合：{reason}（{note}）" if reason else f"名额未用完（{note}）"))
        if reason:
            reasons.append(reason)
    if not reasons:
        return replace(decision, trace=trace)
    return replace(decision, eligible=False, amount_fen=0, by_source=dict.fromkeys(decision.by_source, 0),
                   reasons=reasons, trace=trace, quotas=[])
