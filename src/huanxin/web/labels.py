"""Chinese labels for the codes stored in the database (one place, used by pages and exports)."""

from __future__ import annotations

from typing import Any

TASK_STATUS = {"not_started": "未开始", "in_progress": "进行中", "completed": "已完成", "closed": "已销号"}
TASK_STATUS_BY_LABEL = {v: k for k, v in TASK_STATUS.items()}
REPORT_STATUS = {"draft": "草稿", "submitted": "已报送", "returned": "已退回", "accepted": "已采纳"}
ITEM_STATUS = {"pending": "待报送", "submitted": "已报送", "returned": "退回修改", "accepted": "已采纳"}
CLOSURE_STATUS = {"pending": "待审核", "approved": "已批准", "rejected": "已驳回"}
LIGHT = {"green": "绿灯", "yellow": "黄灯", "red": "红灯"}
LEVEL = {"action": "行动", "key_task": "重点任务", "measure": "具体举措", "sub_measure": "子举措"}
ACTION = {
    "equipment": "设备更新", "consumer": "消费品以旧换新", "recycling": "回收循环利用",
    "standards": "标准提升", "supply_demand": "产品供需对接", "guarantee": "政策保障",
    "mechanism": "工作机制", "other": "其他",
}
UNIT_ROLE = {"lead": "牵头", "co": "配合", "joint": "共同负责"}
TARGET_KIND = {
    "level": "达到", "growth": "较基期增长", "pp_increase": "较基期提高", "ratio": "比值", "multiple": "较基期增加倍数",
}


# ---- numbers and target sentences as a cadre writes them -----------------------------------

# Units of things counted one by one: shown whole ("3个", "8,752辆", never "3.0个"). A unit with a
# magnitude prefix (万辆, 亿元) or a measure (公里, 吨, %) keeps its decimals.
COUNT_UNITS = frozenset({
    "个", "辆", "台", "部", "家", "项", "套", "台套", "台（套）", "件", "人", "人次", "次", "户", "座", "处",
    "条", "场", "栋", "所", "张", "只", "艘", "架", "批", "笔", "份", "名", "位",
})


def is_count_unit(unit: str | None) -> bool:
    return (unit or "").strip() in COUNT_UNITS


def quantity(value: float | int | None, unit: str | None = "", digits: int = 2) -> str:
    """A figure with its unit, as a cadre writes it: counts whole, measures with at most `digits`
    decimals and no trailing zeros, thousands separated: 3.0个 → 3个, 12.0公里 → 12公里,
    8752.4辆 → 8,752辆, 1234.50万元 → 1,234.5万元. The one formatter of every page and the briefing."""
    unit = unit or ""
    if value is None:
        return "—"
    if is_count_unit(unit):
        text = f"{round(value):,}"
    else:
        text = f"{value:,.{digits}f}".rstrip("0").rstrip(".") if digits > 0 else f"{round(value):,}"
    return ("0" if text in ("", "-0") else text) + unit


# How the plans word a comparator around a level: before the figure, or after it.
_BEFORE = {"超过": "超过", "不少于": "不少于", "不低于": "不低于", "不超过": "不超过", "低于": "低于", "约": "达到约"}
_AFTER = {"以上": "以上", "左右": "左右", "以下": "以下", "以内": "以内"}
# Increase by n times: +1 is 翻一番 (×2), +3 is 翻两番 (×4), +7 翻三番.
_DOUBLINGS = {1: "翻一番", 3: "翻两番", 7: "翻三番"}


def target_sentence(target: Any, base_year: int | None = None) -> str:
    """A plan's target in the plan's own words: “到2027年达到90%以上”, “到2027年超过90%”,
    “到2027年较2023年增长25%以上”, “到2027年较基期翻一番”. `target` is a plans Target or an
    indicators TargetSpec (year, kind, value, unit, comparator, baseline_year, aspirational)."""
    year, kind, comparator = target.year, target.kind, (target.comparator or "").strip()
    lead = ("力争" if getattr(target, "aspirational", False) else "") + f"到{year}年"
    base_year = base_year or target.baseline_year  # the indicators pages know the plan's implied base year
    base = f"较{base_year}年" if base_year else "较基期"
    after = _AFTER.get(comparator, "")
    about = "约" if comparator == "约" else ""
    if kind == "growth":
        return f"{lead}{base}增长{about}{quantity(target.value, target.unit or '%')}{after}"
    if kind == "pp_increase":
        return f"{lead}{base}提高{about}{quantity(target.value, '')}个百分点{after}"
    if kind == "multiple":
        doubling = _DOUBLINGS.get(int(target.value)) if float(target.value).is_integer() else None
        if doubling:
            return f"{lead}{base}{about}{doubling}{after}"
        return f"{lead}{base}增长{about}{quantity(target.value, '')}倍{after}"
    figure = quantity(target.value, target.unit)
    if comparator == "全覆盖":
        return f"{lead}实现全覆盖"
    if comparator == "全部":
        return f"{lead}全部完成（{figure}）"
    if comparator in _BEFORE:
        return f"{lead}{_BEFORE[comparator]}{figure}"
    return f"{lead}达到{figure}{after}"


# ---- the audit log in words -----------------------------------------------------------------

AUDIT_ACTION = {
    "load_plan": "载入方案", "import_plan": "导入方案", "import_ledger": "导入工作台账",
    "open_round": "发起调度轮次", "close_round": "结束调度轮次", "set_schedule": "设定调度周期",
    "submit_report": "报送进展", "accept_report": "采纳进展报告", "return_report": "退回进展报告",
    "request_closure": "申请销号", "approve_closure": "批准销号", "reject_closure": "驳回销号",
    "add_milestone": "添加时间节点", "record_observation": "录入指标数据", "compute_observation": "计算指标数据",
    "import_observations": "导入指标数据", "set_baseline": "设定基期值", "correct_baseline": "更正基期值",
    "create_user": "创建账号", "update_account": "修改账号", "disable_account": "停用账号",
    "enable_account": "启用账号", "unlock_account": "解除账号锁定", "reset_password": "重置密码",
    "change_password": "修改密码", "set_unit_manages_own_accounts": "设定单位自管账号",
    "signin_lockout": "登录失败过多，暂时锁定", "pii_rotate": "更换个人信息加密密钥",
    "ledger.fund": "拨入资金", "ledger.pool.create": "设立资金池", "ledger.move": "调剂资金",
    "ledger.correct": "冲正资金", "ledger.rebuild": "重算账户余额",
    "tradein_programme_set": "设定以旧换新活动", "payout_batch_created": "生成发放批次",
    "payout_batch_approved": "复核发放批次",
    "payout_file_downloaded": "下载发放文件", "payout_result_reconciled": "核对发放结果",
    "appeal_decided": "处理申诉", "identity_reclaimed": "找回实名身份", "freeze_reference_prices": "冻结参考价格",
    "tradein_redemption_code_issued": "生成核销码", "build_demo": "生成演示数据",
}
AUDIT_ENTITY = {
    "plan": "方案", "round": "调度轮次", "report": "进展报告", "closure": "销号申请", "task": "任务",
    "milestone": "时间节点", "observation": "指标数据", "baseline": "基期值", "user": "账号", "unit": "单位",
    "database": "数据库", "ledger_pool": "资金池", "ledger_transfer": "资金转账", "ledger_account": "资金账户",
    "tradein_programme": "以旧换新活动", "tradein_payout_batch": "发放批次", "tradein_person": "实名居民",
    "tradein_appeal": "申诉", "tradein_claim": "补贴申请", "tradein_qualification": "补贴资格",
    "tradein_retailer": "经营主体", "tradein_reference_price": "参考价格",
    "signin_user": "登录账号", "signin_address": "登录地址",
}
# The detail fields a cadre reads; the others (keys, codes, ids) stay in the staff-only raw detail.
AUDIT_DETAIL = {
    "title": "标题", "name": "名称", "value": "数值", "before": "原值", "reason": "原因", "note": "说明",
    "memo": "摘要", "amount_fen": "金额", "total_fen": "合计金额", "count": "笔数", "lines": "行数",
    "rows": "行数", "tranche": "批次", "role": "角色", "unit": "单位", "allowed": "允许", "failures": "失败次数",
    "until": "锁定至", "paid": "已发放", "failed": "失败", "rejected": "被拒", "unchanged": "未变",
    "persons": "人数", "targets": "目标数", "tasks": "任务数", "status": "状态", "file": "文件",
    "sessions_ended": "结束的会话", "other_sessions_ended": "结束的其他会话", "expires_at": "有效期至",
    "qualification_days": "资格有效天数", "daily_release_time": "每日放号时间", "claims": "申请数",
    "plans": "方案数", "rounds": "轮次数",
}
# What a unit is (orgs.models.Unit.kind), as the badge and the lists name it.
UNIT_KIND = {
    "office": "市政府", "department": "市直部门", "agency": "驻市单位", "county": "县（市、区）", "zone": "园区",
    "town": "镇（街道）", "enterprise": "企业", "bank": "银行", "retailer": "经营主体", "recycler": "回收企业",
}


def badge(display_name: str, role_label: str, unit_name: str | None, unit_kind: str | None,
          reports: bool) -> str:
    """Who is signed in, as the page header shows it: the name, then in brackets what they are and
    their unit, never a word twice ("专班办公室（专班办公室）"). A reporting account is named by its
    unit's kind: an enterprise that reports on its tasks is an enterprise, not a 市直部门."""
    what = UNIT_KIND.get(unit_kind or "", role_label) if reports and unit_kind else role_label
    parts = [p for p in (what, unit_name) if p and p != display_name]
    return f"{display_name}（{' · '.join(dict.fromkeys(parts))}）" if parts else display_name
