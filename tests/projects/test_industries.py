"""GB/T 4754-2017: the shipped table's levels and the lookups forms and sheets use."""

from __future__ import annotations

from collections import Counter

import pytest

from huanxin.errors import InvalidInput
from huanxin.projects import industries


def test_the_table_holds_every_level_of_the_standard() -> None:
    levels = Counter(i.level for i in industries.table().values())
    assert levels == {"section": 20, "division": 97, "group": 473, "class": 1381}
    sections = [i.code for i in industries.children(None)]
    assert sections == list("ABCDEFGHIJKLMNOPQRST")
    for item in industries.table().values():
        if item.parent is not None:
            assert item.parent in industries.table(), item
            assert item.code.startswith(item.parent[:1])


def test_names_by_code_at_each_level_typed_as_people_type_them() -> None:
    assert industries.industry_name("C") == "制造业"
    assert industries.industry_name("38") == "电气机械和器材制造业"
    assert industries.industry_name("381") == "电机制造"
    assert industries.industry_name("3812") == "电动机制造"
    assert industries.industry_name("c 3812") == "电动机制造"
    assert industries.industry_name("C3812") == "电动机制造"
    # a 中类 the standard does not subdivide shares its only 小类's name
    assert industries.industry_name("061") == industries.industry_name("0610") == "烟煤和无烟煤开采洗选"
    assert industries.industry_name("9999") == "9999"  # unknown: shown as typed, never blank


def test_validate_gives_the_stored_form_or_a_chinese_error_naming_the_field() -> None:
    assert industries.validate_industry("3812") == "C3812"
    assert industries.validate_industry("4416") == "D4416"
    with pytest.raises(InvalidInput) as caught:
        industries.validate_industry("3819X")
    assert caught.value.field == "industry_code"
    assert "“3819X”不是GB/T 4754-2017国民经济行业分类代码" in caught.value.message
    with pytest.raises(InvalidInput) as empty:
        industries.validate_industry(" ")
    assert "“所属行业”不能为空" in empty.value.message
    with pytest.raises(InvalidInput) as letter:
        industries.validate_industry("B3812")  # 38 belongs to C, not B
    assert "B3812" in letter.value.message
    with pytest.raises(InvalidInput) as coarse:
        industries.validate_industry("381", finest=True)
    assert "请填写到小类" in coarse.value.message


def test_search_by_name_words_or_code_prefix() -> None:
    names = [i.name for i in industries.search_industries("电动机")]
    assert "电动机制造" in names
    assert [i.code for i in industries.search_industries("3812")] == ["C3812"]
    by_prefix = industries.search_industries("C381")
    assert {i.code for i in by_prefix} == {"C381", "C3811", "C3812", "C3813", "C3819"}
    assert industries.search_industries("") == []
    assert all("锅炉" in i.name for i in industries.search_industries("锅炉"))
