"""Plan metadata from the notice and the preamble: title, issuer, 文号, date, status, and the
higher-level documents the plan implements."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from huanxin.plans.importer.layout import PLAN_SUFFIX, Layout
from huanxin.plans.importer.text import cn_to_int, fold, squeeze

# 资府发〔2024〕7号, 国办发[2024]12号, 潍政字（2024）14号: the bracket varies with the typesetter.
DOC_NUMBER = re.compile(r"[\u4e00-\u9fa5]{1,10}[〔\[［【(（]\s*(?:19|20)\d\d\s*[〕\]］】)）]\s*第?\s*\d{1,4}\s*号")
DATE = re.compile(r"((?:19|20)\d\d)\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
CN_DATE = re.compile(r"([二〇零一三四五六七八九]{4})年([一二三四五六七八九十]{1,3})月([一二三四五六七八九十]{1,3})日")
STATUSES = ("征求意见稿", "送审稿", "讨论稿", "草案", "试行")
ISSUER_TAIL = (r"(?:人民政府办公室|人民政府办公厅|人民政府|办公室|办公厅|委员会|管理委员会|管委会|工作领导小组"
               r"|发展和改革委员会)")
RULE_SENTENCE = re.compile(r"((?:逗号前|顿号前|排在首位的|排在第一位的|第一个|排名第一的|加粗的?)"
                           r"(?:单位)?为牵头单位[^。；;）)〕]*)")
IMPLEMENTERS = re.compile(r"不再单独列出|不再一一列出|不再逐一列出|不再重复列出|不再列出")
NOTE_START = re.compile(r"各项任务|以下|上述|所有任务|全部任务")


@dataclass
class Metadata:
    title: str
    issuer: str
    doc_number: str | None = None
    issued_on: dt.date | None = None
    status: str = "印发"
    implements: list[str] = field(default_factory=list)
    responsibility_rule: str | None = None
    implementers_note: str | None = None
    city_name: str | None = None
    source_block: int | None = None
    uncertain: list[str] = field(default_factory=list)  # fields read from weak evidence or guessed


def _not_title(part: str) -> bool:
    """Header lines that are never part of the title: the issuer, the 文号, a date, the notice's
    addressees and sentences."""
    return bool(re.fullmatch(r"[\u4e00-\u9fa5]{2,24}" + ISSUER_TAIL + "(?:文件)?", part)
                or DOC_NUMBER.fullmatch(part) or _date(part) and len(part) <= 24
                or re.search(r"现将|印发给|[：:]$|[。]", part))


def _title(layout: Layout) -> str:
    if layout.title_hint:
        return squeeze(layout.title_hint)
    acc = ""
    for block in layout.header:
        part = squeeze(block.text)
        if part.startswith(("（", "(")):  # a status or period line inside a title: skipped, as before
            continue
        if _not_title(part):
            acc = ""
            continue
        acc += part
        if re.search(PLAN_SUFFIX + r"$", acc):
            return acc
        if len(acc) > 60:
            acc = ""
    return acc or "未识别标题的方案"


def _doc_number(layout: Layout) -> str | None:
    for block in layout.header:
        match = DOC_NUMBER.search(block.text)
        if match:
            return re.sub(r"\s+", "", match.group(0))
    return None


def _date(text: str) -> dt.date | None:
    match = DATE.search(fold(text))
    if match:
        year, month, day = (int(g) for g in match.groups())
    else:
        cn = CN_DATE.search(text)
        if not cn:
            return None
        year, month, day = (cn_to_int(g) or 0 for g in cn.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _signature(layout: Layout) -> tuple[str | None, dt.date | None]:
    """The issuer and date printed at the foot of the notice: a line ending in 人民政府(办公室)
    directly above a date line. Without a notice, the date may close the whole document."""
    header = [b.text.strip() for b in layout.header]
    for i, line in enumerate(header):
        date = _date(line) if len(line) <= 20 and not line.startswith("发布日期") else None
        if date is None:
            continue
        above = next((h for h in reversed(header[:i]) if h), "")
        issuer = squeeze(above) if re.search(ISSUER_TAIL + r"$", squeeze(above)) else None
        return issuer, date
    return None, None


def _foot_signature(layout: Layout) -> tuple[str | None, dt.date | None]:
    """A plan published without a notice is signed at its foot: the issuer's line, then the date."""
    tail = [squeeze(b.text) for b in layout.body[-4:]]
    for i in range(len(tail) - 1, 0, -1):
        date = _date(tail[i]) if len(tail[i]) <= 24 else None
        if date is not None:
            above = tail[i - 1]
            return (above if re.fullmatch(r"[\u4e00-\u9fa5]{2,30}" + ISSUER_TAIL, above) else None), date
    return None, None


def _header_date(layout: Layout) -> dt.date | None:
    """A date printed alone in the header (a web page's 发布日期), when nothing is signed."""
    for block in layout.header:
        text = squeeze(block.text)
        if len(text) <= 24 and (date := _date(text)) is not None:
            return date
    return None


def _issuer_from_header(layout: Layout) -> str | None:
    for block in layout.header[:8]:
        text = squeeze(block.text)
        text = re.sub(r"文件$", "", text)
        if re.fullmatch(r"[\u4e00-\u9fa5]{2,30}" + ISSUER_TAIL, text):
            return text
        # 河南省人民政府关于印发…的通知: the issuer opens the notice's title line.
        notice = re.match(r"^([\u4e00-\u9fa5]{2,30}" + ISSUER_TAIL + ")关于", text)
        if notice:
            return notice.group(1)
    return None


def city_name_of(title: str) -> str | None:
    # 达州市 and not 达州: a division's suffix may itself be followed by the next level's.
    match = re.match(r"^([\u4e00-\u9fa5]{1,8}?(?:自治州|地区|盟|市|州|县|区|旗))(?![市县区])", title)
    return match.group(1) if match else None


def _status(layout: Layout) -> str:
    # （征求意见稿） printed under the title opens the body.
    under_title = [b.text for b in layout.body[:1] if re.fullmatch(r"\s*[（(][^）)]{2,8}[）)]\s*", b.text)]
    head = "".join(squeeze(t) for t in [*(b.text for b in layout.header[:12]), *under_title])
    return next((s for s in STATUSES if s in head), "印发")


def _preamble(layout: Layout) -> str:
    for block in layout.body[:3]:
        if re.match(r"^(为|根据|按照)", block.text):
            return block.text
    return ""


def _implements(preamble: str) -> list[str]:
    """Cited titles 《…》 with their 文号 in brackets, and bare 文号, in the order cited."""
    cited: list[str] = []
    pattern = re.compile(r"(《[^》]+》\s*(?:[（(][^）)]*?号[）)])?)|" + DOC_NUMBER.pattern)
    for match in pattern.finditer(preamble):
        item = re.sub(r"\s+", "", match.group(0))
        if not any(item in c for c in cited):
            cited.append(item)
    return cited


def _rule_and_note(layout: Layout) -> tuple[str | None, str | None]:
    rule = note = None
    for block in [*layout.body, *[b for z in layout.attachments for b in z.blocks]]:
        if rule is None and (m := RULE_SENTENCE.search(block.text)):
            rule = m.group(1).strip("，, ")
        if note is None and (n := IMPLEMENTERS.search(block.text)):
            note = implementers_note_at(block.text, n.start(), n.end())
        if rule and note:
            break
    return rule, note


def implementers_note_at(text: str, start: int, end: int) -> str:
    """The sentence that says every county carries the tasks out, from its own opening words
    (各项任务…/以下均需…) to 不再单独列出."""
    before = text[:start]
    cut = max(before.rfind(ch) for ch in "。；;〔【")
    sentence = text[cut + 1:end]
    opening = NOTE_START.search(sentence)
    return (sentence[opening.start():] if opening else sentence).strip("，,。 ")


def extract(layout: Layout) -> Metadata:
    title = _title(layout)
    signed_by, signed_on = _signature(layout)
    if signed_by is None and signed_on is None:
        signed_by, signed_on = _foot_signature(layout)
    uncertain = []
    if signed_on is None:
        signed_on = _header_date(layout)
        uncertain.append("issued_on")  # a publication date, or none: not the date signed
    issuer = signed_by or _issuer_from_header(layout)
    city = city_name_of(title)
    if title == "未识别标题的方案":
        uncertain.append("title")
    if issuer is None:
        # A draft without a notice still speaks as the city government (以"我市"口吻): a guess, shown as one.
        issuer = f"{city}人民政府" if city else "未识别发文机关"
        uncertain.append("issuer")
    rule, note = _rule_and_note(layout)
    return Metadata(
        title=title, issuer=issuer, doc_number=_doc_number(layout), issued_on=signed_on, status=_status(layout),
        implements=_implements(_preamble(layout)), responsibility_rule=rule, implementers_note=note,
        city_name=city, source_block=layout.header[0].id if layout.header else None, uncertain=uncertain,
    )
