"""Workbooks for the list tests: the "一表三单" sheets as a county fills them, built cell by cell."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook, load_workbook
from sqlalchemy.orm import Session
from tests.projects.support import Library, setup_library
from tests.tradein.claims_support import n

from huanxin.projects import credit_code
from huanxin.projects.lists.layouts import CONSUMER, DEMAND, EQUIPMENT, SUPPLY, SURVEY, Layout
from huanxin.projects.models import Enterprise


def valid_code(k: int, division: str = "512002") -> str:
    """A credit code that passes every check of GB 32100 (organisation code check included)."""
    org8 = f"{k % 10**8:08d}"
    return credit_code.complete("91" + division + org8 + credit_code.organisation_check_char(org8))


def library(db: Session) -> Library:
    """The projects' test city, its enterprises given credit codes that pass GB 32100 in full."""
    lib = setup_library(db)
    for enterprise in (lib.enterprise, lib.other_enterprise):
        enterprise.credit_code = valid_code(n() * 7919 + 11)
    db.flush()
    return lib


@dataclass
class SheetSpec:
    layout: Layout
    rows: list[dict[str, Any]]  # header → value
    name: str = ""
    drop: Sequence[str] = ()  # headers left out
    merges: Sequence[str] = ()
    extra_title: str = ""

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.layout.columns if c.imported and c.header not in self.drop]


@dataclass
class Book:
    sheets: list[SheetSpec] = field(default_factory=list)
    notes: bool = True  # a 填表说明 sheet, as counties add

    def bytes(self) -> bytes:
        wb = Workbook()
        first = wb.active
        assert first is not None
        wb.remove(first)
        for spec in self.sheets:
            ws = wb.create_sheet(spec.name or spec.layout.sheet)
            ws.append([f"雁江区{spec.layout.title}{spec.extra_title}"])
            ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=6)  # a title row: allowed
            ws.append(spec.headers)
            for row in spec.rows:
                ws.append([row.get(h) for h in spec.headers])
                for cell in ws[ws.max_row]:
                    if isinstance(cell.value, str) and cell.value.startswith("="):
                        cell.data_type = "s"  # typed as text (a person pasting it), not a formula
            for ref in spec.merges:
                ws.merge_cells(ref)
        if self.notes:
            ws = wb.create_sheet("填表说明")
            ws.append(["1. 金额单位为万元。"])
        buffer = io.BytesIO()
        wb.save(buffer)
        return buffer.getvalue()


def survey_row(lib: Library, **over: Any) -> dict[str, Any]:
    row = {"企业名称": lib.enterprise.name, "统一社会信用代码": lib.enterprise.credit_code,
           "所属县（市、区）": "雁江区", "国民经济行业代码": "C3411", "是否规模以上工业企业": "是",
           "资源类别": "废钢铁", "年产生量（吨）": 1200.5,
           "年综合利用量（吨）": 1100, "主要利用方式": "回炉重熔", "现有循环利用设备（台套）": 3,
           "计划更新改造设备（台套）": 2, "计划投资（万元）": 350.25, "联系人": "张三", "备注": ""}
    row.update(over)
    return row


def supply_row(**over: Any) -> dict[str, Any]:
    row = {"供应企业名称": "资阳电机制造有限公司", "统一社会信用代码": valid_code(424242), "所在县（市、区）": "雁江区",
           "产品名称": "超高效三相异步电动机", "设备类别": "三相异步电动机", "型号规格": "YE5-160M-4",
           "主要技术参数": "11kW，4极，IE5", "能效水平": "先进水平", "是否首台（套）": "否", "参考单价（万元）": 1.35,
           "年供给能力（台套）": 5000, "适用行业": "通用设备制造", "联系人": "李四"}
    row.update(over)
    return row


def consumer_row(**over: Any) -> dict[str, Any]:
    row = {"生产企业名称": "资阳家电有限公司", "统一社会信用代码": valid_code(515151), "所在县（市、区）": "安岳县",
           "产品类别": "家用电器", "产品名称": "变频空调", "品牌": "资牌", "型号规格": "KFR-35GW", "能效等级": 1,
           "年产量（台、件）": 200000, "是否参与以旧换新": "是"}
    row.update(over)
    return row


def demand_row(lib: Library, seq: int = 1, **over: Any) -> dict[str, Any]:
    row = {"序号": seq, "项目名称": f"电机产线节能改造项目{seq}", "项目单位": lib.enterprise.name,
           "统一社会信用代码": lib.enterprise.credit_code, "建设地点（县、市、区）": "雁江区", "所属领域": "工业",
           "更新方向": "节能降碳、智能化升级", "建设内容": "更换高效电机", "总投资（万元）": 5000,
           "固定资产投资（万元）": 4500, "设备投资（万元）": 3000.5, "开工日期": dt.date(2025, 3, 1),
           "完工日期": "2026-06-30", "建设状态": "在建", "投资完成比例（%）": 40,
           "已办手续": "立项（审批、核准或备案）", "申请支持方式": "超长期特别国债", "贷款需求（万元）": 2000,
           "贷款期限（月）": 36, "意向银行": "中国工商银行资阳分行", "已获其他中央资金支持": "否"}
    row.update(over)
    return row


def equipment_rows(seq: int = 1) -> list[dict[str, Any]]:
    return [
        {"项目序号": seq, "类型": "淘汰旧设备", "设备类别": "三相异步电动机", "设备名称": "Y系列电动机",
         "型号规格": "Y160M-4", "数量": 10, "投用年份": 2008, "原值（万元）": 60, "是否已提足折旧": "是",
         "额定功率（千瓦）": 11, "极数": 4, "效率（%）": 87.5},
        {"项目序号": seq, "类型": "购置新设备", "设备类别": "三相异步电动机", "设备名称": "高效电动机",
         "型号规格": "YE4-160M-4", "数量": 10, "单价（万元）": 1.2, "额定功率（千瓦）": 11, "极数": 4,
         "效率（%）": 93, "是否国产": "是", "供应商": "资阳电机制造有限公司"},
    ]


def full_book(lib: Library) -> Book:
    """The whole survey of a county: the four lists and the equipment detail, plus a notes sheet."""
    return Book([
        SheetSpec(SURVEY, [survey_row(lib), survey_row(lib, 资源类别="冶炼渣", **{"年产生量（吨）": 300})]),
        SheetSpec(SUPPLY, [supply_row()]),
        SheetSpec(DEMAND, [demand_row(lib, 1), demand_row(lib, 2, 项目名称="数控机床更新项目")]),
        SheetSpec(EQUIPMENT, equipment_rows(1) + equipment_rows(2)),
        SheetSpec(CONSUMER, [consumer_row()]),
    ])


def sheet_values(data: bytes, sheet: str) -> list[tuple[Any, ...]]:
    wb = load_workbook(io.BytesIO(data))
    return [tuple(r) for r in wb[sheet].iter_rows(values_only=True)]


def enterprise_named(db: Session, name: str) -> Enterprise | None:
    from sqlalchemy import select

    return db.scalar(select(Enterprise).where(Enterprise.name == name))
