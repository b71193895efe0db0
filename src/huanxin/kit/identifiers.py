"""Validation of the identifiers residents, vehicles and banks use, by their national standards."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from huanxin.errors import InvalidInput

# GB 11643-1999: weights 2^(17-i) mod 11 and the check character table.
_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")


def id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def validate_id_number(raw: str, field: str = "id_number") -> str:
    """A resident identity card number (GB 11643): 18 characters, a valid birth date, the check digit."""
    value = raw.strip().upper()
    if not _ID_RE.match(value):
        raise InvalidInput("身份证号应为18位（最后一位可为X）", field=field)
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise InvalidInput("身份证号中的出生日期无效", field=field) from None
    if id_check_char(value[:17]) != value[17]:
        raise InvalidInput("身份证号校验位不正确，请核对", field=field)
    return value


# GB 16735 / ISO 3779: 17 characters, no I, O, Q; position 9 is the check digit (mandatory in China).
_VIN_VALUES = {**{str(d): d for d in range(10)},
               **dict(zip("ABCDEFGH", range(1, 9), strict=True)), **dict(zip("JKLMN", range(1, 6), strict=True)),
               "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10), strict=True))}
_VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]


def vin_check_char(vin: str) -> str:
    total = sum(_VIN_VALUES[c] * w for c, w in zip(vin, _VIN_WEIGHTS, strict=True))
    remainder = total % 11
    return "X" if remainder == 10 else str(remainder)


def validate_vin(raw: str, field: str = "vin") -> str:
    value = raw.strip().upper()
    if len(value) != 17 or any(c not in _VIN_VALUES for c in value):
        raise InvalidInput("车辆识别代号（VIN）应为17位字母数字，且不含 I、O、Q", field=field)
    if vin_check_char(value) != value[8]:
        raise InvalidInput("车辆识别代号（VIN）第9位校验位不正确，请核对", field=field)
    return value


def luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def luhn_complete(body: str) -> str:
    """`body` with the one digit appended that makes it pass the Luhn check (bank cards, IMEIs):
    what the demo and the tests use to make valid numbers."""
    return next(body + d for d in "0123456789" if luhn_ok(body + d))


def validate_bank_card(raw: str, field: str = "bank_card") -> str:
    value = re.sub(r"\s+", "", raw)
    if not value.isdigit() or not 16 <= len(value) <= 19:
        raise InvalidInput("银行卡号应为16至19位数字", field=field)
    if not luhn_ok(value):
        raise InvalidInput("银行卡号校验不通过（Luhn），请核对", field=field)
    return value


# ---- GB 32100-2015: the unified social credit code (统一社会信用代码) ------------------------------
# The one check of every domain (trade-in retailers, project enterprises, the Excel lists), made part
# by part as GB 32100-2015 《法人和其他组织统一社会信用代码编码规则》 (with XG1-2016) builds the code,
# so that an error names the character that is wrong:
#
#   position 1      登记管理部门代码 (registration authority), CREDIT_AUTHORITIES
#   position 2      机构类别代码 (category within that authority), CREDIT_AUTHORITIES
#   positions 3–8   登记管理机关行政区划码, a GB/T 2260 code: six digits of a province in CREDIT_PROVINCES
#   positions 9–17  主体标识码 = the GB 11714-1997 organisation code: 8 characters and its check
#                   character, C9 = 11 − MOD(Σ Ci·Wi, 11) with Wi = 3 7 9 10 5 8 4 2, 10 → X, 11 → 0,
#                   letters valued A = 10 … Z = 35 (GB 11714 附录A)
#   position 18     校验码: C18 = 31 − MOD(Σ Ci·Wi, 31), Wi = MOD(3^(i−1), 31), over the code set
#                   0–9 A–H J–N P–R T–U W–Y valued 0–30 (I, O, Z, S, V are never used); 31 → 0
#
# The standard's own example, 91350100M000100Y4?, gives Σ = 1640, MOD 31 = 28 and C18 = 3.
# Only the province of positions 3–8 is checked: a code keeps the division code of the authority that
# issued it for life, and a county's code is retired when the county is renamed or merged.
# Known limit: a few codes issued in early pilot areas (福建, 2015) do not satisfy the check character
# (e.g. 91350211M0000XUF46); GB 32100 calls them invalid and so does this check.

CREDIT_LABEL = "统一社会信用代码"
CREDIT_CODE_SET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_VALUES = {char: value for value, char in enumerate(CREDIT_CODE_SET)}
CREDIT_WEIGHTS = tuple(pow(3, i, 31) for i in range(17))  # 1 3 9 27 19 26 16 17 20 29 25 13 8 24 10 30 28
_CREDIT_NEVER_USED = "IOZSV"
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)  # GB 11714-1997
ORG_VALUES = {**{str(d): d for d in range(10)}, **{chr(ord("A") + i): 10 + i for i in range(26)}}

# GB 32100-2015 表1/表2 as amended by XG1-2016: registration authority → its categories.
CREDIT_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
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
CREDIT_PROVINCES = frozenset({
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


def credit_check_char(first17: str) -> str:
    """The 18th character GB 32100 computes for the first 17."""
    total = sum(_CREDIT_VALUES[c] * w for c, w in zip(first17, CREDIT_WEIGHTS, strict=True))
    return CREDIT_CODE_SET[(31 - total % 31) % 31]


def organisation_check_char(first8: str) -> str:
    """The 9th character of an organisation code (GB 11714-1997) for its first 8."""
    total = sum(ORG_VALUES[c] * w for c, w in zip(first8, ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def _credit_error(message: str, field: str) -> InvalidInput:
    return InvalidInput(f"{CREDIT_LABEL}{message}", field=field)


def _normalised_credit(raw: str) -> str:
    # Full-width letters and digits typed with a Chinese input method are the same characters.
    text = "".join(chr(ord(c) - 0xFEE0) if "！" <= c <= "～" else c for c in raw)
    return "".join(text.split()).upper()


def parse_credit_code(raw: str | None, field: str = "credit_code", *, organisation_check: bool = True) -> CreditCode:
    """The code, checked position by position; the first problem is raised as InvalidInput naming the
    field, the position and the character.

    `organisation_check=False` skips only the GB 11714 check of position 17 and words a wrong 18th
    character as trade-in always has ("校验位不正确"). It is what `validate_credit_code` does by
    default, for trade-in's retailer admission, whose existing data and fixtures were made without
    that check; the projects ask for the full check (projects.credit_code.validate)."""
    code = _normalised_credit(raw or "")
    if not code:
        raise _credit_error("不能为空", field)
    if len(code) != 18:
        raise _credit_error(f"应为18位，实为{len(code)}位", field)
    for position, char in enumerate(code, start=1):
        if char in _CREDIT_NEVER_USED:
            raise _credit_error(f"第{position}位“{char}”不是有效字符（不使用I、O、Z、S、V）", field)
        if char not in _CREDIT_VALUES:
            raise _credit_error(f"第{position}位“{char}”不是有效字符（只能是数字和大写英文字母）", field)
    authority = CREDIT_AUTHORITIES.get(code[0])
    if authority is None:
        known = "、".join(f"{k}（{v[0]}）" for k, v in CREDIT_AUTHORITIES.items())
        raise _credit_error(f"第1位“{code[0]}”不是登记管理部门代码（应为 {known} 之一）", field)
    category = authority[1].get(code[1])
    if category is None:
        known = "、".join(f"{k}（{v}）" for k, v in authority[1].items())
        raise _credit_error(f"第2位“{code[1]}”不是{authority[0]}部门的机构类别代码（应为 {known} 之一）", field)
    _check_credit_division(code, field)
    expected_org = organisation_check_char(code[8:16])
    if organisation_check and code[16] != expected_org:
        raise _credit_error(f"第17位（组织机构代码校验位）应为“{expected_org}”，实为“{code[16]}”", field)
    expected = credit_check_char(code[:17])
    if code[17] != expected:
        wrong = "校验位" if organisation_check else "校验位不正确，"
        raise _credit_error(f"{wrong}应为“{expected}”，实为“{code[17]}”", field)
    return CreditCode(code=code, authority=authority[0], category=category, division_code=code[2:8],
                      organisation_code=code[8:17])


def _check_credit_division(code: str, field: str) -> None:
    for position in range(3, 9):
        char = code[position - 1]
        if not char.isdigit():
            raise _credit_error(f"第{position}位“{char}”应为数字（第3—8位为登记管理机关行政区划码）", field)
    if code[2:4] not in CREDIT_PROVINCES:
        raise _credit_error(f"第3—8位“{code[2:8]}”不是有效的行政区划代码（前两位“{code[2:4]}”不是省级代码）", field)


def validate_credit_code(raw: str | None, field: str = "credit_code", *, organisation_check: bool = False) -> str:
    """The normalised code (upper case, no spaces), or InvalidInput naming the field and the wrong
    character. The default leaves out the GB 11714 check of position 17 (see parse_credit_code)."""
    return parse_credit_code(raw, field, organisation_check=organisation_check).code


def validate_phone(raw: str, field: str = "phone") -> str:
    value = re.sub(r"[\s-]", "", raw)
    if not re.fullmatch(r"1[3-9]\d{9}", value):
        raise InvalidInput("手机号应为11位大陆手机号码", field=field)
    return value
