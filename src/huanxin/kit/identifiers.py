"""Validation of the identifiers residents, vehicles and banks use, by their national standards."""

from __future__ import annotations

import datetime as dt
import re

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


def validate_bank_card(raw: str, field: str = "bank_card") -> str:
    value = re.sub(r"\s+", "", raw)
    if not value.isdigit() or not 16 <= len(value) <= 19:
        raise InvalidInput("银行卡号应为16至19位数字", field=field)
    if not luhn_ok(value):
        raise InvalidInput("银行卡号校验不通过（Luhn），请核对", field=field)
    return value


# GB 32100-2015: unified social credit code, 18 characters with a mod-31 check character.
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def credit_check_char(first17: str) -> str:
    total = sum(_CREDIT_CHARS.index(c) * w for c, w in zip(first17, _CREDIT_WEIGHTS, strict=True))
    return _CREDIT_CHARS[(31 - total % 31) % 31]


def validate_credit_code(raw: str, field: str = "credit_code") -> str:
    value = raw.strip().upper()
    if len(value) != 18 or any(c not in _CREDIT_CHARS for c in value):
        raise InvalidInput("统一社会信用代码应为18位（不含 I、O、Z、S、V）", field=field)
    if credit_check_char(value[:17]) != value[17]:
        raise InvalidInput("统一社会信用代码校验位不正确", field=field)
    return value


def validate_phone(raw: str, field: str = "phone") -> str:
    value = re.sub(r"[\s-]", "", raw)
    if not re.fullmatch(r"1[3-9]\d{9}", value):
        raise InvalidInput("手机号应为11位大陆手机号码", field=field)
    return value
