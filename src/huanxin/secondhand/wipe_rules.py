"""The data-wiping rules a record must pass before a device may be resold, pure.

Source: GB 46864—2025《数据安全技术 电子产品信息清除技术要求》, released 2025-12-02, mandatory from
2027-01-01 (../shared/reference/recycling-facts.md, "Second-hand and data wiping"):
- magnetic media: at least 3 overwrite passes, one of them random data;
- flash media: at least 1 overwrite pass, or a block erase;
- destruction of the medium always satisfies;
- the erasure is verified before resale, and the records are kept at least 3 years.

Before 2027-01-01 the standard is not yet mandatory; the platform applies it anyway (its own
policy) and the certificate says it was followed by reference (`standard_citation`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

STANDARD = "GB 46864—2025"
IN_FORCE = dt.date(2027, 1, 1)
KEEP_YEARS = 3
MAGNETIC_MIN_PASSES = 3
FLASH_MIN_PASSES = 1

METHODS: dict[str, str] = {
    "overwrite": "覆写",
    "block_erase": "块擦除",
    "crypto_erase": "密码擦除",
    "destruction": "物理销毁",
}
MEDIA: dict[str, str] = {
    "magnetic": "磁介质（机械硬盘等）",
    "flash": "闪存介质（手机存储、固态硬盘等）",
    "other": "其他介质",
}


@dataclass(frozen=True)
class Refusal:
    field: str
    reason: str


@dataclass(frozen=True)
class WipeFacts:
    method: str
    passes: int
    includes_random_pass: bool
    media_type: str


def _magnetic(facts: WipeFacts) -> Refusal | None:
    if facts.method != "overwrite":
        return Refusal("method", f"磁介质须覆写（至少{MAGNETIC_MIN_PASSES}遍且含1遍随机数据）或物理销毁，"
                                 f"不接受{METHODS[facts.method]}（{STANDARD}）")
    if facts.passes < MAGNETIC_MIN_PASSES:
        return Refusal("passes", f"磁介质须至少覆写{MAGNETIC_MIN_PASSES}遍且含1遍随机数据（{STANDARD}），"
                                 f"本记录仅{facts.passes}遍")
    if not facts.includes_random_pass:
        return Refusal("includes_random_pass", f"磁介质须至少覆写{MAGNETIC_MIN_PASSES}遍且含1遍随机数据"
                                               f"（{STANDARD}），本记录未含随机数据覆写")
    return None


def _flash(facts: WipeFacts) -> Refusal | None:
    if facts.method == "block_erase":
        return None
    if facts.method == "overwrite":
        if facts.passes < FLASH_MIN_PASSES:
            return Refusal("passes", f"闪存介质须至少覆写{FLASH_MIN_PASSES}遍或块擦除（{STANDARD}）")
        return None
    # Cryptographic erase: the facts we hold on GB 46864—2025 name overwrite and block erase for
    # flash and nothing else, so the platform does not accept it until the standard's text says so.
    return Refusal("method", f"闪存介质须覆写至少{FLASH_MIN_PASSES}遍或块擦除（{STANDARD}）；"
                             "密码擦除未列入本平台依据的清除方法，请改用块擦除、覆写或物理销毁")


def _other(facts: WipeFacts) -> Refusal | None:
    # The standard's rules as we hold them speak of magnetic and flash media only: for any other
    # medium the platform asks for the strictest of them (the magnetic rule) or destruction.
    found = _magnetic(facts)
    if found is None:
        return None
    return Refusal(found.field, "其他介质按最严格要求处理：" + found.reason)


def refusal(facts: WipeFacts) -> Refusal | None:
    """Why a wipe record fails the rules (the field to correct and the reason in Chinese), or None."""
    if facts.method not in METHODS:
        return Refusal("method", "请选择清除方法")
    if facts.media_type not in MEDIA:
        return Refusal("media_type", "请选择存储介质类型")
    if facts.passes < 0 or facts.passes > 99:
        return Refusal("passes", "覆写遍数应为0至99")
    if facts.method == "destruction":
        return None
    if facts.media_type == "magnetic":
        return _magnetic(facts)
    if facts.media_type == "flash":
        return _flash(facts)
    return _other(facts)


def keep_until(wiped_on: dt.date) -> dt.date:
    """The first day the record may be discarded: at least 3 years after the wipe (29 February
    moves to 1 March, never earlier)."""
    try:
        return wiped_on.replace(year=wiped_on.year + KEEP_YEARS)
    except ValueError:
        return dt.date(wiped_on.year + KEEP_YEARS, 3, 1)


def standard_citation(wiped_on: dt.date) -> str:
    """How the certificate cites the standard: followed by reference before it is in force."""
    if wiped_on < IN_FORCE:
        return f"参照 {STANDARD}（2027年1月1日起实施）"
    return f"依据 {STANDARD}"
