"""Programmes as data: one YAML file per rules code under `programmes/`, naming its kind (the
small rule functions in `kinds/`), its dates, its parameter prefix, funding, quotas and, for
city programmes, extra conditions. A city adds a programme by adding two files (this one and
its parameters), no code."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from huanxin.errors import InvalidInput
from huanxin.rules.parameters import Parameter, ParameterSet, load_parameters
from huanxin.tradein.rules.parameters import default_parameters

PROGRAMMES_DIR = Path(__file__).with_name("programmes")

KINDS = ("car_scrap", "car_replace", "appliance", "digital", "ebike", "home_decor")
LEVELS = ("national", "provincial", "city")
DATE_BASES = ("invoice_date", "applied_on")
PROGRAMME_KEYS = {
    "code", "name", "kind", "level", "source", "starts_on", "ends_on", "apply_until", "date_basis",
    "parameters", "categories", "category_labels", "funding", "exclusive_keys", "required_proofs",
    "quotas", "conditions", "regions", "description",
}
QUOTA_KEYS = {"key", "limit", "money_cap", "label"}
CONDITION_KEYS = {"field", "equals", "label"}

CATEGORY_LABELS = {
    "refrigerator": "电冰箱", "washing_machine": "洗衣机", "tv": "电视", "air_conditioner": "空调",
    "computer": "电脑", "water_heater": "热水器", "cooktop": "家用灶具", "range_hood": "吸油烟机",
    "microwave": "微波炉", "water_purifier": "净水器", "dishwasher": "洗碗机", "rice_cooker": "电饭煲",
    "mobile_phone": "手机", "tablet": "平板", "smart_watch": "智能手表（手环）", "ebike": "电动自行车",
    "car": "汽车",
}
PROOF_LABELS = {
    "scrap_cert": "报废机动车回收证明", "deregistration": "机动车注销证明",
    "recycling_cert": "旧品交售回收凭证", "sale_record": "旧车转出登记（二手车交易凭证）",
}


@dataclass(frozen=True)
class QuotaRule:
    key: str  # template: {category} {year} {programme}
    limit: Any  # int, parameter name (relative), or {category|per_category: parameter name}
    money_cap: str | None
    label: str


@dataclass(frozen=True)
class Condition:
    field: str
    equals: Any
    label: str


@dataclass(frozen=True)
class ProgrammeRules:
    code: str
    name: str
    kind: str
    level: str
    source: str
    starts_on: dt.date
    ends_on: dt.date
    apply_until: dt.date | None
    date_basis: str
    parameters: str  # prefix of its parameter paths
    categories: tuple[str, ...]  # every category the programme ever covers
    category_spec: Any
    category_labels: Mapping[str, str]
    funding: str
    exclusive_keys: tuple[str, ...]
    required_proofs: tuple[str, ...]
    quotas: tuple[QuotaRule, ...]
    conditions: tuple[Condition, ...]
    regions: tuple[str, ...]
    description: str = ""

    def path(self, name: str) -> str:
        return f"{self.parameters}.{name}"

    def label(self, category: str) -> str:
        return self.category_labels.get(category) or CATEGORY_LABELS.get(category, category)

    def categories_on(self, params: ParameterSet, on: dt.date) -> tuple[str, ...] | None:
        """Categories covered on a date (None when the category parameter has no value yet)."""
        spec = self.category_spec
        if isinstance(spec, list | tuple):
            return tuple(spec)
        found = params.lookup(self.path(spec["parameter"]), on)
        if found is None:
            return None
        return tuple(spec.get("prefix", "") + c for c in found.value)

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code, "name": self.name, "kind": self.kind, "level": self.level, "source": self.source,
            "starts_on": self.starts_on.isoformat(), "ends_on": self.ends_on.isoformat(),
            "apply_until": self.apply_until.isoformat() if self.apply_until else None,
            "date_basis": self.date_basis, "parameters": self.parameters, "categories": list(self.categories),
            "category_labels": {c: self.label(c) for c in self.categories}, "funding": self.funding,
            "exclusive_keys": list(self.exclusive_keys), "required_proofs": list(self.required_proofs),
            "regions": list(self.regions),
        }


@dataclass
class Rulebook:
    """Parameters and programmes together: what an evaluation reads."""

    parameters: ParameterSet
    programmes: dict[str, ProgrammeRules] = field(default_factory=dict)

    def programme(self, code: str) -> ProgrammeRules:
        try:
            return self.programmes[code]
        except KeyError:
            known = "、".join(sorted(self.programmes))
            raise InvalidInput(f"未知的补贴活动：{code!r}（现有：{known}）", field="programme") from None

    def with_overrides(self, overrides: Mapping[str, Any]) -> Rulebook:
        return Rulebook(self.parameters.with_overrides(overrides), self.programmes)

    @cached_property  # read for every claim evaluated; the programmes do not change after loading
    def known_categories(self) -> frozenset[str]:
        return frozenset(CATEGORY_LABELS) | frozenset(c for p in self.programmes.values() for c in p.categories)


_DEFAULT: Rulebook | None = None


def default_rulebook() -> Rulebook:
    global _DEFAULT
    if _DEFAULT is None:
        params = default_parameters()
        _DEFAULT = Rulebook(params, load_programmes(PROGRAMMES_DIR, params))
    return _DEFAULT


def load_rulebook(parameters_dir: Path, programmes_dir: Path) -> Rulebook:
    params = load_parameters(parameters_dir)
    return Rulebook(params, load_programmes(programmes_dir, params))


def load_programmes(directory: Path, params: ParameterSet) -> dict[str, ProgrammeRules]:
    out: dict[str, ProgrammeRules] = {}
    for file in sorted(directory.glob("*.yaml")):
        programme = _parse_programme(file, params)
        if programme.code in out:
            raise InvalidInput(f"{file.name}：活动代码 {programme.code} 重复", field="code")
        out[programme.code] = programme
    return out


def _parse_programme(file: Path, params: ParameterSet) -> ProgrammeRules:
    where = file.name
    data = yaml.safe_load(file.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InvalidInput(f"{where}：应为映射", field=where)
    unknown = set(data) - PROGRAMME_KEYS
    if unknown:
        raise InvalidInput(f"{where}：未知字段 {', '.join(sorted(unknown))}", field=sorted(unknown)[0])
    for required in ("code", "name", "kind", "level", "source", "starts_on", "ends_on", "date_basis",
                     "parameters", "categories", "funding"):
        if required not in data:
            raise InvalidInput(f"{where}：缺少 {required}", field=required)
    if file.stem != data["code"]:
        raise InvalidInput(f"{where}：文件名应与活动代码 {data['code']} 一致", field="code")
    for name, allowed in (("kind", KINDS), ("level", LEVELS), ("date_basis", DATE_BASES)):
        if data[name] not in allowed:
            raise InvalidInput(f"{where}：{name} 取值 {data[name]!r} 无效（可选：{'、'.join(allowed)}）", field=name)
    for name in ("starts_on", "ends_on", "apply_until"):
        if name in data and not isinstance(data[name], dt.date):
            raise InvalidInput(f"{where}：{name} 应为日期", field=name)
    if data["ends_on"] < data["starts_on"]:
        raise InvalidInput(f"{where}：ends_on 早于 starts_on", field="ends_on")
    prefix = str(data["parameters"])
    if not any(p.startswith(prefix + ".") for p in params.parameters):
        raise InvalidInput(f"{where}：没有以 {prefix}. 开头的参数", field="parameters")
    params.get(data["funding"])
    spec = data["categories"]
    if isinstance(spec, dict):
        if set(spec) - {"parameter", "prefix"} or "parameter" not in spec:
            raise InvalidInput(f"{where}：categories 应为列表或 {{parameter, prefix}}", field="categories")
        parameter = params.get(f"{prefix}.{spec['parameter']}")
        categories = tuple(dict.fromkeys(
            spec.get("prefix", "") + c for v in _values_within(parameter, data["starts_on"], data["ends_on"]) for c in v
        ))
        if not categories:
            raise InvalidInput(f"{where}：活动期间 {prefix}.{spec['parameter']} 无取值", field="categories")
    elif isinstance(spec, list) and spec:
        categories = tuple(spec)
    else:
        raise InvalidInput(f"{where}：categories 应为非空列表或 {{parameter: …}}", field="categories")
    quotas = tuple(_parse_quota(where, q, prefix, params) for q in data.get("quotas") or [])
    conditions = []
    for c in data.get("conditions") or []:
        if not isinstance(c, dict) or set(c) - CONDITION_KEYS or not {"field", "equals", "label"} <= set(c):
            raise InvalidInput(f"{where}：conditions 每项应含 field、equals、label", field="conditions")
        conditions.append(Condition(str(c["field"]), c["equals"], str(c["label"])))
    return ProgrammeRules(
        code=data["code"], name=data["name"], kind=data["kind"], level=data["level"], source=data["source"],
        starts_on=data["starts_on"], ends_on=data["ends_on"], apply_until=data.get("apply_until"),
        date_basis=data["date_basis"], parameters=prefix, categories=categories, category_spec=spec,
        category_labels=dict(data.get("category_labels") or {}), funding=data["funding"],
        exclusive_keys=tuple(data.get("exclusive_keys") or ()),
        required_proofs=tuple(data.get("required_proofs") or ()),
        quotas=quotas, conditions=tuple(conditions), regions=tuple(str(r) for r in data.get("regions") or ()),
        description=str(data.get("description") or ""),
    )


def _values_within(parameter: Parameter, start: dt.date, end: dt.date) -> list[Any]:
    """Values in force at some date of [start, end]."""
    steps = parameter.timeline
    out = []
    for i, (begin, dated) in enumerate(steps):
        until = steps[i + 1][0] - dt.timedelta(days=1) if i + 1 < len(steps) else dt.date.max
        if begin <= end and until >= start:
            out.append(dated.value)
    return out


def _parse_quota(where: str, q: Any, prefix: str, params: ParameterSet) -> QuotaRule:
    if not isinstance(q, dict) or set(q) - QUOTA_KEYS or not {"key", "limit", "label"} <= set(q):
        raise InvalidInput(f"{where}：quotas 每项应含 key、limit、label（可选 money_cap）", field="quotas")
    limit = q["limit"]
    names = list(limit.values()) if isinstance(limit, dict) else [limit] if isinstance(limit, str) else []
    if money_cap := q.get("money_cap"):
        names.append(money_cap)
    for name in names:
        params.get(f"{prefix}.{name}")
    if not isinstance(limit, int | str | dict):
        raise InvalidInput(f"{where}：quota limit 应为整数、参数名或按品类的映射", field="quotas")
    return QuotaRule(str(q["key"]), limit, money_cap, str(q["label"]))
