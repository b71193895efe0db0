"""The threshold tables as data: `tables/*.yaml` beside this module, each citing its standard (number,
year, table) and the source of every number. Loaded once and checked on load, so that a mistyped table
fails the first test rather than classifying a motor wrongly."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

TABLES_DIR = Path(__file__).with_name("tables")
LEVEL_KEYS = ("advanced", "saving", "entry", "below")
GRADES = (1, 2, 3)


@dataclass(frozen=True)
class Coefficients:
    """IEC 60034-30-1 interpolation coefficients for one grade, one value per pole count."""

    a: tuple[float, ...]
    b: tuple[float, ...]
    c: tuple[float, ...]
    d: tuple[float, ...]


@dataclass(frozen=True)
class FormulaRange:
    low_kw: float
    high_kw: float
    table: str
    by_grade: dict[int, Coefficients]


@dataclass(frozen=True)
class MotorRow:
    kw: float
    limits: dict[int, tuple[float, ...]]  # grade → limit % per pole count, in MotorTable.poles order


@dataclass(frozen=True)
class MotorTable:
    standard: str
    title: str
    table: str
    in_force: dt.date
    scope_kw: tuple[float, float]
    poles: tuple[int, ...]
    levels: dict[int, str]
    rows: tuple[MotorRow, ...]
    formula: tuple[FormulaRange, ...]
    formula_source: str

    @property
    def citation(self) -> str:
        return f"{self.standard}《{self.title}》{self.table}"


@dataclass(frozen=True)
class DeclaredStandard:
    category: str
    standard: str
    title: str
    in_force: dt.date | None
    max_grade: int
    note: str

    @property
    def citation(self) -> str:
        return f"{self.standard}《{self.title}》"


@dataclass(frozen=True)
class DeclaredTable:
    levels: dict[int, str]
    level_source: str
    categories: dict[str, DeclaredStandard]


def _load(name: str) -> dict[str, Any]:
    data = yaml.safe_load((TABLES_DIR / name).read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise ValueError(f"{name}: expected a mapping")
    return data


def _levels(raw: dict[Any, Any], where: str) -> dict[int, str]:
    levels = {int(grade): str(level) for grade, level in raw.items()}
    if set(levels) != set(GRADES) or not set(levels.values()) <= set(LEVEL_KEYS):
        raise ValueError(f"{where}: levels must map grades 1–3 to {LEVEL_KEYS}")
    return levels


def _floats(values: list[Any], count: int, where: str) -> tuple[float, ...]:
    if len(values) != count:
        raise ValueError(f"{where}: expected {count} values, got {len(values)}")
    return tuple(float(v) for v in values)


@cache
def motor_table() -> MotorTable:
    data = _load("motors_gb18613_2020.yaml")
    poles = tuple(int(p) for p in data["poles"])
    rows: list[MotorRow] = []
    for raw in data["rows"]:
        where = f"motor row {raw['kw']} kW"
        limits = {grade: _floats(raw[f"grade{grade}"], len(poles), where) for grade in GRADES}
        for i in range(len(poles)):
            # A better grade always asks for a higher efficiency; a typo breaking that fails here.
            if not limits[1][i] > limits[2][i] > limits[3][i]:
                raise ValueError(f"{where}: grades not in order for {poles[i]} poles")
        rows.append(MotorRow(kw=float(raw["kw"]), limits=limits))
    kws = [row.kw for row in rows]
    if kws != sorted(kws) or len(set(kws)) != len(kws):
        raise ValueError("motor rows must be sorted by rated power without repeats")
    for grade in GRADES:
        for i in range(len(poles)):
            column = [row.limits[grade][i] for row in rows]
            if column != sorted(column):
                raise ValueError(f"motor grade {grade}, {poles[i]} poles: limits must not fall as power rises")
    formula = tuple(
        FormulaRange(
            low_kw=float(r["kw"][0]),
            high_kw=float(r["kw"][1]),
            table=str(r["table"]),
            by_grade={
                grade: Coefficients(
                    *(_floats(r[f"grade{grade}"][k], len(poles), f"{r['table']} grade {grade}") for k in "ABCD")
                )
                for grade in (2, 3)
            },
        )
        for r in data["interpolation"]["ranges"]
    )
    return MotorTable(
        standard=str(data["standard"]),
        title=str(data["title"]),
        table=str(data["table"]),
        in_force=data["in_force"],
        scope_kw=(float(data["scope_kw"][0]), float(data["scope_kw"][1])),
        poles=poles,
        levels=_levels(data["levels"], "motor table"),
        rows=tuple(rows),
        formula=formula,
        formula_source=" ".join(str(data["interpolation"]["source"]).split()),
    )


@cache
def declared_table() -> DeclaredTable:
    data = _load("declared_grades.yaml")
    categories = {
        key: DeclaredStandard(
            category=key,
            standard=str(raw["standard"]),
            title=str(raw["title"]),
            in_force=raw.get("in_force"),
            max_grade=int(raw["max_grade"]),
            note=" ".join(str(raw.get("note", "")).split()),
        )
        for key, raw in data["categories"].items()
    }
    return DeclaredTable(
        levels=_levels(data["levels"], "declared grades"),
        level_source=" ".join(str(data["level_source"]).split()),
        categories=categories,
    )


@dataclass(frozen=True)
class TransformerRow:
    kva: float
    no_load_w: dict[int, float]  # grade → maximum no-load loss, W
    load_w: dict[int, float]  # grade → maximum load loss, W


@dataclass(frozen=True)
class TransformerTable:
    standard: str
    title: str
    table: str
    in_force: dt.date
    levels: dict[int, str]
    rows: tuple[TransformerRow, ...]
    source: str

    @property
    def citation(self) -> str:
        return f"{self.standard}《{self.title}》{self.table}"

    def row(self, kva: float) -> TransformerRow | None:
        """The row of a standard rating; None between ratings (the table lists ratings, not a curve)."""
        return next((r for r in self.rows if abs(r.kva - kva) < 1e-9), None)


def _losses(raw: list[Any], where: str) -> dict[int, float]:
    values = _floats(raw, len(GRADES), where)
    # A better grade always allows less loss; a typo breaking that fails on load.
    if not values[0] <= values[1] <= values[2] or values[0] <= 0:
        raise ValueError(f"{where}: losses must be positive and not fall from grade 1 to 3")
    return dict(zip(GRADES, values, strict=True))


@cache
def transformer_table() -> TransformerTable:
    data = _load("transformers_gb20052_2024.yaml")
    rows = tuple(
        TransformerRow(
            kva=float(raw["kva"]),
            no_load_w=_losses(raw["no_load"], f"transformer {raw['kva']} kVA no-load"),
            load_w=_losses(raw["load"], f"transformer {raw['kva']} kVA load"),
        )
        for raw in data["rows"]
    )
    kvas = [row.kva for row in rows]
    if kvas != sorted(kvas) or len(set(kvas)) != len(kvas):
        raise ValueError("transformer rows must be sorted by capacity without repeats")
    for grade in GRADES:
        for name in ("no_load_w", "load_w"):
            column = [getattr(row, name)[grade] for row in rows]
            if column != sorted(column):
                raise ValueError(f"transformer grade {grade} {name}: losses must not fall as capacity rises")
    return TransformerTable(
        standard=str(data["standard"]),
        title=str(data["title"]),
        table=str(data["table"]),
        in_force=data["in_force"],
        levels=_levels(data["levels"], "transformer table"),
        rows=rows,
        source=" ".join(str(data["source"]).split()),
    )
