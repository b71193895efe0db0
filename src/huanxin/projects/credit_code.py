"""The unified social credit code (统一社会信用代码) of an enterprise, by GB 32100-2015: the projects'
names for the one check in `huanxin.kit.identifiers` (trade-in's retailers go through the same
function), where the standard's parts, tables and worked example are written down.

    validate(raw, field)  → the normalised code, or InvalidInput naming the field and the character
    parse(raw, field)     → CreditCode with its authority, category, division and organisation code
    complete(first17)     → the full code (test and demo data)"""

from __future__ import annotations

from huanxin.kit.identifiers import CREDIT_AUTHORITIES as AUTHORITIES
from huanxin.kit.identifiers import CREDIT_CODE_SET as CODE_SET
from huanxin.kit.identifiers import CREDIT_LABEL as LABEL
from huanxin.kit.identifiers import CREDIT_PROVINCES as PROVINCES
from huanxin.kit.identifiers import CREDIT_WEIGHTS as WEIGHTS
from huanxin.kit.identifiers import ORG_VALUES, ORG_WEIGHTS, CreditCode, organisation_check_char, validate_credit_code
from huanxin.kit.identifiers import credit_check_char as check_char
from huanxin.kit.identifiers import parse_credit_code as parse

__all__ = ["AUTHORITIES", "CODE_SET", "LABEL", "ORG_VALUES", "ORG_WEIGHTS", "PROVINCES", "WEIGHTS", "CreditCode",
           "check_char", "complete", "organisation_check_char", "parse", "validate"]


def validate(raw: str | None, field: str = "credit_code") -> str:
    """The normalised code, every part checked (the organisation code's own check character too)."""
    return validate_credit_code(raw, field, organisation_check=True)


def complete(first17: str) -> str:
    """The full code for 17 characters (test data, demo data)."""
    return first17 + check_char(first17)
