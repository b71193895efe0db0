"""Unit names: recognising them in a list, folding the spellings of one organisation together
(市发展改革委 / 市发改委 / 市发展和改革委员会 / 市发改局), classifying them, and matching them to the
units a city already has.

The folding table is the shipped department catalogue (`data/departments.yaml`): the units any city has,
each with its full names, 规范简称 and colloquial short forms; it is general knowledge of how Chinese
government bodies are named, not taken from any one plan. A name that begins with the plan's own region
(泰安市发展和改革委员会 in 泰安's plan) is that region's 市/县 unit (市发改委), so both fold together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from huanxin.orgs import regions_table
from huanxin.orgs import service as orgs_service

CATALOGUE_FILE = Path(__file__).resolve().parents[2] / "data" / "departments.yaml"
# Endings that make a phrase an organisation rather than an object of the sentence.
UNIT_TAIL = re.compile(
    r"(?:局|委|办|厅|部|社|总社|联社|行|分行|支行|中心|公司|分公司|集团|政府|管委会|委员会|支队|大队|海关|协|联|院|所|会|"
    r"分局|支局|办公室|工作组|专班|站|处|队|馆|团)$"
)
# Words that name no one in particular (各有关部门, 市直各有关部门): kept in the clause, not as units.
GENERIC = re.compile(r"^(?:市直|市级|县级|各级)?各?(?:有关|相关|行业主管|成员)?"
                     r"(?:部门|单位|部门（单位）|部门\(单位\))$|"
                     r"^(?:市直|市级)?各(?:有关|相关|行业主管)")
COUNTIES_COLLECTIVE = re.compile(r"^各(?:县|区|县区|县市区|县（市、区）|县（区）|县\(区\)|县（市）"
                                 r"|市县|镇|乡镇|镇街|街道)")
# The level a unit's name is written at: 市委宣传部, 市商务局, 县发改局, 省发展改革委, 州财政局, 旗农牧局.
_LEVEL_PREFIX = re.compile(r"^(市委|市|县委|县|区委|区|省委|省|州委|州|旗委|旗)")


@dataclass(frozen=True)
class Department:
    """One entry of the catalogue: every spelling of one kind of body, at any level."""

    key: str
    name: str  # the usual full name at city level
    county: str | None  # the usual full name at county level, where it differs
    kind: str
    names: tuple[str, ...]
    pattern: str | None = None  # pboc / nfra: names that embed a region, read by a rule below


@cache
def catalogue() -> tuple[Department, ...]:
    raw = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    entries = tuple(Department(key=e["key"], name=e["name"], county=e.get("county"), kind=e["kind"],
                               names=tuple(e.get("names") or ()), pattern=e.get("pattern"))
                    for e in raw["entries"])
    seen: dict[str, str] = {}
    for entry in entries:
        for spelling in entry.names:
            if spelling in seen:
                raise ValueError(f"departments.yaml：“{spelling}”同时列在 {seen[spelling]} 和 {entry.key} 两个条目中")
            seen[spelling] = entry.key
    return entries


@cache
def _by_spelling() -> dict[str, Department]:
    return {spelling: entry for entry in catalogue() for spelling in entry.names}


@cache
def _by_key() -> dict[str, Department]:
    return {entry.key: entry for entry in catalogue()}


# Central-bank and regulator branches are written many ways: 中国人民银行阳泉分行 / 人行阳泉分行 /
# 人民银行阳泉市分行; 国家金融监督管理总局X监管分局 / 国家金融监管总局X监管分局 / 金融监管局X分局 / X金融监管分局
# (and, before 2023, X银保监分局).
_PBOC = re.compile(r"^(?:中国)?(?:人民银行|人行)([\u4e00-\u9fa5]{2,4}?)市?(?:中心)?(?:分行|支行)$")
_NFRA = re.compile(r"^(?:国家金融监督管理总局|国家金融监管总局|金融监管局|金融监管总局)?([\u4e00-\u9fa5]{2,4}?)市?"
                   r"(?:金融)?(?:监管)?(?:分局|支局|监管局)$")
_GRID = re.compile(r"^国网([\u4e00-\u9fa5]{2,4}?)(?:供电公司|分公司|供电分公司)$|^国网[\u4e00-\u9fa5]{2,4}省电力公司"
                   r"([\u4e00-\u9fa5]{2,4}?)供电公司$")
# Vertically managed bodies written with their headquarters first: 国家税务总局资阳市税务局 is 市税务局.
_HEADQUARTERS = re.compile(r"^(?:国家税务总局|国家统计局(?=[\u4e00-\u9fa5]{2,6}调查队))")


def _own_region_prefix(name: str, city: str | None) -> str:
    """泰安市发展和改革委员会 → 市发展和改革委员会 in 泰安's plan; 宁阳县商务局 → 县商务局 in 宁阳's. Another
    region's name (安丘市商务局 in 资阳's plan) is left as written: it is never this city's unit."""
    region = regions_table.get(city)
    if region is None or not name.startswith(region.name) or len(name) <= len(region.name):
        return name
    level = region.name[-1] if region.name[-1] in "市县区旗省盟州" else ""
    return level + name[len(region.name):] if level else name


def fold_key(name: str, city: str | None = None) -> str:
    """One key for every spelling of one organisation: 市发展改革委 and 市发改委 give 市|发改. `city` is the
    plan's region code, whose own name before a unit reads as the 市/县 prefix."""
    name = re.sub(r"\s+", "", name).strip("，,、；;。")
    name = _HEADQUARTERS.sub("", name).replace("银保监", "金融监管")
    if m := _PBOC.match(name):
        return f"pboc|{m.group(1)}"
    if "金融监" in name and "地方金融" not in name and (m := _NFRA.match(name.replace("金融监督管理", "金融监管"))):
        return f"nfra|{m.group(1)}"
    if m := _GRID.match(name):
        return f"grid|{m.group(1) or m.group(2)}"
    name = _own_region_prefix(name, city)
    prefix_match = _LEVEL_PREFIX.match(name)
    prefix = prefix_match.group(1) if prefix_match else ""
    rest = name[len(prefix):]
    entry = _by_spelling().get(rest)
    if entry is None and prefix and name in _by_spelling():
        # 市场监管局 written without a prefix: 市 is the first character of the body's own name.
        prefix, entry = "", _by_spelling()[name]
    if entry is not None:
        return f"{prefix}|{entry.key}"
    return f"{prefix}|{rest}"


def catalogue_entry(name: str, city: str | None = None) -> Department | None:
    """The catalogue entry a unit's name is a spelling of (市发改局 → 发改), None for a body it lacks."""
    key = fold_key(name, city)
    head, _, stem = key.partition("|")
    if head == "pboc":
        return _by_key().get("人民银行")
    if head == "nfra":
        return _by_key().get("金融监管")
    return _by_key().get(stem)


def clean_name(raw: str) -> str:
    """A unit as listed, without the trailing 等 / 等有关部门 that closes a list."""
    name = re.sub(r"\s+", "", raw).strip("，,、；;。:：")
    name = re.sub(r"(?:等有关部门|等相关部门|等部门|等单位|等)$", "", name)
    return name


def looks_like_unit(name: str) -> bool:
    return 2 <= len(name) <= 30 and bool(UNIT_TAIL.search(name)) and not re.search(r"[，。；、]", name)


def kind_of(name: str) -> str:
    """department, county, zone, town, agency, enterprise, bank or office, from the name alone."""
    if re.search(r"(?:人民银行|人行|银行|分行|支行)$", name) or name.startswith(("人行", "人民银行", "中国人民银行")):
        return "bank"
    if re.search(r"(?:税务局|海关|金融监管|金融监督管理|监管分局|监管支局|供销|公积金|消防救援|气象局"
                 r"|统计局调查队)", name):
        return "agency"
    if re.search(r"(?:公司|集团|有限|企业)$", name) or name.startswith("国网"):
        return "enterprise"
    zone = r"(?:开发区|高新区|经开区|园区|新区|示范区|经济区)(?:管委会|管理委员会)?$"
    if re.search(zone, name) or name.endswith("管委会"):
        return "zone"
    if re.search(r"(?:镇|乡|街道)(?:人民政府|政府|办事处)?$", name) or name in ("街办",):
        return "town"
    # A province's, autonomous region's, prefecture's government (山东省人民政府, 广西壮族自治区人民政府办公厅)
    # and a county's own government office (兰考县人民政府办公室, issuing its plan) are offices.
    if re.search(r"(?:省|自治区|市|州|盟|地区)(?:人民政府|政府)(?:办公室|办公厅)?$", name):
        return "office"
    if re.search(r"(?:县|区|旗)(?:人民政府|政府)(?:办公室|办公厅)$", name):
        return "office"
    if re.search(r"(?:县|区|旗|县级市)(?:人民政府|政府)$", name) or re.match(r"^各县", name):
        return "county"
    if re.search(r"(?:中心|协会|科协|学会)$", name):
        return "agency"
    # A company named without its 有限公司 (中车资阳机车, 百威啤酒) is still not a 市直部门; a catalogue
    # entry says what the rest are (市政府办 is the government's office, 市税务局 an agency).
    entry = catalogue_entry(name)
    return orgs_service.kind_by_name(name, entry.kind if entry else "department")


@dataclass
class UnitEntry:
    name: str  # canonical
    kind: str
    aliases: list[str] = field(default_factory=list)
    region: str | None = None
    known: bool = False  # already a unit of the city in the database
    first_block: int | None = None
    uses: int = 0
    catalogue: str | None = None  # the department catalogue's entry (发改, 工信 …), None for a body it lacks


class UnitBook:
    """Collects every unit name the document uses and folds spellings together, preferring the
    spelling the city already uses in the database, then the one the document uses most."""

    def __init__(self, existing: dict[str, tuple[str, str, str | None]] | None = None,
                 counties: dict[str, str] | None = None, city: str | None = None):
        # existing: spelling → (canonical name, kind, region) of the city's units in the database.
        self._existing = existing or {}
        self._counties = counties or {}  # county name (安岳县) → GB/T 2260 code
        self._city = city  # the plan's region: its own name before a unit reads as 市/县
        self._by_key: dict[str, UnitEntry] = {}
        self._spellings: dict[str, dict[str, int]] = {}
        self._existing_by_key: dict[str, tuple[str, str, str | None]] = {}
        for spelling, info in self._existing.items():
            self._existing_by_key.setdefault(fold_key(spelling, city), info)

    def add(self, name: str, block: int | None) -> str:
        """Registers one use of a spelling; returns the spelling (tasks keep names as written)."""
        key = fold_key(name, self._city)
        entry = self._by_key.get(key)
        if entry is None:
            department = catalogue_entry(name, self._city)
            entry = UnitEntry(name=name, kind=kind_of(name), first_block=block, region=self._region(name),
                              catalogue=department.key if department else None)
            known = self._existing.get(name) or self._existing_by_key.get(key)
            if known:
                entry.name, entry.kind, entry.region, entry.known = known[0], known[1], known[2], True
            self._by_key[key] = entry
        entry.uses += 1
        counts = self._spellings.setdefault(key, {})
        counts[name] = counts.get(name, 0) + 1
        return name

    def _names_own_region(self, name: str) -> bool:
        return _own_region_prefix(name, self._city) != name

    def _region(self, name: str) -> str | None:
        base = re.sub(r"(?:人民政府|政府)$", "", name)
        return self._counties.get(base)

    def entries(self) -> list[UnitEntry]:
        out = []
        for key, entry in self._by_key.items():
            spellings = self._spellings.get(key, {})
            if not entry.known and spellings:
                # The spelling with the city's own 市/县 prefix (市发改委 rather than 泰安市发改委) is canonical,
                # then the most used, then the longer (fuller) name.
                entry.name = max(spellings, key=lambda s: (not self._names_own_region(s), spellings[s], len(s)))
                entry.kind = kind_of(entry.name)
            entry.aliases = sorted(s for s in spellings if s != entry.name)
            out.append(entry)
        return out
