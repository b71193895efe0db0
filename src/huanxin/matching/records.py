"""Products (供给) and demands (需求) as the matcher reads them: plain frozen dataclasses, built from a
JSON object (one line of a JSON Lines file, fields in docs/matching.md) or, for demands, from a
project's ProjectEquipment row. Every refusal is an InvalidInput naming the field in Chinese."""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass, field
from typing import Any, Protocol

from huanxin.errors import InvalidInput
from huanxin.matching import params as sizes
from huanxin.matching.taxonomy import PARAMETERS, Taxonomy
from huanxin.matching.taxonomy import load as load_taxonomy

# Same keys as projects.vocab.EFFICIENCY_LEVELS; the rank orders them (higher is better).
EFFICIENCY_RANK: dict[str, int] = {"below": 0, "entry": 1, "saving": 2, "advanced": 3}
EFFICIENCY_LABELS: dict[str, str] = {"advanced": "先进水平", "saving": "节能水平", "entry": "准入水平",
                                     "below": "低于准入水平"}
CREDENTIALS: dict[str, str] = {"first_set": "首台(套)", "specialised": "专精特新", "champion": "单项冠军",
                               "green": "绿色产品"}
REGION = re.compile(r"^[1-8]\d{5}$")  # GB/T 2260: six digits, first digit the area


@dataclass(frozen=True)
class Credential:
    kind: str  # CREDENTIALS key
    valid_until: dt.date | None = None  # None: no end date

    def valid_on(self, day: dt.date) -> bool:
        return self.valid_until is None or self.valid_until >= day


@dataclass(frozen=True)
class Product:
    id: str
    category: str  # taxonomy key
    name: str
    region: str  # GB/T 2260 code of the supplier (county level where known)
    spec: str = ""
    params: dict[str, float] = field(default_factory=dict)
    efficiency_level: str | None = None  # EFFICIENCY_RANK key; None: no level stated
    efficiency_grade: int | None = None  # the standard's grade (1 = best), when declared
    price_min_fen: int | None = None
    price_max_fen: int | None = None
    delivery_days: int | None = None
    credentials: tuple[Credential, ...] = ()
    for_sale: bool = True  # False: 不再允许销售 (withdrawn, or on an elimination list)
    supplier: str = ""


@dataclass(frozen=True)
class Demand:
    id: str
    category: str  # taxonomy key, possibly a group (电动机) rather than a class
    name: str
    region: str  # where the equipment goes (the project's county)
    spec: str = ""
    params: dict[str, tuple[float, float]] = field(default_factory=dict)
    min_efficiency: str | None = None  # required level; 准入 always applies
    budget_fen: int | None = None  # per unit
    needed_within_days: int | None = None
    required_credentials: tuple[str, ...] = ()
    quantity: int = 1


def _text(data: dict[str, Any], key: str, label: str, *, required: bool = False, limit: int = 2000) -> str:
    value = data.get(key)
    if value is None or value == "":
        if required:
            raise InvalidInput(f"缺少字段 {key}（{label}）", field=key)
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool) and key == "id":
        value = str(value)
    if not isinstance(value, str):
        raise InvalidInput(f"字段 {key}（{label}）应为文字", field=key)
    if len(value) > limit:
        raise InvalidInput(f"字段 {key}（{label}）超过 {limit} 个字符", field=key)
    return value.strip()


def _number(value: Any, key: str, label: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) or value < 0:
        raise InvalidInput(f"字段 {key}（{label}）应为不小于 0 的数字", field=key)
    return float(value)


def _int(data: dict[str, Any], key: str, label: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**53:
        raise InvalidInput(f"字段 {key}（{label}）应为不小于 0 的整数", field=key)
    return value


def _category(data: dict[str, Any], taxonomy: Taxonomy) -> str:
    raw = _text(data, "category", "设备类别", required=True, limit=60)
    key = taxonomy.resolve(raw)
    if key is None:
        raise InvalidInput(f"字段 category（设备类别）“{raw}”不在设备分类中（见 docs/matching.md）", field="category")
    return key


def _region(data: dict[str, Any]) -> str:
    raw = data.get("region")
    if isinstance(raw, int) and not isinstance(raw, bool):
        raw = str(raw)
    if not isinstance(raw, str) or not REGION.match(raw):
        raise InvalidInput("字段 region（所在地区）应为 6 位行政区划代码（GB/T 2260），如 512002", field="region")
    return raw


def _level(data: dict[str, Any], key: str, label: str) -> str | None:
    raw = data.get(key)
    if raw is None or raw == "":
        return None
    by_label = {text: level for level, text in EFFICIENCY_LABELS.items()}
    if isinstance(raw, str) and (raw in EFFICIENCY_RANK or raw in by_label):
        return raw if raw in EFFICIENCY_RANK else by_label[raw]
    raise InvalidInput(f"字段 {key}（{label}）应为先进水平、节能水平、准入水平或低于准入水平", field=key)


def _credential_kind(raw: Any, key: str) -> str:
    by_label = {text: kind for kind, text in CREDENTIALS.items()}
    if isinstance(raw, str) and (raw in CREDENTIALS or raw in by_label):
        return raw if raw in CREDENTIALS else by_label[raw]
    raise InvalidInput(f"字段 {key}（资质）应为首台(套)、专精特新、单项冠军或绿色产品", field=key)


def _credentials(data: dict[str, Any]) -> tuple[Credential, ...]:
    raw = data.get("credentials") or []
    if not isinstance(raw, list):
        raise InvalidInput("字段 credentials（资质）应为列表", field="credentials")
    found: list[Credential] = []
    for item in raw:
        if not isinstance(item, dict):
            raise InvalidInput("字段 credentials（资质）的每一项应为 {\"kind\": …, \"valid_until\": …}",
                               field="credentials")
        until = item.get("valid_until")
        try:
            day = dt.date.fromisoformat(until) if isinstance(until, str) else None
        except ValueError:
            day = None
        if until is not None and day is None:
            raise InvalidInput("字段 credentials.valid_until（资质有效期至）应为日期，如 2027-06-30",
                               field="credentials")
        found.append(Credential(_credential_kind(item.get("kind"), "credentials.kind"), day))
    return tuple(found)


def _params(data: dict[str, Any]) -> dict[str, Any]:
    raw = data.get("params") or {}
    if not isinstance(raw, dict):
        raise InvalidInput("字段 params（关键参数）应为对象，如 {\"power_kw\": 55}", field="params")
    unknown = [key for key in raw if key not in PARAMETERS]
    if unknown:
        raise InvalidInput(f"字段 params（关键参数）中的 {unknown[0]} 不是已知参数（见 docs/matching.md）",
                           field="params")
    return raw


def product_from_json(data: dict[str, Any], taxonomy: Taxonomy | None = None) -> Product:
    taxonomy = taxonomy or load_taxonomy()
    category = _category(data, taxonomy)
    name, spec = _text(data, "name", "产品名称", required=True, limit=200), _text(data, "spec", "规格说明")
    values = {key: _number(value, f"params.{key}", "关键参数") for key, value in _params(data).items()}
    param = taxonomy.param_of(category)
    if param and param not in values and (found := sizes.parse(f"{name} {spec}", param)) is not None:
        values[param] = found
    low, high = _int(data, "price_min_fen", "最低价（分）"), _int(data, "price_max_fen", "最高价（分）")
    if low is not None and high is not None and low > high:
        raise InvalidInput("字段 price_min_fen（最低价）不能高于 price_max_fen（最高价）", field="price_min_fen")
    for_sale = data.get("for_sale", True)
    if not isinstance(for_sale, bool):
        raise InvalidInput("字段 for_sale（是否允许销售）应为 true 或 false", field="for_sale")
    grade = _int(data, "efficiency_grade", "能效等级")
    return Product(
        id=_text(data, "id", "产品编号", required=True, limit=64), category=category, name=name,
        region=_region(data), spec=spec, params=values,
        efficiency_level=_level(data, "efficiency_level", "能效水平"), efficiency_grade=grade,
        price_min_fen=low, price_max_fen=high, delivery_days=_int(data, "delivery_days", "交货期（天）"),
        credentials=_credentials(data), for_sale=for_sale, supplier=_text(data, "supplier", "供应商", limit=200))


def _demand_range(key: str, value: Any) -> tuple[float, float]:
    if isinstance(value, list) and len(value) == 2:
        low, high = (_number(item, f"params.{key}", "关键参数") for item in value)
        if low > high:
            raise InvalidInput(f"字段 params.{key}（关键参数）的下限不能高于上限", field="params")
        return (low, high)
    return sizes.as_range(_number(value, f"params.{key}", "关键参数（一个数或 [下限, 上限]）"))


def demand_from_json(data: dict[str, Any], taxonomy: Taxonomy | None = None) -> Demand:
    taxonomy = taxonomy or load_taxonomy()
    category = _category(data, taxonomy)
    name, spec = _text(data, "name", "需求名称", required=True, limit=200), _text(data, "spec", "规格要求")
    ranges = {key: _demand_range(key, value) for key, value in _params(data).items()}
    param = taxonomy.param_of(category)
    if param and param not in ranges and (found := sizes.parse(f"{name} {spec}", param)) is not None:
        ranges[param] = sizes.as_range(found)
    required = data.get("required_credentials") or []
    if not isinstance(required, list):
        raise InvalidInput("字段 required_credentials（要求的资质）应为列表", field="required_credentials")
    return Demand(
        id=_text(data, "id", "需求编号", required=True, limit=64), category=category, name=name,
        region=_region(data), spec=spec, params=ranges,
        min_efficiency=_level(data, "min_efficiency", "要求的能效水平"),
        budget_fen=_int(data, "budget_fen", "预算单价（分）"),
        needed_within_days=_int(data, "needed_within_days", "要求交货期（天）"),
        required_credentials=tuple(_credential_kind(kind, "required_credentials") for kind in required),
        quantity=_int(data, "quantity", "数量") or 1)


class EquipmentRow(Protocol):
    """What from_equipment reads of a projects.models.ProjectEquipment row (read-only)."""

    @property
    def id(self) -> int: ...
    @property
    def category(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def model(self) -> str: ...
    @property
    def quantity(self) -> int: ...
    @property
    def unit_price_fen(self) -> int: ...
    @property
    def rated_power_kw(self) -> float | None: ...
    @property
    def efficiency_level(self) -> str | None: ...


# projects.vocab.EQUIPMENT_CATEGORIES → taxonomy; categories with no class here match nothing.
EQUIPMENT_CATEGORY_CLASSES: dict[str, str] = {
    "motor": "motor_induction", "transformer": "transformer", "fan": "fan", "pump": "pump_centrifugal",
    "air_compressor": "compressor", "boiler": "boiler", "machine_tool": "machine_tool",
    "medical": "medical", "it": "computing",
}


def from_equipment(row: EquipmentRow, region: str, taxonomy: Taxonomy | None = None) -> Demand | None:
    """A project's new-equipment line as a demand (None when its category has no class here). The
    level the project declared for the new item is what the demand requires; `region` is the
    project's county."""
    taxonomy = taxonomy or load_taxonomy()
    category = EQUIPMENT_CATEGORY_CLASSES.get(row.category)
    if category is None:
        return None
    ranges: dict[str, tuple[float, float]] = {}
    param = taxonomy.param_of(category)
    if param == "power_kw" and row.rated_power_kw:
        ranges[param] = sizes.as_range(row.rated_power_kw)
    elif param and (found := sizes.parse(f"{row.name} {row.model}", param)) is not None:
        ranges[param] = sizes.as_range(found)
    level = row.efficiency_level if row.efficiency_level in ("advanced", "saving") else None
    return Demand(id=f"E{row.id}", category=category, name=row.name, region=region, spec=row.model,
                  params=ranges, min_efficiency=level, budget_fen=row.unit_price_fen or None,
                  quantity=row.quantity)
