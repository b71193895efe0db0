"""The unified social credit code (统一社会信用代码) of an enterprise, checked part by part as
GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》 (with its amendment GB 32100-2015/XG1-2016)
builds it, so that an error names the character that is wrong:

    position 1      登记管理部门代码 (registration authority), table below
    position 2      机构类别代码 (category within that authority), table below
    positions 3–8   登记管理机关行政区划码, a GB/T 2260 code: six digits of a province in the table
    positions 9–17  主体标识码 = the GB 11714-1997 organisation code: 8 characters and its check
                    character, C9 = 11 − MOD(Σ Ci·Wi, 11) with Wi = 3 7 9 10 5 8 4 2, 10 → X, 11 → 0,
                    letters valued A = 10 … Z = 35 (GB 11714 附录A)
    position 18     校验码: C18 = 31 − MOD(Σ Ci·Wi, 31), Wi = MOD(3^(i−1), 31), over the code set
                    0–9 A–H J–N P–R T–U W–Y valued 0–30 (I, O, Z, S, V are never used); 31 → 0

The standard's own example, 91350100M000100Y4?, gives Σ = 1640, MOD 31 = 28 and C18 = 3.

Only the province of positions 3–8 is checked: a code keeps the division code of the authority that
issued it for life, and a county's code is retired when the county is renamed or merged, so a valid
credit code may carry a code that today's GB/T 2260 no longer lists.

Known limit: a few codes issued in early pilot areas (福建, 2015) do not satisfy the check character
(e.g. 91350211M0000XUF46); GB 32100 calls them invalid and so does this module."""

from __future__ import annotations

from dataclasses import dataclass

from huanxin.errors import InvalidInput

LABEL = "统一社会信用代码"
CODE_SET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
VALUES = {char: value for value, char in enumerate(CODE_SET)}
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
NEVER_USED = "IOZSV"

# GB 11714-1997: the organisation code's own check character.
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_VALUES = {**{str(d): d for d in range(10)}, **{chr(ord("A") + i): 10 + i for i in range(26)}}

# GB 32100-2015 表1/表2 as amended by XG1-2016: registration authority → its categories.
AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": ("机构编制", {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"}),
    "2": ("外交", {"1": "外国常住新闻机构", "9": "其他"}),
    "3": ("司法行政", {"1": "律师执业机构", "2": "公证处", "3": "基层法律服务所", "4": "司法鉴定机构",
                      "5": "仲裁委员会", "9": "其他"}),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": ("民政", {"1": "社会团体", "2": "民办非企业单位", "3": "基金会", "9": "其他"}),
    "6": ("旅游", {"1": "外国旅游部门常驻代表机构", "2": "港澳台地区旅游部门常驻内地（大陆）代表机构", "9": "其他"}),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "9": "其他"}),
    "9": ("工商", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "N": ("农业", {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}

# GB/T 2260 provinces (省级行政区划代码的前两位); 10 is the national level (100000).
PROVINCES = frozenset({
    "10", "11", "12", "13", "14", "15", "21", "22", "23", "31", "32", "33", "34", "35", "36", "37",
    "41", "42", "43", "44", "45", "46", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65",
    "71", "81", "82",
})


@dataclass(frozen=True)
class CreditCode:
    """A valid code and what its parts say."""

    code: str
    authority: str  # 工商
    category: str  # 企业
    division_code: str  # 512002
    organisation_code: str  # 9 characters, as printed on an old 组织机构代码证 without the hyphen

    @property
    def is_enterprise(self) -> bool:
        return self.code.startswith("91")


def check_char(first17: str) -> str:
    """The 18th character GB 32100 computes for the first 17."""
    total = sum(VALUES[c] * w for c, w in zip(first17, WEIGHTS, strict=True))
    return CODE_SET[(31 - total % 31) % 31]


def organisation_check_char(first8: str) -> str:
    """The 9th character of an organisation code (GB 11714-1997) for its first 8."""
    total = sum(ORG_VALUES[c] * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def complete(first17: str) -> str:
    """The full code for 17 characters (test data, demo data)."""
    return first17 + check_char(first17)


def _error(message: str, field: str) -> InvalidInput:
    return InvalidInput(f"{LABEL}{message}", field=field)


def _normalised(raw: str) -> str:
    # Full-width letters and digits typed with a Chinese input method are the same characters.
    text = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in raw)
    return "".join(text.split()).upper()


def parse(raw: str | None, field: str = "credit_code") -> CreditCode:
    """The code, checked position by position; the first problem is raised as InvalidInput naming the
    position and the character."""
    code = _normalised(raw or "")
    if not code:
        raise _error("不能为空", field)
    if len(code) != 18:
        raise _error(f"应为18位，实为{len(code)}位", field)
    for position, char in enumerate(code, start=1):
        if char in NEVER_USED:
            raise _error(f"第{position}位“{char}”不是有效字符（不使用I、O、Z、S、V）", field)
        if char not in VALUES:
            raise _error(f"第{position}位“{char}”不是有效字符（只能是数字和大写英文字母）", field)
    authority = AUTHORITIES.get(code[0])
    if authority is None:
        known = "、".join(f"{k}（{v[0]}）" for k, v in AUTHORITIES.items())
        raise _error(f"第1位“{code[0]}”不是登记管理部门代码（应为 {known} 之一）", field)
    category = authority[1].get(code[1])
    if category is None:
        known = "、".join(f"{k}（{v}）" for k, v in authority[1].items())
        raise _error(f"第2位“{code[1]}”不是{authority[0]}部门的机构类别代码（应为 {known} 之一）", field)
    _check_division(code, field)
    expected_org = organisation_check_char(code[8:16])
    if code[16] != expected_org:
        raise _error(f"第17位（组织机构代码校验位）应为“{expected_org}”，实为“{code[16]}”", field)
    expected = check_char(code[:17])
    if code[17] != expected:
        raise _error(f"校验位应为“{expected}”，实为“{code[17]}”", field)
    return CreditCode(code=code, authority=authority[0], category=category, division_code=code[2:8],
                      organisation_code=code[8:17])


def _check_division(code: str, field: str) -> None:
    for position in range(3, 9):
        char = code[position - 1]
        if not char.isdigit():
            raise _error(f"第{position}位“{char}”应为数字（第3—8位为登记管理机关行政区划码）", field)
    if code[2:4] not in PROVINCES:
        raise _error(f"第3—8位“{code[2:8]}”不是有效的行政区划代码（前两位“{code[2:4]}”不是省级代码）", field)


def validate(raw: str | None, field: str = "credit_code") -> str:
    """The normalised code (upper case, no spaces), or InvalidInput naming the wrong character."""
    return parse(raw, field).code
