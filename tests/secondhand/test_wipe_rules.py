"""The GB 46864—2025 rules as a dealer meets them: what is refused (and which field it names), what
passes, how long records are kept and how the certificate cites the standard."""

from __future__ import annotations

import datetime as dt

import pytest

from huanxin.secondhand import credit
from huanxin.secondhand.wipe_rules import WipeFacts, keep_until, refusal, standard_citation


def facts(method: str, passes: int, random: bool, media: str) -> WipeFacts:
    return WipeFacts(method=method, passes=passes, includes_random_pass=random, media_type=media)


def test_one_pass_on_a_magnetic_disk_is_refused_naming_passes() -> None:
    found = refusal(facts("overwrite", 1, True, "magnetic"))
    assert found is not None and found.field == "passes"
    assert "磁介质须至少覆写3遍且含1遍随机数据" in found.reason


def test_three_passes_without_a_random_one_are_refused() -> None:
    found = refusal(facts("overwrite", 3, False, "magnetic"))
    assert found is not None and found.field == "includes_random_pass"


@pytest.mark.parametrize("method", ["block_erase", "crypto_erase"])
def test_a_magnetic_disk_needs_overwrite_or_destruction(method: str) -> None:
    found = refusal(facts(method, 0, False, "magnetic"))
    assert found is not None and found.field == "method"


@pytest.mark.parametrize(("method", "passes"), [("block_erase", 0), ("overwrite", 1), ("destruction", 0)])
def test_flash_passes_with_block_erase_one_overwrite_or_destruction(method: str, passes: int) -> None:
    assert refusal(facts(method, passes, False, "flash")) is None


def test_flash_overwrite_of_zero_passes_and_crypto_erase_are_refused() -> None:
    assert refusal(facts("overwrite", 0, False, "flash")).field == "passes"  # type: ignore[union-attr]
    crypto = refusal(facts("crypto_erase", 0, False, "flash"))
    assert crypto is not None and crypto.field == "method" and "密码擦除" in crypto.reason


def test_three_passes_with_random_and_destruction_pass_on_magnetic() -> None:
    assert refusal(facts("overwrite", 3, True, "magnetic")) is None
    assert refusal(facts("destruction", 0, False, "magnetic")) is None


def test_other_media_get_the_strictest_rule() -> None:
    assert refusal(facts("block_erase", 0, False, "other")) is not None
    assert refusal(facts("overwrite", 3, True, "other")) is None


def test_records_are_kept_three_years_and_29_february_never_shortens_it() -> None:
    assert keep_until(dt.date(2026, 11, 20)) == dt.date(2029, 11, 20)
    assert keep_until(dt.date(2028, 2, 29)) == dt.date(2031, 3, 1)


def test_the_certificate_cites_the_standard_by_reference_before_2027() -> None:
    assert standard_citation(dt.date(2026, 12, 31)) == "参照 GB 46864—2025（2027年1月1日起实施）"
    assert standard_citation(dt.date(2027, 1, 1)) == "依据 GB 46864—2025"


def test_credit_score_formula_and_its_floor() -> None:
    assert credit.score_of(0, 0, 0) == 100
    assert credit.score_of(2, 1, 3) == 100 - 10 - 10 - 9
    assert credit.score_of(30, 0, 0) == 0
    assert "100 − 5×投诉次数 − 10×核验失败次数 − 3×清除记录被拒次数" in credit.FORMULA
