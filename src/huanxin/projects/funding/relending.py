"""科技创新和技术改造再贷款 candidate conditions: a loan asked for, the batch's total-investment
threshold (batch 2 also: under construction or starting in the year), at most 3 intended banks,
a term of at least 12 months, a need not above the total investment; the estimate is what the
PBOC relends, 60% of the principal (parameters/relending.yaml)."""

from __future__ import annotations

from huanxin.projects import vocab
from huanxin.projects.funding.context import Assessment
from huanxin.rules.amounts import money, percent, rate_amount, rate_bp

POLICY = "科技创新和技术改造再贷款"


def assess(a: Assessment) -> None:
    if not loan_asked(a):
        return
    batch = batch_of(a)
    checks = (lambda x: total_investment_threshold(x, batch), lambda x: construction_for_batch(x, batch),
              banks_at_most, term_at_least, need_within_total)
    held = [check(a) for check in checks]
    if all(held):
        estimate(a)


def loan_asked(a: Assessment) -> bool:
    return a.check("loan_asked", a.facts.loan_need_fen > 0, f"贷款需求{money(a.facts.loan_need_fen)}",
                   "未填报贷款需求", value=a.facts.loan_need_fen)


def batch_of(a: Assessment) -> int:
    if a.facts.relending_batch is not None:
        a.step("batch", f"按第{a.facts.relending_batch}批备选项目的条件判断", value=a.facts.relending_batch)
        return a.facts.relending_batch
    default = a.param("default_batch")
    a.step("batch", f"未指定批次，按第{default.value}批备选项目的条件判断", default)
    return int(default.value)


def total_investment_threshold(a: Assessment, batch: int) -> bool:
    minimum = a.param(f"batch{batch}.min_total_investment")
    total = a.facts.total_investment_fen
    return a.check("total_investment_threshold", total >= minimum.value,
                   f"项目总投资{money(total)}，不低于第{batch}批门槛{money(minimum.value)}",
                   f"项目总投资{money(total)}，低于第{batch}批门槛{money(minimum.value)}", minimum)


def construction_for_batch(a: Assessment, batch: int) -> bool:
    """Batch 2: under construction, or not yet started but starting in the year of the decision."""
    if batch != 2:
        return True
    allowed = a.param("batch2.construction")
    facts, year = a.facts, a.on.year
    status = vocab.CONSTRUCTION.get(facts.construction, facts.construction)
    if facts.construction in allowed.value:
        a.step("construction_for_batch", f"项目{status}", allowed)
        return True
    starts_this_year = facts.construction == "planned" and facts.start_on is not None and facts.start_on.year == year
    when = f"计划 {facts.start_on.isoformat()} 开工" if facts.start_on else "未填开工日期"
    return a.check("construction_for_batch", starts_this_year, f"项目{status}，{when}，属当年开工",
                   f"第2批须为在建或{year}年开工的项目（建设状态：{status}，{when}）", allowed)


def banks_at_most(a: Assessment) -> bool:
    limit = a.param("max_banks")
    count = len(a.facts.intended_banks)
    if count == 0:
        a.say(f"尚未填写意向银行，推送银行前须补填（最多{limit.value}家）")
    return a.check("banks_at_most", count <= limit.value, f"意向银行{count}家，不超过{limit.value}家",
                   f"意向银行{count}家，超过{limit.value}家", limit)


def term_at_least(a: Assessment) -> bool:
    minimum = a.param("min_term_months")
    term = a.facts.loan_term_months
    return a.check("term_at_least", term >= minimum.value, f"贷款期限{term}个月，不低于{minimum.value}个月",
                   f"贷款期限{term}个月，低于{minimum.value}个月", minimum)


def need_within_total(a: Assessment) -> bool:
    share = a.param("max_need_share")
    need, total = a.facts.loan_need_fen, a.facts.total_investment_fen
    ceiling = total * rate_bp(share.value) // 10000
    what = "项目总投资" if rate_bp(share.value) == 10000 else f"项目总投资的{percent(share.value)}"
    return a.check("need_within_total", need <= ceiling, f"贷款需求{money(need)}，不超过{what}",
                   f"贷款需求{money(need)}，超过{what}（{money(ceiling)}）", share)


def estimate(a: Assessment) -> None:
    share = a.param("relend_share")
    need = a.facts.loan_need_fen
    amount = rate_amount(need, share.value)
    a.step("estimate", f"贷款本金{money(need)} × {percent(share.value)} = {money(amount)}（不足1分舍去）", share)
    a.estimated_fen = amount
    a.say("纳入备选项目清单后由银行自主审贷，是否放款以银行审批为准")
    a.conclusion = (f"符合备选项目条件，贷款{money(need)}获批后人民银行预计按本金的{percent(share.value)}"
                    f"提供再贷款{money(amount)}")
