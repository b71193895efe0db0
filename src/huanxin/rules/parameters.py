"""Dated parameters, OpenFisca style, shared by every rules domain: a parameter's path is its name;
its values are keyed by the date they take effect and each cites the notice that set it. A change
ADDS a dated value.

A value may also carry `retroactive_from`: the 2024-08-16 car increase (商消费函〔2024〕392号) was
announced on 2024-08-16 but applies to applications from 2024-04-24. Such a value is keyed by its
announcement date (when it became known) and applies to decision dates from `retroactive_from`.
Looking a parameter up therefore takes the decision date (`on`) and, optionally, the date of
knowledge (`known_on`): what an officer knew on 2024-07-01 differs from what is owed today, and
the difference is the top-up.

Files: every `*.yaml` under a domain's `parameters/` folder (sub-folders included), each a mapping

    appliance.rate.grade1:
      description: 一级能效（水效）产品补贴比例
      unit: rate
      values:
        2024-08-01: {value: 0.20, source: 发改环资〔2024〕1104号}

Units: fen, rate (0–1), date, open_date (a date, or null for "no limit", e.g. a policy that runs
until the relending quota is used up), count, litre, list (of text), parts (name → integer share),
flag (true/false), text, grade. `ParameterDirectory` loads one domain's folder once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import yaml

from huanxin.errors import InvalidInput

PARAMETER_KEYS = {"description", "unit", "values", "reference"}
VALUE_KEYS = {"value", "source", "retroactive_from", "note"}
UNITS = {"fen", "rate", "date", "open_date", "count", "litre", "list", "parts", "flag", "text", "grade"}


@dataclass(frozen=True)
class DatedValue:
    key: dt.date  # the date the value was set (takes effect, or was announced if retroactive)
    value: Any
    source: str
    retroactive_from: dt.date | None = None
    note: str | None = None

    @property
    def effective_from(self) -> dt.date:
        """First decision date the value applies to."""
        return self.retroactive_from or self.key


@dataclass(frozen=True)
class Parameter:
    path: str
    description: str
    unit: str
    values: tuple[DatedValue, ...]
    reference: str | None = None

    def at(self, on: dt.date, known_on: dt.date | None = None) -> DatedValue | None:
        """The value in force for a decision dated `on`, as known on `known_on` (default: all
        values). Among the values that apply to `on`, the one set last wins."""
        chosen: DatedValue | None = None
        for v in self.values:  # sorted by key
            if known_on is not None and v.key > known_on:
                break
            if v.effective_from <= on:
                chosen = v
        return chosen

    @cached_property
    def timeline(self) -> tuple[tuple[dt.date, DatedValue], ...]:
        """The step function of `at` with full knowledge: (from date, value) pairs, ascending.
        Used by the vectorised path so that it agrees with `at` by construction."""
        starts = sorted({v.effective_from for v in self.values} | {v.key for v in self.values})
        steps: list[tuple[dt.date, DatedValue]] = []
        for start in starts:
            v = self.at(start)
            if v is not None and (not steps or steps[-1][1] is not v):
                steps.append((start, v))
        return tuple(steps)


@dataclass(frozen=True)
class Override:
    """A what-if value: applies on every date, set by nobody yet."""

    path: str
    value: Any


@dataclass
class ParameterSet:
    parameters: dict[str, Parameter]
    overrides: dict[str, Any] = field(default_factory=dict)

    def __contains__(self, path: str) -> bool:
        return path in self.parameters

    def get(self, path: str) -> Parameter:
        try:
            return self.parameters[path]
        except KeyError:
            raise InvalidInput(f"未知参数：{path}", field=path) from None

    def lookup(self, path: str, on: dt.date, known_on: dt.date | None = None) -> DatedValue | None:
        if path in self.overrides:
            return DatedValue(key=on, value=self.overrides[path], source="假设（what-if）", note="拟议调整")
        return self.get(path).at(on, known_on)

    def segments(
        self, path: str, start: dt.date, end: dt.date, known_on: dt.date | None = None,
    ) -> list[tuple[dt.date, dt.date, DatedValue | None]]:
        """The values of a parameter over the days [start, end) (the end day not counted), as
        (from, until, value) pieces: a rate raised on a date mid-period gives two pieces."""
        if end <= start:
            return []
        if path in self.overrides:
            return [(start, end, self.lookup(path, start))]
        parameter = self.get(path)
        cuts = sorted({d for v in parameter.values for d in (v.key, v.effective_from) if start < d < end})
        bounds = [start, *cuts, end]
        pieces: list[tuple[dt.date, dt.date, DatedValue | None]] = []
        for begin, until in zip(bounds, bounds[1:], strict=False):
            value = parameter.at(begin, known_on)
            if pieces and pieces[-1][2] is value:
                pieces[-1] = (pieces[-1][0], until, value)
            else:
                pieces.append((begin, until, value))
        return pieces

    def with_overrides(self, overrides: Mapping[str, Any]) -> ParameterSet:
        """A new set whose `overrides` replace the named parameters on every date; files untouched."""
        for path, value in overrides.items():
            parameter = self.get(path)
            _check_value(parameter.unit, value, f"假设值 {path}")
        return ParameterSet(self.parameters, {**self.overrides, **overrides})


class MissingParameter(Exception):
    """A parameter has no value on the decision date: the rule is not (yet) in force."""

    def __init__(self, path: str, on: dt.date):
        super().__init__(path)
        self.path = path
        self.on = on


class ParameterDirectory:
    """The shipped parameter files of one domain, loaded once on first use."""

    def __init__(self, directory: Path):
        self.directory = directory
        self._loaded: ParameterSet | None = None

    def parameters(self) -> ParameterSet:
        if self._loaded is None:
            self._loaded = load_parameters(self.directory)
        return self._loaded

    def param(self, path: str, on: dt.date, known_on: dt.date | None = None) -> tuple[Any, dt.date, str]:
        """(value, effective_from, source) of a parameter on a date; InvalidInput when it has none."""
        found = self.parameters().lookup(path, on, known_on)
        if found is None:
            raise InvalidInput(f"参数 {path} 在 {on.isoformat()} 尚无取值", field=path)
        return found.value, found.effective_from, found.source


def load_parameters(directory: Path) -> ParameterSet:
    parameters: dict[str, Parameter] = {}
    files = sorted(directory.rglob("*.yaml"))
    if not files:
        raise InvalidInput(f"参数目录 {directory} 中没有 YAML 文件", field="parameters")
    for file in files:
        for parameter in load_parameter_file(file):
            if parameter.path in parameters:
                raise InvalidInput(f"{file.name}：参数 {parameter.path} 重复定义", field=parameter.path)
            parameters[parameter.path] = parameter
    return ParameterSet(parameters)


def load_parameter_file(file: Path) -> list[Parameter]:
    try:
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidInput(f"{file.name}：YAML 格式错误：{exc}", field=file.name) from exc
    if not isinstance(data, dict):
        raise InvalidInput(f"{file.name}：应为“参数路径: 定义”的映射", field=file.name)
    return [_parse_parameter(file.name, str(path), body) for path, body in data.items()]


def _parse_parameter(file: str, path: str, body: Any) -> Parameter:
    where = f"{file}：参数 {path}"
    if not isinstance(body, dict):
        raise InvalidInput(f"{where} 应为映射", field=path)
    unknown = set(body) - PARAMETER_KEYS
    if unknown:
        raise InvalidInput(f"{where} 含未知字段：{', '.join(sorted(map(str, unknown)))}", field=path)
    for required in ("description", "unit", "values"):
        if required not in body:
            raise InvalidInput(f"{where} 缺少 {required}", field=path)
    unit = body["unit"]
    if unit not in UNITS:
        raise InvalidInput(f"{where} 的单位 {unit} 未知（可用：{', '.join(sorted(UNITS))}）", field=path)
    raw_values = body["values"]
    if not isinstance(raw_values, dict) or not raw_values:
        raise InvalidInput(f"{where} 的 values 应为以生效日期为键的非空映射", field=path)
    values: list[DatedValue] = []
    for key, entry in raw_values.items():
        if not isinstance(key, dt.date) or isinstance(key, dt.datetime):
            raise InvalidInput(f"{where} 的取值键 {key!r} 不是日期（YYYY-MM-DD）", field=path)
        values.append(_parse_value(f"{where} {key.isoformat()}", path, unit, key, entry))
    keys = [v.key for v in values]
    if keys != sorted(keys) or len(set(keys)) != len(keys):
        raise InvalidInput(f"{where} 的取值日期未按升序排列（新值应追加在末尾）", field=path)
    return Parameter(path, str(body["description"]), unit, tuple(values), body.get("reference"))


def _parse_value(where: str, path: str, unit: str, key: dt.date, entry: Any) -> DatedValue:
    if not isinstance(entry, dict):
        raise InvalidInput(f"{where} 应为 {{value, source}} 映射", field=path)
    unknown = set(entry) - VALUE_KEYS
    if unknown:
        raise InvalidInput(f"{where} 含未知字段：{', '.join(sorted(map(str, unknown)))}", field=path)
    if "value" not in entry:
        raise InvalidInput(f"{where} 缺少 value", field=path)
    source = entry.get("source")
    if not isinstance(source, str) or not source.strip():
        raise InvalidInput(f"{where} 缺少 source（须注明依据的文件）", field=path)
    retro = entry.get("retroactive_from")
    if retro is not None and (not isinstance(retro, dt.date) or retro > key):
        raise InvalidInput(f"{where} 的 retroactive_from 应为不晚于 {key.isoformat()} 的日期", field=path)
    _check_value(unit, entry["value"], where)
    return DatedValue(key, _freeze(entry["value"]), source.strip(), retro, entry.get("note"))


def _check_value(unit: str, value: Any, where: str) -> None:
    ok: bool
    if unit in ("fen", "count", "grade"):
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    elif unit == "rate":
        ok = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
    elif unit == "litre":
        ok = isinstance(value, int | float) and not isinstance(value, bool) and value > 0
    elif unit == "date":
        ok = isinstance(value, dt.date)
    elif unit == "open_date":
        ok = value is None or isinstance(value, dt.date)
    elif unit == "flag":
        ok = isinstance(value, bool)
    elif unit == "list":
        ok = isinstance(value, list | tuple) and all(isinstance(x, str) for x in value)
    elif unit == "parts":
        ok = (
            isinstance(value, dict) and bool(value)
            and all(isinstance(k, str) and isinstance(v, int) and not isinstance(v, bool) and v > 0
                    for k, v in value.items())
        )
    else:
        ok = isinstance(value, str)
    if not ok:
        raise InvalidInput(f"{where} 的取值 {value!r} 与单位 {unit} 不符", field=where)


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(value)
    return value
