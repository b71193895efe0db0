"""中央预算内投资: only the conditions common to every special programme (专项) and groundable in
国家发展改革委令2016年第45号 are checked (filing done, not completed, not funded twice); fields,
thresholds and rates are each programme's own, so no amount is estimated
(parameters/central_budget.yaml)."""

from __future__ import annotations

from huanxin.projects import vocab
from huanxin.projects.funding.context import Assessment

POLICY = "中央预算内投资"
SCOPE_NOTE = "仅判断各专项共通的条件；支持领域、门槛和补助比例以所申报专项的管理办法和申报通知为准"


def assess(a: Assessment) -> None:
    held = [check(a) for check in (filing_done, not_completed, not_funded_twice)]
    if all(held):
        a.say(SCOPE_NOTE)
        a.step("estimate", "补助标准由各专项核定，此处不作估算", value=0)
        a.conclusion = "符合中央预算内投资的共通条件，补助金额按所申报专项核定（此处不作估算）"


def filing_done(a: Assessment) -> bool:
    required = a.param("required_documents")
    missing = [d for d in required.value if d not in a.facts.documents]
    names = "、".join(vocab.DOCUMENTS.get(d, d) for d in missing)
    held = "、".join(vocab.DOCUMENTS.get(d, d) for d in required.value)
    return a.check("filing_done", not missing, f"已取得{held}", f"尚未取得{names}手续", required)


def not_completed(a: Assessment) -> bool:
    allowed = a.param("construction")
    status = vocab.CONSTRUCTION.get(a.facts.construction, a.facts.construction)
    return a.check("not_completed", a.facts.construction in allowed.value, f"项目{status}",
                   f"项目已完工，不再安排中央预算内投资（建设状态：{status}）", allowed)


def not_funded_twice(a: Assessment) -> bool:
    rule = a.param("no_double_funding")
    if "special_bond" in a.facts.instruments:
        a.say("同一项目不能同时获得超长期特别国债和中央预算内投资支持，请择一申报")
    return a.check("not_funded_twice", not (rule.value and a.facts.other_central_funding),
                   "未获得其他中央资金支持", "项目已获得其他中央资金支持，不重复安排", rule)
