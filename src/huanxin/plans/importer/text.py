"""Character-level helpers shared by every extractor: width folding, Chinese numerals, squeezing.

Government documents mix full-width and half-width punctuation freely (（一） and (一), ，and ,), put
spaces around Arabic numbers ("到 2027 年") and break paragraphs at page ends. Extractors work on a
folded copy of each sentence for matching, but always keep the printed text for the source link.
"""

from __future__ import annotations

import re

# Full-width digits, letters and the punctuation that matters for matching → ASCII.
_FULL_TO_HALF = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}  # ０-９
_FULL_TO_HALF.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULL_TO_HALF.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULL_TO_HALF.update({"％": "%", "．": ".", "：": ":", "＋": "+", "－": "-", "　": " "})
_FOLD = str.maketrans(_FULL_TO_HALF)

CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8,
             "九": 9}
CN_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL = "零〇一二两三四五六七八九十百千万亿"
CN_SMALL = "一二三四五六七八九十"


def fold(text: str) -> str:
    """Full-width digits, letters, % and : become ASCII; nothing else changes, so offsets hold."""
    return text.translate(_FOLD)


def squeeze(text: str) -> str:
    """Drops all whitespace: page layout puts spaces and line breaks inside words and titles."""
    return re.sub(r"\s+", "", text)


def tidy_numbers(text: str) -> str:
    """Removes the spaces that typesetting puts around Arabic numbers and Markdown emphasis
    ("到 2027 年", "**100%**"), which would otherwise split a quantity from its unit."""
    text = text.replace("**", "")
    text = re.sub(r"(?<=[\d%]) +(?=[^\sA-Za-z])", "", text)
    return re.sub(r"(?<=[^\sA-Za-z\d]) +(?=\d)", "", text)


def cn_to_int(numeral: str) -> int | None:
    """二〇二四 → 2024 (digit by digit), 十五 → 15, 一百二十 → 120, 两万 → 20000; None if not a numeral."""
    if not numeral or any(ch not in CN_NUMERAL for ch in numeral):
        return None
    if all(ch in CN_DIGITS for ch in numeral) and len(numeral) > 1:
        return int("".join(str(CN_DIGITS[ch]) for ch in numeral))
    total, section, digit = 0, 0, 0
    for ch in numeral:
        if ch in CN_DIGITS:
            digit = CN_DIGITS[ch]
        elif ch in CN_UNITS:
            section += (digit or 1) * CN_UNITS[ch]
            digit = 0
        elif ch == "万":
            total += (section + digit) * 10_000
            section, digit = 0, 0
        elif ch == "亿":
            total = (total + section + digit) * 100_000_000
            section, digit = 0, 0
    return total + section + digit


def number_value(text: str) -> float | None:
    """An Arabic or Chinese number as printed: "1.8", "2636", "一", "两", "十五"."""
    folded = fold(text).replace(",", "")
    try:
        return float(folded)
    except ValueError:
        value = cn_to_int(text)
        return float(value) if value is not None else None


def sentences(text: str) -> list[str]:
    """Splits at 。；; and !? but never inside brackets or quotes, where a unit list or a cited
    title may contain its own semicolons."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "（(〔[【《“":
            depth += 1
        elif ch in "）)〕]】》”" and depth:
            depth -= 1
        elif ch in "。；;！？!?" and depth == 0:
            out.append(text[start:i + 1])
            start = i + 1
    if text[start:].strip():
        out.append(text[start:])
    return [s for s in out if s.strip()]


def clauses(sentence: str) -> list[tuple[int, str]]:
    """Comma clauses of a sentence with their offsets; commas inside brackets do not split."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(sentence):
        if ch in "（(〔[【《“":
            depth += 1
        elif ch in "）)〕]】》”" and depth:
            depth -= 1
        elif ch in "，,：:" and depth == 0:
            out.append((start, sentence[start:i]))
            start = i + 1
    out.append((start, sentence[start:]))
    return [(o, c) for o, c in out if c.strip()]


def strip_terminal(text: str) -> str:
    return text.strip().rstrip("。；;，,：: ")
