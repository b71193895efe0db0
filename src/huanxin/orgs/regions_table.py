"""The whole GB/T 2260 table: every province, prefecture and county-level division of China in force in
2024 (`data/regions/gbt2260.csv`, generated from the 民政部 list by scripts/regions_table.py; its header
names the source, version and date).

Pure and lazy: the file (3,213 rows, about 100 KB) is read on first use and kept, never the database.
The database's `region` table holds only the regions a city works in (the seeds' from data/regions.yaml,
and those `rows_for` gives when a new city starts); this table is what a name is resolved against.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TABLE_FILE = Path(__file__).resolve().parents[1] / "data" / "regions" / "gbt2260.csv"
@dataclass(frozen=True)
class Division:
    code: str
    name: str
    level: str  # province, city (prefecture level) or county (county level)
    parent: str | None
    # The stem it is called by (泰安, 延边, 黔东南, 安丘), for provinces, prefectures and county-level cities;
    # None for counties and districts, whose short form (泰山 of 泰山区) is too often an ordinary word.
    short: str | None = None


@cache
def divisions() -> dict[str, Division]:
    with TABLE_FILE.open(encoding="utf-8", newline="") as handle:
        lines = (line for line in handle if not line.startswith("#"))
        return {r["code"]: Division(code=r["code"], name=r["name"], level=r["level"], parent=r["parent"] or None,
                                    short=r["short"] or None)
                for r in csv.DictReader(lines)}


def source() -> str:
    """The header of the table: where it comes from and as of when, for docs and screens."""
    with TABLE_FILE.open(encoding="utf-8") as handle:
        return " ".join(line[2:].strip() for line in handle if line.startswith("#"))


def get(code: str | None) -> Division | None:
    return divisions().get(code) if code else None


@cache
def _by_name() -> dict[str, tuple[Division, ...]]:
    out: dict[str, list[Division]] = {}
    for division in divisions().values():
        out.setdefault(division.name, []).append(division)
    return {name: tuple(found) for name, found in out.items()}


def named(name: str) -> tuple[Division, ...]:
    """Every division with exactly this name: 朝阳区 is two (北京, 长春), 泰安市 one."""
    return _by_name().get(name, ())


@cache
def _children() -> dict[str, tuple[Division, ...]]:
    out: dict[str, list[Division]] = {}
    for division in divisions().values():
        if division.parent:
            out.setdefault(division.parent, []).append(division)
    return {code: tuple(sorted(found, key=lambda d: d.code)) for code, found in out.items()}


def children(code: str | None) -> tuple[Division, ...]:
    return _children().get(code, ()) if code else ()


def ancestors(code: str) -> list[Division]:
    """The division's parent, its parent's parent …, nearest first."""
    out: list[Division] = []
    current = get(code)
    while current is not None and current.parent and len(out) < 3:
        current = get(current.parent)
        if current is not None:
            out.append(current)
    return out


def within(code: str, ancestor: str) -> bool:
    """Whether the division is `ancestor` or lies inside it."""
    return code == ancestor or any(a.code == ancestor for a in ancestors(code))


@cache
def _by_short() -> dict[str, tuple[Division, ...]]:
    out: dict[str, list[Division]] = {}
    for division in divisions().values():
        if division.short:
            out.setdefault(division.short, []).append(division)
    return {short: tuple(found) for short, found in out.items()}


def called(short: str) -> tuple[Division, ...]:
    """Every division whose short name this is: 大理 is 大理白族自治州 and 大理市, 海南 海南省 and 海南藏族自治州."""
    return _by_short().get(short, ())


def rows_for(code: str) -> list[dict[str, str]]:
    """The regions a city (or county, or province) running its own programme needs in the database, in the
    form `orgs.service.load_regions` takes: the divisions above it, itself, and its own divisions."""
    division = get(code)
    if division is None:
        return []
    chain = [*reversed(ancestors(code)), division, *children(code)]
    return [{"code": d.code, "name": d.name, "level": d.level, **({"parent": d.parent} if d.parent else {})}
            for d in chain]
