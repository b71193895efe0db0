"""统一社会信用代码 (GB 32100-2015): every part checked, each error naming the character."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from huanxin.errors import InvalidInput
from huanxin.projects import credit_code as cc

# GB 32100-2015's own worked example: Σ = 1640, MOD 31 = 28, check character 3.
STANDARD_EXAMPLE = "91350100M000100Y43"


def make(head: str = "91512002", body: str = "MA62T7K1") -> str:
    """A code in the real format: authority, category and division, an organisation code with its
    GB 11714 check character, and the GB 32100 check character."""
    first17 = head + body + cc.organisation_check_char(body)
    return cc.complete(first17)


def message(raw: str) -> str:
    with pytest.raises(InvalidInput) as caught:
        cc.validate(raw)
    assert caught.value.field == "credit_code"
    return caught.value.message


def test_the_standards_worked_example_passes_and_its_parts_read() -> None:
    parsed = cc.parse(STANDARD_EXAMPLE)
    assert (parsed.authority, parsed.category, parsed.division_code) == ("工商", "企业", "350100")
    assert parsed.organisation_code == "M000100Y4"
    assert cc.WEIGHTS == (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def test_the_examples_wrong_check_character_is_named_with_the_right_one() -> None:
    # (the standard's text shows Z, a letter the code set itself excludes)
    assert message("91350100M000100Y4Z") == "统一社会信用代码第18位“Z”不是有效字符（不使用I、O、Z、S、V）"
    assert message("91350100M000100Y4Y") == "统一社会信用代码校验位应为“3”，实为“Y”"


def test_codes_made_in_the_real_format_pass_also_typed_loosely() -> None:
    code = make()
    assert cc.validate(code) == code
    assert cc.validate(" " + code.lower()[:9] + " " + code[9:] + " ") == code
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in code)
    assert cc.validate(full_width) == code
    assert cc.parse(make("52512002", "50123456")).category == "民办非企业单位"
    assert cc.parse(make("12100000", "40000301")).authority == "机构编制"


@pytest.mark.parametrize("letter", list("IOZSV"))
def test_a_letter_never_used_is_named_with_its_position(letter: str) -> None:
    code = make()
    bad = code[:4] + letter + code[5:]
    assert message(bad) == f"统一社会信用代码第5位“{letter}”不是有效字符（不使用I、O、Z、S、V）"


def test_length_empty_and_foreign_characters() -> None:
    assert message("") == "统一社会信用代码不能为空"
    assert message(make()[:17]) == "统一社会信用代码应为18位，实为17位"
    foreign = make()[:10] + "#" + make()[11:]
    assert message(foreign) == "统一社会信用代码第11位“#”不是有效字符（只能是数字和大写英文字母）"


def test_unknown_authority_and_category() -> None:
    assert "第1位“B”不是登记管理部门代码" in message(cc.complete("B1512002" + "MA62T7K1" + "0"))
    assert message(make("94512002")) == ("统一社会信用代码第2位“4”不是工商部门的机构类别代码"
                                         "（应为 1（企业）、2（个体工商户）、3（农民专业合作社） 之一）")


def test_the_division_must_be_digits_of_a_province() -> None:
    assert message(make("915120A2")) == "统一社会信用代码第7位“A”应为数字（第3—8位为登记管理机关行政区划码）"
    assert message(make("91992002")) == ("统一社会信用代码第3—8位“992002”不是有效的行政区划代码"
                                         "（前两位“99”不是省级代码）")


def test_the_organisation_codes_own_check_character_gb11714() -> None:
    body = "MA62T7K1"
    right = cc.organisation_check_char(body)
    wrong = "0" if right != "0" else "1"
    code = cc.complete("91512002" + body + wrong)  # the 18th is right for the wrong 17th
    assert message(code) == f"统一社会信用代码第17位（组织机构代码校验位）应为“{right}”，实为“{wrong}”"
    # GB 11714 values letters A=10 … Z=35 over the whole alphabet: 全聚德 10162374-1
    assert cc.organisation_check_char("10162374") == "1"
    assert cc.organisation_check_char("M0001TGQ") == "X"


def test_a_wrong_check_character_names_both() -> None:
    code = make()
    other = next(c for c in cc.CODE_SET if c != code[17])
    assert message(code[:17] + other) == f"统一社会信用代码校验位应为“{code[17]}”，实为“{other}”"


@given(st.text(alphabet=cc.CODE_SET, min_size=8, max_size=8), st.sampled_from(["91", "92", "93", "51", "Y1"]))
def test_every_made_code_passes_and_any_single_change_of_the_last_is_refused(body: str, head: str) -> None:
    code = make(head + "512002", body)
    assert cc.validate(code) == code
    for other in cc.CODE_SET:
        if other != code[17]:
            with pytest.raises(InvalidInput):
                cc.validate(code[:17] + other)


# ---- one check for every domain -----------------------------------------------------------------

def test_trade_ins_check_is_the_same_one_naming_the_wrong_part() -> None:
    """kit.identifiers.validate_credit_code (trade-in's retailers) reads the same parts: a code with
    a right 18th character but no registration authority at position 1 was accepted before."""
    from huanxin.kit.identifiers import validate_credit_code

    first17 = "01512000" + "MA62T7K1" + cc.organisation_check_char("MA62T7K1")
    code = cc.complete(first17)
    for check in (validate_credit_code, cc.validate):
        with pytest.raises(InvalidInput) as caught:
            check(code, "credit_code")
        assert caught.value.field == "credit_code"
        assert caught.value.message.startswith("统一社会信用代码第1位“0”不是登记管理部门代码")
    good = make()
    assert validate_credit_code(" " + good.lower() + " ") == cc.validate(good) == good


def test_only_the_projects_read_the_organisation_codes_own_check_character() -> None:
    from huanxin.kit.identifiers import validate_credit_code

    body = "MA62T7K1"
    right = cc.organisation_check_char(body)
    wrong = "0" if right != "0" else "1"
    code = cc.complete("91512002" + body + wrong)
    assert validate_credit_code(code) == code  # trade-in: position 17 not checked yet
    assert "第17位（组织机构代码校验位）" in message(code)
    with pytest.raises(InvalidInput) as caught:
        validate_credit_code(code[:17] + ("0" if code[17] != "0" else "1"), "credit_code")
    assert "统一社会信用代码校验位不正确，应为" in caught.value.message
