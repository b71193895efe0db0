"""The rules engine: evaluate one claim case against its programme's rules and dated parameters.

    decision = evaluate(case)              # parameters in force on the programme's decision date
    decision = evaluate(case, on=date)     # … on another date
    topup_due(case, paid_fen, on)          # what is still owed after a retroactive increase

An ineligible case is a Decision with eligible=False and reasons in Chinese; only bad input (an
unknown programme or category, a price ≤ 0, an invoice dated after the application …) raises
InvalidInput naming the field.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping
from typing import Any

from huanxin.errors import InvalidInput
from huanxin.rules.trace import TraceStep
from huanxin.tradein.rules.context import Evaluation, Found, MissingParameter, yuan
from huanxin.tradein.rules.kinds import KIND_RULES
from huanxin.tradein.rules.model import ClaimCase, Decision, QuotaRequirement, case_from_dict
from huanxin.tradein.rules.registry import (
    PROOF_LABELS,
    ProgrammeRules,
    QuotaRule,
    Rulebook,
    default_rulebook,
)

__all__ = [
    "ClaimCase", "Decision", "ProgrammeRules", "QuotaRequirement", "TraceStep", "case_from_dict", "evaluate",
    "programmes", "qualification_reserve", "split_amount", "topup_due",
]

SOURCE_LABELS = {"central": "中央资金", "local": "地方资金", "provincial": "省级资金", "city": "市级资金"}
BASIS_LABELS = {"invoice_date": "发票日期", "applied_on": "申请日期"}


def programmes() -> dict[str, ProgrammeRules]:
    return dict(default_rulebook().programmes)


def evaluate(
    case: ClaimCase, on: dt.date | None = None, *, known_on: dt.date | None = None, rulebook: Rulebook | None = None,
) -> Decision:
    """Decide a case. `on` picks the parameter values (default: the programme's decision date,
    e.g. the invoice date for appliances, the application date for cars); `known_on` restricts
    them to what had been announced by then (default: everything announced)."""
    book = rulebook or default_rulebook()
    programme = book.programme(case.programme)
    validate_case(case, book)
    decision_date = on or default_decision_date(case, programme)
    ev = Evaluation(case, programme, book, decision_date, known_on)
    ev.step("decision_date", decision_date_note(case, programme, on, decision_date, known_on),
            value=decision_date.isoformat())
    kind = KIND_RULES[programme.kind]
    try:
        if passes_gates(ev):
            kind.rules(ev)
            not_above_price(ev)
            conditions_hold(ev)
            proofs_present(ev, kind.PROOFS)
    except MissingParameter as missing:
        ev.fail("rule_in_force", f"{missing.on.isoformat()} 该项规则尚未施行（参数 {missing.path} 无取值）")
    reserve = _reserve(book, programme, case.category, decision_date, known_on)
    quotas = quota_requirements(ev) if ev.eligible else []
    amount = ev.amount_fen if ev.eligible else 0
    by_source = funding_split(ev, amount)
    if not ev.eligible:  # the split itself may fail (no split set on the date)
        amount, by_source, quotas = 0, {source: 0 for source in by_source}, []
    if ev.eligible:
        parts = "，".join(f"{SOURCE_LABELS.get(k, k)} {yuan(v)} 元" for k, v in by_source.items())
        reasons = [*ev.notes, f"符合条件，补贴 {yuan(amount)} 元（{parts}）"]
    else:
        reasons = list(ev.failures)
    return Decision(
        eligible=ev.eligible, amount_fen=amount, by_source=by_source, reasons=reasons, trace=list(ev.trace),
        quotas=quotas, exclusive_keys=list(programme.exclusive_keys),
        required_proofs=list(dict.fromkeys([*kind.PROOFS, *programme.required_proofs])),
        reserve_fen=reserve, programme=programme.code, decided_on=decision_date,
    )


def topup_due(case: ClaimCase, paid_fen: int, on: dt.date, *, rulebook: Rulebook | None = None) -> int:
    """The difference owed, as known on `on`, to a claim already paid `paid_fen` (e.g. the
    2024-08-16 car increase, 商消费函〔2024〕392号, retroactive to applications from 2024-04-24)."""
    if paid_fen < 0:
        raise InvalidInput("已发放金额不能为负", field="paid_fen")
    due = evaluate(case, known_on=on, rulebook=rulebook)
    return max(0, due.amount_fen - paid_fen) if due.eligible else 0


def qualification_reserve(programme: str, category: str, on: dt.date, *, rulebook: Rulebook | None = None) -> int:
    """Fen to reserve when a qualification is issued: the most one claim under it can cost."""
    book = rulebook or default_rulebook()
    rules = book.programme(programme)
    _check_category_known(category, book)
    covered = rules.categories_on(book.parameters, on)
    if covered is None or category not in covered:
        raise InvalidInput(f"{rules.name}在 {on.isoformat()} 不含品类“{rules.label(category)}”", field="category")
    return _reserve(book, rules, category, on, None)


def basis_date(case: ClaimCase, programme: ProgrammeRules) -> dt.date:
    value: dt.date = getattr(case, programme.date_basis)
    return value


def default_decision_date(case: ClaimCase, programme: ProgrammeRules) -> dt.date:
    """The programme's decision date (invoice or application date), held within the programme
    period: a 2024 car application filed on 2025-01-10 is decided by the rules of 2024, not by the
    2025 values of the same parameters."""
    return min(basis_date(case, programme), programme.ends_on)


def decision_date_note(
    case: ClaimCase, programme: ProgrammeRules, on: dt.date | None, decided: dt.date, known_on: dt.date | None,
) -> str:
    basis = basis_date(case, programme)
    label = BASIS_LABELS[programme.date_basis]
    if on is not None:
        note = f"{programme.name}：按指定日期 {decided.isoformat()} 确定适用规则"
    elif decided != basis:
        note = (f"{programme.name}：{label} {basis.isoformat()} 晚于活动截止日，按截止日 {decided.isoformat()} "
                f"的规则")
    else:
        note = f"{programme.name}：按{label} {decided.isoformat()} 确定适用规则"
    return note + (f"；仅采用 {known_on.isoformat()} 前已公布的标准" if known_on else "")


# ---- input validation: bad input is an error, not a rejection -------------------------------

def validate_case(case: ClaimCase, book: Rulebook) -> None:
    _check_category_known(case.category, book)
    if isinstance(case.price_fen, bool) or not isinstance(case.price_fen, int):
        raise InvalidInput("价格应为整数（分）", field="price_fen")
    if case.price_fen <= 0:
        raise InvalidInput(f"价格须大于 0，收到 {case.price_fen} 分", field="price_fen")
    if case.efficiency_grade is not None and not 1 <= case.efficiency_grade <= 5:
        raise InvalidInput(f"能效（水效）等级应为 1–5 级，收到 {case.efficiency_grade}", field="efficiency_grade")
    if case.invoice_date > case.applied_on:
        raise InvalidInput(
            f"发票日期 {case.invoice_date.isoformat()} 晚于申请日期 {case.applied_on.isoformat()}", field="invoice_date"
        )
    litres = case.new_vehicle_displacement_l
    if litres is not None and not (math.isfinite(litres) and litres > 0):  # NaN passed every comparison
        raise InvalidInput(f"新车排量须为大于 0 的数值（不接受 NaN 或 Infinity），收到 {litres}",
                           field="new_vehicle_displacement_l")


def _check_category_known(category: str, book: Rulebook) -> None:
    if category not in book.known_categories:
        raise InvalidInput(f"未知品类：{category!r}", field="category")


# ---- gates: period, region, category ----------------------------------------------------------

def passes_gates(ev: Evaluation) -> bool:
    gates: list[Callable[[Evaluation], bool]] = [purchase_in_period, applied_in_period, region_covered]
    passed = all([gate(ev) for gate in gates])  # every gate runs, so every reason is shown
    return passed and category_covered(ev)


def purchase_in_period(ev: Evaluation) -> bool:
    p, day = ev.programme, ev.case.invoice_date
    if not p.starts_on <= day <= p.ends_on:
        ev.fail("purchase_in_period", f"发票日期 {day.isoformat()} 不在{p.name}期间（{p.starts_on.isoformat()} 至 "
                f"{p.ends_on.isoformat()}）", value=day.isoformat())
        return False
    ev.step("purchase_in_period", f"发票日期 {day.isoformat()} 在活动期间内", value=day.isoformat())
    return True


def applied_in_period(ev: Evaluation) -> bool:
    p, day = ev.programme, ev.case.applied_on
    if day < p.starts_on:
        ev.fail("applied_in_period", f"申请日期 {day.isoformat()} 早于{p.name}开始日期 {p.starts_on.isoformat()}",
                value=day.isoformat())
        return False
    if p.apply_until is not None and day > p.apply_until:
        ev.fail("applied_in_period", f"申请日期 {day.isoformat()} 晚于申请截止日 {p.apply_until.isoformat()}",
                value=day.isoformat())
        return False
    return True


def region_covered(ev: Evaluation) -> bool:
    regions = ev.programme.regions
    if not regions:
        return True
    if not any(ev.case.region_code.startswith(prefix) for prefix in regions):
        ev.fail("region_covered", f"行政区划 {ev.case.region_code or '（未填）'} 不在本活动范围内", value=list(regions))
        return False
    ev.step("region_covered", f"行政区划 {ev.case.region_code} 在本活动范围内", value=list(regions))
    return True


def category_covered(ev: Evaluation) -> bool:
    p, category = ev.programme, ev.case.category
    spec = p.category_spec
    if isinstance(spec, dict):
        found: Found | None = ev.param(spec["parameter"])
        covered = tuple(spec.get("prefix", "") + c for c in found.value) if found else ()
    else:
        found, covered = None, tuple(spec)
    if category not in covered:
        ev.fail("category_covered", f"{p.name}不含品类“{p.label(category)}”", found, category)
        return False
    ev.step("category_covered", f"品类“{p.label(category)}”在补贴范围内", found)
    return True


def not_above_price(ev: Evaluation) -> None:
    """A fixed subsidy (cars, e-bikes) never pays more than the purchase itself cost."""
    if ev.amount_fen > ev.case.price_fen:
        ev.step("not_above_price", f"补贴不超过成交价 {yuan(ev.case.price_fen)} 元", value=ev.case.price_fen)
        ev.say(f"补贴以成交价 {yuan(ev.case.price_fen)} 元为限")
        ev.amount_fen = ev.case.price_fen


def conditions_hold(ev: Evaluation) -> None:
    """City conditions written as data: an `extra` field must equal a value."""
    for condition in ev.programme.conditions:
        given = ev.case.extra.get(condition.field)
        rule = f"condition:{condition.field}"
        if given != condition.equals:
            ev.fail(rule, f"不满足条件：{condition.label}", value=given)
        else:
            ev.step(rule, f"满足条件：{condition.label}", value=given)


def proofs_present(ev: Evaluation, kind_proofs: tuple[str, ...]) -> None:
    needed = list(dict.fromkeys([*kind_proofs, *ev.programme.required_proofs]))
    missing = [p for p in needed if p not in ev.case.old_proof_kinds]
    if missing:
        names = "、".join(PROOF_LABELS.get(p, p) for p in missing)
        ev.fail("proofs_present", f"缺少材料：{names}（可补正后重新提交）", value=missing)
    elif needed:
        ev.step("proofs_present", "材料齐全：" + "、".join(PROOF_LABELS.get(p, p) for p in needed), value=needed)


# ---- quotas, funding, reserve -----------------------------------------------------------------

def quota_requirements(ev: Evaluation) -> list[QuotaRequirement]:
    out = []
    for rule in ev.programme.quotas:
        try:
            out.append(_quota(ev, rule))
        except MissingParameter as missing:
            ev.fail("quota", f"名额规则尚未施行（参数 {missing.path} 无取值）")
    return out


def _quota(ev: Evaluation, rule: QuotaRule) -> QuotaRequirement:
    case = ev.case
    key = rule.key.format(category=case.category, year=basis_date(case, ev.programme).year, programme=ev.programme.code)
    limit_found: Found | None = None
    if isinstance(rule.limit, int):
        limit = rule.limit
    else:
        name = rule.limit if isinstance(rule.limit, str) else rule.limit.get(case.category, rule.limit["per_category"])
        limit_found = ev.param(name)
        limit = int(limit_found.value)
    cap_found = ev.param(rule.money_cap) if rule.money_cap else None
    money_cap = int(cap_found.value) if cap_found else None
    # The quota's key ("appliance:tv:2025") is a code: it stays in the decision's quotas, not in the words.
    note = f"{rule.label}：每人 {limit} 个名额" + (f"，累计不超过 {yuan(money_cap)} 元" if money_cap else "")
    ev.step("quota", note, limit_found, limit)
    if cap_found:
        ev.step("quota_money_cap", f"每人累计补贴上限 {yuan(money_cap or 0)} 元", cap_found)
    return QuotaRequirement(key, limit, money_cap, rule.label)


def funding_split(ev: Evaluation, amount: int) -> dict[str, int]:
    # Which pot pays follows today's funding rules, even when the entitlement is judged as known
    # on an earlier date (a top-up is funded like any payment made now).
    dated = ev.rulebook.parameters.lookup(ev.programme.funding, ev.on)
    if dated is None:
        if amount:
            ev.fail("funding_split", f"{ev.on.isoformat()} 未设定资金分担比例（参数 {ev.programme.funding}）")
        return {}
    parts: Mapping[str, int] = dated.value
    split = split_amount(amount, parts)
    if amount:
        ratio = ":".join(str(v) for v in parts.values())
        ev.step("funding_split", f"按 {'、'.join(SOURCE_LABELS.get(k, k) for k in parts)} {ratio} 分担：" +
                "，".join(f"{SOURCE_LABELS.get(k, k)} {yuan(v)} 元" for k, v in split.items()),
                Found(ev.programme.funding, dated))
    return split


def split_amount(amount: int, parts: Mapping[str, int]) -> dict[str, int]:
    """Split fen by integer parts, exactly: floor each share, then hand the leftover fen to the
    largest remainders (ties to the source listed first)."""
    total = sum(parts.values())
    names = list(parts)
    floors = {n: amount * parts[n] // total for n in names}
    remainders = {n: amount * parts[n] % total for n in names}
    leftover = amount - sum(floors.values())
    for n in sorted(names, key=lambda n: (-remainders[n], names.index(n)))[:leftover]:
        floors[n] += 1
    return floors


def _reserve(book: Rulebook, programme: ProgrammeRules, category: str, on: dt.date, known_on: dt.date | None) -> int:
    def value(name: str) -> Any:
        dated = book.parameters.lookup(programme.path(name), on, known_on)
        if dated is None:
            raise MissingParameter(programme.path(name), on)
        return dated.value

    try:
        reserve: int = KIND_RULES[programme.kind].reserve(value, category)
    except MissingParameter:
        return 0
    return reserve
