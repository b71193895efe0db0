"""The demo's generated progress narratives, review notes and close-out evidence.
"""

from __future__ import annotations

import random
from typing import Any

from huanxin.kit.text import clause_cut

# A task quoted in a narrative: about this long, cut at a clause end.
SHORT_TITLE = 24
STAGE_PHRASES = {
    "start": (
        "已完成摸底排查，形成更新需求清单",
        "已制定工作方案，明确责任分工和时间节点",
        "召开专题推进会，部署相关工作",
        "已建立工作台账，逐项明确责任人和完成时限",
    ),
    "early": (
        "已梳理储备项目{n}个，正在开展前期论证",
        "组织政策宣讲{n}场，覆盖企业{m}家",
        "已向上争取超长期特别国债资金{x}亿元",
        "已形成第一批项目清单并报送省级主管部门",
    ),
    "late": (
        "主体工作基本完成，正在组织验收",
        "已完成目标任务的{pct}%，剩余工作正加快收尾",
        "已完成项目建设{n}个，正在开展绩效评估",
    ),
    "done": (
        "已全面完成任务，形成长效工作机制",
        "任务已完成并通过验收，相关佐证材料已归档",
        "已完成全部目标任务，正在总结推广经验做法",
    ),
}
# Half-way there, a report speaks the language of its action (the plan's four actions and guarantees).
MID_PHRASES = {
    "equipment": (
        "已推动{n}个设备更新项目开工建设，完成设备投资{x}亿元",
        "已入库设备更新项目{n}个，其中{k}个获超长期特别国债或贴息支持",
        "已组织设备供需对接活动{n}场，促成签约{m}项",
    ),
    "consumer": (
        "已兑付以旧换新补贴{x}亿元，惠及消费者{m}百人次",
        "已组织以旧换新促销活动{n}场，参与经营主体{m}家",
    ),
    "recycling": (
        "已新建或改造回收网点{n}个，规范回收废旧物资{m}百吨",
        "已推动{n}家回收企业规范经营，开展“反向开票”{m}笔",
    ),
    "standards": (
        "已推动{n}家企业开展对标达标，制修订标准{m}项",
        "已组织能效、排放等标准宣贯{n}场，覆盖企业{m}家",
    ),
    "guarantee": (
        "已落实财政贴息资金{x}亿元，惠及企业{m}家",
        "已向金融机构推送融资需求项目{n}个，获授信{x}亿元",
    ),
    "other": ("累计完成更新改造{n}处，正在加快推进剩余任务", "已召开专题调度会{n}次，协调解决问题{m}个"),
}
FIGURE_OF_ACTION = {
    "equipment": ("完成设备投资", "亿元"),
    "consumer": ("兑付补贴", "亿元"),
    "recycling": ("回收网点", "个"),
    "standards": ("对标达标企业", "家"),
    "guarantee": ("落实资金", "亿元"),
    "other": ("完成事项", "项"),
}
NEXT_STEPS = (
    "下一步将加强要素保障，确保按期完成。",
    "下一步将强化调度，及时协调解决困难问题。",
    "存在资金到位偏慢的问题，已提请市专班协调。",
    "下一步将加强部门协同，推动政策直达快享。",
    "部分项目受审批进度影响，正加快办理前期手续。",
    "",
)
RETURN_REASONS = (
    "进展描述过于笼统，请补充具体数据和项目清单",
    "完成百分比与描述不符，请核实后重新报送",
    "缺少资金到位情况，请补充",
    "请补充佐证材料（照片、合同或验收报告）",
    "量化数据口径与上期不一致，请说明",
)
ACCEPT_NOTES = (None, None, "已阅，请继续推进", "进展良好")
EVIDENCE = (
    "已完成全部建设内容，验收报告和资金拨付凭证见附件",
    "任务完成情况经第三方评估合格，评估报告已上传",
    "相关政策文件已印发实施，文件及落实情况说明见附件",
)


def _stage(pct: int) -> str:
    if pct >= 100:
        return "done"
    if pct >= 75:
        return "late"
    if pct >= 35:
        return "mid"
    return "early" if pct >= 10 else "start"


def _short_title(title: str) -> str:
    """The task's first clause, whole: a cut at a fixed length ends inside a 、-list ("供水、供气、")."""
    for mark in ("（",):
        title = title.split(mark)[0]
    return clause_cut(title, SHORT_TITLE, ellipsis="")


def _narrative(
    title: str, action: str | None, pct: int, rng: random.Random
) -> tuple[str, list[dict[str, Any]]]:
    """A plausible progress narrative and its figures, varied by the action and how far the task has come."""
    kind = action if action in MID_PHRASES else "other"
    n, m, x = rng.randint(2, 30), rng.randint(10, 200), round(rng.uniform(0.2, 12.0), 2)
    k = rng.randint(1, n)  # a part of the n: "项目{n}个，其中{k}个" never says more than the whole
    stage = _stage(pct)
    phrases = MID_PHRASES[kind] if stage == "mid" else STAGE_PHRASES[stage]
    phrase = rng.choice(phrases).format(n=n, m=m, k=k, x=x, pct=pct)
    follow_up = "" if stage == "done" else rng.choice(NEXT_STEPS)
    figures: list[dict[str, Any]] = []
    if pct >= 10:
        figures.append({"label": "推进项目数", "value": n, "unit": "个"})
    if pct >= 35:
        label, unit = FIGURE_OF_ACTION[kind]
        figures.append({"label": label, "value": x if unit == "亿元" else m, "unit": unit})
    return f"围绕“{_short_title(title)}”，{phrase}。{follow_up}", figures
