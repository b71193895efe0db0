"""设备更新贷款财政贴息: the notice that governs a loan is looked up on its disbursement date (before
disbursement, the decision date): 财金〔2024〕54号, 发改环资〔2024〕1104号 (1.5 points), 财金〔2024〕155号
(earlier contracts, no end date), 财金〔2026〕2号 (fixed-asset loans, to 2026-12-31). The loan must be a
relending candidate's, its contract inside the window; the estimate is principal × annual rate ×
days ÷ 360 over min(term, 24 months) from disbursement, start day counted and end day not
(算头不算尾), a rate change inside the period split into pieces, floored to the fen
(parameters/interest_subsidy.yaml)."""

from __future__ import annotations

import calendar
import datetime as dt

from huanxin.projects.funding.context import Assessment
from huanxin.rules.amounts import money, percent, rate_bp
from huanxin.rules.parameters import DatedValue, ParameterSet
from huanxin.rules.trace import Found

POLICY = "设备更新贷款财政贴息"
DAYS_IN_YEAR = 360  # bank practice: daily rate = annual rate ÷ 360
BASES = {"equipment": ("设备购置投资", "设备更新贷款"), "fixed_asset": ("固定资产投资", "更新项目的固定资产贷款")}


def regime_date(disbursed_on: dt.date | None, decided_on: dt.date) -> dt.date:
    """The date whose notice governs the loan: its disbursement, or the decision date before it."""
    return disbursed_on or decided_on


def assess(a: Assessment) -> None:
    disbursed = a.facts.loan_disbursed_on
    a.step("regime_date", f"按放款日期 {a.on.isoformat()} 适用的贴息政策判断" if disbursed
           else f"尚未放款，按评估日期 {a.on.isoformat()} 适用的贴息政策估算", value=a.on.isoformat())
    if not loan_asked(a):
        return
    held = [check(a) for check in (relending_candidate, signed_in_window, disbursed_in_window)]
    if all(held):
        estimate(a)


def loan_asked(a: Assessment) -> bool:
    facts = a.facts
    return a.check("loan_asked", facts.loan_need_fen > 0 and facts.loan_term_months > 0,
                   f"贷款{money(facts.loan_need_fen)}，期限{facts.loan_term_months}个月", "未填报贷款需求或贷款期限",
                   value=facts.loan_need_fen)


def relending_candidate(a: Assessment) -> bool:
    rule = a.param("requires_candidate")
    if not rule.value:
        a.step("relending_candidate", "不以再贷款备选项目为前提", rule)
        return True
    relending = a.earlier.get("relending")
    ok = relending is not None and relending.eligible
    return a.check("relending_candidate", ok, "符合再贷款备选项目条件",
                   "不符合科技创新和技术改造再贷款备选项目条件（见该项理由），不能享受贴息", rule)


def signed_in_window(a: Assessment) -> bool:
    """The notices' windows are for signing the contract: the contract date decides; without one the
    disbursement date (or, before disbursement, the decision date) stands in, and every reason says
    which date was read."""
    signed, what = contract_date(a)
    earliest, latest = a.param("signed_from"), a.param("signed_until")
    held = True
    if earliest.value is not None:
        held &= a.check("signed_from", signed >= earliest.value, f"{what}，不早于 {earliest.value}",
                        f"{what}，早于 {earliest.value}", earliest, value=signed.isoformat())
    else:
        a.step("signed_from", "不限合同签订的最早日期", earliest)
    if latest.value is not None:
        held &= a.check("signed_until", signed <= latest.value, f"{what}，不晚于 {latest.value}",
                        f"{what}，晚于 {latest.value}", latest, value=signed.isoformat())
    else:
        a.step("signed_until", "不限合同签订的截止日期", latest)
    return held


def contract_date(a: Assessment) -> tuple[dt.date, str]:
    """The date the signing window is read on, and how the reasons name it."""
    signed = a.facts.loan_signed_on
    if signed is not None:
        a.step("contract_date", f"按贷款合同签订日期 {signed} 判断合同签订期间", value=signed.isoformat())
        return signed, f"贷款合同签订于 {signed}"
    basis = "放款日期" if a.facts.loan_disbursed_on else "评估日期"
    a.step("contract_date", f"未提供贷款合同签订日期，以{basis} {a.on} 代替判断合同签订期间", value=a.on.isoformat())
    a.say(f"未提供贷款合同签订日期，按{basis} {a.on} 推定，须核实合同签订日期")
    return a.on, f"未提供贷款合同签订日期，按{basis} {a.on} 推定合同签订日期"


def disbursed_in_window(a: Assessment) -> bool:
    latest = a.param("disbursed_until")
    if latest.value is None:
        a.step("disbursed_until", "放款日期未设截止", latest)
        return True
    return a.check("disbursed_until", a.on <= latest.value, f"放款日期 {a.on} 不晚于政策截止日 {latest.value}",
                   f"放款日期 {a.on} 晚于政策截止日 {latest.value}", latest)


def estimate(a: Assessment) -> None:
    principal = principal_of(a)
    months = period_months(a)
    start = a.on
    end = add_months(start, months)  # the first day NOT counted
    start_event = a.param("start_event")
    a.step("period", f"计息期自{start_event.value} {start} 起 {months} 个月，至 {end - dt.timedelta(days=1)} 止，"
           f"共 {(end - start).days} 天（算头不算尾）", start_event)
    numerator = 0
    for begin, until, dated in rate_pieces(a, start, end):
        days = (until - begin).days
        numerator += principal * rate_bp(dated.value) * days
        last = until - dt.timedelta(days=1)
        a.step("rate", f"{begin} 至 {last}（{days} 天）按年贴息率{percent(dated.value)}", Found(a.path("rate"), dated))
    amount = numerator // (10000 * DAYS_IN_YEAR)
    a.step("estimate", f"贴息 = 本金{money(principal)} × 年贴息率 × 天数 ÷ {DAYS_IN_YEAR} = {money(amount)}"
           "（不足1分舍去）", value=amount)
    a.estimated_fen = amount
    a.say("贴息资金由财政预拨银行、银行收息时直接扣减，按实际结算")
    a.conclusion = f"符合贴息条件，预计贴息{money(amount)}（{start} 起 {months} 个月，按实际放款和结息为准）"


def rate_pieces(a: Assessment, start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date, DatedValue]]:
    return rate_pieces_of(a.parameters, a.path("rate"), start, end, a.known_on)


def rate_pieces_of(parameters: ParameterSet, path: str, start: dt.date, end: dt.date,
                   known_on: dt.date | None = None) -> list[tuple[dt.date, dt.date, DatedValue]]:
    """The rate over [start, end) in pieces; a later notice that repeats the same rate (财金〔2026〕2号
    keeps 1.5 points) does not split a loan's period. The estimate here and the financing domain's
    schedule (financing.schedule) both cut by it."""
    pieces: list[tuple[dt.date, dt.date, DatedValue]] = []
    for begin, until, dated in parameters.segments(path, start, end, known_on):
        if dated is None:  # no rate on these days (ruled out by the checks before): nothing accrues
            continue
        if pieces and pieces[-1][1] == begin and pieces[-1][2].value == dated.value:
            pieces[-1] = (pieces[-1][0], until, pieces[-1][2])
        else:
            pieces.append((begin, until, dated))
    return pieces


def principal_of(a: Assessment) -> int:
    basis = a.param("principal_basis")
    cap_name, loan_kind = BASES.get(str(basis.value), BASES["equipment"])
    cap = a.facts.equipment_investment_fen if basis.value == "equipment" else a.facts.fixed_asset_fen
    need = a.facts.loan_need_fen
    if need > cap:
        a.step("principal", f"可贴息的为{loan_kind}：贷款{money(need)}超过{cap_name}{money(cap)}，按{money(cap)}计",
               basis)
        return cap
    a.step("principal", f"可贴息的为{loan_kind}：按贷款本金{money(need)}计", basis)
    return need


def period_months(a: Assessment) -> int:
    cap = a.param("max_months")
    term = a.facts.loan_term_months
    if term > cap.value:
        a.step("period_months", f"贷款期限{term}个月，贴息最长{cap.value}个月", cap)
        return int(cap.value)
    a.step("period_months", f"按贷款期限{term}个月贴息（不超过{cap.value}个月）", cap)
    return term


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, or the month's last day (2024-08-31 + 6 → 2025-02-28)."""
    years, month0 = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month0 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))

