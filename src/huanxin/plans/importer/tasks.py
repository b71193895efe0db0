"""The task tree of the body, from the heading hierarchy of Chinese official writing:

    一、 action      （一） key_task      1. / 一是 / an unnumbered paragraph  measure      （1） sub_measure

A heading with one unnumbered paragraph under it carries that paragraph itself (the plan did not
split it); with several, each paragraph is a measure titled by its first sentence. Sections that
state goals or guiding ideas (目标, 指导思想, 总体要求 without sub-headings) are not tasks: the
target extractor reads them instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from huanxin.plans.importer.layout import Block
from huanxin.plans.importer.responsibility import Assignment, is_unit_clause, parse_clause, split_names
from huanxin.plans.importer.units import UnitBook, looks_like_unit
from huanxin.plans.numbering import is_closing_paragraph

MARKERS: list[tuple[int, re.Pattern[str]]] = [
    (1, re.compile(r"^\s*([一二三四五六七八九十]{1,3}[、.．])\s*")),
    (2, re.compile(r"^\s*([（(][一二三四五六七八九十]{1,3}[）)])\s*")),
    (3, re.compile(r"^\s*(\d{1,2}[.．、])(?!\d)\s*")),
    (4, re.compile(r"^\s*([（(]\d{1,2}[）)])\s*")),
    (5, re.compile(r"^\s*([一二三四五六七八九十]{1,2}是)[，,：:]?\s*")),
]
NOT_TASKS = re.compile(r"目标|指导思想|总体要求|基本原则|工作原则|总体思路|主要原则|适用范围|编制依据")
ACTION_KINDS: list[tuple[str, str]] = [
    (r"回收|循环利用|循环经济|再生资源", "recycling"),
    (r"以旧换新|消费品|换新", "consumer"),
    (r"标准", "standards"),
    (r"供需对接", "supply_demand"),
    (r"保障|支持政策|政策支持|要素|财税|金融", "guarantee"),
    (r"机制|组织实施|组织领导|工作要求|落实|推进措施", "mechanism"),
    (r"设备更新|技术改造|技改", "equipment"),
]
LEVEL_OF_RANK = {1: "action", 2: "key_task", 3: "measure", 4: "sub_measure"}
SUBJECT_LIST = re.compile(r"^((?:[\u4e00-\u9fa5（）()]{2,24}、)+[\u4e00-\u9fa5（）()]{2,24}?)"
                          r"等(?:有关|相关)?(?:部门|单位)")
VERB_IN_NAME = re.compile(r"包括|包含|由|为|是|有|与|在|对|向")
# 工作专班办公室设在市发改委: the office that runs the mechanism leads it.
SEAT_OF_OFFICE = re.compile(r"(?:办公室|专班)设在([\u4e00-\u9fa5]{2,20}?)(?:[，,。；;]|$|，负责)")


@dataclass
class Raw:
    rank: int
    no: str | None
    rest: str  # text after the numbering
    block: int
    children: list[Raw] = field(default_factory=list)
    is_plain: bool = False


@dataclass
class Node:
    """A task as proposed; `responsibility` is the clause as printed."""

    no: str | None
    title: str
    level: str
    text: str | None
    block: int
    action: str | None = None
    responsibility: str | None = None
    deadline: str | None = None
    assignment: Assignment = field(default_factory=Assignment)
    children: list[Node] = field(default_factory=list)


@dataclass
class BodyTree:
    roots: list[Node]
    goal_blocks: set[int]  # paragraphs of goal sections, for the target extractor


def heading(text: str) -> tuple[int, str, str] | None:
    for rank, pattern in MARKERS:
        match = pattern.match(text)
        if match:
            return rank, match.group(1), text[match.end():]
    return None


def action_kind(title: str) -> str | None:
    return next((kind for pattern, kind in ACTION_KINDS if re.search(pattern, title)), None)


def trailing_clause(paragraph: str) -> tuple[str, str | None]:
    """Splits a paragraph into its text and the bracketed unit clause that closes it, if any."""
    stripped = paragraph.rstrip().rstrip("。；;")
    if not stripped or stripped[-1] not in "）)〕]】":
        return paragraph, None
    depth = 0
    for i in range(len(stripped) - 1, -1, -1):
        ch = stripped[i]
        if ch in "）)〕]】":
            depth += 1
        elif ch in "（(〔[【":
            depth -= 1
            if depth == 0:
                clause = stripped[i:]
                if is_unit_clause(clause):
                    return stripped[:i].rstrip(), clause
                return paragraph, None
    return paragraph, None


def title_of(text: str, limit: int = 40) -> str:
    """The heading sentence of a paragraph: its first sentence if short, else its first clause."""
    first = re.split(r"[。；;！？]", text, maxsplit=1)[0].strip()
    # （一）加强组织领导，（市发展改革委牵头）: the comma only separates the heading from its units.
    first = re.sub(r"[，,]\s*$", "", first)
    if first and len(first) <= limit:
        return first
    clause = re.split(r"[，,：:]", first, maxsplit=1)[0].strip()
    return clause if len(clause) <= limit + 20 else clause[:limit] + "…"


def _raw_tree(body: list[Block]) -> list[Raw]:
    roots: list[Raw] = []
    stack: list[Raw] = []
    for block in body:
        found = heading(block.text)
        if found is None:
            if stack:
                stack[-1].children.append(Raw(rank=9, no=None, rest=block.text, block=block.id, is_plain=True))
            continue
        rank, no, rest = found
        node = Raw(rank=rank, no=no, rest=rest, block=block.id)
        while stack and stack[-1].rank >= rank:
            stack.pop()
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)
    return roots


def _closing_paragraphs(roots: list[Raw]) -> list[Raw]:
    """Unnumbered closing words at the end of the body (各地各部门要…) assign no units and are not
    tasks (`numbering.is_closing_paragraph`, the loader's rule too): they are taken off the tree."""
    if not roots:
        return []
    container = roots[-1]
    while container.children and not container.children[-1].is_plain:
        container = container.children[-1]
    closing: list[Raw] = []
    while container.children and container.children[-1].is_plain:
        last = container.children[-1]
        if not is_closing_paragraph(None, last.rest, trailing_clause(last.rest)[1] is not None, False):
            break
        closing.insert(0, container.children.pop())
    return closing


class TreeBuilder:
    def __init__(self, units: UnitBook, comma_rule: bool, counties_note: bool):
        self.units = units
        self.comma_rule = comma_rule
        self.counties_note = counties_note
        self.goal_blocks: set[int] = set()

    def build(self, body: list[Block]) -> BodyTree:
        roots = _raw_tree(body)
        _closing_paragraphs(roots)  # not tasks: their words stay in the document's source blocks
        nodes = [n for raw in roots if (n := self._node(raw, None)) is not None]
        return BodyTree(nodes, self.goal_blocks)

    def _skip(self, raw: Raw, parent: Node | None) -> bool:
        title = title_of(raw.rest)
        headed = any(not c.is_plain for c in raw.children)
        # A goals or guiding-ideas section is not a task, unless it has headings that are tasks.
        task_section = headed and "要求" in title and "总体" not in title  # 工作要求 with numbered items
        goals_like = raw.rank <= 2 and NOT_TASKS.search(title) and not task_section
        only_goals = not headed or all(NOT_TASKS.search(title_of(c.rest)) for c in raw.children if not c.is_plain)
        if goals_like and only_goals:
            self._mark_goals(raw)
            return True
        return False

    def _mark_goals(self, raw: Raw) -> None:
        self.goal_blocks.add(raw.block)
        for child in raw.children:
            self._mark_goals(child)

    def _node(self, raw: Raw, parent: Node | None) -> Node | None:
        if self._skip(raw, parent):
            return None
        level = LEVEL_OF_RANK.get(raw.rank) or ("sub_measure" if parent and parent.level == "measure" else "measure")
        body, clause = trailing_clause(raw.rest)
        title = title_of(body)
        text = body.strip() if body.strip() != title and body.strip().rstrip("。") != title else None
        node = Node(no=raw.no, title=title.rstrip("。"), level=level, text=text, block=raw.block)
        if level == "action":
            node.action = action_kind(node.title) or "other"
        elif parent is not None and parent.action == "other" and (kind := action_kind(node.title)):
            node.action = kind
        self._assign(node, clause, body)
        self._children(node, raw)
        return node

    def _children(self, node: Node, raw: Raw) -> None:
        plain = [c for c in raw.children if c.is_plain]
        headed = [c for c in raw.children if not c.is_plain]
        if headed or len(plain) == 1:
            # Intro text of a heading with numbered children, or the single paragraph of a heading.
            for p in plain:
                body, clause = trailing_clause(p.rest)
                node.text = "".join(filter(None, [node.text, body]))
                if clause and node.responsibility is None:
                    self._assign(node, clause, body)
                elif node.responsibility is None and node.assignment.mode == "none":
                    self._assign(node, None, body)
            for child in headed:
                built = self._node(child, node)
                if built is not None:
                    node.children.append(built)
            return
        level = "sub_measure" if node.level in ("measure", "sub_measure") else "measure"
        for p in plain:
            node.children.append(self._plain(p, level))

    def _plain(self, raw: Raw, level: str) -> Node:
        body, clause = trailing_clause(raw.rest)
        node = Node(no=None, title=title_of(body).rstrip("。"), level=level, text=body.strip(), block=raw.block)
        self._assign(node, clause, body)
        return node

    def _assign(self, node: Node, clause: str | None, body: str) -> None:
        if clause:
            node.responsibility = clause
            node.assignment = parse_clause(clause, comma_rule=self.comma_rule)
            node.assignment.all_counties = node.assignment.all_counties or self.counties_note
        elif subject := _subject_units(body):
            node.assignment = Assignment(mode="joint", joint=subject)
        elif (seat := SEAT_OF_OFFICE.search(body)) and looks_like_unit(seat.group(1)):
            node.assignment = Assignment(mode="lead_only", lead=[seat.group(1)])
        for name in node.assignment.named:
            self.units.add(name, node.block)


def _subject_units(body: str) -> list[str]:
    """Units named as the subject of a sentence (市工信局、市住建局…等部门及时…): jointly responsible."""
    for sentence in re.split(r"[。；;]", body):
        for clause in re.split(r"[，,]", sentence):
            match = SUBJECT_LIST.match(clause.strip())
            if match:
                names, _, _ = split_names(match.group(1))
                if len(names) >= 2 and all(looks_like_unit(n) and not VERB_IN_NAME.search(n) for n in names):
                    return names
    return []
