"""What the funding rules read about a project: `ProjectFacts`, built from a project of the library
(`facts_from_project`) or from plain data such as a JSON line (`facts_from_dict`, which names the
field of every bad value in Chinese). Money is integer fen; the share invested is per mille."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

from huanxin.errors import InvalidInput
from huanxin.kit.limits import FEN_MAX, SHORT_TEXT
from huanxin.projects import vocab

if TYPE_CHECKING:  # the rules read plain facts; only this adapter knows the tables
    from huanxin.projects.models import Project, ProjectEquipment


@dataclass(frozen=True)
class ProjectFacts:
    field: str  # vocab.FIELDS
    construction: str  # vocab.CONSTRUCTION
    total_investment_fen: int
    fixed_asset_fen: int  # the approved fixed-asset investment (核定固定资产投资)
    equipment_investment_fen: int  # new equipment
    retired_original_value_fen: int = 0  # original value of the retired equipment, all units
    invested_permille: int = 0  # share invested so far, 0–1000
    start_on: dt.date | None = None
    finish_on: dt.date | None = None
    documents: tuple[str, ...] = ()  # vocab.DOCUMENTS held
    instruments: tuple[str, ...] = ()  # vocab.INSTRUMENTS asked for
    loan_need_fen: int = 0
    loan_term_months: int = 0
    intended_banks: tuple[str, ...] = ()
    loan_signed_on: dt.date | None = None  # loan contract signed: decides the subsidy's window
    loan_disbursed_on: dt.date | None = None  # paid to the supplier / disbursed
    other_central_funding: bool = False  # already supported by other central funds
    relending_batch: int | None = None  # 1 or 2; None: relending.default_batch
    name: str = ""


FACT_FIELDS = {f.name for f in fields(ProjectFacts)}
INPUT_FIELDS = FACT_FIELDS | {"equipment"}
REQUIRED = ("field", "construction", "total_investment_fen", "fixed_asset_fen")
LABELS = {
    "field": "项目领域", "construction": "建设状态", "total_investment_fen": "项目总投资",
    "fixed_asset_fen": "固定资产投资", "equipment_investment_fen": "设备购置投资",
    "retired_original_value_fen": "淘汰旧设备原值", "invested_permille": "投资完成比例（‰）",
    "start_on": "开工日期", "finish_on": "完工日期", "documents": "已取得的前期手续", "instruments": "申请的支持方式",
    "loan_need_fen": "贷款需求", "loan_term_months": "贷款期限（月）", "intended_banks": "意向银行",
    "loan_signed_on": "贷款合同签订日期", "loan_disbursed_on": "放款日期",
    "other_central_funding": "已获其他中央资金支持", "relending_batch": "再贷款备选项目批次", "name": "项目名称",
    "equipment": "设备清单",
}
MAX_LIST = 1000  # an equipment list, the banks, the documents: more is not one project


def facts_from_project(project: Project, equipment: Iterable[ProjectEquipment]) -> ProjectFacts:
    """The facts of a project of the library, with the original value of its retired equipment."""
    retired = sum(e.original_value_fen for e in equipment if e.side == "retired")
    return ProjectFacts(
        field=project.field, construction=project.construction,
        total_investment_fen=project.total_investment_fen, fixed_asset_fen=project.fixed_asset_fen,
        equipment_investment_fen=project.equipment_investment_fen, retired_original_value_fen=retired,
        invested_permille=project.invested_permille, start_on=project.start_on, finish_on=project.finish_on,
        documents=tuple(project.documents or ()), instruments=tuple(project.instruments or ()),
        loan_need_fen=project.loan_need_fen or 0, loan_term_months=project.loan_term_months or 0,
        intended_banks=tuple(project.intended_banks or ()), loan_signed_on=project.loan_signed_on,
        loan_disbursed_on=project.loan_disbursed_on, relending_batch=project.relending_batch,
        other_central_funding=bool(project.other_central_funding), name=project.name,
    )


def facts_from_dict(data: Mapping[str, Any]) -> ProjectFacts:
    """Facts from plain data (a JSON line, a YAML case): InvalidInput names the first bad field.
    `equipment` (a list of {side, original_value_fen, quantity, unit_price_fen}) may stand in for
    `retired_original_value_fen` and `equipment_investment_fen`."""
    unknown = sorted(set(data) - INPUT_FIELDS)
    if unknown:
        raise InvalidInput(f"未知字段：{unknown[0]}（可用字段见 docs/projects.md）", field=unknown[0])
    for name in REQUIRED:
        if data.get(name) in (None, ""):
            raise InvalidInput(f"缺少必填字段：{name}（{LABELS[name]}）", field=name)
    retired_listed, new_listed = _equipment(data.get("equipment"))
    facts = ProjectFacts(
        field=_choice(data, "field", vocab.FIELDS),
        construction=_choice(data, "construction", vocab.CONSTRUCTION),
        total_investment_fen=_fen(data, "total_investment_fen"),
        fixed_asset_fen=_fen(data, "fixed_asset_fen"),
        equipment_investment_fen=_fen(data, "equipment_investment_fen", new_listed or 0),
        retired_original_value_fen=_fen(data, "retired_original_value_fen", retired_listed or 0),
        invested_permille=_int(data, "invested_permille", 0, 0, 1000, "投资完成比例不能超过100%（即 1000‰）"),
        start_on=_date(data, "start_on"), finish_on=_date(data, "finish_on"),
        documents=_choices(data, "documents", vocab.DOCUMENTS),
        instruments=_choices(data, "instruments", vocab.INSTRUMENTS),
        loan_need_fen=_fen(data, "loan_need_fen"),
        loan_term_months=_int(data, "loan_term_months", 0, 0, 600, "贷款期限应在 0–600 个月之间"),
        intended_banks=_texts(data, "intended_banks"),
        loan_signed_on=_date(data, "loan_signed_on"), loan_disbursed_on=_date(data, "loan_disbursed_on"),
        other_central_funding=_flag(data, "other_central_funding"),
        relending_batch=_batch(data),
        name=_text(data, "name"),
    )
    _check_together(facts)
    return facts


def _check_together(f: ProjectFacts) -> None:
    if f.fixed_asset_fen > f.total_investment_fen:
        raise InvalidInput("固定资产投资不能超过项目总投资", field="fixed_asset_fen")
    if f.equipment_investment_fen > f.total_investment_fen:
        raise InvalidInput("设备购置投资不能超过项目总投资", field="equipment_investment_fen")
    if f.start_on and f.finish_on and f.finish_on < f.start_on:
        raise InvalidInput(f"完工日期 {f.finish_on} 早于开工日期 {f.start_on}", field="finish_on")
    if f.loan_signed_on and f.loan_disbursed_on and f.loan_disbursed_on < f.loan_signed_on:
        raise InvalidInput(f"放款日期 {f.loan_disbursed_on} 早于贷款合同签订日期 {f.loan_signed_on}",
                           field="loan_disbursed_on")


# ---- one value at a time ---------------------------------------------------------------------

def _where(name: str) -> str:
    return f"字段 {name}（{LABELS.get(name, name)}）"


def _int(data: Mapping[str, Any], name: str, default: int, low: int, high: int, out_of_range: str) -> int:
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{_where(name)}应为整数，收到 {_short(value)}", field=name)
    if not low <= value <= high:
        raise InvalidInput(f"{_where(name)}：{out_of_range}，收到 {value}", field=name)
    return value


def _fen(data: Mapping[str, Any], name: str, default: int = 0) -> int:
    value = data.get(name)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(f"{_where(name)}应为整数（金额单位：分），收到 {_short(value)}", field=name)
    if not 0 <= value <= FEN_MAX:
        raise InvalidInput(f"{_where(name)}应在 0 到 {FEN_MAX} 分之间，收到 {value}", field=name)
    return value


def _date(data: Mapping[str, Any], name: str) -> dt.date | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise InvalidInput(f"{_where(name)}应为日期（YYYY-MM-DD），收到 {_short(value)}", field=name)


def _choice(data: Mapping[str, Any], name: str, allowed: Mapping[str, str]) -> str:
    value = data.get(name)
    if not isinstance(value, str) or value not in allowed:
        options = "、".join(f"{k}（{v}）" for k, v in allowed.items())
        raise InvalidInput(f"{_where(name)}的取值 {_short(value)} 无效（可选：{options}）", field=name)
    return value


def _list(data: Mapping[str, Any], name: str) -> list[Any]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidInput(f"{_where(name)}应为列表，收到 {_short(value)}", field=name)
    if len(value) > MAX_LIST:
        raise InvalidInput(f"{_where(name)}最多 {MAX_LIST} 项", field=name)
    return value


def _choices(data: Mapping[str, Any], name: str, allowed: Mapping[str, str]) -> tuple[str, ...]:
    values = _list(data, name)
    for value in values:
        if not isinstance(value, str) or value not in allowed:
            options = "、".join(f"{k}（{v}）" for k, v in allowed.items())
            raise InvalidInput(f"{_where(name)}含无效取值 {_short(value)}（可选：{options}）", field=name)
    return tuple(dict.fromkeys(values))


def _texts(data: Mapping[str, Any], name: str) -> tuple[str, ...]:
    values = _list(data, name)
    for value in values:
        if not isinstance(value, str) or not value.strip() or len(value) > SHORT_TEXT:
            raise InvalidInput(f"{_where(name)}应为不超过 {SHORT_TEXT} 字的非空文本列表", field=name)
    return tuple(dict.fromkeys(v.strip() for v in values))


def _text(data: Mapping[str, Any], name: str) -> str:
    value = data.get(name) or ""
    if not isinstance(value, str) or len(value) > SHORT_TEXT:
        raise InvalidInput(f"{_where(name)}应为不超过 {SHORT_TEXT} 字的文本", field=name)
    return value.strip()


def _flag(data: Mapping[str, Any], name: str) -> bool:
    value = data.get(name, False)
    if not isinstance(value, bool):
        raise InvalidInput(f"{_where(name)}应为 true 或 false，收到 {_short(value)}", field=name)
    return value


def _batch(data: Mapping[str, Any]) -> int | None:
    value = data.get("relending_batch")
    if value is None:
        return None
    if isinstance(value, bool) or value not in (1, 2):
        raise InvalidInput(f"{_where('relending_batch')}应为 1 或 2，收到 {_short(value)}", field="relending_batch")
    return int(value)


def _equipment(value: Any) -> tuple[int | None, int | None]:
    """(original value of the retired items, price of the new items) of an equipment list, or
    (None, None) without one."""
    if value is None:
        return None, None
    items = _list({"equipment": value}, "equipment")
    retired = new = 0
    for number, item in enumerate(items, start=1):
        where = f"equipment 第 {number} 项"
        if not isinstance(item, Mapping):
            raise InvalidInput(f"{where}应为对象", field="equipment")
        side = item.get("side")
        if side not in vocab.EQUIPMENT_SIDES:
            raise InvalidInput(f"{where}的 side 应为 retired（淘汰旧设备）或 new（购置新设备），收到 {_short(side)}",
                               field="equipment")
        quantity = _item_int(item, "quantity", where, default=1, low=1)
        if side == "retired":
            retired += _item_int(item, "original_value_fen", where)
        else:
            new += quantity * _item_int(item, "unit_price_fen", where)
    return retired, new


def _item_int(item: Mapping[str, Any], name: str, where: str, *, default: int = 0, low: int = 0) -> int:
    value = item.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= FEN_MAX:
        raise InvalidInput(f"{where}的 {name} 应为 {low} 到 {FEN_MAX} 之间的整数，收到 {_short(value)}",
                           field="equipment")
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "…"
