"""超长期特别国债 investment subsidy for equipment renewal: an under-construction project of a covered
field, started and at most 80% invested, its fixed-asset investment at the field's threshold, its
retired equipment worth at least 10% of the new, not funded twice; the estimate is the ceiling of
the support, 15% of the approved fixed-asset investment (parameters/special_bond.yaml)."""

from __future__ import annotations

from huanxin.projects import vocab
from huanxin.projects.funding.context import Assessment, permille_text
from huanxin.rules.amounts import money, percent, rate_amount, rate_bp

POLICY = "超长期特别国债支持设备更新"
TO_VERIFY = ("另须由审核部门核实：淘汰旧设备为企业自有、非二手且不再使用，新设备达到行业先进水平，"
             "项目不含新建厂房、整体搬迁或房地产内容")


def assess(a: Assessment) -> None:
    checks = (field_covered, under_construction, invested_share, fai_threshold, retired_value_share,
              not_funded_twice)
    held = [check(a) for check in checks]  # every check runs, so every reason is shown
    if all(held):
        estimate(a)


def field_covered(a: Assessment) -> bool:
    fields = a.param("fields")
    name = vocab.FIELDS.get(a.facts.field, a.facts.field)
    return a.check("field_covered", a.facts.field in fields.value, f"“{name}”领域在支持范围内",
                   f"“{name}”领域不在超长期特别国债设备更新的支持范围内", fields)


def under_construction(a: Assessment) -> bool:
    allowed = a.param("construction")
    status = vocab.CONSTRUCTION.get(a.facts.construction, a.facts.construction)
    return a.check("under_construction", a.facts.construction in allowed.value, f"项目{status}",
                   f"项目建设状态为“{status}”，须为在建项目", allowed)


def invested_share(a: Assessment) -> bool:
    """Started (more than 0% invested) and not more than the ceiling (80% included)."""
    share = a.facts.invested_permille
    cap = a.param("max_invested_share")
    limit = round(cap.value * 1000)
    if share == 0:
        a.fail("invested_share", "投资完成比例为0（尚未开工投资），不予支持", value=share)
        return False
    return a.check("invested_share", share <= limit, f"投资完成比例{permille_text(share)}，不超过{percent(cap.value)}",
                   f"投资完成比例{permille_text(share)}，超过{percent(cap.value)}", cap)


def fai_threshold(a: Assessment) -> bool:
    """不低于: the threshold itself passes."""
    reduced = a.param("reduced_fai_fields")
    lower = a.facts.field in reduced.value
    name = vocab.FIELDS.get(a.facts.field, a.facts.field)
    if lower:
        a.step("fai_threshold_field", f"“{name}”领域适用降低后的固定资产投资门槛", reduced)
    minimum = a.param("min_fai.reduced" if lower else "min_fai.general")
    fai = a.facts.fixed_asset_fen
    return a.check("fai_threshold", fai >= minimum.value, f"固定资产投资{money(fai)}，不低于{money(minimum.value)}",
                   f"固定资产投资{money(fai)}，低于“{name}”领域的门槛{money(minimum.value)}", minimum)


def retired_value_share(a: Assessment) -> bool:
    """Original value of the retired equipment ≥ the share of the new equipment investment (included)."""
    new, retired = a.facts.equipment_investment_fen, a.facts.retired_original_value_fen
    if new == 0:
        a.fail("retired_value_share", "未填报设备购置投资，不属于设备更新项目", value=new)
        return False
    share = a.param("min_retired_share")
    bp = rate_bp(share.value)
    required = -(-new * bp // 10000)  # the smallest whole fen at or above the share
    return a.check("retired_value_share", retired * 10000 >= new * bp,
                   f"淘汰旧设备原值{money(retired)}，不低于新购设备投资{money(new)}的{percent(share.value)}",
                   f"淘汰旧设备原值{money(retired)}，低于新购设备投资{money(new)}的{percent(share.value)}"
                   f"（须不低于{money(required)}）", share)


def not_funded_twice(a: Assessment) -> bool:
    rule = a.param("no_double_funding")
    if "central_budget" in a.facts.instruments:
        a.say("同一项目不能同时获得超长期特别国债和中央预算内投资支持，请择一申报")
    return a.check("not_funded_twice", not (rule.value and a.facts.other_central_funding),
                   "未获得其他中央资金支持", "项目已获得中央预算内投资等其他中央资金支持，不重复支持", rule)


def estimate(a: Assessment) -> None:
    rate = a.param("support_rate")
    fai = a.facts.fixed_asset_fen
    amount = rate_amount(fai, rate.value)
    a.step("estimate", f"核定固定资产投资{money(fai)} × {percent(rate.value)} = {money(amount)}（不足1分舍去）", rate)
    a.estimated_fen = amount
    a.say(TO_VERIFY)
    a.conclusion = (f"符合申报条件，预计支持不超过{money(amount)}（核定固定资产投资的{percent(rate.value)}，"
                    "以实际下达为准）")
