"""Who carries a task out, under each convention of the genre:

- 〔牵头，配合〕 — units before the first comma lead, the rest co-operate, when the plan says so
  (逗号前为牵头单位) or when the clause has no 按职责分工负责;
- 牵头单位：…；责任单位（配合单位）：… — explicit labels;
- X牵头，Y配合 / X牵头，各有关部门按职责分工负责;
- …按（照）职责分工负责 / …等按职责分工负责 — every named unit is jointly responsible;
- X负责 — a single responsible unit;
- a table column headed 牵头单位 / 配合单位 / 责任单位.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from huanxin.plans.importer.metadata import IMPLEMENTERS, RULE_SENTENCE, implementers_note_at
from huanxin.plans.importer.units import COUNTIES_COLLECTIVE, GENERIC, clean_name, looks_like_unit

JOINT_PHRASE = re.compile(r"(?:按照?|依据|根据)?(?:各自)?职责(?:分工)?(?:分别)?负责(?:落实)?|分别负责|共同负责")
LEAD_LABEL = re.compile(r"(?:牵头(?:责任)?单位|牵头部门|主责单位|牵头)[:：]")
CO_LABEL = re.compile(r"(?:责任单位|配合单位|参与单位|协同单位|协办单位|配合部门|责任部门)[:：]")
COUNTIES_DO_IT = re.compile(r"各[^，,。；;]{0,20}?(?:人民政府|政府|管委会)?(?:负责落实|贯彻落实|抓好落实|负责实施)")


@dataclass
class Assignment:
    mode: str = "none"  # lead_co | joint | lead_only | none
    lead: list[str] = field(default_factory=list)
    co: list[str] = field(default_factory=list)
    joint: list[str] = field(default_factory=list)
    all_counties: bool = False
    generic_only: bool = False  # named no one in particular (各有关部门按职责分工负责)

    @property
    def named(self) -> list[str]:
        return [*self.lead, *self.co, *self.joint]


def split_names(text: str) -> tuple[list[str], bool, bool]:
    """Units of a list (顿号, 和, 及, spaces), plus whether it named all counties and whether it
    contained generic words; phrases that are not organisations are dropped."""
    names: list[str] = []
    counties = generic = False
    for raw in re.split(r"[、，,；;\s]+|和(?=市|县|区)|及(?=市|县|区)", text):
        name = clean_name(raw)
        if not name:
            continue
        if COUNTIES_COLLECTIVE.match(name):
            counties = True
        elif GENERIC.search(name):
            generic = True
        elif looks_like_unit(name) and name not in names:
            names.append(name)
    return names, counties, generic


def _strip_notes(clause: str) -> tuple[str, bool]:
    """Removes the rule sentence and the 不再单独列出 note; says whether counties carry it out."""
    text = clause
    counties = False
    if note := IMPLEMENTERS.search(text):
        counties = True
        sentence = implementers_note_at(text, note.start(), note.end())
        text = text.replace(sentence, "")
    text = RULE_SENTENCE.sub("", text)
    text = re.sub(r"[，,]?\s*下同\s*", "", text)
    # "各县区人民政府负责落实" inside the clause is the county rule, not a unit of the list.
    if COUNTIES_DO_IT.search(text):
        counties = True
        text = COUNTIES_DO_IT.sub("", text)
    return re.sub(r"[。；;，,\s]+$", "", re.sub(r"^[。；;，,\s]+", "", text)), counties


def parse_clause(clause: str, *, comma_rule: bool, column: str | None = None) -> Assignment:
    """Reads one responsibility clause. `comma_rule` is True when the plan says units before the
    comma lead; `column` is the header of the table column the clause came from, if any."""
    text, counties = _strip_notes(clause.strip().strip("（）()〔〕[]【】"))
    result = _labelled(text) or _lead_then_rest(text) or _by_punctuation(text, comma_rule, column)
    result.all_counties = result.all_counties or counties
    return result


def _labelled(text: str) -> Assignment | None:
    """牵头单位：…；责任单位：… and 责任单位：…；配合单位：…: 责任单位 leads unless a 牵头 label precedes it."""
    lead_match = LEAD_LABEL.search(text)
    co_match = CO_LABEL.search(text, lead_match.end()) if lead_match else None
    if lead_match is None:
        responsible = re.search(r"(?:责任单位|责任部门)[:：]", text)
        helper = re.search(r"(?:配合单位|参与单位|协同单位|协办单位|配合部门)[:：]", text)
        if responsible is None:
            return None
        if helper is None:
            names, counties, _ = split_names(text[responsible.end():])
            mode = "lead_only" if len(names) == 1 else "joint"
            return Assignment(mode=mode, lead=names if mode == "lead_only" else [],
                              joint=names if mode == "joint" else [], all_counties=counties)
        lead_match, co_match = responsible, helper
    lead_text = text[lead_match.end():co_match.start() if co_match else len(text)]
    lead, c1, _ = split_names(lead_text)
    co, c2, _ = split_names(text[co_match.end():]) if co_match else ([], False, False)
    co = [u for u in co if u not in lead]
    return Assignment(mode="lead_co" if co else "lead_only", lead=lead, co=co, all_counties=c1 or c2)


def _lead_then_rest(text: str) -> Assignment | None:
    """X、Y牵头，Z配合 / X牵头，各有关部门按职责分工负责."""
    match = re.match(r"^(.+?)牵头[，,、；;]?(.*)$", text)
    if not match or "牵头单位" in text:
        return None
    lead, c1, _ = split_names(match.group(1))
    if not lead:
        return None
    rest = JOINT_PHRASE.sub("", re.sub(r"(?:配合|参与|协同|协助)(?:落实|实施)?$", "", match.group(2)))
    co, c2, _ = split_names(rest)
    co = [u for u in co if u not in lead]
    return Assignment(mode="lead_co" if co else "lead_only", lead=lead, co=co, all_counties=c1 or c2)


def _by_punctuation(text: str, comma_rule: bool, column: str | None) -> Assignment:
    joint_phrase = bool(JOINT_PHRASE.search(text))
    body = JOINT_PHRASE.sub("", text)
    single = re.sub(r"负责$", "", body.strip())
    comma = re.search(r"[，,]", single)
    if comma and (comma_rule or not joint_phrase) and column not in ("co",):
        lead, c1, _ = split_names(single[:comma.start()])
        co, c2, g2 = split_names(single[comma.end():])
        if lead and co:
            return Assignment(mode="lead_co", lead=lead, co=[u for u in co if u not in lead], all_counties=c1 or c2)
    names, counties, generic = split_names(single)
    if column == "co":
        return Assignment(mode="lead_co" if names else "none", co=names, all_counties=counties)
    if joint_phrase and column != "lead":
        return Assignment(mode="joint", joint=names, all_counties=counties, generic_only=not names and generic)
    if names:
        return Assignment(mode="lead_only", lead=names, all_counties=counties)
    return Assignment(mode="none", all_counties=counties, generic_only=generic)


def is_unit_clause(clause: str) -> bool:
    """Whether a bracketed clause assigns units (rather than explaining a term, e.g. （含县城））."""
    text, counties = _strip_notes(clause.strip().strip("（）()〔〕[]【】"))
    if LEAD_LABEL.search(text) or re.search(r"(?:责任|配合)(?:单位|部门)[:：]", text) or counties and not text:
        return True
    names, counties2, generic = split_names(JOINT_PHRASE.sub("", re.sub(r"牵头|负责$", "", text)))
    leftovers = [clean_name(p) for p in re.split(r"[、，,；;\s]+", JOINT_PHRASE.sub("", text)) if clean_name(p)]
    if not leftovers:
        return bool(counties or counties2 or generic)
    recognised = sum(1 for p in leftovers if looks_like_unit(re.sub(r"牵头$|负责$", "", p))
                     or COUNTIES_COLLECTIVE.match(p) or GENERIC.search(p))
    return bool(names or counties2 or generic) and recognised >= max(1, len(leftovers) * 0.6)
