"""The sheets the plans name, as column tables: one table per sheet serves both the export (its
headers and values) and the import (the same headers found again, the same cells parsed back).

The names are the plans' own: 资阳 (000) and 攀枝花 (001) give the city's 工信局 the "一表三单"
(工业领域资源循环利用企业情况调查摸底表、设备更新供给清单、技术改造项目和设备更新需求清单、
消费品生产供给清单) and the 发改委 the 设备更新和回收循环利用重点项目库. The plans name the sheets
but not their columns: the columns here are what each list has to say for the uses the plans give
it (supply–demand matching, the library's review, the province's call), with the project columns
named as the project form names them (projects.schemas.FIELD_LABELS). The province batch sheet
has the columns provincial calls for special-bond projects ask for (renewal-facts.md), export only."""

from __future__ import annotations

from dataclasses import dataclass

from huanxin.projects import vocab
from huanxin.projects.lists.cells import Column, Kind, normalise_header
from huanxin.projects.lists.words import CONSUMER_CATEGORIES, RESOURCES


@dataclass(frozen=True)
class Layout:
    key: str
    title: str  # the sheet's name in the plans, written in row 1 and as the sheet's name
    columns: tuple[Column, ...]
    importable: bool = True
    aliases: tuple[str, ...] = ()  # shorter names people give the sheet

    @property
    def sheet(self) -> str:
        return self.title[:31]  # Excel's limit on a sheet's name

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def headers(self) -> dict[str, Column]:
        return {normalise_header(c.header): c for c in self.columns}


SEQ = Column("seq", "序号", Kind.INT, width=6, export_only=True)
CREDIT = Column("credit_code", "统一社会信用代码", Kind.CREDIT, required=True, width=22)
CONTACT = Column("contact_name", "联系人", width=10, max_length=40)
NOTE = Column("note", "备注", width=24, max_length=2000)

SURVEY = Layout("survey", "工业领域资源循环利用企业情况调查摸底表", (
    SEQ,
    Column("enterprise_name", "企业名称", required=True, width=28, max_length=120),
    CREDIT,
    Column("region_code", "所属县（市、区）", Kind.REGION, required=True, width=12),
    Column("industry_code", "国民经济行业代码", Kind.INDUSTRY, required=True, width=12,
           note="GB/T 4754-2017，如 C3411 或 3411"),
    Column("industry_name", "行业名称", width=20, export_only=True),
    Column("above_scale", "是否规模以上工业企业", Kind.BOOL, width=10),
    Column("resource", "资源类别", Kind.CHOICE, required=True, width=16, choices=RESOURCES,
           note="一家企业的每一类资源各占一行"),
    Column("generated_t", "年产生量（吨）", Kind.NUMBER, width=12),
    Column("utilised_t", "年综合利用量（吨）", Kind.NUMBER, width=12),
    Column("utilisation_pct", "综合利用率（%）", width=10, export_only=True, note="年综合利用量÷年产生量"),
    Column("method", "主要利用方式", width=24),
    Column("recycling_units", "现有循环利用设备（台套）", Kind.INT, width=12),
    Column("renewal_units", "计划更新改造设备（台套）", Kind.INT, width=12),
    Column("planned_investment_fen", "计划投资（万元）", Kind.MONEY, width=12),
    CONTACT, NOTE,
), aliases=("调查摸底表", "资源循环利用企业情况调查摸底表"))

SUPPLY = Layout("supply", "工业重点领域设备更新供给清单", (
    SEQ,
    Column("supplier_name", "供应企业名称", required=True, width=28, max_length=120),
    CREDIT,
    Column("region_code", "所在县（市、区）", Kind.REGION, required=True, width=12),
    Column("product", "产品名称", required=True, width=24, max_length=120),
    Column("category", "设备类别", Kind.CHOICE, required=True, width=14, choices=vocab.EQUIPMENT_CATEGORIES),
    Column("model", "型号规格", width=18, max_length=120),
    Column("parameters", "主要技术参数", width=28, max_length=2000),
    Column("efficiency_level", "能效水平", Kind.CHOICE, width=12, choices=vocab.EFFICIENCY_LEVELS,
           note="《重点用能产品设备能效先进水平、节能水平和准入水平（2024年版）》的级别"),
    Column("first_set", "是否首台（套）", Kind.BOOL, width=10),
    Column("price_fen", "参考单价（万元）", Kind.MONEY, width=12),
    Column("annual_capacity", "年供给能力（台套）", Kind.INT, width=12),
    Column("industries", "适用行业", width=20),
    CONTACT, NOTE,
), aliases=("设备更新供给清单", "供给清单"))

CONSUMER = Layout("consumer", "消费品生产供给清单", (
    SEQ,
    Column("producer_name", "生产企业名称", required=True, width=28, max_length=120),
    CREDIT,
    Column("region_code", "所在县（市、区）", Kind.REGION, required=True, width=12),
    Column("category", "产品类别", Kind.CHOICE, required=True, width=14, choices=CONSUMER_CATEGORIES),
    Column("product", "产品名称", required=True, width=24, max_length=120),
    Column("brand", "品牌", width=12, max_length=60),
    Column("model", "型号规格", width=18, max_length=120),
    Column("efficiency_grade", "能效等级", Kind.INT, width=8, note="产品能效标识上的等级，1–5级"),
    Column("annual_output", "年产量（台、件）", Kind.INT, width=12),
    Column("trade_in", "是否参与以旧换新", Kind.BOOL, width=10),
    CONTACT, NOTE,
))

# The project columns shared by the demand list and the library sheet: a project's declaration
# (projects.schemas.ProjectInput) and the enterprise that makes it.
PROJECT_COLUMNS: tuple[Column, ...] = (
    Column("seq", "序号", Kind.INT, required=True, width=6, note="设备明细表的“项目序号”指向这一列"),
    Column("code", "项目编号", width=22, max_length=30,
           note="导出时填写；导入时留空为新项目，填写则须是已有项目（内容未改则跳过）"),
    Column("name", "项目名称", required=True, width=30),
    Column("enterprise_name", "项目单位", required=True, width=28, max_length=120),
    CREDIT,
    Column("region_code", "建设地点（县、市、区）", Kind.REGION, required=True, width=12),
    Column("field", "所属领域", Kind.CHOICE, width=14, choices=vocab.FIELDS, note="需求清单留空时为“工业”"),
    Column("directions", "更新方向", Kind.CHOICES, width=18, choices=vocab.DIRECTIONS, note="多项用“、”分隔"),
    Column("summary", "建设内容", width=36, max_length=5000),
    Column("total_investment_fen", "总投资（万元）", Kind.MONEY, required=True, width=12),
    Column("fixed_asset_fen", "固定资产投资（万元）", Kind.MONEY, required=True, width=12),
    Column("equipment_investment_fen", "设备投资（万元）", Kind.MONEY, required=True, width=12),
    Column("start_on", "开工日期", Kind.DATE, required=True, width=12),
    Column("finish_on", "完工日期", Kind.DATE, required=True, width=12),
    Column("construction", "建设状态", Kind.CHOICE, required=True, width=10, choices=vocab.CONSTRUCTION),
    Column("invested_permille", "投资完成比例（%）", Kind.PERCENT, width=10),
    Column("documents", "已办手续", Kind.CHOICES, width=24, choices=vocab.DOCUMENTS),
    Column("instruments", "申请支持方式", Kind.CHOICES, width=24, choices=vocab.INSTRUMENTS),
    Column("loan_need_fen", "贷款需求（万元）", Kind.MONEY, width=12),
    Column("loan_term_months", "贷款期限（月）", Kind.INT, width=10),
    Column("intended_banks", "意向银行", Kind.NAMES, width=24, max_length=120, note="不超过3家，用“、”分隔"),
    Column("loan_signed_on", "贷款合同签订日期", Kind.DATE, width=12, note="贴息按合同签订日期判断是否在政策期间内"),
    Column("loan_disbursed_on", "贷款发放日期", Kind.DATE, width=12),
    Column("relending_batch", "再贷款备选项目批次", Kind.INT, width=10, note="第一批填1，第二批填2；不清楚留空"),
    Column("other_central_funding", "已获其他中央资金支持", Kind.BOOL, width=10),
    Column("energy_saved_tce", "年节能量（吨标准煤）", Kind.NUMBER, width=12),
    Column("co2_cut_t", "年减排二氧化碳（吨）", Kind.NUMBER, width=12),
)

DEMAND = Layout("demand", "工业重点领域技术改造项目和设备更新需求清单", PROJECT_COLUMNS,
                aliases=("技术改造项目和设备更新需求清单", "设备更新需求清单", "需求清单"))

LIBRARY = Layout("library", "设备更新和回收循环利用重点项目库", (
    *PROJECT_COLUMNS,
    Column("status", "审核状态", width=14, export_only=True),
    Column("industry_name", "企业所属行业", width=20, export_only=True),
    Column("retired_value_fen", "淘汰旧设备原值（万元）", Kind.MONEY, width=12, export_only=True),
    Column("new_equipment_fen", "购置新设备金额（万元）", Kind.MONEY, width=12, export_only=True),
), aliases=("重点项目库", "全市设备更新和回收循环利用重点项目库", "设备更新储备库"))

EQUIPMENT = Layout("equipment", "项目设备明细", (
    Column("project_seq", "项目序号", Kind.INT, required=True, width=8, note="项目所在行的“序号”"),
    Column("side", "类型", Kind.CHOICE, required=True, width=12, choices=vocab.EQUIPMENT_SIDES),
    Column("category", "设备类别", Kind.CHOICE, required=True, width=14, choices=vocab.EQUIPMENT_CATEGORIES),
    Column("name", "设备名称", required=True, width=20, max_length=120),
    Column("model", "型号规格", width=18, max_length=120),
    Column("quantity", "数量", Kind.INT, required=True, width=8),
    Column("unit_price_fen", "单价（万元）", Kind.MONEY, width=12, note="购置新设备填写"),
    Column("year", "投用年份", Kind.INT, width=10, note="淘汰旧设备填写"),
    Column("original_value_fen", "原值（万元）", Kind.MONEY, width=12, note="淘汰旧设备填写，全部台数合计"),
    Column("fully_depreciated", "是否已提足折旧", Kind.BOOL, width=10),
    Column("rated_power_kw", "额定功率（千瓦）", Kind.NUMBER, width=10),
    Column("poles", "极数", Kind.INT, width=6),
    Column("efficiency_pct", "效率（%）", Kind.NUMBER, width=8),
    Column("declared_grade", "能效等级", Kind.INT, width=8),
    Column("rated_capacity_kva", "额定容量（千伏安）", Kind.NUMBER, width=10, note="电力变压器填写"),
    Column("no_load_loss_w", "空载损耗（瓦）", Kind.NUMBER, width=10, note="电力变压器实测值"),
    Column("load_loss_w", "负载损耗（瓦）", Kind.NUMBER, width=10, note="电力变压器实测值"),
    Column("domestic", "是否国产", Kind.BOOL, width=8, note="留空为“是”"),
    Column("supplier", "供应商", width=24, max_length=120),
    Column("efficiency_level", "能效水平", width=12, export_only=True),
), aliases=("需求清单设备明细", "设备明细"))

BATCH = Layout("batch", "省级申报批次表", (
    Column("seq", "序号", Kind.INT, width=6),
    Column("name", "项目名称", width=30),
    Column("enterprise_name", "项目单位", width=28),
    CREDIT,
    Column("field", "所属领域", width=14),
    Column("place", "建设地点", width=14),
    Column("total_investment", "总投资（万元）", Kind.MONEY, width=12),
    Column("fixed_asset", "固定资产投资（万元）", Kind.MONEY, width=12),
    Column("equipment_investment", "设备投资（万元）", Kind.MONEY, width=12),
    Column("years", "建设起止年限", width=16),
    Column("progress", "建设进度", width=20),
    Column("instrument", "申请资金类型", width=18),
    Column("requested", "拟申请金额（万元）", Kind.MONEY, width=12),
    Column("retired_value", "淘汰旧设备原值（万元）", Kind.MONEY, width=12),
    Column("documents", "已办手续", width=24),
    Column("contact_name", "联系人", width=10),
    Column("contact_phone", "联系电话", width=14),
    Column("code", "项目编号", width=22),
), importable=False)

LAYOUTS: dict[str, Layout] = {layout.key: layout for layout in (SURVEY, SUPPLY, CONSUMER, DEMAND, LIBRARY,
                                                                 EQUIPMENT, BATCH)}
IMPORTABLE: tuple[Layout, ...] = tuple(layout for layout in LAYOUTS.values() if layout.importable)
SURVEY_LAYOUTS = ("survey", "supply", "consumer")
PROJECT_LAYOUTS = ("demand", "library")
