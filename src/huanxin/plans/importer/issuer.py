"""Whose plan is it: the region (GB/T 2260) named by the plan's issuer, and by the units it lists.

An office uploads its own city's plan, or one of its counties' plans. A plan issued by another
region (安丘市人民政府 uploaded by 资阳's office) would put another city's targets on this city's
cockpit and fold the other city's 市商务局 into this city's: it is refused. An issuer that names no
region (国务院办公厅, a bare 办公室) is left to the office to confirm.

Names are resolved against the whole GB/T 2260 table (`orgs.regions_table`: every province, prefecture
and county-level division in force in 2024), so any city's, county's or province's plan resolves. A
name that several divisions bear (朝阳区 in 北京 and in 长春, 城区 in 阳泉 and in 晋城) is told apart by a
region above it written before it (长春市朝阳区), else by the provinces and prefectures the document
names elsewhere; failing both it stays unresolved, with its candidates, and is never guessed.

Pure: reads the shipped table, never the database, so that `huanxin plan parse` can answer without one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache

from huanxin.orgs import regions_table
from huanxin.orgs.regions_table import Division as Region

__all__ = ["Origin", "Reading", "Region", "foreign_units", "leading_region", "name_of", "named_regions",
           "origin_of", "read_region", "refusal", "regions", "within"]

# Party and state prefixes that come before the region's name: 中共资阳市委办公室.
_PREFIX = re.compile(r"^(?:中共|中国共产党)")
# A two-character division (城区, 矿区, 东区, 盂县) is also an ordinary word; in a unit's name it only
# counts as the region when the government itself is meant (城区人民政府).
_GOVERNMENT = re.compile(r"^(?:人民政府|政府)")


def regions() -> dict[str, Region]:
    return regions_table.divisions()


@cache
def _full_names() -> dict[str, tuple[str, ...]]:
    """Distinct full names by first character, longest first, for matching at the start of a text."""
    out: dict[str, set[str]] = {}
    for region in regions().values():
        out.setdefault(region.name[0], set()).add(region.name)
    return {first: tuple(sorted(names, key=len, reverse=True)) for first, names in out.items()}


@cache
def _short_names() -> dict[str, tuple[str, ...]]:
    out: dict[str, set[str]] = {}
    for region in regions().values():
        if region.short:
            out.setdefault(region.short[0], set()).add(region.short)
    return {first: tuple(sorted(names, key=len, reverse=True)) for first, names in out.items()}


def _full_name_at(text: str, strict: bool) -> tuple[str, tuple[Region, ...]]:
    """The longest full division name the text begins with, and every division of that name."""
    for name in _full_names().get(text[:1], ()):
        if not text.startswith(name):
            continue
        if strict and len(name) < 3 and not _GOVERNMENT.match(text[len(name):]):
            continue
        return name, regions_table.named(name)
    return "", ()


def _short_name_at(text: str, strict: bool) -> tuple[str, tuple[Region, ...]]:
    """资阳 of 资阳高新区管委会: the longest short name the text begins with. In a unit's name (strict) only a
    province's or prefecture's short name counts: a county-level city's (东方, 合作, 新民) is too often a word."""
    for short in _short_names().get(text[:1], ()):
        if not text.startswith(short):
            continue
        found = regions_table.called(short)
        if strict:
            found = tuple(r for r in found if r.level != "county")
        if found:
            return short, found
    return "", ()


def within(code: str, city: str) -> bool:
    """Whether the region is the city or lies inside it (its counties and districts)."""
    return regions_table.within(code, city)


def _narrowed(candidates: tuple[Region, ...], context: Iterable[str]) -> tuple[Region, ...]:
    """One of several divisions: the one that contains all the others (吉林省 of 吉林省 and 吉林市: right at
    the coarser level), else those inside a region the context names."""
    if len(candidates) < 2:
        return candidates
    outer = [c for c in candidates if all(within(o.code, c.code) for o in candidates)]
    if len(outer) == 1:
        return (outer[0],)
    named = [c for c in candidates if any(within(c.code, code) for code in context)]
    return tuple(named) if named else candidates


@dataclass(frozen=True)
class Reading:
    """What a name says about its region: the division, or the several it may be."""

    region: Region | None
    candidates: tuple[Region, ...] = ()  # when ambiguous: every division it may be, none chosen

    @property
    def ambiguous(self) -> bool:
        return self.region is None and len(self.candidates) > 1


def read_region(text: str, *, strict: bool = False, context: Iterable[str] = ()) -> Reading:
    """The most specific region the name begins with: 资阳市雁江区人民政府 → 雁江区, 安丘市商务局 → 安丘市,
    资阳高新区管委会 → 资阳市, 长春市朝阳区 → 220104; 朝阳区人民政府 alone is ambiguous unless `context`
    (region codes the document names) points to one of the two."""
    rest = _PREFIX.sub("", re.sub(r"\s+", "", text or ""))
    name, found = _full_name_at(rest, strict)
    if not found:
        name, found = _short_name_at(rest, strict)
        if not found:
            return Reading(region=None)
        # 资阳高新区: the short name stands for the whole name; 资阳市 then may follow in full.
    rest = rest[len(name):]
    context = tuple(context)
    found = _narrowed(found, context)
    while True:
        inner_name, inner = _full_name_at(rest, strict)
        inside = tuple(r for r in inner if any(within(r.code, f.code) for f in found))
        if not inside:
            break
        found, rest = _narrowed(inside, context), rest[len(inner_name):]
    if len(found) == 1:
        return Reading(region=found[0], candidates=found)
    return Reading(region=None, candidates=found)


def leading_region(text: str, *, strict: bool = False, context: Iterable[str] = ()) -> Region | None:
    """The region the name begins with, or None when it names none or several that cannot be told apart."""
    return read_region(text, strict=strict, context=context).region


@cache
def _province_and_prefecture_names() -> tuple[tuple[str, str], ...]:
    return tuple((r.name, r.code) for r in regions().values() if r.level in ("province", "city") and len(r.name) >= 3)


def named_regions(text: str) -> tuple[str, ...]:
    """The provinces and prefectures a document names in full (山东省, 泰安市, 湘西土家族苗族自治州): the
    context that tells apart two counties of one name."""
    squeezed = re.sub(r"\s+", "", text or "")
    return tuple(code for name, code in _province_and_prefecture_names() if name in squeezed)


def name_of(code: str) -> str:
    region = regions().get(code)
    return region.name if region else code


@dataclass(frozen=True)
class Origin:
    """Where the plan comes from, as read: the region, and the words it was read from."""

    region: Region
    text: str  # the issuer as read, or the title when the issuer names no region
    via: str  # "issuer" or "title"


def origin_of(issuer: str, title: str, context: Iterable[str] = ()) -> Origin | None:
    """The issuer's region; failing that, the region the title begins with (a draft without a
    notice speaks as its city: 阳泉市…工作任务分工方案). None when neither names a region, or when the
    name is one several divisions bear and nothing tells which (the office then confirms)."""
    context = tuple(context)
    for text, via in ((issuer, "issuer"), (title, "title")):
        reading = read_region(text, context=context)
        if reading.region is not None:
            return Origin(region=reading.region, text=text, via=via)
        if reading.ambiguous:
            return None
    return None


def ambiguity(issuer: str, title: str, context: Iterable[str] = ()) -> tuple[str, tuple[Region, ...]]:
    """The name that several divisions bear, as the issuer or title writes it, with those divisions; empty
    when the plan's region is read without doubt or not at all."""
    context = tuple(context)
    for text in (issuer, title):
        reading = read_region(text, context=context)
        if reading.region is not None:
            return "", ()
        if reading.ambiguous:
            return text, reading.candidates
    return "", ()


def describe(region: Region) -> str:
    """攀枝花市东区（510402）: a county with the prefecture or province above it, for a reviewer to tell it."""
    above = regions_table.ancestors(region.code)
    return f"{above[0].name if above else ''}{region.name}（{region.code}）"


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
    in a plan of 资阳): never folded onto the city's own units; created only once the office confirms. A
    unit whose region name several divisions bear counts only if none of them is the city's."""
    out = []
    for name in names:
        reading = read_region(name, strict=True)
        candidates = reading.candidates
        if candidates and not any(within(r.code, city) or within(city, r.code) for r in candidates):
            out.append(name)
    return out
