"""Unit names: recognising them in a list, folding the spellings of one organisation together
(市发展改革委 / 市发改委 / 市发展和改革委员会 / 市发改局), classifying them, and matching them to the
units a city already has.

The folding table is general knowledge of how Chinese government bodies are named and shortened
(full name, 规范简称 and colloquial short form); it is not taken from any one plan.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from huanxin.orgs import service as orgs_service

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

# Long form → short stem. Applied longest first so that 发展和改革委员会 wins over 委员会.
_STEMS: list[tuple[str, str]] = [
    ("发展和改革委员会", "发改"), ("发展和改革局", "发改"), ("发展改革委", "发改"), ("发展改革局", "发改"),
    ("发改委", "发改"),
    ("发改局", "发改"),
    ("经济和信息化局", "工信"), ("经济和信息化委员会", "工信"), ("经济和信息化委", "工信"), ("工业和信息化局", "工信"),
    ("经信局", "工信"), ("经信委", "工信"), ("工信局", "工信"),
    ("科学技术局", "科技"), ("科技局", "科技"),
    ("教育和体育局", "教体"), ("教育体育局", "教体"), ("教体局", "教体"),
    ("人力资源和社会保障局", "人社"), ("人力资源社会保障局", "人社"), ("人社局", "人社"),
    ("住房和城乡建设局", "住建"), ("住房城乡建设局", "住建"), ("住建局", "住建"),
    ("城市管理和综合执法局", "城管"), ("城市管理综合执法局", "城管"), ("城市管理局", "城管"),
    ("城管行政执法局", "城管"),
    ("城管执法局", "城管"), ("城管局", "城管"),
    ("交通运输局", "交通"), ("交通局", "交通"),
    ("卫生健康委员会", "卫健"), ("卫生健康委", "卫健"), ("卫生健康局", "卫健"), ("卫健委", "卫健"), ("卫健局", "卫健"),
    ("市场监督管理局", "市监"), ("市场监管局", "市监"),
    ("文化广电旅游局", "文旅"), ("文化广电和旅游局", "文旅"), ("文化和旅游局", "文旅"), ("文化旅游局", "文旅"),
    ("文广旅局", "文旅"), ("文旅局", "文旅"),
    ("自然资源和规划局", "自然资源"), ("自然资源规划局", "自然资源"), ("规划和自然资源局", "自然资源"),
    ("自然资源局", "自然资源"),
    ("机关事务管理局", "机关事务"), ("机关事务服务中心", "机关事务中心"), ("机关事务局", "机关事务"),
    ("供销合作社联合社", "供销"), ("供销合作总社", "供销"), ("供销合作社", "供销"), ("供销联社", "供销"),
    ("供销社", "供销"),
    ("应急管理局", "应急"), ("应急局", "应急"),
    ("国有资产监督管理委员会", "国资"), ("国资委", "国资"),
    ("国防动员办公室", "国动办"), ("国动办", "国动办"),
    ("住房公积金管理中心", "公积金"), ("公积金中心", "公积金"),
    ("生态环境局", "生态环境"), ("农业农村局", "农业农村"), ("商务局", "商务"), ("财政局", "财政"),
    ("大数据局", "数据"), ("数据局", "数据"), ("行政审批服务管理局", "审批"), ("行政审批管理局", "审批"),
    ("行政审批局", "审批"),
]
_STEMS.sort(key=lambda pair: -len(pair[0]))
# Central-bank and regulator branches are written many ways: 中国人民银行阳泉分行 / 人行阳泉分行 /
# 人民银行阳泉市分行; 国家金融监督管理总局X监管分局 / 国家金融监管总局X监管分局 / 金融监管局X分局 / X金融监管分局.
_PBOC = re.compile(r"^(?:中国)?(?:人民银行|人行)([\u4e00-\u9fa5]{2,4}?)市?(?:中心)?(?:分行|支行)$")
_NFRA = re.compile(r"^(?:国家金融监督管理总局|国家金融监管总局|金融监管局|金融监管总局)?([\u4e00-\u9fa5]{2,4}?)市?"
                   r"(?:金融)?(?:监管)?(?:分局|支局|监管局)$")
_GRID = re.compile(r"^国网([\u4e00-\u9fa5]{2,4}?)(?:供电公司|分公司|供电分公司)$|^国网[\u4e00-\u9fa5]{2,4}省电力公司"
                   r"([\u4e00-\u9fa5]{2,4}?)供电公司$")


def fold_key(name: str) -> str:
    """One key for every spelling of one organisation: 市发展改革委 and 市发改委 give 市|发改."""
    name = re.sub(r"\s+", "", name).strip("，,、；;。")
    if m := _PBOC.match(name):
        return f"pboc|{m.group(1)}"
    if "金融监" in name and (m := _NFRA.match(name.replace("金融监督管理", "金融监管"))):
        return f"nfra|{m.group(1)}"
    if m := _GRID.match(name):
        return f"grid|{m.group(1) or m.group(2)}"
    prefix_match = re.match(r"^(市委|市|县委|县|区委|区)", name)
    prefix = prefix_match.group(1) if prefix_match else ""
    rest = name[len(prefix):]
    for long, stem in _STEMS:
        if rest == long:
            return f"{prefix}|{stem}"
    return f"{prefix}|{rest}"


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
    if re.search(r"(?:县|区|旗|县级市)(?:人民政府|政府)$", name) or re.match(r"^各县", name):
        return "county"
    if re.search(r"(?:市人民政府|市政府)(?:办公室|办公厅)?$", name):
        return "office"
    if re.search(r"(?:中心|协会|科协|学会)$", name):
        return "agency"
    # A company named without its 有限公司 (中车资阳机车, 百威啤酒) is still not a 市直部门.
    return orgs_service.kind_by_name(name, "department")


@dataclass
class UnitEntry:
    name: str  # canonical
    kind: str
    aliases: list[str] = field(default_factory=list)
    region: str | None = None
    known: bool = False  # already a unit of the city in the database
    first_block: int | None = None
    uses: int = 0


class UnitBook:
    """Collects every unit name the document uses and folds spellings together, preferring the
    spelling the city already uses in the database, then the one the document uses most."""

    def __init__(self, existing: dict[str, tuple[str, str, str | None]] | None = None,
                 counties: dict[str, str] | None = None):
        # existing: spelling → (canonical name, kind, region) of the city's units in the database.
        self._existing = existing or {}
        self._counties = counties or {}  # county name (安岳县) → GB/T 2260 code
        self._by_key: dict[str, UnitEntry] = {}
        self._spellings: dict[str, dict[str, int]] = {}
        self._existing_by_key: dict[str, tuple[str, str, str | None]] = {}
        for spelling, info in self._existing.items():
            self._existing_by_key.setdefault(fold_key(spelling), info)

    def add(self, name: str, block: int | None) -> str:
        """Registers one use of a spelling; returns the spelling (tasks keep names as written)."""
        key = fold_key(name)
        entry = self._by_key.get(key)
        if entry is None:
            entry = UnitEntry(name=name, kind=kind_of(name), first_block=block, region=self._region(name))
            known = self._existing.get(name) or self._existing_by_key.get(key)
            if known:
                entry.name, entry.kind, entry.region, entry.known = known[0], known[1], known[2], True
            self._by_key[key] = entry
        entry.uses += 1
        counts = self._spellings.setdefault(key, {})
        counts[name] = counts.get(name, 0) + 1
        return name

    def _region(self, name: str) -> str | None:
        base = re.sub(r"(?:人民政府|政府)$", "", name)
        return self._counties.get(base)

    def entries(self) -> list[UnitEntry]:
        out = []
        for key, entry in self._by_key.items():
            spellings = self._spellings.get(key, {})
            if not entry.known and spellings:
                # Most used spelling is canonical; ties go to the longer (fuller) name.
                entry.name = max(spellings, key=lambda s: (spellings[s], len(s)))
                entry.kind = kind_of(entry.name)
            entry.aliases = sorted(s for s in spellings if s != entry.name)
            out.append(entry)
        return out
