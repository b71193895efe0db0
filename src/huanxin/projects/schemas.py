"""What a project declaration carries (ProjectInput with its EquipmentInput lines) and the one check
every way in uses: the API, the pages and the Excel import all call `validate_project`, so a figure
refused on one is refused on all, with the same Chinese words naming the field.

Errors: `huanxin.errors.InvalidInput`; its `message` is the first problem, its `field` that
problem's field (`total_investment_fen`, or `equipment[2].unit_price_fen` for the third line of
the equipment list), and its `errors` list every problem found ({"field", "message"}), so a form
marks every field at once and an import reports every problem of a row.

Equipment lines against the equipment investment: the new lines (quantity × unit price) are what
the enterprise buys, so together they may not exceed the declared equipment investment, except by
what rounding explains. The sheets enterprises fill state money in 万元 with two decimals, so each
figure typed may be off by half a step (0.005万元 = 50元 = 5,000 fen): the declared investment
once and the unit price of every unit bought. The tolerance is therefore 5,000 fen × (1 + the
number of new units). Less than the investment is normal (installation, tools and spares are
equipment investment without being lines of the list)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field
from sqlalchemy.orm import Session

from huanxin.errors import InvalidInput
from huanxin.kit.clock import today
from huanxin.kit.limits import FenAmount, Schema, ShortText
from huanxin.orgs import service as orgs_service
from huanxin.projects import vocab

MAX_BANKS = 3  # 再贷款: 意向银行不超过3家 (renewal-facts.md, relending: "no more than 3 intended banks")
PERMILLE_MAX = 1000
# Half a step of 0.01万元, in fen: see the module docstring.
ROUNDING_FEN_PER_FIGURE = 5_000
MAX_EQUIPMENT_LINES = 500
# The relending candidate lists (备选项目清单) whose conditions the funding rules know
# (projects/funding/parameters/relending.yaml: relending.batch1.*, relending.batch2.*).
RELENDING_BATCHES: dict[int, str] = {1: "第一批", 2: "第二批"}

FIELD_LABELS: dict[str, str] = {
    "name": "项目名称",
    "field": "所属领域",
    "directions": "更新方向",
    "region_code": "建设地点（县区）",
    "summary": "建设内容",
    "total_investment_fen": "总投资",
    "fixed_asset_fen": "固定资产投资",
    "equipment_investment_fen": "设备投资",
    "start_on": "开工日期",
    "finish_on": "完工日期",
    "construction": "建设状态",
    "invested_permille": "投资完成比例",
    "documents": "已办手续",
    "instruments": "申请支持方式",
    "loan_need_fen": "贷款需求",
    "loan_term_months": "贷款期限（月）",
    "intended_banks": "意向银行",
    "loan_disbursed_on": "贷款发放日期",
    "other_central_funding": "已获其他中央资金支持",
    "energy_saved_tce": "年节能量（吨标准煤）",
    "co2_cut_t": "年减排二氧化碳（吨）",
    "equipment": "设备清单",
}

EQUIPMENT_LABELS: dict[str, str] = {
    "side": "类型",
    "category": "设备类别",
    "name": "设备名称",
    "model": "型号规格",
    "quantity": "数量",
    "unit_price_fen": "单价",
    "year": "投用年份",
    "original_value_fen": "原值",
    "fully_depreciated": "是否已提足折旧",
    "rated_power_kw": "额定功率（千瓦）",
    "poles": "极数",
    "efficiency_pct": "效率（%）",
    "declared_grade": "能效等级",
    "domestic": "是否国产",
    "supplier": "供应商",
}


# Fields added by migration 0018. Kept apart from the two dicts above for now because the review
# snapshot (review.SNAPSHOT_FIELDS / EQUIPMENT_FIELDS) and the demo's copy of it read those dicts'
# keys from plain demo rows that do not carry these yet; the form and the errors use the merged ones.
FUNDING_LABELS: dict[str, str] = {"loan_signed_on": "贷款合同签订日期", "relending_batch": "再贷款备选项目批次"}
TRANSFORMER_LABELS: dict[str, str] = {
    "rated_capacity_kva": "额定容量（千伏安）", "no_load_loss_w": "空载损耗（瓦）", "load_loss_w": "负载损耗（瓦）",
}
ALL_FIELD_LABELS = {**FIELD_LABELS, **FUNDING_LABELS}
ALL_EQUIPMENT_LABELS = {**EQUIPMENT_LABELS, **TRANSFORMER_LABELS}


class EquipmentInput(Schema):
    side: ShortText = "new"  # vocab.EQUIPMENT_SIDES key: retired | new
    category: ShortText = ""  # vocab.EQUIPMENT_CATEGORIES key
    name: ShortText = ""
    model: ShortText = ""
    quantity: int = 1
    unit_price_fen: FenAmount = 0  # new lines: price of one unit
    year: int | None = None  # retired lines: in service since
    original_value_fen: FenAmount = 0  # retired lines: of all units
    fully_depreciated: bool = False
    rated_power_kw: float | None = None
    poles: int | None = None
    efficiency_pct: float | None = None
    declared_grade: int | None = None
    rated_capacity_kva: float | None = None  # power transformers: GB 20052 reads these three
    no_load_loss_w: float | None = None  # measured
    load_loss_w: float | None = None  # measured, at the reference temperature
    domestic: bool = True
    supplier: ShortText = ""


class ProjectInput(Schema):
    """A declaration as the enterprise (or its county, or the office) types it. Defaults everywhere
    a person may leave a box empty, so that `validate_project` says in Chinese what is missing."""

    name: ShortText = ""
    field: ShortText = ""  # vocab.FIELDS key
    directions: list[ShortText] = Field(default_factory=list, max_length=len(vocab.DIRECTIONS) * 2)
    region_code: ShortText = ""  # county-level GB/T 2260 code of the city
    summary: str = ""
    total_investment_fen: FenAmount = 0
    fixed_asset_fen: FenAmount = 0
    equipment_investment_fen: FenAmount = 0
    start_on: dt.date | None = None
    finish_on: dt.date | None = None
    construction: ShortText = ""  # vocab.CONSTRUCTION key
    invested_permille: int = 0  # share invested so far, 0–1000
    documents: list[ShortText] = Field(default_factory=list, max_length=len(vocab.DOCUMENTS) * 2)
    instruments: list[ShortText] = Field(default_factory=list, max_length=len(vocab.INSTRUMENTS) * 2)
    loan_need_fen: FenAmount = 0
    loan_term_months: int = 0
    intended_banks: list[ShortText] = Field(default_factory=list, max_length=20)
    loan_signed_on: dt.date | None = None  # the contract: it decides the interest subsidy's window
    loan_disbursed_on: dt.date | None = None
    relending_batch: int | None = None  # RELENDING_BATCHES key: the candidate list the project is on
    other_central_funding: bool = False
    energy_saved_tce: float | None = None
    co2_cut_t: float | None = None
    equipment: list[EquipmentInput] = Field(default_factory=list, max_length=MAX_EQUIPMENT_LINES)


class _Problems:
    """The problems found, in the order a person reads the form."""

    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, field: str, message: str) -> None:
        self.items.append({"field": field, "message": message})

    def raise_any(self) -> None:
        if self.items:
            first = self.items[0]
            raise InvalidInput(str(first["message"]), field=str(first["field"]), errors=list(self.items))


def validate_project(data: ProjectInput, *, city_code: str, session: Session) -> None:
    """Raises InvalidInput naming every wrong field; returns None when the declaration can be saved."""
    problems = _Problems()
    _check_texts(data, problems)
    _check_keys(data, problems)
    _check_region(session, city_code, data.region_code, problems)
    _check_money(data, problems)
    _check_dates(data, problems)
    _check_loan(data, problems)
    _check_benefits(data, problems)
    for index, line in enumerate(data.equipment):
        _check_line(index, line, problems)
    _check_lines_total(data, problems)
    problems.raise_any()


def _label(field: str) -> str:
    return ALL_FIELD_LABELS.get(field, field)


def _check_texts(data: ProjectInput, problems: _Problems) -> None:
    if not data.name.strip():
        problems.add("name", "项目名称不能为空")


def _one_of(value: str, allowed: dict[str, str], field: str, problems: _Problems) -> None:
    if value not in allowed:
        shown = "、".join(allowed.values())
        problems.add(field, f"{_label(field)}“{value}”无效，须为{shown}之一")


def _keys_of(values: list[str], allowed: dict[str, str], field: str, problems: _Problems) -> None:
    for value in values:
        if value not in allowed:
            shown = "、".join(allowed.values())
            problems.add(field, f"{_label(field)}“{value}”无效，须为{shown}之一")
            return
    if len(set(values)) != len(values):
        problems.add(field, f"{_label(field)}有重复的选项")


def _check_keys(data: ProjectInput, problems: _Problems) -> None:
    if not data.field:
        problems.add("field", "所属领域不能为空")
    else:
        _one_of(data.field, vocab.FIELDS, "field", problems)
    _keys_of(data.directions, vocab.DIRECTIONS, "directions", problems)
    if not data.construction:
        problems.add("construction", "建设状态不能为空")
    else:
        _one_of(data.construction, vocab.CONSTRUCTION, "construction", problems)
    _keys_of(data.documents, vocab.DOCUMENTS, "documents", problems)
    _keys_of(data.instruments, vocab.INSTRUMENTS, "instruments", problems)


def county_regions(session: Session, city_code: str) -> dict[str, str]:
    """The county-level regions of a city (GB/T 2260), code → name: where a project may be built.
    A county-level city running its own programme (安丘市, 370784) has none below it: itself."""
    found = {r.code: r.name for r in orgs_service.child_regions(session, city_code) if r.level == "county"}
    if not found:
        name = orgs_service.region_name(session, city_code)
        if name != city_code:
            found[city_code] = name
    return found


def _check_region(session: Session, city_code: str, region_code: str, problems: _Problems) -> None:
    code = region_code.strip()
    if not code:
        problems.add("region_code", "建设地点（县区）不能为空")
    elif code not in county_regions(session, city_code):
        problems.add("region_code", f"建设地点（县区）“{code}”不是本市的县（市、区）")


def _yuan(fen: int) -> str:
    return f"{fen / 1_000_000:,.2f}万元"


def _check_money(data: ProjectInput, problems: _Problems) -> None:
    for field in ("total_investment_fen", "fixed_asset_fen", "equipment_investment_fen", "loan_need_fen"):
        if getattr(data, field) < 0:
            problems.add(field, f"{_label(field)}不能小于0")
    total, fixed, equipment = data.total_investment_fen, data.fixed_asset_fen, data.equipment_investment_fen
    if total <= 0:
        problems.add("total_investment_fen", "总投资须大于0")
    if equipment > total >= 0:
        problems.add("equipment_investment_fen",
                     f"设备投资不能大于总投资（设备投资{_yuan(equipment)}，总投资{_yuan(total)}）")
    if fixed > total >= 0:
        problems.add("fixed_asset_fen",
                     f"固定资产投资不能大于总投资（固定资产投资{_yuan(fixed)}，总投资{_yuan(total)}）")
    # 设备工器具购置 is part of 固定资产投资 (固定资产投资 = 建安工程 + 设备工器具购置 + 其他费用).
    if 0 <= fixed < equipment <= total:
        problems.add("equipment_investment_fen",
                     f"设备投资不能大于固定资产投资（设备投资{_yuan(equipment)}，固定资产投资{_yuan(fixed)}）")
    if data.invested_permille > PERMILLE_MAX:
        problems.add("invested_permille", "投资完成比例不能超过100%")
    elif data.invested_permille < 0:
        problems.add("invested_permille", "投资完成比例不能小于0")


def _check_dates(data: ProjectInput, problems: _Problems) -> None:
    if data.start_on is None:
        problems.add("start_on", "开工日期不能为空")
    if data.finish_on is None:
        problems.add("finish_on", "完工日期不能为空")
    if data.start_on and data.finish_on and data.finish_on < data.start_on:
        problems.add("finish_on",
                     f"完工日期（{data.finish_on.isoformat()}）不能早于开工日期（{data.start_on.isoformat()}）")


def _check_loan(data: ProjectInput, problems: _Problems) -> None:
    banks = [b.strip() for b in data.intended_banks]
    if any(not b for b in banks):
        problems.add("intended_banks", "意向银行名称不能为空")
    if len(banks) > MAX_BANKS:
        problems.add("intended_banks", f"意向银行不能超过{MAX_BANKS}家（填写了{len(banks)}家）")
    if len(set(banks)) != len(banks):
        problems.add("intended_banks", "意向银行有重复")
    if data.loan_term_months < 0:
        problems.add("loan_term_months", "贷款期限（月）不能小于0")
    elif data.loan_term_months > 600:
        problems.add("loan_term_months", "贷款期限（月）不能超过600个月")
    signed, disbursed = data.loan_signed_on, data.loan_disbursed_on
    if signed and disbursed and signed > disbursed:
        problems.add("loan_signed_on", f"贷款合同签订日期（{signed.isoformat()}）不能晚于贷款发放日期"
                                       f"（{disbursed.isoformat()}）")
    if data.relending_batch is not None and data.relending_batch not in RELENDING_BATCHES:
        shown = "、".join(RELENDING_BATCHES.values())
        problems.add("relending_batch", f"再贷款备选项目批次须为{shown}之一")


def _check_benefits(data: ProjectInput, problems: _Problems) -> None:
    for field in ("energy_saved_tce", "co2_cut_t"):
        value = getattr(data, field)
        if value is not None and value < 0:
            problems.add(field, f"{_label(field)}不能小于0")


def _line_field(index: int, name: str) -> str:
    return f"equipment[{index}].{name}"


def _check_line(index: int, line: EquipmentInput, problems: _Problems) -> None:
    row = f"设备清单第{index + 1}行"
    if line.side not in vocab.EQUIPMENT_SIDES:
        problems.add(_line_field(index, "side"), f"{row}：类型“{line.side}”无效，须为淘汰旧设备或购置新设备")
        return
    side = vocab.EQUIPMENT_SIDES[line.side]
    if not line.name.strip():
        problems.add(_line_field(index, "name"), f"{row}（{side}）：设备名称不能为空")
    if line.category not in vocab.EQUIPMENT_CATEGORIES:
        shown = "、".join(vocab.EQUIPMENT_CATEGORIES.values())
        problems.add(_line_field(index, "category"), f"{row}（{side}）：设备类别“{line.category}”无效，须为{shown}之一")
    if line.quantity < 1:
        problems.add(_line_field(index, "quantity"), f"{row}（{side}）：数量须为不小于1的整数")
    if line.unit_price_fen < 0 or line.original_value_fen < 0:
        problems.add(_line_field(index, "unit_price_fen" if line.unit_price_fen < 0 else "original_value_fen"),
                     f"{row}（{side}）：金额不能小于0")
    if line.side == "new" and line.unit_price_fen <= 0:
        problems.add(_line_field(index, "unit_price_fen"), f"{row}（{side}）：新设备须填写单价")
    if line.side == "retired" and line.original_value_fen <= 0:
        problems.add(_line_field(index, "original_value_fen"), f"{row}（{side}）：旧设备须填写原值")
    _check_line_figures(index, row, side, line, problems)


def _check_line_figures(index: int, row: str, side: str, line: EquipmentInput, problems: _Problems) -> None:
    this_year = today().year
    if line.year is not None and not 1950 <= line.year <= this_year:
        problems.add(_line_field(index, "year"), f"{row}（{side}）：投用年份须在1950年到{this_year}年之间")
    if line.rated_power_kw is not None and line.rated_power_kw <= 0:
        problems.add(_line_field(index, "rated_power_kw"), f"{row}（{side}）：额定功率须大于0")
    if line.poles is not None and line.poles not in (2, 4, 6, 8, 10, 12):
        problems.add(_line_field(index, "poles"), f"{row}（{side}）：极数须为2、4、6、8、10或12")
    if line.efficiency_pct is not None and not 0 < line.efficiency_pct <= 100:
        problems.add(_line_field(index, "efficiency_pct"), f"{row}（{side}）：效率须在0到100%之间")
    if line.declared_grade is not None and not 1 <= line.declared_grade <= 5:
        problems.add(_line_field(index, "declared_grade"), f"{row}（{side}）：能效等级须为1到5级")
    _check_transformer_figures(index, row, side, line, problems)


def _check_transformer_figures(index: int, row: str, side: str, line: EquipmentInput, problems: _Problems) -> None:
    if line.rated_capacity_kva is not None and line.rated_capacity_kva <= 0:
        problems.add(_line_field(index, "rated_capacity_kva"), f"{row}（{side}）：额定容量须大于0")
    for name in ("no_load_loss_w", "load_loss_w"):
        value = getattr(line, name)
        if value is not None and value < 0:
            problems.add(_line_field(index, name), f"{row}（{side}）：{TRANSFORMER_LABELS[name]}不能小于0")
    # A loss is a share of the rated power: one at or above the whole capacity is a typing slip
    # (kW typed as W, or the capacity in MVA), never a measurement.
    capacity = line.rated_capacity_kva
    if capacity is not None and capacity > 0:
        for name in ("no_load_loss_w", "load_loss_w"):
            value = getattr(line, name)
            if value is not None and value >= capacity * 1000:
                problems.add(_line_field(index, name), f"{row}（{side}）：{TRANSFORMER_LABELS[name]}{value:g}瓦"
                                                       f"不小于额定容量{capacity:g}千伏安，请核对单位")


def new_lines_total_fen(equipment: list[EquipmentInput]) -> int:
    return sum(line.quantity * line.unit_price_fen for line in equipment if line.side == "new")


def _check_lines_total(data: ProjectInput, problems: _Problems) -> None:
    new_units = sum(max(line.quantity, 0) for line in data.equipment if line.side == "new")
    lines = new_lines_total_fen(data.equipment)
    allowed = data.equipment_investment_fen + ROUNDING_FEN_PER_FIGURE * (1 + new_units)
    if new_units and lines > allowed:
        problems.add("equipment",
                     f"设备清单中新设备合计（数量×单价）{_yuan(lines)}，超过了设备投资{_yuan(data.equipment_investment_fen)}")
