"""Text pasted from a web page or a PDF, made to look like the document as issued, before any parsing.

Web pages and PDF extracts differ from the issued document in ways that break every later rule:
traditional characters (a 繁體 mirror of the page), half-width punctuation typed by the web editor,
the site's breadcrumbs, 来源/发布时间 line and footer, a PDF's page numbers (— 2 —) and running
header (…人民政府文件) between two halves of a sentence, and paragraphs run together on one line
(…制定本方案。一、主要目标 到2027年…（二）加大…). Each step only acts on what it recognises, so a
document that is already clean (the five seed plans) goes through unchanged.
"""

from __future__ import annotations

import re
from functools import cache

from opencc import OpenCC

CJK = r"\u4e00-\u9fa5"
# Lines a web page or a PDF adds around the document; none of them is part of the plan.
FURNITURE = re.compile(
    r"^\s*(?:[—\-－–]\s*\d{1,3}\s*[—\-－–]|第\s*\d{1,3}\s*页(?:\s*[,，/]?\s*共\s*\d{1,3}\s*页)?|\d{1,3}\s*/\s*\d{1,3}"
    r"|(?:首页|当前位置)\s*[>＞»].*|【(?:打印本页|关闭窗口|打印|关闭|返回顶部|字体[：:].*)】.*"
    r"|.*(?:网站标识码|ICP备|主办单位[：:]|承办单位[：:]|浏览次数[：:]?\s*$).*|扫一扫.*|分享到[：:].*)\s*$"
)
RUNNING_HEADER = re.compile(rf"^\s*[{CJK}]{{2,24}}文件\s*$")
# 来源:德阳市人民政府 发布时间:2024-06-15 → kept as a dated header line the metadata can read.
PUBLISHED = re.compile(r"(?:发布|成文|印发)(?:时间|日期)\s*[:：]\s*"
                       r"((?:19|20)\d\d)\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})")
HALF_TO_FULL = {",": "，", ";": "；", "(": "（", ")": "）", "?": "？", "!": "！"}
INLINE_HEADING = re.compile(r"(?<=[。；;）)])\s*(?=[（(][一二三四五六七八九十]{1,3}[）)])"
                            r"|(?<=[。；;])\s*(?=[一二三四五六七八九十]{1,2}、)")
# 一、工作目标 到2027年…: a heading run into its first paragraph, separated by a space only.
HEADING_THEN_TEXT = re.compile(r"^(\s*(?:[一二三四五六七八九十]{1,2}、|[（(][一二三四五六七八九十]{1,3}[）)])"
                               rf"[{CJK}]{{2,16}})[ \u3000]+(?=\S)")


@cache
def _converter() -> OpenCC:
    return OpenCC("t2s")


def to_simplified(text: str) -> str:
    """Converts only a text written in traditional characters: converting a simplified text would
    change the odd character that has two simplified readings, for nothing."""
    converted = _converter().convert(text)
    cjk = len(re.findall(f"[{CJK}]", text)) or 1
    changed = sum(1 for a, b in zip(text, converted, strict=False) if a != b)
    return converted if len(converted) == len(text) and changed / cjk >= 0.02 else text


def _mostly_half_width(text: str) -> bool:
    half = len(re.findall(rf"(?<=[{CJK}\d%）)]),(?=[{CJK}\d（(])", text))
    full = text.count("，")
    return half > full


def full_width_punctuation(line: str) -> str:
    """, ; ( ) ? ! typed between Chinese characters become their full-width forms; a colon too,
    except inside a time or a ratio (0.8:1)."""
    line = re.sub(rf"(?<=[{CJK}\d%）)])\s*([,;?!])\s*", lambda m: HALF_TO_FULL[m.group(1)], line)
    line = re.sub(rf"(?<![\d])\s*:\s*(?=[{CJK}\d])|(?<=[{CJK}])\s*:\s*", "：", line)
    line = re.sub(rf"\(\s*(?=[{CJK}一二三四五六七八九十])", "（", line)
    return re.sub(rf"(?<=[{CJK}])\s*\)", "）", line)


def _published_line(line: str) -> str | None:
    match = PUBLISHED.search(line)
    return f"发布日期：{match.group(1)}年{int(match.group(2))}月{int(match.group(3))}日" if match else None


def split_run_together(line: str) -> list[str]:
    """…制定本方案。一、主要目标 到2027年… → three lines; （一）…负责）（二）… → one line per heading."""
    out = []
    for part in INLINE_HEADING.split(line):
        head = HEADING_THEN_TEXT.match(part)
        if head and len(part) > head.end():
            out.extend([head.group(1), part[head.end():]])
        else:
            out.append(part)
    return [p for p in out if p.strip()]


def normalise(text: str) -> str:
    text = to_simplified(text.replace("\r\n", "\n").replace("\r", "\n"))
    half = _mostly_half_width(text)
    lines: list[str] = []
    for index, raw in enumerate(text.split("\n")):
        published = _published_line(raw)
        if published:
            lines.append(published)
            continue
        if FURNITURE.match(raw) or (index > 5 and RUNNING_HEADER.match(raw) and lines):
            continue
        line = full_width_punctuation(raw) if half else raw
        # A table row (cells joined by tabs) keeps its shape: its cells may hold several headings.
        lines.extend(split_run_together(line) if line.strip() and "\t" not in line else [line])
    return "\n".join(lines)
