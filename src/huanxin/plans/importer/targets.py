"""Quantified targets, wherever they stand: the goals section, the body, the attachments.

A target is a quantity with a unit (25%, 1.8万辆, 15个百分点, 0.8:1, 一倍) that the text commits to:
it has a target year, a comparator (以上, 超过, 不低于, 左右, 约 …), 力争/确保, 每年/累计, a baseline
(较2023年增长…), or it sits in the goals section. Quantities that only describe (使用时间超过10年,
每部补助10万元, a 文号) are not targets. Each target keeps the clause it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from huanxin.plans.importer import indicators
from huanxin.plans.importer.layout import Block
from huanxin.plans.importer.tasks import heading
from huanxin.plans.importer.text import cn_to_int, fold, number_value, sentences

UNITS = ("个百分点", "百分点", "台（套）", "台(套)", "万平方米", "平方米", "千瓦时", "千瓦", "兆瓦", "公里", "千米",
         "亿元",
         "万元", "万吨", "人次", "%", "‰", "倍", "吨", "辆", "台", "套", "部", "座", "个", "所", "家", "场", "户", "处",
         "项", "条", "次", "张", "栋", "幢", "盏", "名", "艘", "架", "亩", "元", "米")
# A magnitude followed by these stays part of the unit (40亿元 → 40 亿元); otherwise it multiplies (1.8万辆 → 18000 辆).
COMPOUND_UNITS = ("亿元", "万元", "万吨", "万平方米", "万千瓦", "亿千瓦时", "万千瓦时", "万亩", "万人次")
NUMBER = re.compile(r"(?<![\d.A-Za-z〔\[])(\d+(?:\.\d+)?)(?![\d.])")
CN_NUMBER = re.compile(r"([一二两三四五六七八九十百千]+)(?=个?百分点|倍|番)")
# 不少于六场 / 达到十个: a Chinese numeral counts only right after a comparator, where it cannot be
# part of a word (一批, 三级, 四大行动).
CN_COUNT = re.compile(r"(?:不少于|不低于|达到|超过|突破|完成|建成)([一二两三四五六七八九十百千]+)")
PERCENT_WORDS = re.compile(r"百分之([一二两三四五六七八九十百零〇点]+|\d+(?:\.\d+)?)")
PRE_COMPARATORS = ("不低于", "不少于", "不超过", "超过", "达到", "高于", "低于", "突破", "约")
POST_COMPARATORS = ("及以上", "以上", "以内", "以下", "左右")
YEAR = re.compile(r"(?<![较比与从自])(?:到|至|在|于|力争到|力争)?((?:19|20)\d\d)年(?:底|末|前|年底)?(?![版度])")
BASELINE = re.compile(r"(?:较|比|相比|对比)((?:19|20)\d\d)年(?:底|末)?")
CHANGE_VERBS = re.compile(r"(?:增长|提高|提升|增加|上升|扩大|下降|降低|减少)了?约?$")
ALL_OF = re.compile(r"全部(?=[\u4e00-\u9fa5]{0,3}(?:退出|完成|采用|达到|淘汰|实现|纳入|接入|覆盖))|全覆盖")
COMMITTED = re.compile(r"确保|力争|原则上")
SUBSIDY = re.compile(r"补助|补贴|奖励|奖补|贴息|资助|给予")
QUALITATIVE = re.compile(r"(?:基本|大幅|明显|显著|进一步|持续|全面|稳步)"
                         r"(?:达到|提升|提高|建立|建成|增强|改善|淘汰|健全|完善|形成)")
# 4大行动、17个工程、55项具体任务: the plan counting its own parts, not a target.
PLAN_PART = re.compile(r"(?:具体|重点|主要|专项|攻坚|配套)?(?:任务|举措|措施|(?:行动|工程|方面|板块|篇章)"
                       r"(?=$|[、，,。；;和及]))")
PLAN_PART_CUE = re.compile(r"实施|部署|围绕|通过|包括|涵盖|提出|明确|聚焦")
PLAN_PARTS_LISTED = re.compile(r"\d+(?:大|项|个|条)" + PLAN_PART.pattern)


def _counts_plan_parts(sentence: str, q: Quantity, clause: str) -> bool:
    """55项具体任务 is the plan counting its tasks; 17个工程 only beside another such count (4大行动、…),
    since 实施10个重点工程 alone may well be a target."""
    part = PLAN_PART.match(sentence, q.end)
    if part is None or not PLAN_PART_CUE.search(clause):
        return False
    return bool(re.search(r"任务|举措|措施|篇章|方面", part.group(0))) or len(PLAN_PARTS_LISTED.findall(clause)) >= 2
ENUMERATION_COUNT = re.compile(r"、[^，,。；]{1,20}?等?$")


@dataclass
class Quantity:
    start: int  # offset in the sentence
    end: int
    value: float
    unit: str
    pre: str | None = None
    post: str | None = None
    ratio: bool = False


@dataclass
class Found:
    indicator: str | None
    indicator_name: str | None
    score: float
    proposed: tuple[str, str] | None
    year: int
    kind: str
    value: float
    unit: str
    comparator: str | None
    aspirational: bool
    baseline_year: int | None
    cumulative: bool
    annual: bool
    section: str
    text: str
    block: int
    subject: str = ""


@dataclass
class Context:
    horizon: int  # target year when the text gives none: the plan's last goal year
    first_year: int  # the year a 每年 target starts applying
    default_baseline: int
    found: list[Found] = field(default_factory=list)
    qualitative: list[tuple[int | None, str, int]] = field(default_factory=list)


def _unit_at(text: str, pos: int) -> tuple[str, str | None, int] | None:
    """(unit, magnitude, end) of the unit printed at pos, if one is."""
    magnitude = None
    if pos < len(text) and text[pos] in "万亿千":
        for compound in COMPOUND_UNITS:
            if text.startswith(compound, pos):
                return compound, None, pos + len(compound)
        magnitude, pos = text[pos], pos + 1
    for unit in UNITS:
        if text.startswith(unit, pos):
            if unit == "个" and text.startswith("个百分点", pos):
                continue
            return unit, magnitude, pos + len(unit)
    return None


def _quoted_spans(text: str) -> list[tuple[int, int]]:
    spans = []
    for open_, close in (("“", "”"), ("《", "》"), ("〔", "〕"), ("\"", "\"")):
        for match in re.finditer(re.escape(open_) + r"[^" + re.escape(close) + r"]*" + re.escape(close), text):
            spans.append((match.start(), match.end()))
    return spans


def _percent_words(sentence: str) -> str:
    """百分之十二 → 12%, 百分之3.5 → 3.5%: rewritten in place so the number parser reads it."""
    def digits(match: re.Match[str]) -> str:
        raw = match.group(1)
        if re.fullmatch(r"\d+(?:\.\d+)?", raw):
            return raw + "%"
        whole, _, frac = raw.partition("点")
        value = cn_to_int(whole) or 0
        tail = "".join(str(cn_to_int(c) or 0) for c in frac)
        return f"{value}{'.' + tail if tail else ''}%"
    return PERCENT_WORDS.sub(digits, sentence)


def quantities(sentence: str) -> list[Quantity]:
    """Every quantity with a unit in a (folded) sentence, in order."""
    out: list[Quantity] = []
    quoted = _quoted_spans(sentence)
    for match in NUMBER.finditer(sentence):
        start, end = match.span()
        if any(a <= start < b for a, b in quoted) or sentence.startswith("年", end) and len(match.group(1)) == 4:
            continue
        ratio = re.match(r"\s*:\s*1(?!\d)", sentence[end:])
        if ratio:
            out.append(Quantity(start, end + ratio.end(), float(match.group(1)), ":1", ratio=True))
            continue
        unit = _unit_at(sentence, end)
        if unit is None:
            continue
        name, magnitude, unit_end = unit
        value = float(match.group(1)) * {"万": 1e4, "亿": 1e8, "千": 1e3, None: 1}[magnitude]
        out.append(Quantity(start, unit_end, value, name))
    for match in CN_COUNT.finditer(sentence):
        unit = _unit_at(sentence, match.end(1))
        count = cn_to_int(match.group(1))
        if unit is not None and count is not None and unit[0] not in ("倍", "个百分点", "百分点"):
            out.append(Quantity(match.start(1), unit[2],
                                float(count) * {"万": 1e4, "亿": 1e8, "千": 1e3, None: 1}[unit[1]], unit[0]))
    for match in CN_NUMBER.finditer(sentence):
        if any(a <= match.start() < b for a, b in quoted):
            continue
        doubling = sentence.startswith("番", match.end())
        unit = _unit_at(sentence, match.end()) or (("倍", None, match.end() + 1) if doubling else None)
        numeral = cn_to_int(match.group(1))
        if unit is None or numeral is None:
            continue
        if doubling:  # 翻一番 = doubles, 翻两番 = quadruples
            numeral = 2 ** numeral - 1
        out.append(Quantity(match.start(), unit[2], float(numeral), "倍" if unit[0] in ("倍", "番") else unit[0]))
    out.sort(key=lambda q: q.start)
    for q in out:
        before = sentence[:q.start]
        q.pre = next((c for c in PRE_COMPARATORS if before.endswith(c) or re.search(c + r"\s*$", before[-6:])), None)
        q.post = next((c for c in POST_COMPARATORS if sentence.startswith(c, q.end)), None)
        if q.post:
            q.end += len(q.post)
    return out


_DELIMITER = re.compile(r"[，,；;。]|(?<!\d)[:：]|[:：](?!\d)")


def _clause_bounds(sentence: str, pos: int) -> tuple[int, int]:
    """The comma clause around pos; a colon splits clauses except in a ratio (0.8:1)."""
    starts = [m.end() for m in _DELIMITER.finditer(sentence, 0, pos)]
    end = _DELIMITER.search(sentence, pos)
    return (starts[-1] if starts else 0), (end.start() if end else len(sentence))


def _clean_subject(text: str) -> str:
    text = BASELINE.sub("", text)
    text = YEAR.sub("", text)
    text = re.sub(r"^(?:力争|确保|到|至|在|其中|并|同时|全市|全县|全区|我市)+", "", text)
    text = re.sub(r"(?:分别|达到|超过|不低于|不少于|增长|提高|提升|增加|完成|建成|约|稳步|力争)+$", "", text)
    return text.strip("，,、；;：: 的")


def _year_before(sentence: str, pos: int) -> int | None:
    years = [int(m.group(1)) for m in YEAR.finditer(sentence[:pos])]
    return years[-1] if years else None


def _kind(sentence: str, q: Quantity, clause_start: int) -> tuple[str, int | None, float, str]:
    """(kind, baseline year, value, unit) from the wording around the quantity."""
    if q.ratio:
        return "ratio", None, q.value, ":1"
    before = sentence[:q.start]
    baseline = BASELINE.search(sentence[clause_start:q.start])
    changing = bool(CHANGE_VERBS.search(before.rstrip()[-8:] if before else ""))
    changing = changing or bool(re.search(r"(?:增长|提高|提升|增加|上升)(?:约)?$", before))
    # 能耗较2023年下降8%: a fall, kept as a negative change so it cannot be ticked as a rise.
    sign = -1.0 if re.search(r"(?:下降|降低|减少)了?约?$", before.rstrip()[-6:] if before else "") else 1.0
    if q.unit in ("个百分点", "百分点"):
        return "pp_increase", int(baseline.group(1)) if baseline else None, sign * q.value, "个百分点"
    if q.unit == "倍":
        return "multiple", int(baseline.group(1)) if baseline else None, q.value, "倍"
    if q.unit == "%" and (baseline or (changing and re.search(r"增长|增加|上升", before[-6:]))):
        return "growth", int(baseline.group(1)) if baseline else None, sign * q.value, "%"
    return "level", None, q.value, q.unit


class TargetFinder:
    def __init__(self, context: Context):
        self.ctx = context

    def scan(self, block: Block, section: str, paragraph_year: int | None = None) -> int | None:
        """Finds the targets of one block; returns the year in force at its end (goals carry it)."""
        text = block.text
        found = heading(text)
        if found:
            text = found[2]
        year_in_force = paragraph_year
        for sentence in sentences(_percent_words(fold(text.replace("\t", "。")))):
            sentence_year = _year_before(sentence, len(sentence))
            self._sentence(sentence, block.id, section, year_in_force)
            if section == "goals" and sentence_year:
                year_in_force = sentence_year
        return year_in_force

    def _sentence(self, sentence: str, block: int, section: str, carried_year: int | None) -> None:
        qs = quantities(sentence)
        if "分别" in sentence and len(qs) >= 2:
            from huanxin.plans.importer.lists import respectively  # lists builds on this module

            for at in [m.start() for m in re.finditer("分别", sentence)]:
                taken = respectively(self, sentence, qs, block, section, carried_year, at)
                qs = [q for q in qs if q not in taken]  # the list's values are read; the clauses after it are not
        for index, q in enumerate(qs):
            self._one(sentence, q, qs[index - 1] if index else None, qs[index + 1] if index + 1 < len(qs) else None,
                      block, section, carried_year)
        for match in ALL_OF.finditer(sentence):
            if section == "goals" or COMMITTED.search(sentence[:match.start()]):
                self._all_of(sentence, match, block, section, carried_year)
        if section == "goals" and not qs and not ALL_OF.search(sentence):
            self._qualitative(sentence, block, carried_year)

    def _year(self, sentence: str, pos: int, carried: int | None) -> tuple[int, bool]:
        explicit = _year_before(sentence, pos)
        if explicit is None:
            after = YEAR.search(sentence, pos)
            clause_start, clause_end = _clause_bounds(sentence, pos)
            if after and after.start() < clause_end and not BASELINE.search(sentence[after.start() - 1:after.end()]):
                explicit = int(after.group(1))
        if explicit:
            return explicit, True
        return (carried, True) if carried else (self.ctx.horizon, False)

    def _is_target(self, sentence: str, q: Quantity, kind: str, has_year: bool, section: str) -> bool:
        start, end = _clause_bounds(sentence, q.start)
        clause = sentence[start:end]
        if q.unit in ("项", "个", "条") and _counts_plan_parts(sentence, q, clause):
            return False
        if q.unit in ("元", "万元") and SUBSIDY.search(clause) or SUBSIDY.search(sentence[max(0, q.start - 6):q.start]):
            return False
        if kind != "level" or q.pre or q.post or has_year:
            return True
        if re.search(r"力争|确保|每年|累计|实现|覆盖", sentence[:q.start]):
            return True
        # 东区、钒钛高新区、格里坪园区3个园区: a list of named items followed by their count.
        return bool(ENUMERATION_COUNT.search(sentence[start:q.start])) and q.unit in indicators.COUNT_UNITS

    def _subject(self, sentence: str, q: Quantity, prev: Quantity | None, nxt: Quantity | None) -> str:
        """The words a quantity measures: the clause around it, without the words of neighbouring
        quantities; when the clause is only "力争2024年完成30台（套）", the clauses before it."""
        start, end = _clause_bounds(sentence, q.start)
        left = max(start, prev.end if prev else start)
        stops = [i for i in (sentence.find(ch, q.end, end) for ch in "、；;") if i >= 0] if nxt and nxt.start < end \
            else []
        right = min([end, *stops, *([nxt.start] if nxt and nxt.start > q.end else [])])
        before = _clean_subject(sentence[left:q.start])
        after = _clean_subject(sentence[q.end:right])
        subject = (before + after).strip()
        if len(re.sub(r"(?:更新改造|改造|建设|打造|培育|新建|推动|推进|完成|新增)", "", subject)) >= 3:
            return subject
        earlier = sentence[:start].rstrip("，,：: ")
        return _clean_subject(earlier[-60:]) + subject

    def _one(self, sentence: str, q: Quantity, prev: Quantity | None, nxt: Quantity | None, block: int,
             section: str, carried: int | None) -> None:
        clause_start, clause_end = _clause_bounds(sentence, q.start)
        kind, baseline, value, unit = _kind(sentence, q, clause_start)
        year, has_year = self._year(sentence, q.start, carried)
        if section == "goals":
            has_year = has_year or carried is not None
        if not self._is_target(sentence, q, kind, has_year, section):
            return
        subject = self._subject(sentence, q, prev, nxt)
        self._add(sentence, subject, kind, baseline, value, unit, q.post or q.pre, year, block, section,
                  (clause_start, clause_end), q.start)

    def _all_of(self, sentence: str, match: re.Match[str], block: int, section: str, carried: int | None) -> None:
        start, end = _clause_bounds(sentence, match.start())
        year, _ = self._year(sentence, match.start(), carried)
        subject = _clean_subject(sentence[start:end].replace(match.group(0), ""))
        self._add(sentence, subject, "level", None, 100.0, "%", match.group(0), year, block, section, (start, end),
                  match.start())

    def _add(self, sentence: str, subject: str, kind: str, baseline: int | None, value: float, unit: str,
             comparator: str | None, year: int, block: int, section: str, bounds: tuple[int, int], pos: int) -> None:
        # The clause and the two before it: a whole sentence may speak of several indicators.
        clause_starts = [0] + [i + 1 for i, ch in enumerate(sentence[:bounds[0]]) if ch in "，,；;："]
        context = sentence[clause_starts[max(0, len(clause_starts) - 3)]:bounds[1]]
        lookup_unit = unit
        found = indicators.match(subject, context, kind, lookup_unit)
        if baseline is None and kind in ("growth", "pp_increase", "multiple"):
            baseline = self.ctx.default_baseline
        annual = "每年" in sentence[:pos] or "年均" in sentence[:pos]
        text = _source_text(sentence, bounds)
        self.ctx.found.append(Found(
            indicator=found.code, indicator_name=found.name, score=found.score,
            proposed=None if found.code else (indicators.proposed_name(subject), unit if kind == "level" else ""),
            year=self.ctx.first_year if annual and not _year_before(sentence, pos) else year,
            kind=kind, value=_round(value), unit=unit, comparator=comparator,
            aspirational="力争" in sentence[:pos], baseline_year=baseline,
            # 累计 speaks for its own clause: "累计更新农机2000台，每年实施项目20个" is one of each.
            cumulative="累计" in sentence[bounds[0]:pos], annual=annual, section=section, text=text, block=block,
            subject=subject,
        ))

    def _qualitative(self, sentence: str, block: int, year: int | None) -> None:
        for part in re.split(r"[，,；;。]", sentence):
            if QUALITATIVE.search(part) and len(part) >= 8:
                self.ctx.qualitative.append((year or _year_before(sentence, len(sentence)), part.strip(), block))


def _source_text(sentence: str, bounds: tuple[int, int]) -> str:
    """The clause a target came from, extended to the start of the sentence when the clause alone
    would lose the year or the subject (到2027年，…)."""
    start, end = bounds
    clause = sentence[start:end].strip("，,；;。 ")
    return clause if len(clause) >= 12 else sentence.strip("，,；;。 ")


def _round(value: float) -> float:
    return float(int(value)) if value == int(value) else round(value, 4)


def dedupe(found: list[Found]) -> list[Found]:
    """The same target stated twice in one section (a summary sentence repeating a clause) counts once."""
    seen: set[tuple[object, ...]] = set()
    out = []
    for f in found:
        key = (f.indicator or f.subject, f.year, f.kind, f.value, f.baseline_year, f.section, f.block)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out


def number_in(text: str) -> float | None:
    return number_value(text)
