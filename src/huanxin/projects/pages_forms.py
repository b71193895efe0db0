"""The declaration form of a project (申报项目) as the pages read and show it.

Money is typed as a person writes it on the paper form: the project's investments in 万元, the
equipment's prices and values in 元, each turned into integer fen exactly (no float on the way);
the share invested in %, stored as per-mille. The equipment list is a table of rows named
`eq-<row>-<field>`; a row left empty is no item. What was typed is kept as text (`FormValues`),
so a refused form is shown again exactly as it was sent."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, TypeVar

from pydantic import ValidationError

from huanxin.errors import DomainError, InvalidInput
from huanxin.kit import limits
from huanxin.projects.schemas import ALL_EQUIPMENT_LABELS, ALL_FIELD_LABELS

T = TypeVar("T")
BLANK_ROWS = 3  # empty equipment rows under a new form, and after the last filled one
MAX_ROWS = 200  # a project's equipment list on one form: more belongs in the Excel import
WAN_DECIMALS = 6  # 1 万元 = 1,000,000 分
YUAN_DECIMALS = 2
BANKS = 3  # at most three intended banks (relending: 意向银行不超过3家)
TRANSFORMER = ("rated_capacity_kva", "no_load_loss_w", "load_loss_w")  # GB 20052 reads these

PROJECT_TEXT = ("name", "summary", "field", "region_code", "construction", "start_on", "finish_on",
                "total_investment", "fixed_asset", "equipment_investment", "invested_pct", "loan_need",
                "loan_term_months", "loan_signed_on", "loan_disbursed_on", "relending_batch", "energy_saved_tce",
                "co2_cut_t", *(f"bank_{i}" for i in range(1, BANKS + 1)))
PROJECT_LISTS = ("directions", "documents", "instruments")
PROJECT_FLAGS = ("other_central_funding",)
EQUIPMENT_TEXT = ("side", "category", "name", "model", "quantity", "unit_price", "year", "original_value",
                  "rated_power_kw", "poles", "efficiency_pct", "declared_grade", *TRANSFORMER, "origin", "supplier")
EQUIPMENT_FLAGS = ("fully_depreciated",)
# What a person types in a row; all empty is no item (the selects always carry a value).
EQUIPMENT_TYPED = ("name", "model", "quantity", "unit_price", "year", "original_value", "rated_power_kw",
                   "poles", "efficiency_pct", "declared_grade", *TRANSFORMER, "supplier")

# A schema field and the input that carries it, where they differ.
INPUT_OF = {"total_investment_fen": "total_investment", "fixed_asset_fen": "fixed_asset",
            "equipment_investment_fen": "equipment_investment", "invested_permille": "invested_pct",
            "loan_need_fen": "loan_need", "intended_banks": "bank_1", "unit_price_fen": "unit_price",
            "original_value_fen": "original_value", "domestic": "origin"}


@dataclass
class FormValues:
    """What the form shows: text per input, the ticked boxes of each list, and the equipment rows."""

    text: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    rows: list[dict[str, str]] = field(default_factory=list)

    def get(self, name: str, default: str = "") -> str:
        return self.text.get(name, default)

    def ticked(self, name: str, key: str) -> bool:
        return key in self.lists.get(name, [])

    def with_blank_rows(self, extra: int = 0) -> FormValues:
        """The rows as typed, then at least one empty row to fill (`extra` more on 添加一行)."""
        rows = [dict(r) for r in self.rows]
        while len(rows) < BLANK_ROWS or not _row_blank(rows[-1]):
            rows.append(blank_row())
        rows += [blank_row() for _ in range(extra)]
        return FormValues(text=dict(self.text), lists={k: list(v) for k, v in self.lists.items()},
                          rows=rows[:MAX_ROWS])


def blank_row(side: str = "new") -> dict[str, str]:
    return {"side": side, "category": "other", "origin": "domestic"}


def _row_blank(row: Mapping[str, str]) -> bool:
    return not any((row.get(name) or "").strip() for name in EQUIPMENT_TYPED)


# ---- reading what was sent --------------------------------------------------------------------

_ROW = re.compile(r"eq-(\d{1,3})-(\w+)")


def values_from_form(form: Any) -> FormValues:
    """The sent form (Starlette's FormData, or a plain mapping in tests) as text, never parsed."""
    getlist = form.getlist if hasattr(form, "getlist") else (lambda k: [form[k]] if k in form else [])
    text = {name: str(form.get(name) or "") for name in PROJECT_TEXT if form.get(name) is not None}
    for flag in PROJECT_FLAGS:
        text[flag] = "1" if form.get(flag) else ""
    lists = {name: [str(v) for v in getlist(name)] for name in PROJECT_LISTS}
    rows: dict[int, dict[str, str]] = {}
    for key in form:
        match = _ROW.fullmatch(str(key))
        if match and int(match.group(1)) < MAX_ROWS and match.group(2) in (*EQUIPMENT_TEXT, *EQUIPMENT_FLAGS):
            rows.setdefault(int(match.group(1)), {})[match.group(2)] = str(form.get(key) or "")
    return FormValues(text=text, lists=lists, rows=[rows[i] for i in sorted(rows)])


def _money(text: str, name: str, label: str, decimals: int, unit: str) -> int:
    """'1,234.5' → fen, exactly; more decimals than the unit allows is refused, not rounded. Empty: 0
    (whether a figure is required is the shared check's to say)."""
    cleaned = re.sub(r"[,，\s]", "", text or "").removesuffix(unit)
    if not cleaned:
        return 0
    match = re.fullmatch(r"(\d{1,12})(?:\.(\d*))?", cleaned)
    if match is None:
        raise InvalidInput(f"{label}“{text[:20]}”不是有效金额，请填写数字（单位：{unit}）", field=name)
    digits = match.group(2) or ""
    if len(digits) > decimals:
        raise InvalidInput(f"{label}“{text[:20]}”最多保留 {decimals} 位小数（单位：{unit}，精确到分）", field=name)
    scale = int(10**decimals)  # 万元: 10^6 fen, 元: 10^2 fen
    fen = int(match.group(1)) * scale + int((digits + "0" * decimals)[:decimals] or 0)
    if fen > limits.FEN_MAX:
        raise InvalidInput(f"{label}“{text[:20]}”过大，请核对（单位：{unit}）", field=name)
    return fen


def wan_to_fen(text: str, name: str, label: str) -> int:
    return _money(text, name, label, WAN_DECIMALS, "万元")


def yuan_to_fen(text: str, name: str, label: str) -> int:
    return _money(text, name, label, YUAN_DECIMALS, "元")


def _int(text: str, name: str, label: str) -> int | None:
    value = (text or "").strip()
    if not value:
        return None
    if not re.fullmatch(r"\d{1,18}", value):
        raise InvalidInput(f"{label}“{value[:20]}”应为整数", field=name)
    return limits.check_int(int(value), name, label)


def _count(text: str, name: str, label: str, default: int) -> int:
    found = _int(text, name, label)
    return default if found is None else found


def _float(text: str, name: str, label: str) -> float | None:
    value = (text or "").strip().replace(",", "")
    if not value:
        return None
    if not re.fullmatch(r"\d{1,12}(?:\.\d{1,6})?", value):
        raise InvalidInput(f"{label}“{value[:20]}”应为数字", field=name)
    return float(value)


def _date(text: str, name: str, label: str) -> dt.date | None:
    value = (text or "").strip().replace("/", "-").replace(".", "-")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(f"{label}“{text[:20]}”不是有效日期，请按 2025-06-30 格式填写", field=name) from None


def pct_to_permille(text: str, name: str = "invested_pct") -> int:
    """'80' → 800, '80.5' → 805 (one decimal at most: per-mille is what is stored)."""
    value = (text or "").strip().removesuffix("%").removesuffix("％").strip()
    if not value:
        return 0
    match = re.fullmatch(r"(\d{1,6})(?:\.(\d))?", value)
    if match is None:
        raise InvalidInput(f"已完成投资比例“{text[:20]}”应为 0 到 100 之间的数，最多一位小数", field=name)
    return int(match.group(1)) * 10 + int(match.group(2) or 0)


class _Collected:
    """Every format problem of the form at once (each beside its input), not only the first."""

    def __init__(self) -> None:
        self.errors: list[dict[str, Any]] = []

    def __call__(self, parse_one: Callable[[], T], fallback: T) -> T:
        try:
            return parse_one()
        except InvalidInput as exc:
            self.errors.append({"field": exc.field or "", "message": exc.message})
            return fallback

    def raise_any(self) -> None:
        if self.errors:
            first = self.errors[0]
            raise InvalidInput(str(first["message"]), field=str(first["field"]), errors=list(self.errors))


def _equipment_item(row: Mapping[str, str], i: int, ok: _Collected) -> dict[str, Any]:
    def name(attr: str) -> str:
        return f"eq-{i}-{attr}"

    def text(attr: str) -> str:
        return row.get(attr) or ""

    n = i + 1
    return {
        "side": text("side") or "new", "category": text("category") or "other",
        "name": text("name").strip(), "model": text("model").strip(),
        "quantity": ok(lambda: _count(text("quantity"), name("quantity"), f"设备第 {n} 行的数量", 1), 1),
        "unit_price_fen": ok(lambda: yuan_to_fen(text("unit_price"), name("unit_price"), f"设备第 {n} 行的单价"), 0),
        "year": ok(lambda: _int(text("year"), name("year"), f"设备第 {n} 行的投用年份"), None),
        "original_value_fen": ok(lambda: yuan_to_fen(text("original_value"), name("original_value"),
                                                     f"设备第 {n} 行的原值"), 0),
        "fully_depreciated": bool(text("fully_depreciated")),
        "rated_power_kw": ok(lambda: _float(text("rated_power_kw"), name("rated_power_kw"),
                                            f"设备第 {n} 行的额定功率"), None),
        "poles": ok(lambda: _int(text("poles"), name("poles"), f"设备第 {n} 行的极数"), None),
        "efficiency_pct": ok(lambda: _float(text("efficiency_pct"), name("efficiency_pct"),
                                            f"设备第 {n} 行的效率"), None),
        "declared_grade": ok(lambda: _int(text("declared_grade"), name("declared_grade"),
                                          f"设备第 {n} 行的能效等级"), None),
        **{attr: ok(partial(_float, text(attr), name(attr), f"设备第 {n} 行的{ALL_EQUIPMENT_LABELS[attr]}"), None)
           for attr in TRANSFORMER},
        "domestic": (text("origin") or "domestic") != "imported",
        "supplier": text("supplier").strip(),
    }


@dataclass(frozen=True)
class Parsed:
    data: dict[str, Any]  # the ProjectInput's fields
    rows: tuple[int, ...]  # the form row of each equipment item, in order


def parse(values: FormValues) -> Parsed:
    """The form's text as the ProjectInput's fields. Every format problem is reported at once,
    each naming its input; what is missing or inconsistent is the shared check's to say
    (schemas.validate_project, called by the service)."""
    t = values.get
    ok = _Collected()
    banks = [t(f"bank_{i}").strip() for i in range(1, BANKS + 1)]

    def wan(name: str, label: str) -> int:
        return ok(lambda: wan_to_fen(t(name), name, label), 0)

    data: dict[str, Any] = {
        "name": t("name").strip(), "field": t("field"), "directions": values.lists.get("directions", []),
        "region_code": t("region_code"), "summary": t("summary").strip(),
        "total_investment_fen": wan("total_investment", "总投资"),
        "fixed_asset_fen": wan("fixed_asset", "固定资产投资"),
        "equipment_investment_fen": wan("equipment_investment", "设备投资"),
        "start_on": ok(lambda: _date(t("start_on"), "start_on", "开工日期"), None),
        "finish_on": ok(lambda: _date(t("finish_on"), "finish_on", "完工日期"), None),
        "construction": t("construction"),
        "invested_permille": ok(lambda: pct_to_permille(t("invested_pct")), 0),
        "documents": values.lists.get("documents", []), "instruments": values.lists.get("instruments", []),
        "loan_need_fen": wan("loan_need", "贷款需求"),
        "loan_term_months": ok(lambda: _count(t("loan_term_months"), "loan_term_months", "贷款期限（月）", 0), 0),
        "intended_banks": [b for b in banks if b],
        "loan_signed_on": ok(lambda: _date(t("loan_signed_on"), "loan_signed_on", "贷款合同签订日期"), None),
        "loan_disbursed_on": ok(lambda: _date(t("loan_disbursed_on"), "loan_disbursed_on", "贷款发放日期"), None),
        "relending_batch": ok(lambda: _int(t("relending_batch"), "relending_batch", "再贷款备选项目批次"), None),
        "other_central_funding": bool(t("other_central_funding")),
        "energy_saved_tce": ok(lambda: _float(t("energy_saved_tce"), "energy_saved_tce", "年节能量（吨标准煤）"), None),
        "co2_cut_t": ok(lambda: _float(t("co2_cut_t"), "co2_cut_t", "年减排二氧化碳（吨）"), None),
    }
    items, rows = [], []
    for i, row in enumerate(values.rows):
        if not _row_blank(row):
            items.append(_equipment_item(row, i, ok))
            rows.append(i)
    data["equipment"] = items
    ok.raise_any()
    return Parsed(data=data, rows=tuple(rows))


# ---- errors, in the form's words and beside the input ------------------------------------------

_PYDANTIC = {
    "missing": "为必填项", "string_too_long": "过长（最多 {max_length} 字）", "string_too_short": "不能为空",
    "greater_than_equal": "不能小于 {ge}", "greater_than": "须大于 {gt}", "less_than_equal": "不能大于 {le}",
    "less_than": "须小于 {lt}", "too_long": "最多 {max_length} 项", "literal_error": "不是可选的值",
    "enum": "不是可选的值", "int64_range": "超出可接受的范围",
}


def _input_name(loc: Sequence[Any], rows: Sequence[int]) -> tuple[str, str]:
    """The input a schema location is about (`equipment.2.quantity` → `eq-<row>-quantity`) and its label."""
    parts = [p for p in loc if p not in ("body",)]
    if len(parts) >= 3 and parts[0] == "equipment" and isinstance(parts[1], int):
        k, attr = parts[1], str(parts[2])
        row = rows[k] if 0 <= k < len(rows) else k
        return f"eq-{row}-{INPUT_OF.get(attr, attr)}", f"设备第 {row + 1} 行的{ALL_EQUIPMENT_LABELS.get(attr, '内容')}"
    attr = str(parts[0]) if parts else ""
    return INPUT_OF.get(attr, attr), ALL_FIELD_LABELS.get(attr, "输入")


def from_validation(exc: ValidationError, rows: Sequence[int]) -> InvalidInput:
    errors = []
    for err in exc.errors():
        name, label = _input_name(err.get("loc", ()), rows)
        template = _PYDANTIC.get(err.get("type", ""))
        ctx = err.get("ctx") or {}
        try:
            said = template.format(**ctx) if template else "填写有误"
        except (KeyError, IndexError):
            said = "填写有误"
        if err.get("type") == "value_error" and isinstance(ctx.get("error"), Exception):
            said = str(ctx["error"])  # a validator's own Chinese sentence
        errors.append({"field": name, "message": f"“{label}”{said}" if not said.startswith(label) else said})
    first = errors[0] if errors else {"field": "", "message": "填写有误"}
    return InvalidInput(str(first["message"]), field=str(first["field"]), errors=errors)


_SERVICE_FIELD = re.compile(r"equipment(?:\[|\.)(\d+)\]?(?:\.(\w+))?")


def on_form(exc: DomainError, rows: Sequence[int]) -> DomainError:
    """A service error with its field named as the form's input (`equipment[1].quantity` or
    `equipment.1.quantity` → `eq-<row>-quantity`, `total_investment_fen` → `total_investment`)."""
    def rename(name: str | None) -> str | None:
        if not name:
            return name
        match = _SERVICE_FIELD.fullmatch(name)
        if match:
            k = int(match.group(1))
            row = rows[k] if k < len(rows) else k
            attr = match.group(2) or "name"
            return f"eq-{row}-{INPUT_OF.get(attr, attr)}"
        return INPUT_OF.get(name, name)

    renamed = rename(exc.field)
    errors = [{**e, "field": rename(str(e.get("field") or ""))} for e in exc.errors]
    if renamed == exc.field and errors == exc.errors:
        return exc
    again = type(exc)(exc.message, field=renamed, errors=errors)
    return again


# ---- a stored project as the form shows it -----------------------------------------------------

def fen_as(fen: int | None, decimals: int) -> str:
    """Integer fen in 万元 (6) or 元 (2), without trailing zeros: 123450000 → '123.45'."""
    if not fen:
        return ""
    whole, part = divmod(int(fen), 10**decimals)
    text = f"{whole}.{part:0{decimals}d}".rstrip("0").rstrip(".")
    return text


def permille_as_pct(permille: int | None) -> str:
    if permille is None:
        return ""
    whole, tenth = divmod(int(permille), 10)
    return f"{whole}.{tenth}" if tenth else str(whole)


def _num(value: float | int | None) -> str:
    if value is None:
        return ""
    return f"{value:g}" if isinstance(value, float) else str(value)


def values_from_project(project: Any, equipment: Sequence[Any]) -> FormValues:
    banks = list(project.intended_banks or [])
    text = {
        "name": project.name, "field": project.field, "region_code": project.region_code,
        "summary": project.summary or "", "construction": project.construction,
        "start_on": project.start_on.isoformat() if project.start_on else "",
        "finish_on": project.finish_on.isoformat() if project.finish_on else "",
        "total_investment": fen_as(project.total_investment_fen, WAN_DECIMALS),
        "fixed_asset": fen_as(project.fixed_asset_fen, WAN_DECIMALS),
        "equipment_investment": fen_as(project.equipment_investment_fen, WAN_DECIMALS),
        "invested_pct": permille_as_pct(project.invested_permille),
        "loan_need": fen_as(project.loan_need_fen, WAN_DECIMALS),
        "loan_term_months": str(project.loan_term_months or ""),
        "loan_signed_on": project.loan_signed_on.isoformat() if project.loan_signed_on else "",
        "loan_disbursed_on": project.loan_disbursed_on.isoformat() if project.loan_disbursed_on else "",
        "relending_batch": _num(project.relending_batch),
        "other_central_funding": "1" if project.other_central_funding else "",
        "energy_saved_tce": _num(project.energy_saved_tce) if project.energy_saved_tce else "",
        "co2_cut_t": _num(project.co2_cut_t) if project.co2_cut_t else "",
        **{f"bank_{i + 1}": banks[i] if i < len(banks) else "" for i in range(BANKS)},
    }
    lists = {"directions": list(project.directions or []), "documents": list(project.documents or []),
             "instruments": list(project.instruments or [])}
    rows = [{
        "side": e.side, "category": e.category, "name": e.name, "model": e.model or "",
        "quantity": str(e.quantity or ""), "unit_price": fen_as(e.unit_price_fen, YUAN_DECIMALS),
        "year": str(e.year or ""), "original_value": fen_as(e.original_value_fen, YUAN_DECIMALS),
        "fully_depreciated": "1" if e.fully_depreciated else "", "rated_power_kw": _num(e.rated_power_kw),
        "poles": _num(e.poles), "efficiency_pct": _num(e.efficiency_pct), "declared_grade": _num(e.declared_grade),
        **{attr: _num(getattr(e, attr)) for attr in TRANSFORMER},
        "origin": "domestic" if e.domestic else "imported", "supplier": e.supplier or "",
    } for e in equipment]
    return FormValues(text=text, lists=lists, rows=rows)


def new_values(region_code: str = "") -> FormValues:
    return FormValues(text={"region_code": region_code, "field": "industry", "construction": "under_construction"},
                      lists={}, rows=[blank_row("retired"), blank_row("new"), blank_row("new")])


ORIGINS = {"domestic": "国产", "imported": "进口"}  # EquipmentInput.domestic as the form offers it
