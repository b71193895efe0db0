"""Whose plan is it: the region (GB/T 2260) named by the plan's issuer, and by the units it lists.

An office uploads its own city's plan, or one of its counties' plans. A plan issued by another
region (安丘市人民政府 uploaded by 资阳's office) would put another city's targets on this city's
cockpit and fold the other city's 市商务局 into this city's: it is refused. An issuer that names no
known region (清河县人民政府办公室, 国务院办公厅, a bare 办公室) is left to the office to confirm.

Pure: reads the shipped region list (`data/regions.yaml`), never the database, so that `huanxin plan
parse` can answer without one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

REGIONS_FILE = Path(__file__).resolve().parents[2] / "data" / "regions.yaml"
# Party and state prefixes that come before the region's name: 中共资阳市委办公室.
_PREFIX = re.compile(r"^(?:中共|中国共产党)")
# A two-character division (城区, 矿区, 东区, 盂县) is also an ordinary word; in a unit's name it only
# counts as the region when the government itself is meant (城区人民政府).
_GOVERNMENT = re.compile(r"^(?:人民政府|政府)")


@dataclass(frozen=True)
class Region:
    code: str
    name: str
    level: str
    parent: str | None


@cache
def regions() -> dict[str, Region]:
    raw = yaml.safe_load(REGIONS_FILE.read_text(encoding="utf-8")) or []
    return {r["code"]: Region(code=r["code"], name=r["name"], level=r["level"], parent=r.get("parent"))
            for r in raw}


@cache
def _names() -> list[Region]:
    return sorted(regions().values(), key=lambda r: -len(r.name))


@cache
def _stems() -> dict[str, Region]:
    """资阳 for 资阳市 (资阳高新区管委会): only for names ending in 市, whose stem is the usual short name;
    a county's stem (安岳, 邵阳 of 邵阳县) would be ambiguous, so a city wins a shared stem."""
    out: dict[str, Region] = {}
    for region in sorted(regions().values(), key=lambda r: r.level != "city"):
        if region.name.endswith("市") and len(region.name) >= 3:
            out.setdefault(region.name[:-1], region)
    return out


def _full_name_at(text: str, strict: bool) -> Region | None:
    for region in _names():
        if not text.startswith(region.name):
            continue
        if strict and len(region.name) < 3 and not _GOVERNMENT.match(text[len(region.name):]):
            continue
        return region
    return None


def leading_region(text: str, *, strict: bool = False) -> Region | None:
    """The most specific region the name begins with: 资阳市雁江区人民政府 → 雁江区, 安丘市商务局 → 安丘市,
    资阳高新区管委会 → 资阳市; None when it begins with no known region (市商务局, 国务院)."""
    rest = _PREFIX.sub("", re.sub(r"\s+", "", text or ""))
    found = _full_name_at(rest, strict)
    if found is None:
        found = next((r for stem, r in _stems().items() if rest.startswith(stem)), None)
        if found is None:
            return None
        rest = rest[len(found.name) - 1:]
    else:
        rest = rest[len(found.name):]
    while (inner := _full_name_at(rest, strict)) is not None and within(inner.code, found.code):
        found, rest = inner, rest[len(inner.name):]
    return found


def within(code: str, city: str) -> bool:
    """Whether the region is the city or lies inside it (its counties and districts)."""
    seen: set[str] = set()
    current: str | None = code
    while current is not None and current not in seen:
        if current == city:
            return True
        seen.add(current)
        region = regions().get(current)
        current = region.parent if region else None
    return False


def name_of(code: str) -> str:
    region = regions().get(code)
    return region.name if region else code


@dataclass(frozen=True)
class Origin:
    """Where the plan comes from, as read: the region, and the words it was read from."""

    region: Region
    text: str  # the issuer as read, or the title when the issuer names no region
    via: str  # "issuer" or "title"


def origin_of(issuer: str, title: str) -> Origin | None:
    """The issuer's region; failing that, the region the title begins with (a draft without a
    notice speaks as its city: 阳泉市…工作任务分工方案)."""
    for text, via in ((issuer, "issuer"), (title, "title")):
        region = leading_region(text)
        if region is not None:
            return Origin(region=region, text=text, via=via)
    return None


def refusal(origin: Origin | None, city: str) -> str | None:
    """The message refusing another region's plan, or None when the plan may be the city's."""
    if origin is None or within(origin.region.code, city):
        return None
    region = origin.region
    said = f"发文机关为{origin.text}" if origin.via == "issuer" else f"标题所称地区为{region.name}"
    return (f"该方案的{said}（{region.code}），不是本市（{name_of(city)}，{city}）的方案，未导入。"
            f"请上传本市或本市所辖县（区）的方案")


def foreign_units(names: list[str], city: str) -> list[str]:
    """Units named for a region other than the city, its counties and the provinces above it (安丘市商务局
    in a plan of 资阳): never folded onto the city's own units; created only once the office confirms."""
    out = []
    for name in names:
        region = leading_region(name, strict=True)
        if region is not None and not within(region.code, city) and not within(city, region.code):
            out.append(name)
    return out
